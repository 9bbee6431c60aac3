"""The hot path's fixed statements (db/fastsql.py), on both engines: bound values (never formatted into the text), the
transaction's own connection, and the same statement outside a transaction."""

import pytest

from coursesite.db.answers import LessonProgress
from coursesite.db.engine import write_transaction
from coursesite.db.fastsql import Statement, fetch, fetch_one, positional
from tests.statement_count import counting
from tests.support import make_account

SELECT_SLUGS = Statement.same("SELECT lesson_slug FROM lesson_progress WHERE account = $1 ORDER BY lesson_slug", 1)
INSERT_PROGRESS = Statement.same(
    "INSERT INTO lesson_progress (account, lesson_slug, answered, question_count, score_milli, max_score_milli, "
    "percent, updated_at) VALUES ($1, $2, 0, 0, 0, 0, 0, CURRENT_TIMESTAMP) RETURNING id, lesson_slug",
    2,
)


def test_the_texts_and_the_parameter_count_must_agree():
    assert Statement.same("SELECT $1, $2", 2).sqlite == "SELECT ?, ?"
    with pytest.raises(ValueError):
        Statement.same("SELECT $2, $1", 2)  # `?` binds by position: each engine's text written out instead
    with pytest.raises(ValueError):
        Statement("SELECT $1", "SELECT ?, ?", 1)
    with pytest.raises(ValueError):
        Statement("SELECT $1, $3", "SELECT ?, ?", 2)
    assert Statement.postgres_only("SELECT $1, $1", 1).sqlite is None  # SQLite runs something else where it is used
    # grading/service.py writes its SQLite texts apart (json_group_array) and puts them through the same check.
    assert positional("SELECT json_group_array(x) FROM t WHERE a = $1 AND b = $2") == (
        "SELECT json_group_array(x) FROM t WHERE a = ? AND b = ?"
    )
    with pytest.raises(ValueError):
        positional("SELECT x FROM t JOIN u ON u.a = $2 WHERE t.b = $1")


async def test_values_are_bound_never_formatted(db):
    account = await make_account("fast@example.se")
    hostile = "x'); DELETE FROM lesson_progress; --"
    async with write_transaction(db):
        inserted = await fetch(db, INSERT_PROGRESS, account, hostile)
        assert inserted[0]["lesson_slug"] == hostile
        await fetch(db, INSERT_PROGRESS, account, "second")
    rows = await fetch(db, SELECT_SLUGS, account)  # outside a transaction
    assert [row["lesson_slug"] for row in rows] == sorted([hostile, "second"])
    assert await LessonProgress.count() == 2
    with pytest.raises(TypeError):
        await fetch(db, SELECT_SLUGS)


async def test_inside_a_transaction_it_runs_on_the_transactions_connection(db):
    account = await make_account("fast@example.se")
    with counting() as counts:
        async with write_transaction(db):
            await fetch(db, INSERT_PROGRESS, account, "a")
            row = await fetch_one(db, SELECT_SLUGS, account)  # sees its own transaction's write
    assert row is not None and row["lesson_slug"] == "a"
    assert counts.checkouts <= 1 and counts.connections == 0  # the transaction's one connection, nothing more
    assert await fetch_one(db, SELECT_SLUGS, -1) is None


async def test_a_rolled_back_transaction_takes_its_statements_with_it(db):
    account = await make_account("fast@example.se")
    with pytest.raises(RuntimeError):
        async with write_transaction(db):
            await fetch(db, INSERT_PROGRESS, account, "gone")
            raise RuntimeError
    assert await fetch(db, SELECT_SLUGS, account) == []


async def test_execute_many_binds_each_row_in_the_callers_transaction(db):
    from coursesite.db.fastsql import execute_many

    account = await make_account("fast@example.se")
    insert = Statement.same(
        "INSERT INTO lesson_progress (account, lesson_slug, answered, question_count, score_milli, max_score_milli, "
        "percent, updated_at) VALUES ($1, $2, 0, 0, 0, 0, 0, CURRENT_TIMESTAMP)",
        2,
    )
    hostile = "x'); DELETE FROM lesson_progress; --"
    with pytest.raises(TypeError):  # only inside a transaction: a batch is stored whole or not at all
        await execute_many(db, insert, [(account, "a")])
    with pytest.raises(TypeError):
        async with write_transaction(db):
            await execute_many(db, insert, [(account, "a", "extra")])
    async with write_transaction(db):
        await execute_many(db, insert, [(account, hostile), (account, "b"), (account, "c")])
    rows = await fetch(db, SELECT_SLUGS, account)
    assert [row["lesson_slug"] for row in rows] == sorted([hostile, "b", "c"])
    with pytest.raises(Exception):  # noqa: B017 - the unique (account, lesson_slug): the engines' own errors
        async with write_transaction(db):
            await execute_many(db, insert, [(account, "d"), (account, "b")])
    assert len(await fetch(db, SELECT_SLUGS, account)) == 3  # the failed batch left nothing
