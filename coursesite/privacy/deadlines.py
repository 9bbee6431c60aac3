"""The deadline of a data-subject request (GDPR art. 12.3; domain.md §5). Pure.

One month from the day the request was received; extendable by two more months (three in all) when the person is
told why within the first month. A request received 2025-03-10 is due 2025-04-10, or 2025-06-10 when extended.
A day that does not exist in the target month falls on that month's last day (received 2025-01-31 → 2025-02-28).
"""

from __future__ import annotations

import calendar
from datetime import date

ONE_MONTH = 1
EXTENDED_MONTHS = 3  # the first month and two more


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline(received: date, extended: bool = False) -> date:
    """The last day to answer a request received on `received`."""
    return add_months(received, EXTENDED_MONTHS if extended else ONE_MONTH)


def is_overdue(deadline: date | None, on: date) -> bool:
    """A request is overdue the day after its deadline; the deadline day itself is still in time."""
    return deadline is not None and on > deadline
