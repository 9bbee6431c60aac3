"""After a benchmark run: is what the server stored consistent? Prints JSON.

Checks the answer table against the lesson rules (no more than max_attempts per participant and question, attempts
numbered 1..n without duplicates or gaps) and lesson_progress against the answers (answered = distinct questions
answered in that lesson), and counts the baseline's rows.

    .venv/bin/python bench/check_db.py --database-url sqlite:////tmp/x.sqlite --max-attempts 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coursesite.settings import DatabaseUrl

QUERIES = {
    "answers": "SELECT count(*) FROM answer",
    "accounts_with_answers": "SELECT count(DISTINCT account) FROM answer",
    "max_attempt": "SELECT coalesce(max(attempt), 0) FROM answer",
    "pairs_over_max_attempts": "SELECT count(*) FROM (SELECT account, question_id FROM answer GROUP BY account, question_id "
    "HAVING count(*) > {max_attempts}) t",
    "duplicate_attempt_numbers": "SELECT count(*) FROM (SELECT account, question_id, attempt FROM answer "
    "GROUP BY account, question_id, attempt HAVING count(*) > 1) t",
    "pairs_with_attempt_gaps": "SELECT count(*) FROM (SELECT account, question_id FROM answer GROUP BY account, question_id "
    "HAVING max(attempt) <> count(*)) t",
    "progress_rows": "SELECT count(*) FROM lesson_progress",
    "progress_answered_mismatches": "SELECT count(*) FROM lesson_progress p LEFT JOIN (SELECT account, lesson_slug, "
    "count(DISTINCT question_id) AS n FROM answer GROUP BY account, lesson_slug) a "
    "ON a.account = p.account AND a.lesson_slug = p.lesson_slug WHERE coalesce(a.n, 0) <> p.answered",
    "answered_lessons_without_progress": "SELECT count(*) FROM (SELECT DISTINCT account, lesson_slug FROM answer) a "
    "LEFT JOIN lesson_progress p ON p.account = a.account AND p.lesson_slug = a.lesson_slug WHERE p.id IS NULL",
    "baseline_rows": "SELECT count(*) FROM bench_baseline_row",
}


def run_sqlite(path: Path, max_attempts: int) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {
            name: connection.execute(sql.format(max_attempts=max_attempts)).fetchone()[0]
            for name, sql in QUERIES.items()
        }
    finally:
        connection.close()


async def run_postgres(dsn: str, max_attempts: int) -> dict[str, int]:
    import asyncpg

    connection = await asyncpg.connect(dsn)
    try:
        return {name: await connection.fetchval(sql.format(max_attempts=max_attempts)) for name, sql in QUERIES.items()}
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--max-attempts", type=int, default=3)
    args = parser.parse_args()
    url = DatabaseUrl.parse(args.database_url)
    if url.engine == "sqlite":
        assert url.sqlite_path is not None
        result = run_sqlite(url.sqlite_path, args.max_attempts)
    else:
        assert url.dsn is not None
        result = asyncio.run(run_postgres(url.dsn, args.max_attempts))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
