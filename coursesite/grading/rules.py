"""Automatic grading: one response to one question -> a `GradeResult`.

Pure: no I/O, only the standard library, the course model and the free-text rule's characters (core/text.py).
`docs/grading.md` is the readable version of these rules; keep the two in step.

Every fraction is clamped to [0, 1] before it becomes a score: a question never scores below zero, whatever the
negative weights. The score is fraction × points, rounded half up to 0.001; the fraction is kept to 7 decimals
(Moodle's precision).

Responses arrive as decoded JSON. A response of the wrong shape, naming ids the question does not have, repeating
an id, leaving something out, too long or containing NUL (or another character the free-text rule refuses: control
characters but line breaks and tabs, bidi controls, lone surrogates) raises `InvalidResponse`, whose message is
Swedish and is meant to be shown to the participant as it is. Nothing about an invalid response is recorded as an
attempt.

Short answer (`short_answer`)
  The response is compared with each accepted answer in content order; the first that matches gives its fraction
  and feedback, and no match gives 0. Both sides are normalised the same way:
    1. Unicode NFC, so a decomposed "å" (a + combining ring) equals the precomposed one.
    2. Trimmed, and every run of whitespace (line breaks and no-break spaces too) collapsed to one space.
    3. Trailing punctuation . , ; : ! ? … is ignored ("Sparande." = "Sparande"); leading and inner punctuation counts.
    4. Case-insensitive (str.casefold) unless the question is case_sensitive.
  å, ä and ö are letters of their own and are never folded to a or o: "har" ≠ "hår", "for" ≠ "för".
  In an accepted answer `*` matches any run of characters (also none), `\\*` is a literal asterisk, and `*` alone
  matches every (non-empty) response. `normalized` is the response after steps 1–2, case and punctuation kept.

Numeric (`numeric`)
  Parsed with Decimal, never float:
    - grouping by space, no-break space (U+00A0), narrow no-break space (U+202F) or thin space (U+2009), in groups of
      three: "1 234 567"; "12 34" is rejected;
    - one decimal separator, comma or point: "1234,5", "1234.5"; a lone separator is always a decimal separator, so
      "1,234" and "1.234" both mean 1.234;
    - both, or more than one, of "," and "." is rejected as ambiguous: "1.234,5", "1,234.5", "1.234.567";
    - sign: "-", "+", "−" (U+2212) or "–" (U+2013, what word processors make of a minus);
    - no exponent ("1e3"), no "NaN" or "Infinity", at most 20 digits;
    - an optional unit suffix, with or without a space before it, case-insensitive: "kr", "kr.", "kronor", "sek",
      ":-" when the question's unit is kronor; "%" or "procent" when it is percent. A unit the question does not
      use (or any unit when it has none) is rejected with a message naming the expected unit. The unit is only
      stripped: "12 %" is 12, never 0.12.
  Then, of the answers whose closed interval (value ± tolerance, or low..high) contains the number, the one with
  the highest fraction wins (the first of equals, for its feedback); if none contains it, the first catch-all
  answer gives its fraction and feedback; otherwise 0. `normalized` is the canonical number, e.g. "1234.5".

Ordering (`ordering`)
  fraction = items in their correct absolute position / items. Chosen over Moodle qtype_ordering's "relative to
  next" because it is the rule a participant can check by eye ("3 of 5 are in the right place") and shows per
  position; its weakness, that shifting the whole list by one scores 0, matters little for the short lists here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import Literal

from coursesite.core.text import has_forbidden_characters
from coursesite.course.model import (
    Essay,
    Matching,
    MultipleChoice,
    Numeric,
    NumericAnswer,
    NumericUnit,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)

GradeStatus = Literal["graded", "pending_review"]

SCORE_QUANTUM = Decimal("0.001")
FRACTION_QUANTUM = Decimal("0.0000001")
ESSAY_MAX_CHARS = 10_000
SHORT_MAX_CHARS = 500  # short_answer and numeric
NUMERIC_MAX_DIGITS = 20

_ZERO = Decimal(0)
_ONE = Decimal(1)


_MILLI = Decimal(1000)


def to_milli(points: Decimal) -> int:
    """Points as stored: integer thousandths, rounded half up."""
    return int((points * _MILLI).quantize(_ONE, rounding=ROUND_HALF_UP))


def from_milli(milli: int | None) -> Decimal | None:
    return None if milli is None else (Decimal(milli) / _MILLI).normalize()


class InvalidResponse(ValueError):
    """The response cannot be graded. `str(exc)` is Swedish and may be shown to the participant as it is."""


@dataclass(frozen=True, kw_only=True)
class GradeResult:
    status: GradeStatus
    score: Decimal | None  # points; None while pending review
    max_score: Decimal  # the question's points
    fraction: Decimal | None  # score / max_score, in [0, 1]
    correct: bool | None  # full marks
    normalized: object  # JSON-serialisable canonical form of the response, for storage and display
    feedback: tuple[str, ...] = ()  # per-answer feedback only; the caller adds question.general_feedback


_EMPTY = "Skriv ett svar innan du skickar in."
_UNKNOWN = "Svaret innehåller ett alternativ som inte finns i frågan. Ladda om sidan och försök igen."
_NOT_A_NUMBER = "Svaret måste vara ett tal, till exempel 1 234,50."


def grade(question: Question, response: object) -> GradeResult:
    """Grade one response. InvalidResponse for a malformed response; TypeError for a question class it does not know."""
    match question:
        case SingleChoice():
            return _single_choice(question, response)
        case MultipleChoice():
            return _multiple_choice(question, response)
        case TrueFalse():
            return _true_false(question, response)
        case ShortAnswer():
            return _short_answer(question, response)
        case Numeric():
            return _numeric(question, response)
        case Matching():
            return _matching(question, response)
        case Ordering():
            return _ordering(question, response)
        case Essay():
            return _essay(question, response)
    raise TypeError(f"cannot grade a {type(question).__name__}")


# --- per type -------------------------------------------------------------------------------------------------


def _graded(question: Question, fraction: Decimal, normalized: object, feedback: Iterable[str]) -> GradeResult:
    fraction = min(max(fraction, _ZERO), _ONE)  # never below zero, never above full marks
    return GradeResult(
        status="graded",
        score=(fraction * question.points).quantize(SCORE_QUANTUM, ROUND_HALF_UP),
        max_score=question.points,
        fraction=fraction.quantize(FRACTION_QUANTUM, ROUND_HALF_UP),
        correct=fraction == _ONE,
        normalized=normalized,
        feedback=tuple(text for text in feedback if text.strip()),
    )


def _single_choice(question: SingleChoice, response: object) -> GradeResult:
    if not isinstance(response, str) or not response:
        raise InvalidResponse("Välj ett av alternativen.")
    choice = next((c for c in question.choices if c.id == response), None)
    if choice is None:
        raise InvalidResponse(_UNKNOWN)
    return _graded(question, choice.fraction, response, (choice.feedback,))


def _multiple_choice(question: MultipleChoice, response: object) -> GradeResult:
    ids = _id_list(response, "Svaret måste vara en lista med de alternativ du väljer.")
    picked = set(ids)
    if not picked <= {c.id for c in question.choices}:
        raise InvalidResponse(_UNKNOWN)
    chosen = [c for c in question.choices if c.id in picked]  # content order, for the feedback
    total = sum((c.fraction for c in chosen), _ZERO)
    return _graded(question, total, sorted(picked), (c.feedback for c in chosen))


def _true_false(question: TrueFalse, response: object) -> GradeResult:
    if not isinstance(response, bool):
        raise InvalidResponse("Svara Sant eller Falskt.")
    feedback = question.feedback_true if response else question.feedback_false
    return _graded(question, _ONE if response == question.answer else _ZERO, response, (feedback,))


def _short_answer(question: ShortAnswer, response: object) -> GradeResult:
    text = _tidy(_text(response, SHORT_MAX_CHARS))
    key = _comparable(text, question.case_sensitive)
    if not key:  # also a response of nothing but punctuation
        raise InvalidResponse(_EMPTY)
    for answer in question.answers:
        if _wildcard_match(_pattern(answer.text, question.case_sensitive), key):
            return _graded(question, answer.fraction, text, (answer.feedback,))
    return _graded(question, _ZERO, text, ())


def _numeric(question: Numeric, response: object) -> GradeResult:
    value = parse_number(_text(response, SHORT_MAX_CHARS), question.unit)
    best: NumericAnswer | None = None
    for answer in question.answers:
        bounds = answer.bounds()
        if bounds is not None and min(bounds) <= value <= max(bounds):
            if best is None or answer.fraction > best.fraction:
                best = answer
    if best is None:
        best = next((a for a in question.answers if a.is_catch_all), None)
    canonical = canonical_number(value)
    if best is None:
        return _graded(question, _ZERO, canonical, ())
    return _graded(question, best.fraction, canonical, (best.feedback,))


def _matching(question: Matching, response: object) -> GradeResult:
    if not isinstance(response, dict) or not all(
        isinstance(left, str) and isinstance(right, str) for left, right in response.items()
    ):
        raise InvalidResponse("Svaret måste para ihop varje alternativ med ett svar.")
    answered = {left: right for left, right in response.items() if right}  # "" is an unanswered drop-down
    lefts = {pair.left.id for pair in question.pairs}
    if not set(answered) <= lefts or not set(answered.values()) <= {o.id for o in question.rights}:
        raise InvalidResponse(_UNKNOWN)
    if set(answered) != lefts:
        raise InvalidResponse("Para ihop alla alternativ innan du skickar in.")
    # The same right may be given to several lefts, as in Moodle: two lefts can share a right.
    right_pairs = sum(1 for pair in question.pairs if answered[pair.left.id] == pair.right_id)
    return _graded(question, Decimal(right_pairs) / len(question.pairs), dict(sorted(answered.items())), ())


def _ordering(question: Ordering, response: object) -> GradeResult:
    ids = _id_list(response, "Svaret måste vara en lista med alla alternativ i ordning.")
    correct_order = [item.id for item in question.items]
    if not set(ids) <= set(correct_order):
        raise InvalidResponse(_UNKNOWN)
    if len(ids) != len(correct_order):
        raise InvalidResponse("Ordna alla alternativ innan du skickar in.")
    in_place = sum(1 for got, expected in zip(ids, correct_order, strict=True) if got == expected)
    return _graded(question, Decimal(in_place) / len(correct_order), ids, ())


def _essay(question: Essay, response: object) -> GradeResult:
    text = _text(response, ESSAY_MAX_CHARS).strip()
    if not text:
        raise InvalidResponse(_EMPTY)
    return GradeResult(
        status="pending_review",
        score=None,
        max_score=question.points,
        fraction=None,
        correct=None,
        normalized=text,
    )


# --- input checks -----------------------------------------------------------------------------------------------


MSG_ANSWER_CHARACTERS = "Svaret innehåller otillåtna tecken."


def answer_too_long(limit: int) -> str:
    return f"Svaret får vara högst {limit:,} tecken långt.".replace(",", " ")


def _text(response: object, limit: int) -> str:
    """A bounded, storable string; line breaks as \\n (HTML forms send \\r\\n, JSON clients \\n). The characters
    are the one free-text rule's (core/text.py, as a multi-line text): no NUL or other control character but line
    breaks and tabs, no unpaired surrogate, no bidi control."""
    if not isinstance(response, str):
        raise InvalidResponse("Svaret måste vara text.")
    text = response.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        raise InvalidResponse(answer_too_long(limit))
    if has_forbidden_characters(text, multiline=True):
        raise InvalidResponse(MSG_ANSWER_CHARACTERS)
    return text


def _id_list(response: object, wrong_shape: str) -> list[str]:
    if not isinstance(response, list | tuple) or not all(isinstance(item, str) for item in response):
        raise InvalidResponse(wrong_shape)
    if len(set(response)) != len(response):
        raise InvalidResponse("Samma alternativ förekommer mer än en gång i svaret.")
    return list(response)


# --- short answer -------------------------------------------------------------------------------------------------

_TRAILING_PUNCTUATION = ".,;:!?…"


def _tidy(text: str) -> str:
    """NFC, trimmed, whitespace runs (any Unicode whitespace) collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _comparable(tidy_text: str, case_sensitive: bool) -> str:
    key = tidy_text.rstrip(_TRAILING_PUNCTUATION + " ")
    if not case_sensitive:
        # casefold can decompose (e.g. "ǰ"); NFC again keeps both sides comparable. å/ä/ö are untouched by it.
        key = unicodedata.normalize("NFC", key.casefold())
    return key


