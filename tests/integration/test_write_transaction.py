"""db/engine.write_transaction with an account: the account's lock taken as the transaction begins (on PostgreSQL in
the same round trip as BEGIN), and the pool's connections given back without asyncpg's reset query, however the
transaction ends."""

from __future__ import annotations

import asyncio
import os

import pytest

from coursesite.db.engine import write_transaction
from coursesite.db.fastsql import Statement, fetch
from tests.statement_count import counting
from tests.support import make_account

POSTGRES = os.environ.get("COURSESITE_TEST_ENGINE") == "postgres"
postgres_only = pytest.mark.skipif(not POSTGRES, reason="the account lock and the pool are PostgreSQL's")

# This backend's advisory locks: (classid, objid) of a bigint key k are (k >> 32, k & 0xffffffff).
HELD_LOCKS = Statement.postgres_only(
    "SELECT objid::bigint AS objid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
    "AND granted AND classid::bigint = $1",
    1,
)


async def _enter_after(db, account_id: int, entered: list[str], name: str, release: asyncio.Event) -> None:
    async with write_transaction(db, account_id=account_id):
        entered.append(name)
        await release.wait()


async def test_two_transactions_of_one_account_run_one_after_the_other(db):
    account = await make_account("lock@example.se")
    entered: list[str] = []
    first_done, second_done = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_enter_after(db, account, entered, "first", first_done))
    while not entered:
        await asyncio.sleep(0.01)
    second = asyncio.create_task(_enter_after(db, account, entered, "second", second_done))
    await asyncio.sleep(0.3)
    assert entered == ["first"]  # the second waits for the account's lock (SQLite: for the one writer)
    first_done.set()
    await first
    second_done.set()
    await asyncio.wait_for(second, 10)
    assert entered == ["first", "second"]


@postgres_only
async def test_transactions_of_two_accounts_do_not_wait_for_each_other(db):
    one, other = await make_account("one@example.se"), await make_account("other@example.se")
    entered: list[str] = []
    done = asyncio.Event()
    first = asyncio.create_task(_enter_after(db, one, entered, "one", done))
    second = asyncio.create_task(_enter_after(db, other, entered, "other", done))
    for _ in range(500):
        if len(entered) == 2:
            break
        await asyncio.sleep(0.01)
    assert sorted(entered) == ["one", "other"]
    done.set()
    await asyncio.gather(first, second)


@postgres_only
async def test_the_lock_comes_with_begin_and_the_release_sends_nothing(db):
    account = await make_account("lock@example.se")
    with counting() as counts:
        async with write_transaction(db, account_id=account):
            held = await fetch(db, HELD_LOCKS, account >> 32)
    assert [row["objid"] for row in held] == [account & 0xFFFFFFFF]
    assert counts.log[0] == f"BEGIN; SELECT pg_advisory_xact_lock({account})"  # one simple query, one round trip
    assert [text.split(" ", 1)[0] for text in counts.log] == ["BEGIN;", "SELECT", "COMMIT"]
    assert "pool reset" not in counts.by_kind  # keep_session_state: no reset query on release
    async with write_transaction(db):  # the lock ended with its transaction
        assert await fetch(db, HELD_LOCKS, account >> 32) == []


@postgres_only
async def test_a_nested_transaction_takes_the_lock_on_its_parents_connection(db):
    account = await make_account("lock@example.se")
    async with write_transaction(db) as outer:
        async with write_transaction(db, account_id=account) as inner:
            assert inner is outer
            held = await fetch(db, HELD_LOCKS, account >> 32)
    assert [row["objid"] for row in held] == [account & 0xFFFFFFFF]


@postgres_only
async def test_a_transaction_given_up_while_waiting_for_the_lock_gives_its_connection_back(db):
    """Cancelled in its BEGIN (a client gone, a timeout): the connection goes back to the pool, its transaction rolled
    back, more times over than the pool has connections."""
    account = await make_account("lock@example.se")
    entered: list[str] = []
    release = asyncio.Event()
    holder = asyncio.create_task(_enter_after(db, account, entered, "holder", release))
    while not entered:
        await asyncio.sleep(0.01)
    for _ in range(db.pool.get_max_size() + 2):
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(_enter_after(db, account, entered, "waiter", asyncio.Event()), 0.2)
    release.set()
    await holder
    async with write_transaction(db, account_id=account):  # a connection is free, and the lock too
        rows = await fetch(db, HELD_LOCKS, account >> 32)
    assert entered == ["holder"] and len(rows) == 1


@postgres_only
async def test_a_failed_statement_rolls_back_and_the_connection_is_clean_for_the_next(db):
    account = await make_account("lock@example.se")
    with pytest.raises(Exception, match="division by zero"):
        async with write_transaction(db, account_id=account):
            await fetch(db, Statement.postgres_only("SELECT 1 / $1 AS x", 1), 0)
    for _ in range(db.pool.get_max_size() + 1):  # every connection of the pool: none left in a failed transaction
        async with write_transaction(db, account_id=account):
            assert [row["x"] for row in await fetch(db, Statement.postgres_only("SELECT $1::int AS x", 1), 1)] == [1]
