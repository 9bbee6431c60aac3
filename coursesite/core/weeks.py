"""This week in Stockholm, how long something has waited, and whether a deadline is near: the date logic of the staff
start pages (issue 15). Pure.

A week runs Monday 00:00 to the next Monday 00:00 in Europe/Stockholm (ISO weeks, as Swedish calendars count them).
Its bounds are also given as UTC moments, so a service can compare stored timestamps with them; across a change to or
from summer time a week is 167 or 169 hours long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from coursesite.core.formatting import STOCKHOLM, to_stockholm

SOON_DAYS = 7  # customer service: a deadline within this many days is shown as near


@dataclass(frozen=True)
class Week:
    monday: date
    sunday: date
    start: datetime  # Monday 00:00 in Stockholm, as an aware UTC moment
    end: datetime  # the next Monday 00:00 in Stockholm (exclusive), as an aware UTC moment

    @property
    def number(self) -> int:
        """The ISO week number ("vecka 49")."""
        return self.monday.isocalendar().week

    def holds(self, moment: datetime) -> bool:
        return self.start <= to_stockholm(moment).astimezone(UTC) < self.end

    def holds_day(self, day: date) -> bool:
        return self.monday <= day <= self.sunday


def _stockholm_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def week_of(moment: datetime) -> Week:
    """The Monday-to-Sunday week in Stockholm that holds `moment` (a naive moment is taken to be UTC)."""
    local_day = to_stockholm(moment).date()
    monday = local_day - timedelta(days=local_day.weekday())
    following = monday + timedelta(days=7)
    return Week(
        monday=monday,
        sunday=following - timedelta(days=1),
        start=_stockholm_midnight(monday),
        end=_stockholm_midnight(following),
    )


def waited_sv(since: datetime, now: datetime) -> str:
    """How long something has waited, in Swedish and rounded down: "under en timme", "5 timmar", "1 dag", "12 dagar".
    A moment in the future (a clock a little ahead) counts as just now."""
    seconds = max(0, int((to_stockholm(now) - to_stockholm(since)).total_seconds()))
    hours, days = seconds // 3600, seconds // 86400
    if hours < 1:
        return "under en timme"
    if days < 1:
        return "1 timme" if hours == 1 else f"{hours} timmar"
    return "1 dag" if days == 1 else f"{days} dagar"


def days_overdue(due: date, on: date) -> int:
    """Days past `due` on `on` (0 on the due day and before)."""
    return max(0, (on - due).days)


def due_soon(deadline: date | None, on: date, days: int = SOON_DAYS) -> bool:
    """A deadline from `on` up to `days` days ahead: near, but not yet passed (whether it has passed is the deadline
    rule's own question, privacy/deadlines.is_overdue)."""
    return deadline is not None and on <= deadline <= on + timedelta(days=days)
