"""The public forms' validation (signups/forms.py, pure): every free-text field goes through the one rule for free
text (core/text.py), which refuses and never strips."""

from __future__ import annotations

import pytest

from coursesite.signups.forms import FORMS, MESSAGE_MAX, validate
from tests.support import TEST_CATALOGUE

PERSONNUMMER = "20000101-2384"
CARD = "4111 1111 1111 1111"
VALID = {
    "first_name": "Anna",
    "last_name": "Andersson",
    "email": "anna@example.se",
    "mobile": "070-123 45 67",
    "source": "En vän tipsade mig",
    "message": "Hej! När startar nästa kurs?",
    "webinar": "budget-pa-en-timme",
    "event": "konferens-hushallsekonomi",
    "ebook": "hushallsbudgeten",
    "newsletter_consent": True,
    "consent": True,
}
TEXT_FIELDS = [
    (form, name)
    for form, spec in sorted(FORMS.items())
    for name in spec.person_fields + spec.detail_fields
    if name in ("first_name", "last_name", "source", "message")
]


def valid(form: str) -> dict:
    return {name: VALID[name] for name in FORMS[form].fields}


def check(form: str, data: dict):
    return validate(form, data, catalogue=TEST_CATALOGUE)


@pytest.mark.parametrize("form,name", TEXT_FIELDS)
@pytest.mark.parametrize(
    "value,expected",
    [
        ("An\x00na", "otillåtna tecken"),
        ("An\x07na", "otillåtna tecken"),
        ("Anna\u202eannA", "otillåtna tecken"),
        ("Anna\u2066annA", "otillåtna tecken"),
        (f"Anna {PERSONNUMMER}", "personnummer"),
        (f"Anna {CARD}", "kortnummer"),
    ],
)
def test_every_free_text_field_refuses_and_never_strips(form, name, value, expected):
    clean, errors = check(form, valid(form) | {name: value})
    assert clean is None
    assert list(errors) == [name]
    assert expected in errors[name]
    assert PERSONNUMMER not in errors[name] and "4111" not in errors[name]


def test_the_limits_are_the_fields_own():
    for name, limit, subject in (("first_name", 100, "Förnamnet"), ("source", 200, "Svaret")):
        _, errors = check("webinar", valid("webinar") | {name: "a" * (limit + 1)})
        assert errors == {name: f"{subject} får vara högst {limit} tecken."}
        clean, _ = check("webinar", valid("webinar") | {name: "a" * limit})
        assert clean is not None
    _, errors = check("contact", valid("contact") | {"message": "a" * (MESSAGE_MAX + 1)})
    assert errors == {"message": f"Meddelandet får vara högst {MESSAGE_MAX} tecken."}


def test_a_message_keeps_its_line_breaks_and_a_name_its_single_spaces():
    clean, errors = check(
        "contact", valid("contact") | {"message": "Hej!\r\n\r\n\tMvh Anna ", "first_name": " Anna   Lisa "}
    )
    assert errors == {} and clean is not None
    assert clean.details["message"] == "Hej!\n\n\tMvh Anna"
    assert clean.person["first_name"] == "Anna Lisa"


def test_a_name_may_not_hold_a_line_break():
    _, errors = check("contact", valid("contact") | {"last_name": "Anders\nson"})
    assert "otillåtna tecken" in errors["last_name"]
