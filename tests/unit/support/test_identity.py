"""The pure rules of a request's identity confirmation (support/identity.py) and of how long a released access export
can be downloaded (privacy/policy.py), table-driven."""

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.privacy.policy import ACCESS_EXPORT_AVAILABLE_DAYS, export_available, export_available_until
from coursesite.support import identity

READY = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
UNTIL = READY + timedelta(days=30)


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("id_document_at_office", None),
        ("known_phone_callback", None),
        ("reply_from_address_on_file", None),
        ("email_link", identity.UNKNOWN_METHOD),  # the person's own: customer service cannot record it
        ("", identity.UNKNOWN_METHOD),
        ("ID_DOCUMENT_AT_OFFICE", identity.UNKNOWN_METHOD),
        ("id_document_at_office ", identity.UNKNOWN_METHOD),
    ],
)
def test_which_methods_customer_service_may_record(method, error):
    assert identity.staff_method_error(method) == error


@pytest.mark.parametrize(
    ("confirmed_at", "state"),
    [(None, "pending"), (READY, "confirmed")],
)
def test_a_request_is_pending_until_confirmed(confirmed_at, state):
    assert identity.confirmation_state(confirmed_at) == state


@pytest.mark.parametrize(
    ("method", "label"),
    [
        (None, None),
        ("email_link", "Personen bekräftade via länken i e-post"),
        ("id_document_at_office", "Legitimation visad på kontoret"),
        ("retired_method", "retired_method"),  # an old value is still shown, as it is
    ],
)
def test_every_method_has_a_swedish_label(method, label):
    assert identity.method_label(method) == label


def test_every_staff_method_is_labelled_and_the_link_is_not_a_staff_method():
    assert set(identity.STAFF_METHODS) < set(identity.METHOD_LABELS_SV)
    assert identity.EMAIL_LINK not in identity.STAFF_METHODS


def test_the_export_is_available_for_the_policys_period():
    assert ACCESS_EXPORT_AVAILABLE_DAYS == 30
    assert export_available_until(READY) == UNTIL


@pytest.mark.parametrize(
    ("available_until", "at", "available"),
    [
        (UNTIL, READY, True),
        (UNTIL, UNTIL - timedelta(seconds=1), True),
        (UNTIL, UNTIL, True),  # the last moment counts
        (UNTIL, UNTIL + timedelta(seconds=1), False),
        (None, READY, False),  # never released (not completed, or erased)
    ],
)
def test_whether_a_released_export_can_be_downloaded(available_until, at, available):
    assert export_available(available_until, at) is available
