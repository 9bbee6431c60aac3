"""Database engines built from the settings, and the write transaction that holds up under concurrency."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from coursesite.settings import DatabaseUrl

SQLITE_BUSY_TIMEOUT_SECONDS = 30
SQLITE_READERS = 4  # reader connections per event loop (WAL: they read beside the writer)
# The longest a read on the event loop's own thread may wait for a lock (in WAL a reader waits only in rare cases,
# such as recovering the WAL index); past it, the read goes to a reader thread, where a wait blocks nobody.
SQLITE_INLINE_BUSY_MS = 20
# Set once when a connection opens, never per statement. foreign_keys is what Piccolo's own connections set.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",  # safe with WAL: a power cut may lose the last commits, never corrupt the file
    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}",
    "PRAGMA foreign_keys = 1",
)


class InlineReadConnection(sqlite3.Connection):
    """The connection ``read_inline`` uses, a class of its own so that a test can count its statements."""


class _LoopConnections:
    """One event loop's connections to the file: a writer behind a lock, and a few readers."""

    def __init__(self) -> None:
        self.write_lock = asyncio.Lock()
        self.writer: aiosqlite.Connection | None = None
        self.readers = asyncio.Semaphore(SQLITE_READERS)
        self.idle_readers: list[aiosqlite.Connection] = []
        self.inline: InlineReadConnection | None = None  # reads on the loop's own thread (``read_inline``)


