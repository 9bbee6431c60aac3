"""The one free-text rule (core/text.py) as a table of cases."""

from __future__ import annotations

import pytest

from coursesite.core.text import MSG_CONTROL, TextRefused, TextRule, check_text, clean_text, has_forbidden_characters

LINE = TextRule(max_chars=20, subject="Skälet")
REQUIRED = TextRule(max_chars=20, subject="Skälet", required=True, missing="Skriv ett skäl.")
MULTILINE = TextRule(max_chars=20, subject="Meddelandet", multiline=True)
CONTENT = TextRule(max_chars=20, check_identity_numbers=False)

PERSONNUMMER = "811218-9876"
SAMORDNINGSNUMMER = "701063-2391"
CARD = "4111 1111 1111 1111"

ACCEPTED = [
    (LINE, "  Hej  ", "Hej"),
    (LINE, None, ""),
    (LINE, "", ""),
    (LINE, "a" * 20, "a" * 20),
    (LINE, "a\u0308", "ä"),  # NFC: a Mac's decomposed ä is stored composed
    (LINE, "Åsa Öberg-Ärlig", "Åsa Öberg-Ärlig"),
    (MULTILINE, "rad 1\r\nrad 2\rrad 3", "rad 1\nrad 2\nrad 3"),
    (MULTILINE, "a\tb", "a\tb"),
    (CONTENT, PERSONNUMMER, PERSONNUMMER),  # course content: identity numbers are examples, not data
    (LINE, "Faktura 2026-00001", "Faktura 2026-00001"),
]


@pytest.mark.parametrize(("rule", "value", "expected"), ACCEPTED)
def test_accepted_values_are_cleaned(rule, value, expected):
    assert clean_text(value, rule) == expected


REFUSED = [
    (LINE, "a\x00b", MSG_CONTROL, False),
    (LINE, "a\x07b", MSG_CONTROL, False),
    (LINE, "a\x7fb", MSG_CONTROL, False),
    (LINE, "a\x85b", MSG_CONTROL, False),  # C1
    (LINE, "a\nb", MSG_CONTROL, False),  # a single-line field has no line breaks
    (LINE, "a\tb", MSG_CONTROL, False),
    (LINE, "a\u202eb", MSG_CONTROL, False),  # right-to-left override
    (LINE, "a\u2066b", MSG_CONTROL, False),  # isolate
    (LINE, "a\u200bb", MSG_CONTROL, False),  # zero-width space
    (LINE, "a\ufeffb", MSG_CONTROL, False),  # byte-order mark
    (LINE, "a\ud800b", MSG_CONTROL, False),  # unpaired surrogate
    (MULTILINE, "a\x00b", "Texten innehåller otillåtna tecken (till exempel styrtecken).", False),
    (LINE, "a" * 21, "Skälet får vara högst 20 tecken.", False),
    (REQUIRED, "   ", "Skriv ett skäl.", False),
    (TextRule(max_chars=5, required=True, subject="Anteckningen"), None, "Fyll i anteckningen.", False),
]


@pytest.mark.parametrize(("rule", "value", "message", "identity"), REFUSED)
def test_refused_values_say_why(rule, value, message, identity):
    with pytest.raises(TextRefused) as refused:
        clean_text(value, rule)
    assert refused.value.message == message == str(refused.value)
    assert refused.value.identity_number is identity


@pytest.mark.parametrize("number", [PERSONNUMMER, SAMORDNINGSNUMMER, CARD, f"mitt nummer är {PERSONNUMMER}"])
def test_identity_and_card_numbers_are_refused_without_repeating_them(number):
    rule = TextRule(max_chars=100, subject="Skälet")
    with pytest.raises(TextRefused) as refused:
        clean_text(number, rule)
    assert refused.value.identity_number is True
    assert refused.value.message.startswith("Skälet")
    digits = "".join(ch for ch in number if ch.isdigit())
    assert digits[-4:] not in refused.value.message


def test_check_text_collects_the_message_under_the_field():
    errors: dict[str, str] = {}
    assert check_text("a\x00b", LINE, field="reason", errors=errors) == ""
    assert check_text("ok", LINE, field="other", errors=errors) == "ok"
    assert errors == {"reason": MSG_CONTROL}


def test_multiline_allows_only_line_breaks_and_tabs():
    assert not has_forbidden_characters("a\nb\tc", multiline=True)
    assert has_forbidden_characters("a\nb", multiline=False)
    assert has_forbidden_characters("a\rb", multiline=True)


def test_a_rule_needs_room_for_one_character():
    with pytest.raises(ValueError):
        TextRule(max_chars=0)
