"""Counting what one request costs the database, at the driver level (aiosqlite, asyncpg), so that what Piccolo and
the drivers add is counted too. Used by the statement-count tests and by bench/count_queries.py.

    with counting() as counts:
        ...  # the request
    counts.statements, counts.checkouts, counts.connections
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager


class Counts:
    def __init__(self) -> None:
        self.connections = 0  # new connections opened (SQLite: aiosqlite.connect, and the engine's inline reader)
        self.checkouts = 0  # PostgreSQL pool checkouts
        self.by_kind: Counter[str] = Counter()
        self.log: list[str] = []

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    @property
    def statements(self) -> int:
        """Every statement sent, BEGIN/COMMIT, PRAGMAs and asyncpg's reset on release included."""
        return sum(self.by_kind.values())

    def statement(self, sql: str) -> None:
        text = " ".join(str(sql).split())
        if text.startswith("SELECT pg_advisory_unlock_all()") and "RESET ALL" in text:
            kind = "pool reset"
        else:
            kind = text.split(" ", 1)[0].rstrip(";").upper() if text else "?"
        self.by_kind[kind] += 1
        self.log.append(text[:1000])  # enough for the hot path's longest statement

    def as_dict(self) -> dict:
        return {
            "connections_opened": self.connections,
            "pool_checkouts": self.checkouts,
            "statements": self.statements,
            "by_kind": dict(sorted(self.by_kind.items())),
            "log": list(self.log),
        }


@contextmanager
def counting() -> Iterator[Counts]:
    """Count while the block runs; the drivers are restored after it."""
    import aiosqlite
    import aiosqlite.core
    import asyncpg.connection
    import asyncpg.pool

    from coursesite.db.engine import InlineReadConnection

    counts = Counts()
    patched: list[tuple[object, str, object]] = []

    def patch(owner: object, name: str, replacement: object) -> None:
        patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    original_connect = aiosqlite.connect

    def connect(*args, **kwargs):
        counts.connections += 1
        return original_connect(*args, **kwargs)

    patch(aiosqlite, "connect", connect)  # the engines call aiosqlite.connect(...) through the module
    original_inline_execute = InlineReadConnection.execute

    def inline_execute(self, sql, parameters=()):
        counts.statement(sql)
        return original_inline_execute(self, sql, parameters)

    patch(InlineReadConnection, "execute", inline_execute)  # the SQLite engine's reads on the loop's thread
    original_inline_init = InlineReadConnection.__init__

    def inline_init(self, *args, **kwargs):
        counts.connections += 1
        original_inline_init(self, *args, **kwargs)

    patch(InlineReadConnection, "__init__", inline_init)
    for name in ("execute", "execute_fetchall"):
        original = getattr(aiosqlite.core.Connection, name)

        def sqlite_execute(self, sql, parameters=None, __original=original):
            counts.statement(sql)
            return __original(self, sql, parameters)

        patch(aiosqlite.core.Connection, name, sqlite_execute)
    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        original = getattr(asyncpg.connection.Connection, name)

        def pg_execute(self, query, *args, __original=original, **kwargs):
            counts.statement(query)
            return __original(self, query, *args, **kwargs)

        patch(asyncpg.connection.Connection, name, pg_execute)
    original_acquire = asyncpg.pool.Pool._acquire

    async def acquire(self, timeout):
        counts.checkouts += 1
        return await original_acquire(self, timeout)

    patch(asyncpg.pool.Pool, "_acquire", acquire)
    try:
        yield counts
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def sent(counts: Counts) -> list[str]:
    """The statements the request itself sent. The page-view buffer is written by a background task whenever it runs:
    not part of the request."""
    return [text for text in counts.log if "page_view" not in text]
