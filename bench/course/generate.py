"""Seed a course at full size in a PostgreSQL database, for the course benchmark (bench/course/run.sh, issue 14 P4).

    .venv/bin/python -m bench.course.generate --participants 20000 \
        --database-url postgresql://postgres@127.0.0.1:5432/coursesite_course

Two existing generators, joined on the account ids 1..N (the same e-mail addresses deltagare<n>@example.se):
- bench/billing/generate.py: the accounts, their customer rows, enrolments and invoices of this year (credit
  notes, payments), so that /mina-fakturor has something to show and every lesson is open (enrolment opens it);
- bench/scale/generate.py: the answers and lesson_progress of each participant, spread over the acts by the
  funnel (acts open in order, some give up before each lesson), graded by the real grader.

Every participant has the password PASSWORD; its Argon2 hash is computed once and reused (argon2 is slow on purpose).
Fast: COPY, the secondary indexes of the answer tables dropped during the load and rebuilt after, VACUUM ANALYZE.
The database is created when missing and migrated; the tables are emptied first. Deterministic per --seed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.billing import generate as billing  # noqa: E402
from bench.scale import generate as scale  # noqa: E402
from coursesite.core import clock  # noqa: E402
from coursesite.course.loader import load_course  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/coursesite_course"
PASSWORD = "bench-deltagare-lösenord"  # a local benchmark database only
ANSWER_TABLES = ("answer", "lesson_progress")


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql://"):
        parser.error("the course benchmark runs on PostgreSQL: --database-url postgresql://…")
    started = time.monotonic()
    await scale.ensure_database(args.database_url)
    await scale.migrate(args.database_url)
    from coursesite.accounts.passwords import hash_password_sync

    password_hash = hash_password_sync(PASSWORD)
    today = clock.today()  # the day the app would issue on
    # The billing generator's calendar: one invoice each, issued during last year, most of them paid.
    tables, counts, series = billing.generate(args.participants, today.year - 1, args.seed, password_hash, today)
    course = load_course(REPO / "lessons")
    grader_id = args.participants + 1
    answers_gen = scale.Generator(course, args.seed, password_hash, grader_id)
    answers: list[tuple] = []
    progress: list[tuple] = []
    for number in range(1, args.participants + 1):
        _, rows, lessons = answers_gen.participant(number, number)
        answers += rows
        progress += lessons
    print(f"rows computed ({time.monotonic() - started:.0f} s)", flush=True)

    connection = await asyncpg.connect(args.database_url)
    try:
        await connection.execute(
            f"TRUNCATE {', '.join(billing.TABLES)}, {', '.join(ANSWER_TABLES)}, user_session RESTART IDENTITY CASCADE"
        )
        indexes = await scale.secondary_indexes(connection, ANSWER_TABLES)
        for name, _ in indexes:
            await connection.execute(f'DROP INDEX "{name}"')
        for table, (columns, records) in tables.items():
            await connection.copy_records_to_table(table, records=records, columns=columns)
        # The grader of the essays some participants have had graded: an instructor account after the participants.
        await connection.copy_records_to_table(
            "account",
            records=[(grader_id, "rattare@example.se", password_hash, "Rättande", "Lärare", None, None, "instructor",
                      scale.START, None)],
            columns=scale.ACCOUNT_COLUMNS,
        )  # fmt: skip
        await connection.copy_records_to_table("answer", records=answers, columns=scale.ANSWER_COLUMNS)
        await connection.copy_records_to_table("lesson_progress", records=progress, columns=scale.PROGRESS_COLUMNS)
        print(f"rows loaded ({time.monotonic() - started:.0f} s); rebuilding {len(indexes)} indexes", flush=True)
        for _, definition in indexes:
            await connection.execute(definition)
        for table in (*tables, *ANSWER_TABLES):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        await connection.execute(
            "INSERT INTO invoice_counter (series, year, last_sequence) VALUES ($1, $2, $3)",
            series,
            today.year - 1,
            counts["documents"],
        )
        # Verified addresses, as after the confirmation mail: nothing in the mix depends on it, but it is the usual state.
        await connection.execute("UPDATE account SET email_verified_at = created_at")
        await connection.execute("VACUUM ANALYZE")
        size = await connection.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    finally:
        await connection.close()
    done = answers_gen.counts
    print(
        f"done in {time.monotonic() - started:.0f} s: {args.participants} participants (enrolled, "
        f"{counts['invoices']} invoices, {counts['credit_notes']} credit notes, {counts['payments']} payments), "
        f"{done['answers']} answers, {done['progress']} lesson_progress rows, {done['completed_course']} completed "
        f"the course; database {size}"
    )


if __name__ == "__main__":
    asyncio.run(main())
