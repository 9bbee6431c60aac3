"""The one rule for free text: every free-text value the site stores goes through :func:`clean_text`.

Pure: stdlib only, plus the personnummer and card detector in :mod:`coursesite.privacy.pii`.

What it does, the same for a form, the API, the CLI, an import file or a stored request header:
- NFC-normalises (``å`` typed on a Mac arrives decomposed), turns ``\\r\\n`` and ``\\r`` into ``\\n`` and trims;
- refuses, never strips: NUL and every other control character (Unicode category Cc), unpaired surrogates (Cs) and
  every invisible format character (Cf: the bidi embedding, override and isolate characters used to spoof text,
  zero-width spaces and joiners, direction marks, the byte-order mark, soft hyphens), which can also hide a
  personnummer from the detector. A multi-line field allows ``\\n`` and ``\\t``; a single-line field allows neither;
- refuses personnummer, samordningsnummer and card numbers (the policy: we never collect them), with a message that
  never repeats the digits;
- bounds the length (counted after cleaning) and, when the field is required, refuses an empty value.

A refusal is a :class:`TextRefused` whose ``str()`` is the Swedish message. ``identity_number`` says the value held a
personnummer or card number: such a value must not be shown again, logged or stored.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from coursesite.privacy.pii import find_forbidden, refusal_message

__all__ = [
    "BIDI_CONTROLS",
    "MSG_CONTROL",
    "TextRefused",
    "TextRule",
    "check_text",
    "clean_text",
    "has_forbidden_characters",
]

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MSG_CONTROL = "Fältet innehåller otillåtna tecken (till exempel radbrytningar eller styrtecken)."
MSG_CONTROL_MULTILINE = "Texten innehåller otillåtna tecken (till exempel styrtecken)."
_MULTILINE_ALLOWED = frozenset("\n\t")


class TextRefused(ValueError):
    """The value may not be stored. ``str()`` is the Swedish message."""

    def __init__(self, message: str, *, identity_number: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.identity_number = identity_number


@dataclass(frozen=True, slots=True)
class TextRule:
    """How one free-text field is bounded.

    ``subject`` starts the messages ("Meddelandet", "Skälet"); ``missing`` is the message for an empty required value.
    """

    max_chars: int
    subject: str = "Texten"
    multiline: bool = False
    required: bool = False
    missing: str | None = None
    check_identity_numbers: bool = True

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError("max_chars must be at least 1")


def has_forbidden_characters(value: str, *, multiline: bool = False) -> bool:
    """True when ``value`` holds a control character, an unpaired surrogate or an invisible format character."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cf":  # the bidi controls (BIDI_CONTROLS) among them
            return True
        if category in ("Cc", "Cs") and not (multiline and ch in _MULTILINE_ALLOWED):
            return True
    return False


def _normalise(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    try:
        text = unicodedata.normalize("NFC", text)
    except UnicodeError:  # unpaired surrogates cannot always be normalised; they are refused below
        pass
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def clean_text(value: Any, rule: TextRule) -> str:
    """``value`` cleaned by ``rule``, or :class:`TextRefused`. ``None`` counts as empty; empty gives ``""``."""
    text = _normalise(value)
    if not text:
        if rule.required:
            raise TextRefused(rule.missing or f"Fyll i {rule.subject.lower()}.")
        return ""
    if has_forbidden_characters(text, multiline=rule.multiline):
        raise TextRefused(MSG_CONTROL_MULTILINE if rule.multiline else MSG_CONTROL)
    if len(text) > rule.max_chars:
        raise TextRefused(f"{rule.subject} får vara högst {rule.max_chars} tecken.")
    if rule.check_identity_numbers:
        findings = find_forbidden(text)
        if findings:
            raise TextRefused(refusal_message(findings, rule.subject), identity_number=True)
    return text


def check_text(value: Any, rule: TextRule, *, field: str, errors: dict[str, str]) -> str:
    """:func:`clean_text` for a form of several fields: a refusal goes into ``errors[field]`` and gives ``""``."""
    try:
        return clean_text(value, rule)
    except TextRefused as refused:
        errors[field] = refused.message
        return ""
