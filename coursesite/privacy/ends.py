"""When personal data stops being kept or shared: the pure rules the retention job (privacy/retention.py) and the
subsidiary API (subsidiaries/service.py) apply, with the periods the page, the record and the access export state
(privacy/registry.py: retention_texts_sv, from the same ConfiguredPeriods). Pure: plain dates and numbers in.

- A webinar or event registration ends `registrant_months` after the event's date (the registration date when the
  catalogue gives none), whatever consent the person gave with it.
- The webinar subsidiary receives a registrant while the webinar is upcoming or was held at most
  `webinar_sharing_months` ago.
- An account unused (no login, no course activity) for `inactive_account_months` is erased; its owner is told
  WARNING_MONTHS before, and the erasure waits at least that long after the warning. A login cancels it.
- The course platform receives an enrolled participant while the enrolment is not credited in full.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

WARNING_MONTHS = 1  # the inactivity warning goes this long before the erasure

_Moment = TypeVar("_Moment", date, datetime)


def _shift_months(moment: _Moment, months: int) -> _Moment:
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def months_before(moment: _Moment, months: int) -> _Moment:
    """The same moment `months` calendar months earlier; the day is clamped to the month's last day
    (31 March minus one month is 28 or 29 February)."""
    return _shift_months(moment, -months)


def months_after(moment: _Moment, months: int) -> _Moment:
    """The same moment `months` calendar months later, the day clamped like months_before."""
    return _shift_months(moment, months)


# --- webinar and event registrations ----------------------------------------------------------------------------------


def registration_anchor(event_on: date | None, registered_on: date) -> date:
    """The day a registration's periods run from: the event's date, or the registration date without one."""
    return event_on if event_on is not None else registered_on


def registration_erase_on(event_on: date | None, registered_on: date, registrant_months: int) -> date:
    """The first day a registration is erased: `registrant_months` after the event (or registration) date."""
    return months_after(registration_anchor(event_on, registered_on), registrant_months)


def registration_expired(event_on: date | None, registered_on: date, today: date, registrant_months: int) -> bool:
    return today >= registration_erase_on(event_on, registered_on, registrant_months)


def webinar_shared(event_on: date | None, registered_on: date, today: date, sharing_months: int) -> bool:
    """Whether the webinar subsidiary may receive this registrant: the webinar is upcoming or was held at most
    `sharing_months` ago (without a date: the registration was made at most that long ago)."""
    return registration_anchor(event_on, registered_on) >= months_before(today, sharing_months)


# --- inactive accounts ------------------------------------------------------------------------------------------------


class Inactivity(StrEnum):
    KEEP = "keep"
    WARN = "warn"
    ERASE = "erase"


def last_activity(created_at: datetime, activity: Iterable[datetime | None]) -> datetime:
    """The latest of the account's creation, its logins and its course activity."""
    return max([created_at, *(moment for moment in activity if moment is not None)])


def inactive_erase_at(last_active: datetime, inactive_months: int) -> datetime:
    return months_after(last_active, inactive_months)


def inactivity_step(
    last_active: datetime, warned_at: datetime | None, now: datetime, inactive_months: int
) -> Inactivity:
    """What the retention job does with an account today. A warning counts only when it was sent after the last
    activity (a login after it cancels it); the erasure comes `inactive_months` after the last activity, and never
    sooner than WARNING_MONTHS after the warning (an account found late still gets its month)."""
    erase_at = inactive_erase_at(last_active, inactive_months)
    if warned_at is None or warned_at <= last_active:
        return Inactivity.WARN if now >= months_before(erase_at, WARNING_MONTHS) else Inactivity.KEEP
    if now >= max(erase_at, months_after(warned_at, WARNING_MONTHS)):
        return Inactivity.ERASE
    return Inactivity.KEEP


# --- the course platform's population -----------------------------------------------------------------------------


def enrolled_for_sharing(enrolled: bool, invoices: Iterable[tuple[int, int]]) -> bool:
    """Whether the course platform may receive the participant: enrolled, and the enrolment not credited in full.
    `invoices`: (total, credited) in öre of each of the enrolment's invoices. Without invoices (none issued, or
    erased after Bokföringslagen's period) the enrolment alone counts."""
    found = list(invoices)
    if not enrolled:
        return False
    return not found or any(credited < total for total, credited in found)
