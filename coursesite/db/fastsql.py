"""Fixed statements for the hot path (issue 14): SQL written once per engine, run straight on the driver.

A `Statement` holds its text for PostgreSQL (`$1` parameters) and for SQLite (`?` parameters). `fetch` runs it on the
connection the current transaction holds (asyncpg or aiosqlite), with the values bound by the driver, never
formatted into the text. Nothing is built or parsed per request: no Piccolo query, no `QueryString` to compile. On
PostgreSQL asyncpg prepares each text once per connection and reuses it (its statement cache), so these are
prepared statements too.

Rows come back as the driver gives them: asyncpg `Record`s, or dicts on SQLite (the engine's row factory); both are
read as `row["column"]`. Column types are the drivers' own, as with Piccolo's `run_querystring`: JSON as text, and
on SQLite timestamps converted only when selected straight from a TIMESTAMPTZ column.

Outside a transaction a statement runs on a pooled (or new) PostgreSQL connection, or on SQLite on the event loop's
own read-only connection (a SELECT: db/engine.py, ``read_inline``) or the writer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from coursesite.db.engine import CourseSQLiteEngine

_PG_PARAMETER = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class Statement:
    """One statement in each engine's dialect. `parameters` is how many values it takes, checked when it runs.
    `sqlite` None: PostgreSQL only (say what SQLite runs instead where it is used)."""

    postgres: str
    sqlite: str | None
    parameters: int

    def __post_init__(self) -> None:
        numbers = {int(n) for n in _PG_PARAMETER.findall(self.postgres)}
        if numbers != set(range(1, self.parameters + 1)):
            raise ValueError(f"PostgreSQL text takes ${sorted(numbers)}, not $1..${self.parameters}")
        if self.sqlite is not None and self.sqlite.count("?") != self.parameters:
            raise ValueError(f"SQLite text takes {self.sqlite.count('?')} values, not {self.parameters}")

    @classmethod
    def same(cls, postgres: str, parameters: int) -> Statement:
        """A statement both engines read alike but for the parameters (see `positional`)."""
        return cls(postgres, positional(postgres), parameters)

    @classmethod
    def postgres_only(cls, postgres: str, parameters: int) -> Statement:
        return cls(postgres, None, parameters)


def positional(text: str) -> str:
    """`text` with each `$n` turned into `?`, SQLite's parameter. Every `$n` must appear once and in order, as `?`
    binds by position."""
    numbers = [int(n) for n in _PG_PARAMETER.findall(text)]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"each parameter once and in order for both engines, got ${numbers}")
    return _PG_PARAMETER.sub("?", text)


async def fetch(engine: Engine, statement: Statement, *values: Any) -> list[Any]:
    """The rows `statement` returns (none for a statement without RETURNING), bound to `values`."""
    if len(values) != statement.parameters:
        raise TypeError(f"the statement takes {statement.parameters} values, got {len(values)}")
    transaction = engine.current_transaction.get()
    if isinstance(engine, PostgresEngine):
        if transaction is not None:
            return await transaction.connection.fetch(statement.postgres, *values)
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return await connection.fetch(statement.postgres, *values)
        connection = await engine.get_new_connection()
        try:
            return await connection.fetch(statement.postgres, *values)
        finally:
            await connection.close()
    if isinstance(engine, SQLiteEngine):
        sql = statement.sqlite
        if sql is None:
            raise TypeError("a PostgreSQL-only statement")
        if transaction is not None:
            return list(await transaction.connection.execute_fetchall(sql, values))
        if isinstance(engine, CourseSQLiteEngine):
            if sql.lstrip()[:6].upper() == "SELECT":
                return await engine.read_inline(sql, values)
            async with engine.writer() as connection:
                return list(await connection.execute_fetchall(sql, values))
        sqlite_connection = await engine.get_connection()
        try:
            rows = list(await sqlite_connection.execute_fetchall(sql, values))
            await sqlite_connection.commit()
            return rows
        finally:
            await sqlite_connection.close()
    raise TypeError(f"no fixed statements for {type(engine).__name__}")


async def execute_many(engine: Engine, statement: Statement, rows: Sequence[Sequence[Any]]) -> None:
    """`statement` once for each of `rows` (a batch of inserts), in the transaction the caller opened: bound by the
    driver, nothing built per row (asyncpg sends the batch in one go; SQLite runs it in the connection's thread)."""
    if any(len(values) != statement.parameters for values in rows):
        raise TypeError(f"the statement takes {statement.parameters} values a row")
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise TypeError("execute_many runs in a write transaction (db/engine.write_transaction)")
    if isinstance(engine, PostgresEngine):
        await transaction.connection.executemany(statement.postgres, rows)
    elif isinstance(engine, SQLiteEngine) and statement.sqlite is not None:
        await transaction.connection.executemany(statement.sqlite, rows)
    else:
        raise TypeError(f"no fixed statement for {type(engine).__name__}")


async def fetch_one(engine: Engine, statement: Statement, *values: Any) -> Any | None:
    """The first row, or None."""
    rows = await fetch(engine, statement, *values)
    return rows[0] if rows else None
