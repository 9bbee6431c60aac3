"""The session and failed-login retention texts, with the configured session length (COURSESITE_SESSION_DAYS) and
rate-limit window (COURSESITE_LOGIN_WINDOW_SECONDS) in correct Swedish (privacy/registry.py: pure, no settings)."""

import pytest

from coursesite.privacy import policy
from coursesite.privacy.registry import (
    PERSONAL_FIELDS,
    ConfiguredPeriods,
    Retention,
    duration_sv,
    login_window_retention_sv,
    retention_texts_sv,
    session_lifetime_retention_sv,
)

PERIODS = ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=1, login_window_seconds=90)


@pytest.mark.parametrize(
    "seconds, text",
    [
        (900, "15 minuter"),  # the default window
        (60, "1 minut"),
        (120, "2 minuter"),
        (5400, "90 minuter"),  # whole minutes, not whole hours
        (3600, "1 timme"),
        (7200, "2 timmar"),
        (86400, "24 timmar"),  # the largest window settings.py accepts
        (1, "1 sekund"),
        (45, "45 sekunder"),
        (90, "90 sekunder"),  # not whole minutes
        (3601, "3601 sekunder"),
        (3660, "61 minuter"),
    ],
)
def test_a_duration_in_the_largest_whole_unit(seconds, text):
    assert duration_sv(seconds) == text


@pytest.mark.parametrize(
    "days, sentence",
    [
        (14, "Tills sessionen går ut (högst 14 dagar) eller personen loggar ut."),  # the default
        (1, "Tills sessionen går ut (högst 1 dag) eller personen loggar ut."),
        (2, "Tills sessionen går ut (högst 2 dagar) eller personen loggar ut."),
        (21, "Tills sessionen går ut (högst 21 dagar) eller personen loggar ut."),
        (90, "Tills sessionen går ut (högst 90 dagar) eller personen loggar ut."),
    ],
)
def test_the_session_sentence(days, sentence):
    assert session_lifetime_retention_sv(days) == sentence


@pytest.mark.parametrize(
    "seconds, sentence",
    [
        (900, "Högst 15 minuter efter ett misslyckat inloggningsförsök."),  # the default
        (60, "Högst 1 minut efter ett misslyckat inloggningsförsök."),
        (90, "Högst 90 sekunder efter ett misslyckat inloggningsförsök."),
        (3600, "Högst 1 timme efter ett misslyckat inloggningsförsök."),
        (7200, "Högst 2 timmar efter ett misslyckat inloggningsförsök."),
    ],
)
def test_the_login_window_sentence(seconds, sentence):
    assert login_window_retention_sv(seconds) == sentence


def test_the_retention_texts_take_the_session_and_login_periods():
    texts = retention_texts_sv(PERIODS)
    assert texts[Retention.SESSION_LIFETIME] == session_lifetime_retention_sv(1)
    assert texts[Retention.LOGIN_WINDOW] == login_window_retention_sv(90)
    shown = {row.retention: row.text_sv for row in policy.retention_of(policy.PolicyCategory.TECHNICAL, PERIODS)}
    assert shown[Retention.SESSION_LIFETIME] == "Tills sessionen går ut (högst 1 dag) eller personen loggar ut."
    assert shown[Retention.LOGIN_WINDOW] == "Högst 90 sekunder efter ett misslyckat inloggningsförsök."


def test_no_fixed_text_states_a_session_or_login_period():
    """The periods are configurable, so no fixed text may say 14 days or 15 minutes (they would go stale)."""
    configured = {Retention.TECHNICAL_DATA, Retention.SESSION_LIFETIME, Retention.LOGIN_WINDOW}
    fixed = [f.description_sv for f in PERSONAL_FIELDS]
    fixed += [data for category in policy.categories() for data in category.data_sv]
    fixed += [text for retention, text in retention_texts_sv(PERIODS).items() if retention not in configured]
    fixed += list(policy.security_measures_sv(PERIODS))
    for text in fixed:
        assert "14 dagar" not in text and "15 minuter" not in text and "900" not in text, text