@lru_cache(maxsize=4096)
def _pattern(answer_text: str, case_sensitive: bool) -> tuple[str, ...]:
    """The accepted answer as its literal segments between wildcards: "a*b" -> ("a", "b"), "*" -> ("", "")."""
    segments = [""]
    for token in re.split(r"(\\\*|\*)", _comparable(_tidy(answer_text), case_sensitive)):
        if token == "*":
            segments.append("")
        else:
            segments[-1] += "*" if token == "\\*" else token
    return tuple(segments)


def _wildcard_match(segments: tuple[str, ...], text: str) -> bool:
    """Glob match with `*` only. Leftmost-first search is exact for `*` and, unlike a regex, cannot backtrack badly."""
    if len(segments) == 1:
        return text == segments[0]
    first, *middle, last = segments
    if len(first) + len(last) > len(text) or not text.startswith(first) or not text.endswith(last):
        return False
    position, end = len(first), len(text) - len(last)
    for segment in middle:
        found = text.find(segment, position, end)
        if found < 0:
            return False
        position = found + len(segment)
    return True


# --- numbers ------------------------------------------------------------------------------------------------------

_UNIT_WORDS = {
    "kr": NumericUnit.KRONOR,
    "kr.": NumericUnit.KRONOR,
    "kronor": NumericUnit.KRONOR,
    "sek": NumericUnit.KRONOR,
    ":-": NumericUnit.KRONOR,
    "%": NumericUnit.PERCENT,
    "procent": NumericUnit.PERCENT,
}
_UNIT_NAMES = {NumericUnit.KRONOR: "kronor (kr)", NumericUnit.PERCENT: "procent (%)"}
_WITH_UNIT = re.compile(r"(?P<number>.*?) ?(?P<unit>kronor|kr\.?|sek|:-|%|procent)", re.IGNORECASE)
_SIGN = "[-+\u2212\u2013]"
_NUMBER = re.compile(rf"(?P<sign>{_SIGN}?) ?(?P<int>[0-9]{{1,3}}(?: [0-9]{{3}})+|[0-9]*)(?:[.,](?P<frac>[0-9]+))?")
_DIGITS_AND_SPACES = re.compile(rf"{_SIGN}? ?[0-9 ]+(?:[.,][0-9 ]+)?")
_EXPONENT = re.compile(r"[0-9][eE][-+]?[0-9]")


