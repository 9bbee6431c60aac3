"""Questions to plain JSON data and back, and the version of a question's grading key.

Pure. The data is what `question_version.definition` stores, so a regrade can grade an old attempt against the key
it was first graded with. Decimals are written as strings: JSON numbers would pass through float.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from coursesite.course.model import (
    AcceptedAnswer,
    Choice,
    Essay,
    Matching,
    MatchPair,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    NumericUnit,
    Option,
    Ordering,
    Question,
    QuestionType,
    RubricCriterion,
    ShortAnswer,
    SingleChoice,
    TextFormat,
    TrueFalse,
)

__all__ = ["CodecError", "grading_version", "question_from_data", "question_to_data"]

_CLASSES: dict[QuestionType, type[Question]] = {
    QuestionType.SINGLE_CHOICE: SingleChoice,
    QuestionType.MULTIPLE_CHOICE: MultipleChoice,
    QuestionType.TRUE_FALSE: TrueFalse,
    QuestionType.SHORT_ANSWER: ShortAnswer,
    QuestionType.NUMERIC: Numeric,
    QuestionType.MATCHING: Matching,
    QuestionType.ORDERING: Ordering,
    QuestionType.ESSAY: Essay,
}
_DECIMALS = {"points", "fraction", "value", "tolerance", "low", "high"}
# What only changes how a question reads, not how it scores: left out of the grading version.
_PRESENTATION = {
    "prompt",
    "name",
    "general_feedback",
    "text_format",
    "answer_formats",
    "category",
    "feedback",
    "feedback_true",
    "feedback_false",
}


class CodecError(ValueError):
    """Stored question data that does not describe a question."""


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def question_to_data(question: Question) -> dict[str, Any]:
    return _plain(dataclasses.asdict(question))


def _decimal(value: Any, key: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise CodecError(f"'{key}' is not a number: {value!r}") from None


def _decimals(item: dict[str, Any]) -> dict[str, Any]:
    return {key: (_decimal(value, key) if key in _DECIMALS else value) for key, value in item.items()}


def question_from_data(data: dict[str, Any]) -> Question:
    """The question `question_to_data` wrote. CodecError names what is missing or wrong."""
    try:
        kind = _CLASSES[QuestionType(data["type"])]
        fields = {key: value for key, value in _decimals(data).items() if key != "type"}
        fields["text_format"] = TextFormat(fields.get("text_format", TextFormat.MARKDOWN))
        fields["answer_formats"] = tuple((str(k), TextFormat(f)) for k, f in fields.get("answer_formats", ()))
        if kind in (SingleChoice, MultipleChoice):
            fields["choices"] = tuple(Choice(**_decimals(c)) for c in fields["choices"])
        elif kind is ShortAnswer:
            fields["answers"] = tuple(AcceptedAnswer(**_decimals(a)) for a in fields["answers"])
        elif kind is Numeric:
            fields["answers"] = tuple(NumericAnswer(**_decimals(a)) for a in fields["answers"])
            fields["unit"] = None if fields.get("unit") is None else NumericUnit(fields["unit"])
        elif kind is Matching:
            fields["pairs"] = tuple(
                MatchPair(left=Option(**p["left"]), right_id=p["right_id"]) for p in fields["pairs"]
            )
            fields["rights"] = tuple(Option(**o) for o in fields["rights"])
        elif kind is Ordering:
            fields["items"] = tuple(Option(**o) for o in fields["items"])
        elif kind is Essay:
            fields["rubric"] = tuple(RubricCriterion(**_decimals(c)) for c in fields.get("rubric", ()))
        return kind(**fields)
    except CodecError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"not a stored question: {exc!r}") from None


def _key_only(value: Any) -> Any:
    if isinstance(value, dict):
        has_id = "id" in value  # a choice, option or criterion: its id stands for its text
        return {
            key: _same_number(item) if key in _DECIMALS else _key_only(item)
            for key, item in value.items()
            if key not in _PRESENTATION and not (has_id and key == "text")
        }
    if isinstance(value, list):
        return [_key_only(item) for item in value]
    return value


def _same_number(value: Any) -> Any:
    """1, 1.0 and 1.00 are one key: a file written back with other trailing zeros changes nothing."""
    return value if value is None else format(Decimal(value).normalize(), "f")


def grading_version(question: Question) -> str:
    """A hash of what decides the score: answers, weights, tolerances, ids, points and rubric points.

    Rewording a prompt or a feedback keeps the version; changing the key, a weight or the points makes a new one.
    Choice and option texts are left out because their ids (which follow the text) are kept.
    """
    canonical = json.dumps(_key_only(question_to_data(question)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
