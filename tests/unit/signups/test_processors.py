"""The Kurssajten-ID of a newsletter export row and which corrections reach a processor (signups/processors.py)."""

import re

import pytest

from coursesite.signups.processors import exported_changes, subscriber_ref

KEY = "a-test-key-that-is-long-enough-0123456789"


def test_the_id_is_stable_per_email_whatever_its_case_or_spaces():
    assert subscriber_ref(KEY, "Anna@Example.se ") == subscriber_ref(KEY, "anna@example.se")


def test_the_id_has_a_fixed_form_and_fits_the_column():
    ref = subscriber_ref(KEY, "anna@example.se")
    assert re.fullmatch(r"ks-[a-z2-7]{16}", ref)
    assert len(ref) <= 40


@pytest.mark.parametrize(
    ("key", "email"),
    [(KEY, "bo@example.se"), ("another-key-that-is-long-enough-012345", "anna@example.se")],
)
def test_the_id_differs_by_email_and_by_key(key, email):
    assert subscriber_ref(key, email) != subscriber_ref(KEY, "anna@example.se")


def test_the_id_does_not_show_the_email():
    ref = subscriber_ref(KEY, "anna@example.se")
    assert "anna" not in ref and "example" not in ref


CHANGES = {
    "account.email": "ny@example.se",
    "account.first_name": "Ny",
    "account.last_name": "Efter",
    "account.mobile": "+46701",
}


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # an export gives e-mail and first name, from the person or the account row
        (
            ["person.email", "person.first_name", "disclosure_subject.subject_ref"],
            {"account.email": "ny@example.se", "account.first_name": "Ny"},
        ),
        (["account.email"], {"account.email": "ny@example.se"}),
        (["account.first_name"], {"account.first_name": "Ny"}),
        # fields the processors never get are never passed on, even if a disclosure lists them
        (["account.last_name", "account.mobile"], {}),
        ([], {}),
    ],
)
def test_only_corrections_of_what_the_processor_received_are_passed_on(received, expected):
    assert exported_changes(CHANGES, received) == expected