def parse_number(text: str, unit: NumericUnit | None) -> Decimal:
    """A participant's number as a Decimal (rules in the module docstring). Raises InvalidResponse."""
    text = _tidy(text)  # also turns U+00A0, U+202F and U+2009 into plain spaces
    if not text:
        raise InvalidResponse(_EMPTY)
    with_unit = _WITH_UNIT.fullmatch(text)
    if with_unit:
        found = _UNIT_WORDS[with_unit["unit"].casefold()]
        if found != unit:
            raise InvalidResponse(
                "Skriv bara talet, utan enhet."
                if unit is None
                else f"Svaret ska anges i {_UNIT_NAMES[unit]}, inte i {_UNIT_NAMES[found]}."
            )
        text = with_unit["number"]
    parsed = _NUMBER.fullmatch(text)
    if parsed is None or not (parsed["int"] or parsed["frac"]):
        raise InvalidResponse(_why_not_a_number(text))
    digits = parsed["int"].replace(" ", "")
    if parsed["frac"]:
        digits += "." + parsed["frac"]
    if sum(ch.isdigit() for ch in digits) > NUMERIC_MAX_DIGITS:
        raise InvalidResponse("Talet har för många siffror.")
    value = Decimal(digits)
    return -value if parsed["sign"] not in ("", "+") else value


