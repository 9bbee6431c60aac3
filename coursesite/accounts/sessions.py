"""The session lookup without a query on the hot routes (issue 14): an in-process cache of sessions, keyed by the
token's hash, that is never trusted on its own.

A route that opts in (the lesson page and answer submissions: ``opt={"cached_session": True}``) gets its principal
from the cache when the entry is fresh; that principal carries ``session_check`` (the token's hash), and the first
statement the route's service runs anyway reads the session and its account in the same statement
(:data:`SESSION_CHECK_JOIN`). :func:`confirm_session` then refuses a session that has ended (a logout, a password
change, "log out everywhere", an erasure: every one deletes the session's row, in whichever worker) before anything
is shown or written, and drops the entry. So a cached session is stale at once in every worker, with no query of its
own. Every other route looks the session up in the database as before.

A confirmation reads the session and the account's columns as a lookup would, so it keeps the entry for another
``seconds``: a participant who keeps using the site is read from the database again only when the session's last
use is due to be recorded (accounts/service.py: TOUCH_SECONDS), not every minute in a wave of every session cached
that minute (docs/performance.md, "Sessions kept while confirmed").

A changed name or address is shown from the next request on (the entry is dropped); a changed role ends the
request with a 401, as the guards that let it in may no longer hold."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from coursesite.accounts.proof import address_proven
from coursesite.core.errors import Unauthenticated

if TYPE_CHECKING:
    from coursesite.accounts.service import Principal

SESSION_ENDED = "Du har loggats ut. Logga in igen."
CACHE_SECONDS = 60.0
CACHE_ENTRIES = 20_000

# The account's columns a cached principal is compared with (accounts/service.py: _PRINCIPAL_COLUMNS).
SNAPSHOT_COLUMNS = ("email", "first_name", "last_name", "role", "email_verified_at")

# Joined into a statement the route runs anyway: `s` is the session, `a` its account; {} the token's hash.
SESSION_CHECK_COLUMNS = "s.expires_at AS session_expires_at, " + ", ".join(
    f"a.{name} AS session_{name}" for name in SNAPSHOT_COLUMNS
)
SESSION_CHECK_JOIN = "user_session s JOIN account a ON a.id = s.account"


@dataclass(frozen=True)
class CachedSession:
    principal: Principal  # with session_check set: to be confirmed by the route's own statement
    expires_at: datetime
    last_used_at: datetime | None
    cached_at: float  # time.monotonic()


class SessionCache:
    """Bounded (least recently used dropped first) and fresh for ``seconds`` after its last read or confirmation. One
    per process: the account service fills it, the answer service confirms (renews) or drops its entries."""

    def __init__(self, *, seconds: float = CACHE_SECONDS, max_entries: int = CACHE_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> CachedSession | None:
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if time.monotonic() - entry.cached_at > self.seconds:
                del self._entries[token_hash]
                return None
            self._entries.move_to_end(token_hash)
            return entry

    def renew(self, token_hash: str, expires_at: datetime) -> None:
        """The entry confirmed just now by a read of its session (confirm_session): fresh for another ``seconds``."""
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is not None:
                self._entries[token_hash] = replace(entry, expires_at=expires_at, cached_at=time.monotonic())

    def put(self, token_hash: str, entry: CachedSession) -> None:
        with self._lock:
            self._entries[token_hash] = entry
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)

    def __len__(self) -> int:
        return len(self._entries)


def confirm_session(
    cache: SessionCache | None, principal: Principal, row: dict[str, Any] | None, now: datetime
) -> None:
    """Check a principal the cache handed out against ``row`` (the SESSION_CHECK_COLUMNS read in the route's own
    statement; None when it found no session). A principal from the database (no ``session_check``) passes."""
    token_hash = principal.session_check
    if token_hash is None:
        return
    if row is None or row["session_expires_at"] is None or row["session_expires_at"] <= now:
        if cache is not None:
            cache.forget(token_hash)
        raise Unauthenticated(SESSION_ENDED)
    same = (
        row["session_email"] == principal.email
        and row["session_first_name"] == principal.first_name
        and row["session_last_name"] == principal.last_name
        and row["session_role"] == principal.role.value
        and address_proven(row["session_role"], row["session_email_verified_at"]) == principal.email_verified
    )
    if same:
        if cache is not None:
            cache.renew(token_hash, row["session_expires_at"])
        return
    if cache is not None:
        cache.forget(token_hash)  # the next request reads the account again
    if row["session_role"] != principal.role.value:
        raise Unauthenticated(SESSION_ENDED)
