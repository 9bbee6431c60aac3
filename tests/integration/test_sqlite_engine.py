"""The SQLite engine (db/engine.py): one writer per event loop behind a lock, reused readers, PRAGMAs once, and the
hot path's fixed reads on the loop's own thread. SQLite only; the PostgreSQL engine is Piccolo's own."""

import asyncio
import os
import sqlite3
import threading

import pytest

from coursesite.db import fastsql
from coursesite.db.engine import CourseSQLiteEngine, write_transaction
from coursesite.db.fastsql import Statement
from tests.statement_count import counting

pytestmark = pytest.mark.skipif(
    os.environ.get("COURSESITE_TEST_ENGINE", "sqlite") != "sqlite", reason="the SQLite engine only"
)


@pytest.fixture
async def sqlite(tmp_path):
    engine = CourseSQLiteEngine(path=str(tmp_path / "engine.sqlite"), timeout=30)
    await engine.run_ddl("CREATE TABLE item (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
    yield engine
    await engine.close_connections()


async def values(engine) -> list[int]:
    rows = await engine._run_in_new_connection("SELECT value FROM item ORDER BY id")
    return [row["value"] for row in rows]


async def test_write_transactions_queue_in_the_app_one_at_a_time(sqlite):
    inside = 0
    most = 0

    async def write(value: int) -> None:
        nonlocal inside, most
        async with write_transaction(sqlite):
            inside += 1
            most = max(most, inside)
            await sqlite._run_in_existing_connection(
                sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (?)", [value]
            )
            await asyncio.sleep(0.001)  # another request's turn, if the lock let it in
            inside -= 1

    with counting() as counts:
        await asyncio.gather(*(write(value) for value in range(20)))
    assert most == 1
    assert sorted(await values(sqlite)) == list(range(20))
    assert counts.connections == 0  # the writer and a reader were opened by the fixture's statements
    assert counts.by_kind["PRAGMA"] == 0


async def test_a_failed_transaction_rolls_back_and_the_writer_goes_on(sqlite):
    with pytest.raises(RuntimeError):
        async with write_transaction(sqlite):
            await sqlite._run_in_existing_connection(
                sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (1)"
            )
            raise RuntimeError("refused")
    async with write_transaction(sqlite):
        await sqlite._run_in_existing_connection(
            sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (2)"
        )
    assert await values(sqlite) == [2]


async def test_a_cancelled_transaction_leaves_no_transaction_open(sqlite):
    started = asyncio.Event()

    async def slow() -> None:
        async with write_transaction(sqlite):
            await sqlite._run_in_existing_connection(
                sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (1)"
            )
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(slow())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with write_transaction(sqlite):  # BEGIN IMMEDIATE would fail inside a transaction left open
        await sqlite._run_in_existing_connection(
            sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (2)"
        )
    assert await values(sqlite) == [2]


async def test_two_engines_on_one_file_meet_at_sqlites_lock(tmp_path, sqlite):
    # Two processes' engines, as two workers have: the busy timeout is the fallback between them.
    other = CourseSQLiteEngine(path=sqlite.path, timeout=30)
    try:

        async def write(engine, value: int) -> None:
            async with write_transaction(engine):
                await engine._run_in_existing_connection(
                    engine.current_transaction.get().connection, "INSERT INTO item (value) VALUES (?)", [value]
                )
                await asyncio.sleep(0.01)

        await asyncio.gather(*(write(sqlite if value % 2 else other, value) for value in range(10)))
        assert sorted(await values(other)) == list(range(10))
    finally:
        await other.close_connections()


ITEMS = Statement.same("SELECT value FROM item ORDER BY id", 0)


async def test_a_fixed_read_runs_on_the_loops_own_thread_and_sees_the_latest_commit(sqlite):
    async with write_transaction(sqlite):
        await sqlite._run_in_existing_connection(
            sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (7)"
        )
    assert [row["value"] for row in await fastsql.fetch(sqlite, ITEMS)] == [7]
    inline = sqlite._connections().inline
    assert inline is not None and not sqlite._connections().idle_readers  # no reader thread was needed
    inline.create_function("thread_id", 0, threading.get_ident)
    thread = Statement.same("SELECT thread_id() AS thread", 0)
    assert (await fastsql.fetch_one(sqlite, thread))["thread"] == threading.get_ident()
    async with write_transaction(sqlite):  # a later commit is seen by the next read: no snapshot is kept open
        await sqlite._run_in_existing_connection(
            sqlite.current_transaction.get().connection, "INSERT INTO item (value) VALUES (8)"
        )
    assert [row["value"] for row in await fastsql.fetch(sqlite, ITEMS)] == [7, 8]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        inline.execute("DELETE FROM item")


class _Refusing:
    def __init__(self, code: int):
        self.code = code

    def execute(self, sql, values):
        error = sqlite3.OperationalError("refused")
        error.sqlite_errorcode = self.code
        raise error


async def test_a_read_that_finds_the_file_busy_goes_to_a_reader_thread_and_other_errors_are_raised(sqlite):
    await fastsql.fetch(sqlite, ITEMS)  # opens the inline connection
    real = sqlite._connections().inline
    try:
        sqlite._connections().inline = _Refusing(sqlite3.SQLITE_BUSY | (2 << 8))  # SQLITE_BUSY_SNAPSHOT, say
        assert await fastsql.fetch(sqlite, ITEMS) == []
        assert len(sqlite._connections().idle_readers) == 1  # it was read there
        sqlite._connections().inline = _Refusing(sqlite3.SQLITE_ERROR)
        with pytest.raises(sqlite3.OperationalError, match="refused"):
            await fastsql.fetch(sqlite, ITEMS)
    finally:
        sqlite._connections().inline = real
