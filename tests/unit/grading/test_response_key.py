"""The short response keys the question statistics count by."""

from decimal import Decimal

import pytest

from coursesite.course.model import (
    AcceptedAnswer,
    Choice,
    Essay,
    Matching,
    MatchPair,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    Option,
    Ordering,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from coursesite.grading.rules import RESPONSE_KEY_CHARS, grade, response_key

CHOICES = (Choice(id="c1", text="A", fraction=Decimal(1)), Choice(id="c2", text="B", fraction=Decimal(0)))
QUESTIONS = {
    "single": SingleChoice(id="s", name="s", prompt="?", choices=CHOICES),
    "multiple": MultipleChoice(id="m", name="m", prompt="?", choices=CHOICES),
    "true_false": TrueFalse(id="t", name="t", prompt="?", answer=True),
    "short": ShortAnswer(
        id="sa", name="sa", prompt="?", answers=(AcceptedAnswer(text="Buffert", fraction=Decimal(1)),)
    ),
    "numeric": Numeric(id="n", name="n", prompt="?", answers=(NumericAnswer(fraction=Decimal(1), value=Decimal(5)),)),
    "matching": Matching(
        id="ma",
        name="ma",
        prompt="?",
        pairs=(
            MatchPair(left=Option(id="l1", text="x"), right_id="r1"),
            MatchPair(left=Option(id="l2", text="y"), right_id="r2"),
        ),
        rights=(Option(id="r1", text="1"), Option(id="r2", text="2")),
    ),
    "ordering": Ordering(id="o", name="o", prompt="?", items=(Option(id="i1", text="1"), Option(id="i2", text="2"))),
    "essay": Essay(id="e", name="e", prompt="?"),
}


@pytest.mark.parametrize(
    ("kind", "response", "key"),
    [
        ("single", "c2", "c2"),
        ("multiple", ["c2", "c1"], "c1,c2"),
        ("true_false", False, "false"),
        ("short", "  BUFFERT. ", "buffert"),  # compared case-folded and without trailing punctuation
        ("short", "Sparkonto", "sparkonto"),
        ("numeric", "1 234,50", "1234.5"),
        ("numeric", "5,0", "5"),
        ("matching", {"l2": "r1", "l1": "r2"}, "l1=r2;l2=r1"),
        ("ordering", ["i2", "i1"], "i2,i1"),
        ("essay", "Långt svar", None),
    ],
)
def test_keys(kind, response, key):
    question = QUESTIONS[kind]
    assert response_key(question, grade(question, response).normalized) == key


def test_a_long_short_answer_is_cut():
    question = QUESTIONS["short"]
    key = response_key(question, grade(question, "ö" * 450).normalized)
    assert key == "ö" * RESPONSE_KEY_CHARS
