"""billing/reminders.py: next_reminder, the rule of when an overdue invoice is reminded (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coursesite.billing.config import ReminderConfig
from coursesite.billing.reminders import next_reminder

CONFIG = ReminderConfig(days_after_due=7, max_reminders=2, interval_days=14, fee_ore=6000)
DUE = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("on", "sent", "last", "expected"),
    [
        (DUE + timedelta(days=6), 0, None, None),  # not yet
        (DUE + timedelta(days=7), 0, None, 1),  # the first, on the day
        (DUE + timedelta(days=40), 0, None, 1),  # late, still the first (never two at once)
        (DUE + timedelta(days=20), 1, DUE + timedelta(days=7), None),  # the interval has not passed
        (DUE + timedelta(days=21), 1, DUE + timedelta(days=7), 2),  # it has
        (DUE + timedelta(days=400), 2, DUE + timedelta(days=21), None),  # never beyond the maximum
        (DUE + timedelta(days=30), 1, None, None),  # a count without a day: refuse rather than guess
    ],
)
def test_when_a_reminder_is_due(on, sent, last, expected):
    assert next_reminder(CONFIG, due_date=DUE, on=on, sent=sent, last_sent_on=last) == expected


def test_no_reminders_when_off_or_without_a_due_date():
    off = ReminderConfig(max_reminders=0)
    assert next_reminder(off, due_date=DUE, on=DUE + timedelta(days=100), sent=0, last_sent_on=None) is None
    assert next_reminder(CONFIG, due_date=None, on=DUE, sent=0, last_sent_on=None) is None
