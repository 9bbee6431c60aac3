"""A small rate limiter that every worker shares (the ``rate_limit_hit`` table): registration per client today; the
mail-sending endpoints per client and per recipient.

    await limiter.hit(REGISTRATION_PER_CLIENT, client_address)   # RateLimited (429, Retry-After) when over

The table never holds what is counted in the clear: the key is an HMAC of the limit's name and the value with the
app's secret. Count-then-insert is not atomic: two simultaneous requests may both pass at the edge, which a rate
limit can live with. Rows older than the longest window (a day) are deleted as new ones are written.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from coursesite.core import clock
from coursesite.core.client_address import limit_key
from coursesite.core.errors import RateLimited
from coursesite.core.formatting import try_again_sv
from coursesite.db.accounts import RateLimitHit

LONGEST_WINDOW_SECONDS = 86400


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``window_seconds`` for one value of what the limit is named after."""

    name: str
    count: int
    window_seconds: int
    message: str  # what happened; the limiter adds how long to wait
    per_client: bool = True  # the value is a client address (counted per IPv6 /64)

    def __post_init__(self) -> None:
        assert 0 < self.window_seconds <= LONGEST_WINDOW_SECONDS and self.count > 0


def registration_per_client(count: int) -> Limit:
    return Limit(
        "registration-client",
        count,
        3600,
        "Många konton har skapats härifrån på kort tid.",
    )


# The mail-sending endpoints (accounts/mail.py): per client, and per recipient so that nobody can fill someone's
# inbox. A recipient's key is a keyed hash of the address: those rows are personal data (privacy/registry.py), found
# for an account's export and erasure by recomputing the keys (RateLimiter.key with RECIPIENT_LIMITS).
_MAIL_CLIENT_MESSAGE = "Många meddelanden har begärts härifrån på kort tid."
_MAIL_RECIPIENT_MESSAGE = "Vi har nyss skickat ett meddelande till den adressen."
CONFIRMATION_PER_CLIENT = Limit("confirmation-client", 10, 3600, _MAIL_CLIENT_MESSAGE)
CONFIRMATION_PER_RECIPIENT = Limit("confirmation-recipient", 3, 3600, _MAIL_RECIPIENT_MESSAGE, per_client=False)
RESET_PER_CLIENT = Limit("reset-client", 10, 3600, _MAIL_CLIENT_MESSAGE)
RESET_PER_RECIPIENT = Limit("reset-recipient", 3, 3600, _MAIL_RECIPIENT_MESSAGE, per_client=False)
RECIPIENT_LIMITS = (CONFIRMATION_PER_RECIPIENT, RESET_PER_RECIPIENT)


class RateLimiter:
    def __init__(self, secret: str) -> None:
        self.secret = secret

    def key(self, limit: Limit, value: str) -> str:
        """The keyed hash a hit for ``value`` is counted under (the export and erasure find a recipient's rows)."""
        return self._key(limit, value)

    def _key(self, limit: Limit, value: str) -> str:
        counted = limit_key(value) if limit.per_client else value.strip().lower()
        return hmac.new(self.secret.encode(), f"{limit.name}:{counted}".encode(), hashlib.sha256).hexdigest()

    async def hit(self, limit: Limit, value: str) -> None:
        """Count one hit for ``value``; RateLimited (nothing counted) when the window is already full."""
        now = clock.now()
        key = self._key(limit, value)
        since = now - timedelta(seconds=limit.window_seconds)
        recent = (
            await RateLimitHit.select(RateLimitHit.occurred_at)
            .where((RateLimitHit.key_hash == key) & (RateLimitHit.occurred_at > since))
            .order_by(RateLimitHit.occurred_at)
            .limit(limit.count)
        )
        if len(recent) >= limit.count:
            free_at = recent[0]["occurred_at"] + timedelta(seconds=limit.window_seconds)
            wait = max(1, int((free_at - now).total_seconds()) + 1)
            raise RateLimited(f"{limit.message} {try_again_sv(wait)}", retry_after_seconds=wait)
        await RateLimitHit.insert(RateLimitHit(key_hash=key, occurred_at=now))
        await RateLimitHit.delete().where(RateLimitHit.occurred_at < now - timedelta(seconds=LONGEST_WINDOW_SECONDS))
