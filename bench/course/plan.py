"""Prepare a course benchmark run: a fresh session for every participant, and what each of them does next.

    .venv/bin/python -m bench.course.plan --database-url postgresql://… --out plan.json

Sessions are made in the database as a login makes them (user_session: the SHA-256 of a random token), so that
20,000 participants are logged in without 20,000 Argon2 verifications before the first step; logins themselves are
part of the mix (bench/course/load.py). The run's earlier benchmark sessions are deleted first.

Per participant, from their answers and lesson_progress and the course's own rules (coursesite/course/progress.py):
- the lesson they work on: the first open lesson not yet complete (or, when the course is done, the last one);
- a lesson with answers, for the results page;
- the questions of their current lesson they have not answered yet, each with a right and a wrong response in the
  lesson form's fields: every submission in the run is a first attempt, so none meets the attempt limit.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import secrets
import sys
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.course.generate import PASSWORD  # noqa: E402
from bench.scale.generate import SHORT_WRONG, _wrong_responses  # noqa: E402
from coursesite.course.loader import load_course  # noqa: E402
from coursesite.course.model import Matching, MultipleChoice, Ordering, Question, TrueFalse  # noqa: E402
from tests.support import correct_response  # noqa: E402

CLIENT_LABEL = "bench-course"  # marks this benchmark's sessions, deleted at the next run


def form_fields(question: Question, response: Any) -> list[tuple[str, str]]:
    """The lesson form's fields for a response in the JSON API's shape (the inverse of web/forms.response_from_form)."""
    if isinstance(question, MultipleChoice):
        return [("response", str(v)) for v in response]
    if isinstance(question, TrueFalse):
        return [("response", "true" if response else "false")]
    if isinstance(question, Matching):
        return [(f"match-{left}", str(right)) for left, right in response.items()]
    if isinstance(question, Ordering):
        return [(f"position-{item}", str(i)) for i, item in enumerate(response, start=1)]
    return [("response", str(response))]


async def build(url: str, seed: int) -> dict[str, Any]:
    from coursesite.course.progress import is_lesson_unlocked

    course = load_course(REPO / "lessons")
    lessons = course.lessons()
    rng = random.Random(seed)
    answer_forms: dict[str, dict[str, list]] = {}
    for lesson in lessons:
        for question in lesson.questions:
            wrong = [r for r, _ in _wrong_responses(question, rng)][:5] or [rng.choice(SHORT_WRONG)]
            answer_forms[question.id] = {
                "right": form_fields(question, correct_response(question)),
                "wrong": [form_fields(question, r) for r in wrong],
            }
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DELETE FROM user_session WHERE client_label = $1", CLIENT_LABEL)
        accounts = await connection.fetch("SELECT id, email FROM account WHERE role = 'participant' ORDER BY id")
        completed: dict[int, set[str]] = defaultdict(set)
        for row in await connection.fetch(
            "SELECT account, lesson_slug FROM lesson_progress WHERE completed_at IS NOT NULL"
        ):
            completed[row["account"]].add(row["lesson_slug"])
        answered: dict[int, set[str]] = defaultdict(set)
        started: dict[int, set[str]] = defaultdict(set)
        for row in await connection.fetch("SELECT DISTINCT account, lesson_slug, question_id FROM answer"):
            answered[row["account"]].add(row["question_id"])
            started[row["account"]].add(row["lesson_slug"])
        now = datetime.now(UTC)
        tokens = [secrets.token_urlsafe(32) for _ in accounts]
        await connection.copy_records_to_table(
            "user_session",
            records=[
                (hashlib.sha256(token.encode()).hexdigest(), row["id"], now, now + timedelta(days=7), now, CLIENT_LABEL)
                for token, row in zip(tokens, accounts, strict=True)
            ],
            columns=["token_hash", "account", "created_at", "expires_at", "last_used_at", "client_label"],
        )
    finally:
        await connection.close()

    participants = []
    for token, row in zip(tokens, accounts, strict=True):
        done = completed[row["id"]]
        current = next(
            (ls for ls in lessons if ls.slug not in done and is_lesson_unlocked(course, ls, done)), lessons[-1]
        )
        with_answers = [ls.slug for ls in lessons if ls.slug in started[row["id"]]]
        participants.append(
            {
                "email": row["email"],
                "token": token,
                "lesson": current.slug,
                "results": rng.choice(with_answers) if with_answers else current.slug,
                "questions": [q.id for q in current.questions if q.id not in answered[row["id"]]],
            }
        )
    return {
        "password": PASSWORD,
        "participants": participants,
        "forms": answer_forms,
        "lesson_of": {q.id: ls.slug for ls in lessons for q in ls.questions},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    plan = asyncio.run(build(args.database_url, args.seed))
    args.out.write_text(json.dumps(plan, ensure_ascii=False))
    people = plan["participants"]
    print(
        f"plan: {len(people)} sessions; {sum(1 for p in people if p['questions'])} participants with unanswered "
        f"questions in their current lesson ({sum(len(p['questions']) for p in people)} first attempts to spend)"
    )


if __name__ == "__main__":
    main()
