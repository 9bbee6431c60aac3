"""Database engines built from the settings, and the write transaction that holds up under concurrency."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from coursesite.settings import DatabaseUrl

SQLITE_BUSY_TIMEOUT_SECONDS = 30


class CourseSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection per query. Every connection gets the busy timeout (`timeout=`);
    WAL is a property of the database file, set by the first connection made here; the connections that transactions
    use (the write path) also get synchronous=NORMAL, which is safe with WAL."""

    async def get_connection(self):
        connection = await super().get_connection()
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        return connection


def build_engine(url: DatabaseUrl) -> Engine:
    if url.engine == "sqlite":
        assert url.sqlite_path is not None
        url.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return CourseSQLiteEngine(path=str(url.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    return PostgresEngine(config={"dsn": url.dsn})


def write_transaction(engine: Engine):
    """A transaction for read-then-write. On SQLite it takes the write lock up front (BEGIN IMMEDIATE), so two
    requests cannot both read and then fail to upgrade their lock ("database is locked")."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def lock_account_rows(engine: Engine, account_id: int) -> None:
    """Serialise one account's read-then-write transactions on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.

    Call inside a transaction: the advisory lock is released when it ends.
    """
    if isinstance(engine, PostgresEngine):
        await engine.run_querystring(QueryString("SELECT pg_advisory_xact_lock({})", int(account_id)))
