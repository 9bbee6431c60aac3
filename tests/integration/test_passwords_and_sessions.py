"""The account service's passwords, sessions and limits on the database (both engines): set_password ends the
sessions and clears the failed logins in one transaction with its hooks; a session's last use is written at most
every few minutes; the shared rate limiter counts per client (an IPv6 /64) and says when to come back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.accounts.limits import Limit, RateLimiter
from coursesite.accounts.service import TOUCH_SECONDS
from coursesite.core import clock
from coursesite.core.errors import Invalid, RateLimited
from coursesite.db.accounts import Account, LoginAttempt, RateLimitHit, UserSession
from tests.conftest import PASSWORD, TEST_SECRET, accounts

START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    """A clock the test moves: frozen["now"] is "now"."""
    state = {"now": START}
    clock.set_now(lambda: state["now"])
    yield state
    clock.set_now(None)


async def _account(email: str = "anna@example.se") -> int:
    principal = await accounts.register(email=email, password=PASSWORD, first_name="Anna", last_name="Berg")
    return principal.account_id


async def test_set_password_ends_the_sessions_and_forgets_the_failures(db):
    account_id = await _account()
    other_id = await _account("bo@example.se")
    keep = await accounts.start_session(account_id, days=14)
    await accounts.start_session(account_id, days=14)
    bos = await accounts.start_session(other_id, days=14)
    for _ in range(3):
        with pytest.raises(Exception):  # noqa: B017 - Unauthenticated: a wrong password
            await accounts.authenticate("anna@example.se", "fel-lösenord-1", "198.51.100.1")
    assert await LoginAttempt.count() == 6

    await accounts.set_password(account_id, "en helt ny fras", keep_session=keep)
    assert await UserSession.count().where(UserSession.account == account_id) == 1
    assert (await accounts.principal_for_session(keep)) is not None
    assert (await accounts.principal_for_session(bos)) is not None  # another account's sessions are untouched
    assert await LoginAttempt.count() == 3  # the address's gone; the client's kept
    assert (await accounts.authenticate("anna@example.se", "en helt ny fras", "198.51.100.1")).account_id == account_id

    await accounts.set_password(account_id, "ännu en ny fras")  # a reset: no session is kept
    assert await UserSession.count().where(UserSession.account == account_id) == 0


async def test_set_password_follows_the_rule_with_the_persons_names(db):
    account_id = await _account()
    for refused in ("1234567890", "anna-sommar-2024", "kort"):
        with pytest.raises(Invalid) as error:
            await accounts.set_password(account_id, refused, field="password")
        assert set(error.value.field_errors) == {"password"}


async def test_a_failing_hook_rolls_the_change_back(db):
    """The hook runs inside the transaction: a notice queued there commits with the password, or neither does."""
    from coursesite.accounts.service import AccountService

    service = AccountService(db, accounts.policy)
    account_id = await _account()
    session = await service.start_session(account_id, days=14)
    before = (await Account.select(Account.password_hash).where(Account.id == account_id))[0]["password_hash"]
    called: list[tuple[int, datetime]] = []

    async def notice(changed_id: int, when: datetime) -> None:
        called.append((changed_id, when))
        raise RuntimeError("the outbox is down")

    service.on_password_changed(notice)
    with pytest.raises(RuntimeError):
        await service.set_password(account_id, "en helt ny fras")
    assert called and called[0][0] == account_id
    after = (await Account.select(Account.password_hash).where(Account.id == account_id))[0]["password_hash"]
    assert after == before
    assert (await service.principal_for_session(session)) is not None


async def test_change_password_counts_a_wrong_current_password(db):
    account_id = await _account()
    with pytest.raises(Invalid) as wrong:
        await accounts.change_password(account_id, "fel-lösenord-1", "en helt ny fras", "198.51.100.1")
    assert wrong.value.field_errors == {"current_password": "Fel lösenord."}
    assert await LoginAttempt.count() == 2
    for _ in range(4):
        with pytest.raises(Invalid):
            await accounts.change_password(account_id, "fel-lösenord-1", "en helt ny fras", "198.51.100.1")
    with pytest.raises(RateLimited):  # five failures: locked like a login
        await accounts.change_password(account_id, PASSWORD, "en helt ny fras", "198.51.100.1")


async def test_last_use_is_written_at_most_every_few_minutes(db, frozen):
    await _account("bo@example.se")
    account_id = await _account()
    for _ in range(2):  # Bo's: the session ids and the account ids differ
        await accounts.start_session(account_id - 1, days=14)
    token = await accounts.start_session(account_id, days=14, client_label="Firefox på Windows")

    async def last_used() -> datetime:
        rows = await UserSession.select(UserSession.last_used_at).where(UserSession.account == account_id)
        return rows[0]["last_used_at"]

    assert await last_used() == START
    frozen["now"] = START + timedelta(seconds=TOUCH_SECONDS - 10)
    assert await accounts.principal_for_session(token) is not None
    assert await last_used() == START  # not a write on every request
    frozen["now"] = START + timedelta(seconds=TOUCH_SECONDS + 10)
    assert await accounts.principal_for_session(token) is not None
    assert await last_used() == frozen["now"]
    (view,) = await accounts.sessions(account_id, token)
    assert (view.label, view.current, view.last_used_at) == ("Firefox på Windows", True, frozen["now"])
    (view,) = await accounts.sessions(account_id, "another-token")
    assert not view.current


async def test_the_rate_limiter_counts_per_client_and_says_when_to_come_back(db, frozen):
    limiter = RateLimiter(TEST_SECRET)
    limit = Limit("test-limit", 2, 600, "Vänta en stund.")
    await limiter.hit(limit, "2001:db8:1:2::1")
    frozen["now"] = START + timedelta(seconds=100)
    await limiter.hit(limit, "2001:db8:1:2:ffff::9")  # the same /64: the same client
    with pytest.raises(RateLimited) as limited:
        await limiter.hit(limit, "2001:db8:1:2::1")
    assert limited.value.retry_after_seconds == 501  # the first hit leaves the window at 600 s
    await limiter.hit(limit, "2001:db8:1:3::1")  # another /64
    await limiter.hit(Limit("another-limit", 2, 600, "Vänta."), "2001:db8:1:2::1")  # limits count apart
    assert await RateLimitHit.count() == 4  # the refused hit is not counted
    rows = await RateLimitHit.select(RateLimitHit.key_hash)
    assert all("2001" not in row["key_hash"] for row in rows)  # keyed hashes, not addresses

    frozen["now"] = START + timedelta(seconds=601)
    await limiter.hit(limit, "2001:db8:1:2::1")  # the window moved on
    frozen["now"] = START + timedelta(days=2)
    await limiter.hit(limit, "198.51.100.1")
    assert await RateLimitHit.count() == 1  # older than a day: deleted as new ones are written
