"""The free texts review stores, each bounded by the one free-text rule (core/text.py): grading comments, override
reasons, dismiss comments, comment-bank entries and the participant's flag reason.

Pure. A refusal is an :class:`~coursesite.core.errors.Invalid` whose message names the field, with the same message
under the form field's name in ``field_errors``; nothing is stored.
"""

from __future__ import annotations

from coursesite.core.errors import Invalid
from coursesite.core.text import MSG_CONTROL, MSG_CONTROL_MULTILINE, TextRefused, TextRule, clean_text

COMMENT_MAX_CHARS = 2000
REASON_MAX_CHARS = 1000
BANK_COMMENT_MAX_CHARS = 1000


def _rule(label: str, max_chars: int, *, required: bool) -> TextRule:
    return TextRule(max_chars=max_chars, subject=label, multiline=True, required=required, missing=f"{label} saknas.")


GRADE_COMMENT = _rule("Kommentaren", COMMENT_MAX_CHARS, required=False)  # a grade's comment, to the participant
OVERRIDE_REASON = _rule("Motiveringen", REASON_MAX_CHARS, required=True)  # an override's reason, to the participant
DISMISS_COMMENT = _rule("Kommentaren", COMMENT_MAX_CHARS, required=True)  # why a flag closes without a change
BANK_COMMENT = _rule("Kommentaren", BANK_COMMENT_MAX_CHARS, required=True)  # an entry of the comment bank
FLAG_REASON = _rule("Motiveringen", REASON_MAX_CHARS, required=True)  # the participant's "graded wrong" reason


class IdentityNumberRefused(Invalid):
    """The text held a personnummer, samordningsnummer or card number: refused, and not to be shown again (a page
    that re-renders the form leaves that field empty)."""


def review_text(value: str | None, field_name: str, rule: TextRule) -> str:
    """``value`` cleaned by ``rule`` (core/text.py: refused, never stripped), or :class:`Invalid` naming the field."""
    try:
        return clean_text(value, rule)
    except TextRefused as refused:
        label = rule.subject
        if refused.identity_number:  # the message names the field and never repeats the digits
            raise IdentityNumberRefused(refused.message, field_errors={field_name: refused.message}) from None
        if refused.message == rule.missing:
            raise Invalid(refused.message, field_errors={field_name: f"Skriv {label.lower()}."}) from None
        if refused.message in (MSG_CONTROL, MSG_CONTROL_MULTILINE):
            message = f"{label} innehåller otillåtna tecken (till exempel styrtecken)."
            raise Invalid(message, field_errors={field_name: message}) from None
        if refused.message == f"{label} får vara högst {rule.max_chars} tecken.":
            raise Invalid(
                f"{label} är för lång.",
                field_errors={field_name: f"{label} är för lång: högst {rule.max_chars} tecken."},
            ) from None
        raise Invalid(refused.message, field_errors={field_name: refused.message}) from None
