"""The one source of "now", so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


def now() -> datetime:
    return _now()


def today() -> date:
    """Today's date in Sweden: an invoice issued or a request received at 00:30 in Stockholm carries that day's date."""
    from coursesite.core.formatting import to_stockholm

    return to_stockholm(now()).date()


def set_now(func: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests only); None restores the system clock."""
    global _now
    _now = func or _system_now
