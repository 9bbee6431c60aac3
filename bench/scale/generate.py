"""Create a large, realistic cohort in a PostgreSQL database, for the scale benchmark (bench/scale/run.sh).

    .venv/bin/python -m bench.scale.generate --participants 100000 \
        --database-url postgresql://postgres@127.0.0.1:5432/coursesite_scale

What it makes, from the real course in lessons/ (the real question ids, choice ids and grader):
- N participants with an ability each (normal distribution) and a chance to give up before each lesson;
- a funnel: acts open in order, so only those who complete every lesson of an act go on to the next;
- per question 1–3 attempts: the chance of a right answer follows ability minus the question's difficulty (an item
  response model, so the statistics have something to find), and rises a little on a retry; a wrong answer is
  often tried again. Wrong responses come from each question's own plausible mistakes plus a long tail;
- every response graded by coursesite.grading.rules.grade, with its response_key, feedback and question_version as
  the answer flow stores them;
- essays: most await review, some graded by a person (graded_at set, rubric points);
- lesson_progress computed with coursesite.course.progress from those answers, as the answer flow would.

Fast: COPY in batches of participants, with the secondary indexes dropped during the load and rebuilt after,
then VACUUM ANALYZE. The database is created when missing and migrated; its tables are emptied first.
Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from coursesite.course.codec import grading_version  # noqa: E402
from coursesite.course.loader import load_course  # noqa: E402
from coursesite.course.model import (  # noqa: E402
    Course,
    Essay,
    Lesson,
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from coursesite.course.progress import AttemptRecord, is_lesson_complete, lesson_score  # noqa: E402
from coursesite.grading.rules import InvalidResponse, grade, response_key  # noqa: E402
from coursesite.grading.service import to_milli  # noqa: E402
from tests.support import correct_response  # noqa: E402

BATCH = 5000  # participants per COPY round
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
FIRST_NAMES = [
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Sara",
    "Anders",
    "Eva",
    "Per",
    "Åsa",
    "Örjan",
    "Linnéa",
    "Mohammed",
    "Fatima",
    "Sven",
    "Ingrid",
    "Nils",
    "Elin",
    "Björn",
    "Aida",
    "Jonas",
    "Ebba",
    "Ali",
]
LAST_NAMES = [
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jönsson",
    "Hansson",
    "Bengtsson",
    "Lindström",
    "Åberg",
    "Öhman",
    "Yilmaz",
]
SHORT_WRONG = [
    "vet inte",
    "budget",
    "skatt",
    "lön",
    "sparande",
    "ränta",
    "kostnad",
    "inkomst",
    "lån",
    "buffert",
    "bruttolön",
    "nettolön",
    "amortering",
    "inflation",
    "konsumtion",
]


@dataclass(frozen=True)
class Variant:
    raw: str  # JSON
    normalized: str  # JSON
    key: str | None
    status: str
    score_milli: int | None
    max_score_milli: int
    feedback: str  # JSON


@dataclass
class QuestionModel:
    question: Question
    lesson: Lesson
    version: str
    difficulty: float
    right: Variant | None
    wrong: list[Variant]
    wrong_weights: list[float]  # cumulative


def _variant(question: Question, response) -> Variant | None:
    try:
        result = grade(question, response)
    except InvalidResponse:
        return None
    feedback = [t for t in (*result.feedback, question.general_feedback) if t]
    return Variant(
        raw=json.dumps(response, ensure_ascii=False),
        normalized=json.dumps(result.normalized, ensure_ascii=False),
        key=response_key(question, result.normalized),
        status=result.status,
        score_milli=None if result.score is None else to_milli(result.score),
        max_score_milli=to_milli(result.max_score),
        feedback=json.dumps(feedback, ensure_ascii=False),
    )


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def _wrong_responses(question: Question, rng: random.Random) -> list[tuple[object, float]]:
    """Plausible mistakes with weights (the first ones common), then a long tail of rare ones."""
    out: list[tuple[object, float]] = []
    if isinstance(question, SingleChoice):
        wrong = [c for c in question.choices if c.fraction < 1]
        out = [(c.id, 1.0 / (i + 1)) for i, c in enumerate(wrong)]
    elif isinstance(question, MultipleChoice):
        ids = [c.id for c in question.choices]
        subsets = [list(s) for r in range(len(ids) + 1) for s in itertools.combinations(ids, r)]
        rng.shuffle(subsets)
        out = [(s, 1.0 / (i + 1) ** 1.2) for i, s in enumerate(subsets)]
    elif isinstance(question, TrueFalse):
        out = [(not question.answer, 1.0)]
    elif isinstance(question, ShortAnswer):
        out = [(w, 1.0 / (i + 1)) for i, w in enumerate(SHORT_WRONG)]
        out += [(f"{rng.choice(SHORT_WRONG)} {rng.randint(1, 999)}", 0.01) for _ in range(300)]
    elif isinstance(question, Numeric):
        best = max((a for a in question.answers if not a.is_catch_all), key=lambda a: a.fraction)
        low, high = best.bounds()
        value = best.value if best.value is not None else (low + high) / 2
        plausible = [a.value for a in question.answers if a.value is not None and a.fraction < 1]
        plausible += [value * 10, value / 10, value * 12, value / 12, value + 100, value - 1, value * 2, round(value)]
        seen = set()
        for i, v in enumerate(plausible):
            text = _number(Decimal(v).quantize(Decimal("0.01")))
            if text not in seen:
                seen.add(text)
                out.append((text, 1.0 / (i + 1)))
        out += [(str(rng.randint(1, 200_000)), 0.005) for _ in range(400)]
    elif isinstance(question, Matching):
        rights = [r.id for r in question.rights]
        for _ in range(30):
            out.append(({p.left.id: rng.choice(rights) for p in question.pairs}, rng.random()))
    elif isinstance(question, Ordering):
        ids = [item.id for item in question.items]
        for _ in range(30):
            shuffled = ids[:]
            rng.shuffle(shuffled)
            out.append((shuffled, rng.random()))
    elif isinstance(question, Essay):
        out = [
            ("Jag vet inte riktigt. Kanske spara mer?", 1.0),
            ("Spara varje månad i en indexfond med låg avgift.", 1.0),
        ]
    return out


def build_models(course: Course, rng: random.Random) -> dict[str, QuestionModel]:
    models = {}
    for lesson in course.lessons():
        for question in lesson.questions:
            wrong, weights = [], []
            for response, weight in _wrong_responses(question, rng):
                variant = _variant(question, response)
                if variant is not None and (
                    variant.score_milli is None or variant.score_milli < variant.max_score_milli
                ):
                    wrong.append(variant)
                    weights.append(weight)
            right = _variant(question, correct_response(question))
            models[question.id] = QuestionModel(
                question=question,
                lesson=lesson,
                version=grading_version(question),
                difficulty=rng.gauss(-0.6, 0.9),
                right=right,
                wrong=wrong,
                wrong_weights=list(itertools.accumulate(weights)),
            )
    return models


ACCOUNT_COLUMNS = [
    "id",
    "email",
    "password_hash",
    "first_name",
    "last_name",
    "mobile",
    "source",
    "role",
    "created_at",
    "last_login_at",
]
ANSWER_COLUMNS = [
    "id",
    "account",
    "question_id",
    "lesson_slug",
    "attempt",
    "raw_response",
    "normalized_response",
    "status",
    "score_milli",
    "max_score_milli",
    "feedback",
    "reviewer_comment",
    "created_at",
    "question_version",
    "response_key",
    "graded_by",
    "graded_at",
    "rubric_scores",
]
PROGRESS_COLUMNS = [
    "id",
    "account",
    "lesson_slug",
    "answered",
    "question_count",
    "score_milli",
    "max_score_milli",
    "percent",
    "completed_at",
    "updated_at",
]


class Generator:
    def __init__(self, course: Course, seed: int, password_hash: str, grader_id: int) -> None:
        self.course = course
        self.rng = random.Random(seed)
        self.models = build_models(course, self.rng)
        self.password_hash = password_hash
        self.grader_id = grader_id
        self.answer_id = itertools.count(1)
        self.progress_id = itertools.count(1)
        self.counts = {"answers": 0, "progress": 0, "completed_course": 0, "pending": 0}

    def participant(self, account_id: int, number: int):
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        created = START + timedelta(minutes=rng.randint(0, 300 * 24 * 60))
        account = (
            account_id,
            f"deltagare{number}@example.se",
            self.password_hash,
            first,
            last,
            None,
            None,
            "participant",
            created,
            None,
        )
        ability = rng.gauss(0, 1)
        persistence = rng.uniform(0.80, 0.99)
        answers, progress = [], []
        now = created + timedelta(minutes=rng.randint(5, 600))
        completed: set[str] = set()
        for act in self.course.acts:
            if any(
                lesson.slug not in completed
                for earlier in self.course.acts
                if earlier.number < act.number
                for lesson in earlier.lessons
            ):
                break
            for lesson in act.lessons:
                if rng.random() > persistence:
                    break
                records, rows = [], []
                for question in lesson.questions:
                    model = self.models[question.id]
                    attempts = 1 if isinstance(question, Essay) else (lesson.max_attempts or 3)
                    for attempt in range(1, attempts + 1):
                        p = 1 / (1 + math.exp(-(1.7 * (ability - model.difficulty) + 0.6 * (attempt - 1))))
                        variant = model.right if (model.right and rng.random() < p) else None
                        if variant is None:
                            variant = rng.choices(model.wrong, cum_weights=model.wrong_weights)[0]
                        now += timedelta(seconds=rng.randint(20, 240))
                        status, score, graded_at, graded_by, rubric = (
                            variant.status,
                            variant.score_milli,
                            None,
                            None,
                            None,
                        )
                        if isinstance(question, Essay):
                            if rng.random() < 0.3:  # a person has graded it
                                status = "graded"
                                score = rng.randint(0, variant.max_score_milli // 500) * 500
                                graded_at, graded_by = now + timedelta(days=rng.randint(1, 10)), self.grader_id
                                rubric = json.dumps({c.id: 0 for c in question.rubric}) if question.rubric else None
                            else:
                                self.counts["pending"] += 1
                        rows.append(
                            (
                                next(self.answer_id),
                                account_id,
                                question.id,
                                lesson.slug,
                                attempt,
                                variant.raw,
                                variant.normalized,
                                status,
                                score,
                                variant.max_score_milli,
                                variant.feedback,
                                None,
                                now,
                                model.version,
                                variant.key,
                                graded_by,
                                graded_at,
                                rubric,
                            )
                        )
                        records.append(AttemptRecord(question.id, attempt, status, score, variant.max_score_milli))
                        if score is None or score >= variant.max_score_milli or rng.random() > 0.55:
                            break
                answers += rows
                result = lesson_score(lesson, records)
                done = is_lesson_complete(lesson, result)
                if done:
                    completed.add(lesson.slug)
                progress.append(
                    (
                        next(self.progress_id),
                        account_id,
                        lesson.slug,
                        result.answered,
                        result.question_count,
                        result.score_milli,
                        result.max_score_milli,
                        result.percent,
                        now if done else None,
                        now,
                    )
                )
                now += timedelta(hours=rng.randint(2, 24 * 7))
        if len(completed) == len(self.course.lessons()):
            self.counts["completed_course"] += 1
        self.counts["answers"] += len(answers)
        self.counts["progress"] += len(progress)
        return account, answers, progress


async def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    finally:
        await admin.close()


async def migrate(url: str) -> None:
    from coursesite.db.migrate import apply_migrations
    from coursesite.settings import Settings

    await apply_migrations(
        Settings(database_url=url, secret_key="bench-generate-" + "x" * 32, environment="development")
    )


async def secondary_indexes(connection, tables) -> list[tuple[str, str]]:
    """(name, definition) of the indexes that no constraint owns, on `tables`: dropped for the load, rebuilt after."""
    rows = await connection.fetch(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        """,
        list(tables),
    )
    return [(row["indexname"], row["indexdef"]) for row in rows]


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/coursesite_scale")
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql://"):
        parser.error("the scale benchmark runs on PostgreSQL: --database-url postgresql://…")
    started = time.monotonic()
    await ensure_database(args.database_url)
    await migrate(args.database_url)
    course = load_course(REPO / "lessons")
    from coursesite.accounts.passwords import hash_password_sync

    password_hash = hash_password_sync("bench-participant-password")  # nobody logs in as a participant here
    connection = await asyncpg.connect(args.database_url)
    try:
        await connection.execute("TRUNCATE account RESTART IDENTITY CASCADE")
        tables = ("account", "answer", "lesson_progress")
        indexes = await secondary_indexes(connection, tables)
        for name, _ in indexes:
            await connection.execute(f'DROP INDEX "{name}"')
        grader_id = args.participants + 1
        await connection.copy_records_to_table(
            "account",
            records=[
                (
                    grader_id,
                    "rattare@example.se",
                    password_hash,
                    "Rättande",
                    "Lärare",
                    None,
                    None,
                    "instructor",
                    START,
                    None,
                )
            ],
            columns=ACCOUNT_COLUMNS,
        )
        generator = Generator(course, args.seed, password_hash, grader_id)
        for first in range(1, args.participants + 1, BATCH):
            accounts, answers, progress = [], [], []
            for number in range(first, min(first + BATCH, args.participants + 1)):
                account, rows, lessons = generator.participant(number, number)
                accounts.append(account)
                answers += rows
                progress += lessons
            await connection.copy_records_to_table("account", records=accounts, columns=ACCOUNT_COLUMNS)
            await connection.copy_records_to_table("answer", records=answers, columns=ANSWER_COLUMNS)
            await connection.copy_records_to_table("lesson_progress", records=progress, columns=PROGRESS_COLUMNS)
            print(
                f"  {min(first + BATCH - 1, args.participants):>7} participants, {generator.counts['answers']:>9} answers "
                f"({time.monotonic() - started:.0f} s)",
                flush=True,
            )
        print(f"rebuilding {len(indexes)} indexes …", flush=True)
        for _, definition in indexes:
            await connection.execute(definition)
        for table in tables:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        await connection.execute("VACUUM ANALYZE account, answer, lesson_progress")
        sizes = await connection.fetchrow(
            "SELECT pg_size_pretty(pg_total_relation_size('answer')) AS answer, "
            "pg_size_pretty(pg_total_relation_size('lesson_progress')) AS progress, "
            "pg_size_pretty(pg_database_size(current_database())) AS db"
        )
    finally:
        await connection.close()
    counts = generator.counts
    print(
        f"done in {time.monotonic() - started:.0f} s: {args.participants} participants, {counts['answers']} answers "
        f"({counts['pending']} essays awaiting review), {counts['progress']} lesson_progress rows, "
        f"{counts['completed_course']} completed the whole course; answer table {sizes['answer']}, "
        f"lesson_progress {sizes['progress']}, database {sizes['db']}"
    )


if __name__ == "__main__":
    asyncio.run(main())
