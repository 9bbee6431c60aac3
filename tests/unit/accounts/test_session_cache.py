"""The in-process session cache (accounts/sessions.py, issue 14): bounded, fresh while its route's statements confirm
it, and a principal it hands out is refused once its session row is gone, expired or its role changed."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

import pytest

from coursesite.accounts.roles import Role
from coursesite.accounts.service import Principal
from coursesite.accounts.sessions import CachedSession, SessionCache, confirm_session
from coursesite.core.errors import Unauthenticated

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
ANNA = Principal(
    account_id=7,
    email="anna@example.se",
    first_name="Anna",
    last_name="Andersson",
    role=Role.PARTICIPANT,
    email_verified=True,
    session_check="hash-of-annas-token",
)


def _entry(principal: Principal = ANNA) -> CachedSession:
    return CachedSession(
        principal=principal, expires_at=NOW + timedelta(days=1), last_used_at=NOW, cached_at=time.monotonic()
    )


def _row(**changes) -> dict:
    row = {
        "session_expires_at": NOW + timedelta(days=1),
        "session_email": "anna@example.se",
        "session_first_name": "Anna",
        "session_last_name": "Andersson",
        "session_role": "participant",
        "session_email_verified_at": NOW - timedelta(days=3),
    }
    return row | changes


def test_bounded_and_short_lived():
    cache = SessionCache(max_entries=2)
    for n in range(3):
        cache.put(f"token-{n}", _entry())
    assert len(cache) == 2 and cache.get("token-0") is None and cache.get("token-2") is not None
    stale = SessionCache(seconds=0.0)
    stale.put("token", dataclasses.replace(_entry(), cached_at=time.monotonic() - 1))
    assert stale.get("token") is None


def test_a_principal_read_from_the_database_needs_no_confirmation():
    confirm_session(SessionCache(), dataclasses.replace(ANNA, session_check=None), None, NOW)


def test_an_ended_or_expired_session_is_refused_and_forgotten():
    for row in (None, _row(session_expires_at=NOW - timedelta(seconds=1))):
        cache = SessionCache()
        cache.put("hash-of-annas-token", _entry())
        with pytest.raises(Unauthenticated):
            confirm_session(cache, ANNA, row, NOW)
        assert cache.get("hash-of-annas-token") is None


def test_the_same_account_passes_and_stays_cached():
    cache = SessionCache()
    cache.put("hash-of-annas-token", _entry())
    confirm_session(cache, ANNA, _row(), NOW)
    assert cache.get("hash-of-annas-token") is not None


def test_a_changed_name_is_read_again_next_time_and_a_changed_role_is_refused():
    cache = SessionCache()
    cache.put("hash-of-annas-token", _entry())
    confirm_session(cache, ANNA, _row(session_first_name="Annika"), NOW)  # served; the entry dropped
    assert cache.get("hash-of-annas-token") is None
    cache.put("hash-of-annas-token", _entry())
    with pytest.raises(Unauthenticated):
        confirm_session(cache, ANNA, _row(session_role="instructor"), NOW)
    assert cache.get("hash-of-annas-token") is None


def test_a_confirmed_entry_is_fresh_again_and_an_unconfirmed_one_ages_out():
    cache = SessionCache(seconds=10.0)
    almost_stale = dataclasses.replace(_entry(), cached_at=time.monotonic() - 9.5)
    cache.put("hash-of-annas-token", almost_stale)
    cache.put("hash-of-bos-token", almost_stale)
    later = NOW + timedelta(days=2)
    confirm_session(cache, ANNA, _row(session_expires_at=later), NOW)
    renewed = cache.get("hash-of-annas-token")
    assert renewed is not None and renewed.cached_at >= time.monotonic() - 1 and renewed.expires_at == later
    assert renewed.principal == ANNA and renewed.last_used_at == NOW  # the last use is still recorded by a lookup
    time.sleep(0.6)
    assert cache.get("hash-of-bos-token") is None  # not confirmed: read from the database again
    assert cache.get("hash-of-annas-token") is not None


def test_renewing_a_forgotten_entry_does_not_bring_it_back():
    cache = SessionCache()
    cache.renew("hash-of-annas-token", NOW + timedelta(days=1))
    assert cache.get("hash-of-annas-token") is None
