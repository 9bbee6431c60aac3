"""Domain errors. Services raise these; the web layer maps them to pages or JSON once. No HTTP in here."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class Invalid(DomainError):
    """The input is wrong; `field_errors` says where."""


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass


class Unauthenticated(DomainError):
    pass


BUSY_MESSAGE = "Kurssajten har fler besökare än den hinner med just nu."
BUSY_TRY_AGAIN = f"{BUSY_MESSAGE} Försök igen om en stund."  # where the answer is a form shown again


class TryLater(DomainError):
    """Refused for now; the same request may succeed after `retry_after_seconds` (the web layer's Retry-After)."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Busy(TryLater):
    """The work could not start within the longest wait (core/turns.py): nothing was done, try again later."""

    def __init__(self, message: str = BUSY_TRY_AGAIN, *, retry_after_seconds: int) -> None:
        super().__init__(message, retry_after_seconds=retry_after_seconds)


class RateLimited(TryLater):
    """Too many attempts (logins, heavy exports) within the limit's window."""
