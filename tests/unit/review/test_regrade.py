"""The four regrade modes on one attempt, as a table of cases."""

import dataclasses
from decimal import Decimal

import pytest

from coursesite.course.model import Choice, SingleChoice
from coursesite.review.regrade import RegradeMode, regrade_attempt

OLD = SingleChoice(
    id="l.q",
    name="q",
    prompt="Vilken?",
    points=Decimal(2),
    choices=(
        Choice(id="a", text="A", fraction=Decimal(1)),
        Choice(id="b", text="B", fraction=Decimal("0.5")),
        Choice(id="c", text="C", fraction=Decimal(0)),
    ),
)
# The key changed: C is now right, A is worth nothing, B is gone.
NEW = dataclasses.replace(
    OLD, choices=(Choice(id="a", text="A", fraction=Decimal(0)), Choice(id="c", text="C", fraction=Decimal(1)))
)
FULL, BOTH, NEW_ONLY, KEEP = RegradeMode.FULL_CREDIT, RegradeMode.BOTH, RegradeMode.NEW_ONLY, RegradeMode.KEEP


@pytest.mark.parametrize(
    ("mode", "response", "old_score", "expected", "note"),
    [
        (FULL, "c", 0, 2000, ""),
        (FULL, "a", 2000, 2000, ""),
        (BOTH, "a", 2000, 2000, ""),  # right under the old key
        (BOTH, "c", 0, 2000, ""),  # right under the new key
        (BOTH, "b", 1000, 1000, ""),  # half under the old key; B no longer exists under the new one
        (NEW_ONLY, "a", 2000, 0, ""),
        (NEW_ONLY, "c", 0, 2000, ""),
        (NEW_ONLY, "b", 1000, 0, "ett alternativ har tagits bort"),
        (KEEP, "c", 0, 0, ""),
        (KEEP, "a", 2000, 2000, ""),
    ],
)
def test_modes(mode, response, old_score, expected, note):
    result = regrade_attempt(
        mode, new_question=NEW, old_question=OLD, response=response, score_milli=old_score, max_score_milli=2000
    )
    assert result.score_milli == expected
    assert result.max_score_milli == 2000
    assert note in result.note


def test_points_changed_scales_the_old_key_to_the_new_maximum():
    worth_four = dataclasses.replace(NEW, points=Decimal(4))
    result = regrade_attempt(
        BOTH, new_question=worth_four, old_question=OLD, response="b", score_milli=1000, max_score_milli=2000
    )
    assert (result.score_milli, result.max_score_milli) == (2000, 4000)  # half marks stay half marks
    full = regrade_attempt(
        FULL, new_question=worth_four, old_question=OLD, response="c", score_milli=0, max_score_milli=2000
    )
    assert (full.score_milli, full.max_score_milli) == (4000, 4000)


def test_both_without_the_old_key_counts_the_new_one_and_says_so():
    result = regrade_attempt(
        BOTH, new_question=NEW, old_question=None, response="a", score_milli=2000, max_score_milli=2000
    )
    assert result.score_milli == 0 and "gamla nyckeln finns inte" in result.note
