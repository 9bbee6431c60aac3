"""Regrading one attempt after its question's answer key changed. Pure: the four choices an instructor has.

  full_credit  everyone gets full marks on the question, whatever they answered;
  both         the better of the old key and the new key (an answer right under either counts as right);
  new_only     the new key alone decides;
  keep         old attempts keep their score (they are only marked as seen by this regrade).

An attempt a person graded or overrode is never changed by a regrade: a person's decision stands until a person
changes it. The caller leaves those out and lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coursesite.course.model import Question
from coursesite.grading.rules import InvalidResponse, grade, to_milli


class RegradeMode(StrEnum):
    FULL_CREDIT = "full_credit"
    BOTH = "both"
    NEW_ONLY = "new_only"
    KEEP = "keep"


MODE_LABELS_SV = {
    RegradeMode.FULL_CREDIT: "Ge alla full poäng",
    RegradeMode.BOTH: "Räkna både det gamla och det nya rätta svaret",
    RegradeMode.NEW_ONLY: "Räkna bara det nya rätta svaret",
    RegradeMode.KEEP: "Låt gamla försök vara som de är",
}


@dataclass(frozen=True)
class Regraded:
    score_milli: int
    max_score_milli: int
    note: str = ""  # Swedish, shown in the dry run when something needs explaining


def _score_under(question: Question, response: Any) -> int | None:
    """The score under `question`'s key, or None when the response no longer fits it (a removed choice, say)."""
    try:
        result = grade(question, response)
    except InvalidResponse:
        return None
    return None if result.score is None else to_milli(result.score)


def regrade_attempt(
    mode: RegradeMode,
    *,
    new_question: Question,
    old_question: Question | None,
    response: Any,
    score_milli: int | None,
    max_score_milli: int,
) -> Regraded:
    """The attempt's score after the regrade. `old_question` is None when the old key was never recorded."""
    new_max = to_milli(new_question.points)
    if mode is RegradeMode.KEEP:
        return Regraded(score_milli or 0, max_score_milli)
    if mode is RegradeMode.FULL_CREDIT:
        return Regraded(new_max, new_max)
    new_score = _score_under(new_question, response)
    note = (
        ""
        if new_score is not None
        else "Svaret passar inte längre frågan (ett alternativ har tagits bort) och får 0 p med den nya nyckeln."
    )
    if mode is RegradeMode.NEW_ONLY:
        return Regraded(new_score or 0, new_max, note)
    # BOTH: the better of the two keys, each as a fraction of its own maximum, scaled to the new points.
    if old_question is None:
        return Regraded(new_score or 0, new_max, "Den gamla nyckeln finns inte sparad; bara den nya räknas.")
    old_score = _score_under(old_question, response)
    old_max = to_milli(old_question.points)
    old_scaled = 0 if not old_score or old_max == 0 else old_score * new_max // old_max
    best = max(new_score or 0, old_scaled)
    return Regraded(best, new_max, "" if best == old_scaled or new_score is not None else note)
