"""The pure rules of when data stops being kept or shared (privacy/ends.py), and that no retention rule in the
registry keeps anything for ever (issue 12 §3)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coursesite.privacy.ends import (
    Inactivity,
    enrolled_for_sharing,
    inactivity_step,
    last_activity,
    months_after,
    registration_erase_on,
    registration_expired,
    webinar_shared,
)
from coursesite.privacy.registry import PERSONAL_FIELDS, ConfiguredPeriods, Retention, retention_ends
from coursesite.settings import ConfigError, Settings
from coursesite.web.deps import periods_of

PERIODS = ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)
SECRET = {"COURSESITE_SECRET_KEY": "x" * 40}


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_months_after_clamps_the_day():
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_after(date(2027, 2, 28), 12) == date(2028, 2, 28)
    assert months_after(at(2026, 3, 5), 36) == at(2029, 3, 5)


@pytest.mark.parametrize(
    "event_on, registered_on, erase_on",
    [
        (date(2026, 9, 10), date(2026, 8, 1), date(2028, 9, 10)),  # from the event's date
        (None, date(2026, 8, 1), date(2028, 8, 1)),  # without one, from the registration
        (date(2026, 2, 28), date(2026, 1, 5), date(2028, 2, 28)),
    ],
)
def test_a_registration_ends_the_period_after_its_event(event_on, registered_on, erase_on):
    assert registration_erase_on(event_on, registered_on, 24) == erase_on
    assert not registration_expired(event_on, registered_on, date.fromordinal(erase_on.toordinal() - 1), 24)
    assert registration_expired(event_on, registered_on, erase_on, 24)


def test_the_webinar_subsidiary_gets_upcoming_and_recently_held_webinars():
    today = date(2026, 6, 15)
    assert webinar_shared(date(2026, 7, 1), date(2026, 1, 1), today, 1)  # upcoming
    assert webinar_shared(date(2026, 5, 15), date(2026, 5, 1), today, 1)  # held a month ago today
    assert not webinar_shared(date(2026, 5, 14), date(2026, 5, 1), today, 1)
    assert webinar_shared(None, date(2026, 5, 15), today, 1) and not webinar_shared(None, date(2026, 5, 14), today, 1)
    assert not webinar_shared(date(2026, 6, 14), date(2026, 6, 1), today, 0)  # 0: upcoming ones only


def test_an_inactive_account_is_warned_then_erased_and_a_login_cancels_it():
    active = at(2026, 3, 5)
    assert inactivity_step(active, None, at(2029, 2, 5, 11), 36) is Inactivity.KEEP
    assert inactivity_step(active, None, at(2029, 2, 5), 36) is Inactivity.WARN
    warned = at(2029, 2, 5)
    assert inactivity_step(active, warned, at(2029, 3, 5, 11), 36) is Inactivity.KEEP
    assert inactivity_step(active, warned, at(2029, 3, 5), 36) is Inactivity.ERASE
    # A login after the warning: the warning no longer counts, and the period starts again.
    login = at(2029, 2, 20)
    assert inactivity_step(login, warned, at(2029, 3, 5), 36) is Inactivity.KEEP
    # Found late (long past the period): warned now, erased a month after the warning, not before.
    assert inactivity_step(at(2020, 1, 1), None, at(2026, 6, 1), 36) is Inactivity.WARN
    assert inactivity_step(at(2020, 1, 1), at(2026, 6, 1), at(2026, 6, 30), 36) is Inactivity.KEEP
    assert inactivity_step(at(2020, 1, 1), at(2026, 6, 1), at(2026, 7, 1), 36) is Inactivity.ERASE


def test_last_activity_is_the_latest_of_creation_logins_and_course_activity():
    assert last_activity(at(2026, 1, 1), [None, at(2026, 3, 1), at(2026, 2, 1)]) == at(2026, 3, 1)
    assert last_activity(at(2026, 1, 1), []) == at(2026, 1, 1)


@pytest.mark.parametrize(
    "enrolled, invoices, shared",
    [
        (False, [], False),
        (False, [(100, 0)], False),
        (True, [], True),  # enrolled, no invoice (none issued, or erased after the books' period)
        (True, [(100, 0)], True),
        (True, [(100, 40)], True),
        (True, [(100, 100)], False),  # credited in full
        (True, [(100, 100), (100, 0)], True),
    ],
)
def test_the_course_platform_gets_enrolments_not_credited_in_full(enrolled, invoices, shared):
    assert enrolled_for_sharing(enrolled, invoices) is shared


def test_no_retention_rule_keeps_anything_for_ever():
    ends = retention_ends(PERIODS)
    for retention in Retention:
        end = ends[retention]  # every rule has an end
        assert end.after and 0 < end.days <= 10 * 366, retention
    for personal in PERSONAL_FIELDS:
        assert personal.retention in ends, (personal.table, personal.column)
    # The account's end is the configured inactivity period, the same value the page states.
    longer = ConfiguredPeriods(7, 13, 14, 900, inactive_account_months=60)
    assert retention_ends(longer)[Retention.WHILE_ACCOUNT_EXISTS].days > ends[Retention.WHILE_ACCOUNT_EXISTS].days


def test_the_periods_are_read_once_from_the_settings():
    settings = Settings.from_env(
        {
            **SECRET,
            "COURSESITE_INACTIVE_ACCOUNT_MONTHS": "48",
            "COURSESITE_REGISTRANT_MONTHS": "12",
            "COURSESITE_WEBINAR_SHARING_MONTHS": "3",
        }
    )
    periods = periods_of(settings)
    assert (periods.inactive_account_months, periods.registrant_months, periods.webinar_sharing_months) == (48, 12, 3)
    defaults = periods_of(Settings.from_env(SECRET))
    assert (defaults.inactive_account_months, defaults.registrant_months, defaults.webinar_sharing_months) == (
        36,
        24,
        1,
    )
    with pytest.raises(ConfigError, match="COURSESITE_INACTIVE_ACCOUNT_MONTHS"):
        Settings.from_env({**SECRET, "COURSESITE_INACTIVE_ACCOUNT_MONTHS": "1"})
