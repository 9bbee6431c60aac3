"""Count the database round trips of one answer submission (POST /api/v1/answers), and of the baseline's insert.

Runs the real app in-process (litestar's AsyncTestClient, lifespan included, so the PostgreSQL pool is the same as
the server's) and counts at the driver level, so what Piccolo and asyncpg add is counted too:
  SQLite: connections opened (aiosqlite.connect) and statements executed (PRAGMA, BEGIN/COMMIT, queries);
  PostgreSQL: pool checkouts, and statements sent on a connection, including asyncpg's reset query when a connection
  goes back to the pool. The counter is tests/statement_count.py, which tests/integration/test_answer_statements.py
  uses to hold the count of one submission.

    .venv/bin/python bench/count_queries.py --database-url sqlite:////tmp/x.sqlite --out counts.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

from tests.statement_count import Counts, counting  # noqa: E402  (the same counter as the statement-count test)

COUNTS: Counts = Counts()


async def product(database_url: str) -> dict:
    from litestar.testing import AsyncTestClient
    from prepare import ENROLMENT

    from coursesite.app import create_app
    from coursesite.course.loader import load_course
    from coursesite.settings import Settings
    from tests.support import correct_response

    settings = Settings(
        database_url=database_url, secret_key="bench-" + secrets.token_urlsafe(24), environment="development"
    )
    course = load_course(settings.lessons_dir)
    lesson = course.acts[0].lessons[0]
    questions = lesson.questions
    result: dict = {}
    async with AsyncTestClient(app=create_app(settings)) as client:
        await client.get("/registrera")
        csrf = client.cookies.get("csrftoken")
        headers = {"x-csrftoken": csrf}
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "email": f"count-{secrets.token_hex(4)}@example.se",
                "password": "Bench-lösenord-x7Q!",
                "first_name": "Räkna",
                "last_name": "Frågor",
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        # The login's response carries the session-bound CSRF token (as bench/prepare.py reads it).
        headers = {"x-csrftoken": client.cookies.get("csrftoken") or csrf}
        response = await client.post("/api/v1/enrollments", json=ENROLMENT, headers=headers)
        assert response.status_code == 201, response.text  # the lessons open on enrolment
        for label, question in (
            ("first answer in a lesson", questions[0]),
            ("later answer in the lesson", questions[1]),
        ):
            COUNTS.reset()
            response = await client.post(
                "/api/v1/answers",
                json={"question_id": question.id, "response": correct_response(question)},
                headers=headers,
            )
            assert response.status_code == 201, response.text
            result[label] = COUNTS.as_dict()
    return result


async def baseline(database_url: str) -> dict:
    import os

    from litestar.testing import AsyncTestClient

    os.environ["BENCH_DATABASE_URL"] = database_url
    from baseline_app import app_factory

    async with AsyncTestClient(app=app_factory()) as client:
        await client.post("/insert", json={"label": "warm", "value": 0})
        COUNTS.reset()
        response = await client.post("/insert", json={"label": "count", "value": 1})
        assert response.status_code == 201, response.text
        return COUNTS.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    global COUNTS
    with counting() as COUNTS:
        result = {
            "product": asyncio.run(product(args.database_url)),
            "baseline": asyncio.run(baseline(args.database_url)),
        }
    text = json.dumps(result, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    for label, counts in result["product"].items():
        print(
            f"count: POST /api/v1/answers ({label}): {counts['statements']} statements, "
            f"{counts['connections_opened']} new connections, {counts['pool_checkouts']} pool checkouts; "
            f"{counts['by_kind']}"
        )
    b = result["baseline"]
    print(
        f"count: baseline POST /insert: {b['statements']} statements, {b['connections_opened']} new connections, "
        f"{b['pool_checkouts']} pool checkouts; {b['by_kind']}"
    )


if __name__ == "__main__":
    main()
