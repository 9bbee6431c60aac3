"""Double opt-in and the one-click unsubscribe, the pure rules (signups/double_opt_in.py): a consent's state, when an
unconfirmed one is erased, and what counts as RFC 8058's one-click body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.core.tokens import LIFETIMES, TokenPurpose
from coursesite.privacy.registry import (
    PENDING_CONSENT_DAYS,
    PENDING_CONSENT_KEPT_SV,
    ConfiguredPeriods,
    Retention,
    retention_texts_sv,
)
from coursesite.signups.double_opt_in import (
    ConsentState,
    consent_state,
    counts,
    is_one_click,
    pending_erase_before,
    pending_kept_for,
)

T = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("confirmed_at", "withdrawn_at", "state", "counted"),
    [
        (None, None, ConsentState.PENDING, False),
        (T, None, ConsentState.GIVEN, True),
        (T, T, ConsentState.WITHDRAWN, False),
        (None, T, ConsentState.WITHDRAWN, False),  # withdrawn before it was ever confirmed
    ],
)
def test_a_consent_counts_only_when_confirmed_and_not_withdrawn(confirmed_at, withdrawn_at, state, counted):
    assert consent_state(confirmed_at=confirmed_at, withdrawn_at=withdrawn_at) is state
    assert counts(confirmed_at=confirmed_at, withdrawn_at=withdrawn_at) is counted


def test_an_unconfirmed_consent_is_kept_for_its_link_and_then_the_period():
    assert PENDING_CONSENT_DAYS == 7
    assert pending_kept_for() == LIFETIMES[TokenPurpose.CONSENT_CONFIRM] + timedelta(days=7) == timedelta(days=14)
    assert pending_erase_before(T) == T - timedelta(days=14)


def test_the_retention_text_states_the_same_period():
    text = retention_texts_sv(ConfiguredPeriods(7, 13, 14, 900))[Retention.CONSENT_PROOF]
    assert PENDING_CONSENT_KEPT_SV == "2 veckor"
    assert "raderas 2 veckor efter att det gavs" in text


@pytest.mark.parametrize(
    ("fields", "accepted"),
    [
        ([("List-Unsubscribe", "One-Click")], True),
        ([], False),
        ([("List-Unsubscribe", "one-click")], False),  # the value exactly
        ([("list-unsubscribe", "One-Click")], False),
        (
            [
                ("List-Unsubscribe", "One-Click "),
            ],
            False,
        ),
        ([("List-Unsubscribe", "One-Click"), ("token", "x")], False),  # nothing else
        ([("List-Unsubscribe", "One-Click"), ("List-Unsubscribe", "One-Click")], False),
        ([("token", "x")], False),
        ([("List-Unsubscribe", b"One-Click")], False),  # a file part is not the field
    ],
)
def test_the_one_click_body_is_exactly_one_field(fields, accepted):
    assert is_one_click(fields) is accepted
