"""The one source of "now", so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_now: Callable[[], datetime] = _system_now


def now() -> datetime:
    return _now()


def set_now(func: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests only); None restores the system clock."""
    global _now
    _now = func or _system_now
