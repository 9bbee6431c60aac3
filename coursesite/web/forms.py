"""HTML forms turned into the same response shapes the JSON API takes, leniently: a bad form re-renders with a
message instead of becoming a JSON 400."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, TypeVar

from litestar.datastructures import FormMultiDict

from coursesite.core.errors import Invalid
from coursesite.course.model import Matching, Ordering, Question, QuestionType
from coursesite.privacy.pii import find_forbidden

MAX_FIELD_LENGTH = 10_000
FormT = TypeVar("FormT")
KeyT = TypeVar("KeyT")


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


# -- typed form classes: every HTML form handler reads its form through one of these, never field by field


def read_form(form_class: type[FormT], form: FormMultiDict) -> FormT:
    """``form_class`` (a dataclass whose fields are ``str``, ``bool`` or ``list[str]``) filled from an HTML form.

    Lenient, as HTML forms must be (architecture.md, trap 8): a missing text field is its default or ``""``, a file
    upload where text was expected counts as missing, a checkbox is true when present with any value but ``""``,
    ``"0"``, ``"false"`` or ``"nej"``, and ``list[str]`` collects every value of a repeated field. Text is cut at
    ``MAX_FIELD_LENGTH + 1`` characters so that the validation that follows still sees it is too long. Checking the
    values is the service's and the pure code's work (core/text.py, accounts/validation.py …), not this layer's.
    """
    if not dataclasses.is_dataclass(form_class):
        raise TypeError(f"{form_class!r} is not a dataclass")
    hints = typing.get_type_hints(form_class)
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(form_class):
        kind = hints[spec.name]
        if kind is bool:
            raw = form.get(spec.name)
            values[spec.name] = isinstance(raw, str) and raw.strip().lower() not in _UNCHECKED
        elif kind == list[str]:
            values[spec.name] = [v[: MAX_FIELD_LENGTH + 1] for v in form.getall(spec.name, []) if isinstance(v, str)]
        elif kind is str:
            raw = form.get(spec.name)
            if isinstance(raw, str):
                values[spec.name] = raw[: MAX_FIELD_LENGTH + 1]
        else:
            raise TypeError(f"{form_class.__name__}.{spec.name}: a form field is str, bool or list[str], not {kind!r}")
    return form_class(**values)


_UNCHECKED = frozenset({"", "0", "false", "nej", "off"})


def shown_again(values: dict[KeyT, str]) -> dict[KeyT, str]:
    """Form values to put back into a re-rendered form: a value holding a personnummer, samordningsnummer or card
    number is blanked, so that the refused number is never sent back to the browser (nor cached or logged there)."""
    return {name: ("" if value and find_forbidden(value) else value) for name, value in values.items()}
