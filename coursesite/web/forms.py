"""HTML forms turned into the same response shapes the JSON API takes, leniently: a bad form re-renders with a
message instead of becoming a JSON 400."""

from __future__ import annotations

from typing import Any

from litestar.datastructures import FormMultiDict

from coursesite.core.errors import Invalid
from coursesite.course.model import Matching, Ordering, Question, QuestionType

MAX_FIELD_LENGTH = 10_000


def _one(form: FormMultiDict, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def response_from_form(question: Question, form: FormMultiDict) -> Any:
    """The participant's response, in the JSON API's shape for the question's type."""
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return [v for v in form.getall("response", []) if isinstance(v, str)]
    if question.type is QuestionType.TRUE_FALSE:
        value = _one(form, "response")
        if value not in ("true", "false"):
            raise Invalid("Välj sant eller falskt.")
        return value == "true"
    if isinstance(question, Matching):
        return {pair.left.id: _one(form, f"match-{pair.left.id}") for pair in question.pairs}
    if isinstance(question, Ordering):
        positions: dict[str, int] = {}
        for item in question.items:
            raw = _one(form, f"position-{item.id}")
            if not raw.isdigit():
                raise Invalid("Ge varje påstående en plats i ordningen.")
            positions[item.id] = int(raw)
        if sorted(positions.values()) != list(range(1, len(question.items) + 1)):
            raise Invalid("Varje plats i ordningen ska användas exakt en gång.")
        return sorted(positions, key=positions.__getitem__)
    value = _one(form, "response")
    if question.type is QuestionType.SINGLE_CHOICE and not value:
        raise Invalid("Välj ett svarsalternativ.")
    return value[: MAX_FIELD_LENGTH + 1]  # the grader refuses what is too long, with a message