def canonical_number(value: Decimal) -> str:
    """Plain notation without trailing zeros: 1234.50 -> "1234.5", 2.5E+3 -> "2500", -0 -> "0"."""
    if value == 0:
        return "0"
    return format(value.normalize(Context(prec=NUMERIC_MAX_DIGITS + 2)), "f")


def _why_not_a_number(text: str) -> str:
    if _EXPONENT.search(text):
        return "Skriv talet utan exponent, till exempel 1 500 000 i stället för 1,5e6."
    if text.count(",") + text.count(".") > 1:
        return (
            "Använd bara ett decimaltecken (komma eller punkt) och mellanslag mellan tusental, "
            "till exempel 1 234 567,50."
        )
    if _DIGITS_AND_SPACES.fullmatch(text):
        return "Mellanslag får bara skilja tusental, till exempel 1 234 567,50."
    return _NOT_A_NUMBER


# --- response keys ----------------------------------------------------------------------------------------------

RESPONSE_KEY_CHARS = 200


def response_key(question: Question, normalized: object) -> str | None:
    """A short text that is equal for responses the statistics count as the same; None for essays.

    Choice ids as they are (several sorted and comma-joined), true/false as "true"/"false", numbers in canonical
    form, short answers case-folded (as they are compared), matchings as "left=right;…", orderings as "a,b,…".
    Cut to 200 characters: a longer response is counted with those that share its first 200.
    """
    match question, normalized:
        case Essay(), _:
            return None
        case TrueFalse(), bool():
            key = "true" if normalized else "false"
        case ShortAnswer(), str():
            key = _comparable(normalized, question.case_sensitive)
        case Matching(), dict():
            key = ";".join(f"{left}={right}" for left, right in sorted(normalized.items()))
        case MultipleChoice(), list():
            key = ",".join(sorted(normalized))
        case Ordering(), list():
            key = ",".join(normalized)
        case _, str():
            key = normalized
        case _:
            return None
    return key[:RESPONSE_KEY_CHARS]