class CourseSQLiteEngine(SQLiteEngine):
    """SQLite as an embedded engine, not a connection per query as Piccolo's own engine does.

    Per process (per event loop), one long-lived writer connection behind an asyncio lock: every write transaction
    and every write outside one queues for it in the app, fairly and without sleeping, instead of polling in
    SQLite's busy handler. Reads outside a transaction use a few long-lived reader connections, and the hot path's
    fixed reads a read-only connection on the loop's own thread (``read_inline``). PRAGMAs are set once
    per connection. Other processes on the same file (several uvicorn workers) still meet at SQLite's own write lock,
    where the busy timeout remains the fallback."""

    def __init__(self, path: str, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopConnections] = (
            weakref.WeakKeyDictionary()
        )

    def _connections(self) -> _LoopConnections:
        # Per loop: the tests run each test and each test client on a loop of their own, and an asyncio lock (like
        # a connection's futures) belongs to one loop. Production has one loop per worker.
        loop = asyncio.get_running_loop()
        connections = self._loops.get(loop)
        if connections is None:
            connections = self._loops[loop] = _LoopConnections()
        return connections

    async def get_connection(self) -> aiosqlite.Connection:
        """A new connection with the PRAGMAs set (Piccolo's batch() and the transactions' writer use this)."""
        connection = aiosqlite.connect(**self.connection_kwargs)
        # Long-lived connections must not keep the process alive at exit (aiosqlite's thread is not a daemon).
        connection._thread.daemon = True
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return connection

    async def read_inline(self, sql: str, values: Any) -> list[Any]:
        """A short read (a fixed statement of the hot path, db/fastsql.py) on the loop's own thread, on a read-only
        connection of its own: a statement of well under a millisecond costs less there than the hop to a reader
        thread, which has to win the interpreter lock back from the loop (up to its 5 ms switch interval) to build
        its rows, and then wake the loop. Busy past SQLITE_INLINE_BUSY_MS: the same read on a reader thread."""
        connections = self._connections()
        if connections.inline is None:
            connection = sqlite3.connect(**self.connection_kwargs, factory=InlineReadConnection)
            connection.row_factory = dict_factory
            # Only what a reader needs: WAL is the file's own (the writer set it), writes are refused here.
            for pragma in (f"PRAGMA busy_timeout = {SQLITE_INLINE_BUSY_MS}", "PRAGMA query_only = 1"):
                connection.execute(pragma)
            connections.inline = connection
        try:
            return connections.inline.execute(sql, values).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):  # or an extended one
                raise
        async with self.reader() as reader:
            return list(await reader.execute_fetchall(sql, values))

    async def acquire_writer(self) -> aiosqlite.Connection:
        """The loop's writer connection, held alone until release_writer: the in-process queue for SQLite's single
        write lock."""
        connections = self._connections()
        await connections.write_lock.acquire()
        try:
            if connections.writer is None:
                connections.writer = await self.get_connection()
        except BaseException:
            connections.write_lock.release()
            raise
        return connections.writer

    async def release_writer(self, *, discard: bool = False) -> None:
        """`discard`: it may be left mid-transaction (a BEGIN, COMMIT or ROLLBACK failed or was cancelled), so the
        next writer starts on a fresh connection."""
        connections = self._connections()
        try:
            if discard and connections.writer is not None:
                broken, connections.writer = connections.writer, None
                await _close_quietly(broken)
        finally:
            connections.write_lock.release()

    async def acquire_reader(self) -> aiosqlite.Connection:
        connections = self._connections()
        await connections.readers.acquire()
        try:
            return connections.idle_readers.pop() if connections.idle_readers else await self.get_connection()
        except BaseException:
            connections.readers.release()
            raise

    async def release_reader(self, connection: aiosqlite.Connection, *, discard: bool = False) -> None:
        connections = self._connections()
        try:
            if discard:
                await _close_quietly(connection)
            else:
                connections.idle_readers.append(connection)
        finally:
            connections.readers.release()

    @asynccontextmanager
    async def writer(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = await self.acquire_writer()
        try:
            yield connection
        finally:
            await self.release_writer()

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = await self.acquire_reader()
        try:
            yield connection
        finally:
            await self.release_reader(connection)

    async def close_connections(self) -> None:
        """Close the running loop's long-lived connections (on app shutdown)."""
        connections = self._loops.pop(asyncio.get_running_loop(), None)
        if connections is None:
            return
        async with connections.write_lock:
            for connection in [*connections.idle_readers, connections.writer]:
                if connection is not None:
                    await _close_quietly(connection)
            connections.idle_readers.clear()
            connections.writer = None
            if connections.inline is not None:
                connections.inline.close()
                connections.inline = None

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        """Outside a transaction: a read on a reader; anything else on the writer (autocommit)."""
        if query.lstrip()[:6].upper() == "SELECT":
            async with self.reader() as connection:
                return await connection.execute_fetchall(query, args or [])
        async with self.writer() as connection:
            return await connection.execute_fetchall(query, args or [])

    async def _run_in_existing_connection(
        self, connection: Any, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        # One hop to the connection's thread; no PRAGMA per statement (set once when the connection opened).
        return await connection.execute_fetchall(query, args or [])

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _CourseTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)


class _CourseTransaction(SQLiteTransaction):
    """A write transaction (IMMEDIATE or EXCLUSIVE) runs on the loop's writer, holding it until it ends; a deferred
    (read) transaction on a reader connection."""

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        engine: CourseSQLiteEngine = self.engine  # type: ignore[assignment]
        self._writes = self.transaction_type is not TransactionType.deferred
        self.connection = await (engine.acquire_writer() if self._writes else engine.acquire_reader())
        try:
            await self.begin()
        except BaseException:
            await self._release(discard=True)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        self.engine.current_transaction.reset(self.context)
        try:
            await _end(self, exception)
        except BaseException:
            await self._release(discard=True)
            raise
        await self._release(discard=False)
        return exception is None

    async def _release(self, *, discard: bool) -> None:
        engine: CourseSQLiteEngine = self.engine  # type: ignore[assignment]
        if self._writes:
            await engine.release_writer(discard=discard)
        else:
            await engine.release_reader(self.connection, discard=discard)


async def _end(transaction: Any, exception: BaseException | None) -> None:
    """Roll back on an exception, else commit; either not when the caller already ended the transaction."""
    if exception:
        if not transaction._rolled_back:
            await transaction.rollback()
    elif not transaction._committed and not transaction._rolled_back:
        await transaction.commit()


async def _close_quietly(connection: aiosqlite.Connection) -> None:
    try:
        await connection.close()
    except Exception:  # already broken: nothing more to release
        pass


async def keep_session_state(connection: Any) -> None:
    """The pool's reset when a connection is released: nothing to send. asyncpg still rolls back a transaction left
    open before it calls this. Its default reset (pg_advisory_unlock_all, CLOSE ALL, UNLISTEN *, RESET ALL) is a round
    trip on every release, for session state this app never leaves behind: its advisory locks are per transaction,
    and it sends no LISTEN, no session SET and keeps no cursor past its transaction
    (tests/unit/db/test_session_state.py reads the source for them)."""


class CoursePostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine with two round trips fewer where the app can prove they carry nothing: a pool
    without the reset query on release, and a write transaction that takes the account's lock in the same round trip
    as its BEGIN (write_transaction)."""

    async def start_connection_pool(self, **kwargs: Any) -> None:
        await super().start_connection_pool(**{"reset": keep_session_state} | kwargs)

    def transaction(self, allow_nested: bool = True, *, lock_account: int | None = None) -> PostgresTransaction:
        return _CoursePostgresTransaction(engine=self, allow_nested=allow_nested, lock_account=lock_account)


class _CoursePostgresTransaction(PostgresTransaction):
    """BEGIN, COMMIT and ROLLBACK as plain statements on the connection, so that BEGIN can carry the account's lock
    in one simple query; and the connection goes back to the pool however the transaction ends (Piccolo's own leaks
    it when BEGIN or COMMIT fails). Nested, it is its parent, and still takes the lock it was asked for."""

    __slots__ = ("_lock_account",)

    def __init__(self, engine: PostgresEngine, allow_nested: bool = True, *, lock_account: int | None = None) -> None:
        super().__init__(engine=engine, allow_nested=allow_nested)
        self._lock_account = None if lock_account is None else int(lock_account)

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            if self._lock_account is not None:
                await self._parent.connection.fetch(_LOCK_ACCOUNT, self._lock_account)
            return self._parent
        self.connection = await self.get_connection()
        try:
            await self.begin()
        except BaseException:
            await self._release()  # asyncpg rolls back what BEGIN left open
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def begin(self) -> None:
        if self._lock_account is None:
            await self.connection.execute("BEGIN")
        else:  # an integer, so safe as text; one simple query, one round trip
            await self.connection.execute(f"BEGIN; {_lock_account_sql(self._lock_account)}")

    async def commit(self) -> None:
        await self.connection.execute("COMMIT")
        self._committed = True

    async def rollback(self) -> None:
        await self.connection.execute("ROLLBACK")
        self._rolled_back = True

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        self.engine.current_transaction.reset(self.context)
        try:
            await _end(self, exception)
        finally:
            await self._release()
        return exception is None

    async def _release(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()


def build_engine(url: DatabaseUrl) -> Engine:
    if url.engine == "sqlite":
        assert url.sqlite_path is not None
        url.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return CourseSQLiteEngine(path=str(url.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    return CoursePostgresEngine(config={"dsn": url.dsn})


async def close_connections(engine: Engine) -> None:
    """Close what the engine keeps open for the running loop (SQLite's long-lived connections)."""
    if isinstance(engine, CourseSQLiteEngine):
        await engine.close_connections()


def write_transaction(engine: Engine, *, account_id: int | None = None):
    """A transaction for read-then-write. On SQLite it takes the write lock up front (BEGIN IMMEDIATE), so two
    requests cannot both read and then fail to upgrade their lock ("database is locked"), and that lock is also the
    account's. With `account_id` on PostgreSQL, the account's lock (lock_account_rows) is taken as the transaction
    begins, in the same round trip as its BEGIN."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    if not isinstance(engine, CoursePostgresEngine):
        raise TypeError("write_transaction takes the engine build_engine made")
    return engine.transaction(lock_account=account_id)


async def lock_account_rows(engine: Engine, account_id: int) -> None:
    """Serialise one account's read-then-write transactions on PostgreSQL; SQLite's BEGIN IMMEDIATE already does.

    Call inside a transaction: the advisory lock is released when it ends.
    """
    if isinstance(engine, PostgresEngine):
        transaction = engine.current_transaction.get()
        if transaction is None:  # held for this one statement only: no use, but what the caller asked for
            await engine.run_querystring(QueryString(_lock_account_sql("{}"), int(account_id)))
            return
        # Fixed text straight to asyncpg (prepared once per connection), as db/fastsql.py runs the hot path's SQL.
        await transaction.connection.fetch(_LOCK_ACCOUNT, int(account_id))


def _lock_account_sql(account: int | str) -> str:
    """The account's lock on PostgreSQL, held until the transaction ends; `account` an id or a placeholder."""
    return f"SELECT pg_advisory_xact_lock({account})"


_LOCK_ACCOUNT = _lock_account_sql("$1")
