"""The database side of insight: question statistics as SQL aggregates, participants, and the grade export in
batches. The arithmetic lives in insight/stats.py and the CSV format in insight/export.py.

The statistics never load one row per participant into Python. For one question the database returns a small
frequency table: how many participants had each (score on the question, score on the rest of the lesson, max)
triple; its size is bounded by the distinct scores, not by the cohort. For a whole lesson it returns the sums per
question. Both engines run the same SQL (portable: CTEs, CASE, integer arithmetic).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from coursesite.accounts.roles import Role
from coursesite.accounts.service import Principal
from coursesite.core import clock
from coursesite.course.model import CountedAttempt, Course, Lesson, Question
from coursesite.course.progress import GRADED, PENDING_REVIEW, AttemptRecord, counted_attempt
from coursesite.db.accounts import Account
from coursesite.db.answers import Answer, LessonProgress
from coursesite.grading.service import from_milli
from coursesite.insight import export
from coursesite.insight.stats import (
    Distribution,
    KeyCount,
    Moments,
    QuestionStats,
    discriminative_efficiency,
    distribution,
    question_stats,
)
from coursesite.privacy.audit import AuditLog

log = logging.getLogger(__name__)

EXPORT_BATCH = 1000  # participants per batch of the grade export
# The lesson overview page shows a snapshot at most this old (seconds). Computing it is O(participants × questions):
# about 300 ms of database CPU at 100,000 participants (docs/performance.md), too much for every page view.
OVERVIEW_MAX_AGE_S = 60.0
PAGE_SIZE = 50  # participants per page of the list

# The counted attempt of each participant is picked in one pass with max() over an integer that orders the attempts
# the way the lesson's rule does, and carries the score and the max score in its low digits:
#   code = (score + 1) × 10⁶ + max_score   for a graded attempt (0 for one awaiting review)
#   highest: max(code) over the graded attempts      (NULL when none is graded: nothing counted yet)
#   last:    max(attempt × 10¹² + code) mod 10¹²     (0 when the last attempt awaits review)
# and decoded as score = code div 10⁶ − 1, max = code mod 10⁶. Scores stay below 1000 points (10⁶ milli).
_SCALE = 1_000_000
_ATTEMPT_SCALE = 1_000_000_000_000
MAX_MILLI = _SCALE - 2

_CODE = (
    f"CASE WHEN status = '{GRADED}' AND score_milli IS NOT NULL "
    f"THEN (CAST(score_milli AS BIGINT) + 1) * {_SCALE} + max_score_milli ELSE 0 END"
)


def _pick(rule: CountedAttempt) -> str:
    if rule is CountedAttempt.LAST:
        return f"MAX(attempt * {_ATTEMPT_SCALE} + {_CODE}) % {_ATTEMPT_SCALE}"
    return f"MAX(CASE WHEN status = '{GRADED}' AND score_milli IS NOT NULL THEN {_CODE} END)"


def _int(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value)
    return int(value)


@dataclass(frozen=True)
class LessonOverview:
    """The statistics of every question of a lesson as computed at `computed_at` (a snapshot, see lesson_overview)."""

    lesson: Lesson
    stats: list[QuestionStats]
    computed_at: datetime
    monotonic: float


@dataclass(frozen=True)
class _Refresh:
    lesson: Lesson
    task: asyncio.Task[LessonOverview]

    def done(self) -> bool:
        return self.task.done()


@dataclass(frozen=True)
class QuestionReport:
    lesson: Lesson
    question: Question
    stats: QuestionStats
    distribution: Distribution


async def _raw(sql: str, *args: Any) -> list[dict]:
    return await Answer.raw(sql, *args)


def _stats(
    question: Question, pairs: list[tuple[int, int | None, int]], *, attempts: int, pending: int, with_efficiency: bool
) -> QuestionStats:
    """From the frequency table of (code, lesson total) to the statistics (stats.py does the arithmetic)."""
    histogram: dict[tuple[int, int, int], int] = {}
    participants = 0
    for code, total, n in pairs:
        participants += n
        if code > 0 and total is not None:  # a graded counted attempt, and the lesson's total to compare with
            x, m = code // _SCALE - 1, code % _SCALE
            key = (x, total - x, m)
            histogram[key] = histogram.get(key, 0) + n
    return question_stats(
        question.id,
        Moments.of_histogram(histogram),
        participants=participants,
        attempts=attempts,
        pending=pending,
        max_score_milli=int(question.points * 1000),
        efficiency=discriminative_efficiency(histogram) if with_efficiency else None,
    )


async def _counted_pairs(lesson: Lesson, question_id: str) -> list[tuple[int, int | None, int]]:
    """(code of the counted attempt, the participant's lesson total, how many participants) for one question.

    Grouped by the raw code and total, decoded in Python: the database does no per-row arithmetic beyond the max.
    An inner join: whoever answered has a progress row for the lesson (the answer flow writes both in one
    transaction), and both sides come in account order from their indexes, so PostgreSQL merges them without a hash.
    """
    rows = await _raw(
        f"""
        SELECT p.code AS code, lp.score_milli AS total, COUNT(*) AS n
        FROM lesson_progress lp
        JOIN (
            SELECT account, {_pick(lesson.counted_attempt)} AS code
            FROM answer WHERE question_id = {{}}
            GROUP BY account
        ) p ON p.account = lp.account
        WHERE lp.lesson_slug = {{}}
        GROUP BY p.code, lp.score_milli
        """,
        question_id,
        lesson.slug,
    )
    return [(_int(row["code"]), None if row["total"] is None else _int(row["total"]), _int(row["n"])) for row in rows]


# ---------------------------------------------------------------- participants


@dataclass(frozen=True)
class ParticipantSummary:
    id: int
    first_name: str
    last_name: str
    email: str
    created_at: datetime
    lessons_started: int
    lessons_completed: int


@dataclass(frozen=True)
class ParticipantPage:
    participants: list[ParticipantSummary]
    total: int
    page: int
    pages: int


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Points:
    """Scores as points for the templates (stored as thousandths)."""

    score_milli: int | None
    max_score_milli: int | None

    @property
    def score(self) -> Decimal | None:
        return from_milli(self.score_milli)

    @property
    def max_score(self) -> Decimal | None:
        return from_milli(self.max_score_milli)


@dataclass(frozen=True)
class AttemptView(_Points):
    id: int
    question_id: str
    attempt: int
    status: str
    score_milli: int | None
    max_score_milli: int
    created_at: datetime
    graded_by_person: bool
    graded_at: datetime | None
    counted: bool


@dataclass(frozen=True)
class LessonView(_Points):
    lesson: Lesson
    answered: int
    score_milli: int | None
    max_score_milli: int | None
    percent: int | None
    completed_at: datetime | None
    questions: list[tuple[Question, list[AttemptView]]]

    @property
    def started(self) -> bool:
        return self.score_milli is not None


@dataclass(frozen=True)
class ParticipantDetail:
    id: int
    first_name: str
    last_name: str
    email: str
    created_at: datetime
    last_login_at: datetime | None
    lessons: list[LessonView]


class InsightService:
    """Built once in create_app. The methods that show participants' data to staff write their own audit row
    (``audit``), so every caller is audited: the participant list, one participant, and the grade export."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self._overviews: dict[str, LessonOverview] = {}  # per lesson slug, in this process
        self._refreshing: dict[str, _Refresh] = {}

    # ------------------------------------------------------------ statistics (aggregates: no one's data)

    async def question_report(
        self, course: Course, question_id: str, *, with_efficiency: bool = True
    ) -> QuestionReport | None:
        """Everything about one question: the statistics over the participants' counted attempts, and the distribution
        of every submitted response. None for a question that is not in the course."""
        found = course.find_question(question_id)
        if found is None:
            return None
        lesson, question = found
        # The two queries are independent: run them side by side (two connections; on PostgreSQL two backends).
        pairs, responses = await asyncio.gather(_counted_pairs(lesson, question_id), self.response_counts(question_id))
        stats = _stats(
            question,
            pairs,
            attempts=sum(r.count for r in responses),
            pending=sum(r.pending for r in responses),
            with_efficiency=with_efficiency,
        )
        return QuestionReport(lesson, question, stats, distribution(question, responses))

    async def response_counts(self, question_id: str) -> list[KeyCount]:
        """Every submitted response to the question, grouped by its canonical key, with how it scored."""
        rows = await _raw(
            f"""
            SELECT response_key AS k, COUNT(*) AS n,
                   SUM(CASE WHEN status = '{GRADED}' AND score_milli >= max_score_milli THEN 1 ELSE 0 END) AS full_marks,
                   SUM(CASE WHEN status = '{GRADED}' THEN score_milli ELSE 0 END) AS sum_score,
                   SUM(CASE WHEN status = '{GRADED}' THEN max_score_milli ELSE 0 END) AS sum_max,
                   SUM(CASE WHEN status = '{PENDING_REVIEW}' THEN 1 ELSE 0 END) AS pend
            FROM answer WHERE question_id = {{}}
            GROUP BY response_key
            """,
            question_id,
        )
        return [
            KeyCount(
                key=row["k"],
                count=_int(row["n"]),
                full_marks=_int(row["full_marks"]),
                sum_score=_int(row["sum_score"]),
                sum_max=_int(row["sum_max"]),
                pending=_int(row["pend"]),
            )
            for row in rows
        ]

    async def lesson_stats(self, lesson: Lesson) -> list[QuestionStats]:
        """The statistics of every question of a lesson, in the lesson's order: one frequency table per question (run
        side by side) and one count of attempts per question."""
        question_ids = [question.id for question in lesson.questions]
        if not question_ids:
            return []
        placeholders = ", ".join("{}" for _ in question_ids)
        counts_query = _raw(
            f"""
            SELECT question_id, COUNT(*) AS n, SUM(CASE WHEN status = '{PENDING_REVIEW}' THEN 1 ELSE 0 END) AS pend
            FROM answer WHERE question_id IN ({placeholders})
            GROUP BY question_id
            """,
            *question_ids,
        )
        counts, *tables = await asyncio.gather(counts_query, *(_counted_pairs(lesson, qid) for qid in question_ids))
        by_id = {row["question_id"]: (_int(row["n"]), _int(row["pend"])) for row in counts}
        return [
            _stats(
                question,
                pairs,
                attempts=by_id.get(question.id, (0, 0))[0],
                pending=by_id.get(question.id, (0, 0))[1],
                with_efficiency=True,
            )
            for question, pairs in zip(lesson.questions, tables, strict=True)
        ]

    async def lesson_overview(self, lesson: Lesson, *, max_age_s: float = OVERVIEW_MAX_AGE_S) -> LessonOverview:
        """lesson_stats as a snapshot per lesson and process, for the overview page: a snapshot younger than
        `max_age_s` is returned as it is; an older one is returned too, while one refresh runs in the background
        (stale while revalidating), so a page view never waits for the whole computation once the lesson has been
        computed in this process. The first view of a lesson (or of a reloaded course) waits for it; concurrent
        first views share one computation."""
        current = self._overviews.get(lesson.slug)
        if current is not None and current.lesson is not lesson:  # the course was reloaded: its questions may differ
            current = None
        if current is None:
            return await asyncio.shield(self._refresh(lesson))
        if time.monotonic() - current.monotonic > max_age_s:
            self._refresh(lesson)
        return current

    def forget_overviews(self) -> None:
        """Drop this process's snapshots and refreshes: the next view computes afresh. For a database emptied under
        the service (the tests reuse one service across tests: tests/conftest.py, Sites)."""
        self._overviews.clear()
        self._refreshing.clear()

    def _refresh(self, lesson: Lesson) -> asyncio.Task[LessonOverview]:
        """The running refresh of this lesson's snapshot, or a new one."""
        running = self._refreshing.get(lesson.slug)
        if running is not None and not running.done() and running.lesson is lesson:
            return running.task

        async def compute() -> LessonOverview:
            overview = LessonOverview(lesson, await self.lesson_stats(lesson), clock.now(), time.monotonic())
            self._overviews[lesson.slug] = overview
            return overview

        task = asyncio.get_running_loop().create_task(compute())
        refresh = _Refresh(lesson, task)
        self._refreshing[lesson.slug] = refresh

        def done(finished: asyncio.Task[LessonOverview]) -> None:
            if self._refreshing.get(lesson.slug) is refresh:
                del self._refreshing[lesson.slug]
            if not finished.cancelled() and finished.exception() is not None:  # the next view starts another
                log.error("lesson overview refresh failed", exc_info=finished.exception())

        task.add_done_callback(done)
        return task

    # ------------------------------------------------------------ participants

    async def participants_page(
        self, actor: Principal, search: str = "", page: int = 1, page_size: int = PAGE_SIZE
    ) -> ParticipantPage:
        """Participants in registration order, optionally those whose name or email contains `search`. Audited: a
        read of the listed participants' names and emails by ``actor``."""
        where = f"role = '{Role.PARTICIPANT.value}'"
        args: list[Any] = []
        search = search.strip()
        if search:
            where += (
                " AND (LOWER(email) LIKE {} ESCAPE '\\' OR LOWER(first_name || ' ' || last_name) LIKE {} ESCAPE '\\')"
            )
            pattern = _like_pattern(search)
            args += [pattern, pattern]
        count_rows = await Account.raw(f"SELECT COUNT(*) AS n FROM account WHERE {where}", *args)
        total = _int(count_rows[0]["n"])
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        rows = await Account.raw(
            f"SELECT id, first_name, last_name, email, created_at FROM account WHERE {where} "
            "ORDER BY id LIMIT {} OFFSET {}",
            *args,
            page_size,
            (page - 1) * page_size,
        )
        counts: dict[int, tuple[int, int]] = {}
        if rows:
            ids = [row["id"] for row in rows]
            progress = await LessonProgress.select(LessonProgress.account, LessonProgress.completed_at).where(
                LessonProgress.account.is_in(ids)
            )
            for item in progress:
                started, completed = counts.get(item["account"], (0, 0))
                counts[item["account"]] = (started + 1, completed + (item["completed_at"] is not None))
        participants = [
            ParticipantSummary(
                id=row["id"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                email=row["email"],
                created_at=row["created_at"],
                lessons_started=counts.get(row["id"], (0, 0))[0],
                lessons_completed=counts.get(row["id"], (0, 0))[1],
            )
            for row in rows
        ]
        await self.audit.record_many(
            actor.account_id,
            "read",
            ((participant.id, None) for participant in participants),
            what="account: namn och e-post; antal påbörjade och avslutade lektioner",
            why="Kursuppföljning: deltagarlistan",
        )
        return ParticipantPage(participants=participants, total=total, page=page, pages=pages)

    async def participant_detail(self, actor: Principal, course: Course, account_id: int) -> ParticipantDetail | None:
        """One participant: progress and score per lesson, and every attempt with its time. None for no such
        participant (staff accounts are not participants). Audited: a read of that participant's data by ``actor``."""
        accounts = await Account.select(
            Account.id, Account.first_name, Account.last_name, Account.email, Account.created_at, Account.last_login_at
        ).where((Account.id == account_id) & (Account.role == Role.PARTICIPANT.value))
        if not accounts:
            return None
        account = accounts[0]
        progress_rows = await LessonProgress.select().where(LessonProgress.account == account_id)
        progress = {row["lesson_slug"]: row for row in progress_rows}
        answers = (
            await Answer.select(
                Answer.id,
                Answer.question_id,
                Answer.lesson_slug,
                Answer.attempt,
                Answer.status,
                Answer.score_milli,
                Answer.max_score_milli,
                Answer.created_at,
                Answer.graded_at,
            )
            .where(Answer.account == account_id)
            .order_by(Answer.id)
        )
        by_question: dict[str, list[dict]] = {}
        for row in answers:
            by_question.setdefault(row["question_id"], []).append(row)
        lessons = []
        for lesson in course.lessons():
            questions = []
            for question in lesson.questions:
                rows = sorted(by_question.get(question.id, []), key=lambda r: r["attempt"])
                counted = counted_attempt(
                    [
                        AttemptRecord(question.id, r["attempt"], r["status"], r["score_milli"], r["max_score_milli"])
                        for r in rows
                    ],
                    lesson.counted_attempt,
                )
                questions.append(
                    (
                        question,
                        [
                            AttemptView(
                                id=r["id"],
                                question_id=question.id,
                                attempt=r["attempt"],
                                status=r["status"],
                                score_milli=r["score_milli"],
                                max_score_milli=r["max_score_milli"],
                                created_at=r["created_at"],
                                graded_by_person=r["graded_at"] is not None,
                                graded_at=r["graded_at"],
                                counted=counted is not None and counted.attempt == r["attempt"],
                            )
                            for r in rows
                        ],
                    )
                )
            lesson_row = progress.get(lesson.slug)
            lessons.append(
                LessonView(
                    lesson=lesson,
                    answered=lesson_row["answered"] if lesson_row else 0,
                    score_milli=lesson_row["score_milli"] if lesson_row else None,
                    max_score_milli=lesson_row["max_score_milli"] if lesson_row else None,
                    percent=lesson_row["percent"] if lesson_row else None,
                    completed_at=lesson_row["completed_at"] if lesson_row else None,
                    questions=questions,
                )
            )
        await self.audit.record(
            actor.account_id,
            "read",
            subject_account=account_id,
            what="account: namn och e-post; svar, resultat och framsteg",
            why="lärare: deltagarens sida",
        )
        return ParticipantDetail(
            id=account["id"],
            first_name=account["first_name"],
            last_name=account["last_name"],
            email=account["email"],
            created_at=account["created_at"],
            last_login_at=account["last_login_at"],
            lessons=lessons,
        )

    # ------------------------------------------------------------ the grade export

    async def grade_rows(self, course: Course, batch: int = EXPORT_BATCH) -> AsyncIterator[list[export.GradeRow]]:
        """Every participant × every lesson of the course, in batches of `batch` participants, by keyset pagination
        (id > the last id seen): memory stays the size of one batch, whatever the cohort."""
        lessons: Sequence[Lesson] = course.lessons()
        last_id = 0
        while True:
            accounts = (
                await Account.select(Account.id, Account.first_name, Account.last_name, Account.email)
                .where((Account.role == Role.PARTICIPANT.value) & (Account.id > last_id))
                .order_by(Account.id)
                .limit(batch)
            )
            if not accounts:
                return
            first_id, last_id = accounts[0]["id"], accounts[-1]["id"]
            progress_rows = await LessonProgress.select(
                LessonProgress.account,
                LessonProgress.lesson_slug,
                LessonProgress.answered,
                LessonProgress.score_milli,
                LessonProgress.max_score_milli,
                LessonProgress.percent,
                LessonProgress.completed_at,
            ).where((LessonProgress.account >= first_id) & (LessonProgress.account <= last_id))
            progress = {(row["account"], row["lesson_slug"]): row for row in progress_rows}
            rows = []
            for account in accounts:
                for lesson in lessons:
                    item = progress.get((account["id"], lesson.slug))
                    rows.append(
                        export.GradeRow(
                            account_id=account["id"],
                            first_name=account["first_name"],
                            last_name=account["last_name"],
                            email=account["email"],
                            act=lesson.act_number,
                            lesson_slug=lesson.slug,
                            lesson_title=lesson.title,
                            answered=item["answered"] if item else 0,
                            question_count=len(lesson.questions),
                            score_milli=item["score_milli"] if item else None,
                            max_score_milli=item["max_score_milli"] if item else None,
                            percent=item["percent"] if item else None,
                            completed_at=item["completed_at"] if item else None,
                        )
                    )
            yield rows
            if len(accounts) < batch:
                return

    async def grade_csv(self, course: Course, batch: int = EXPORT_BATCH) -> AsyncIterator[bytes]:
        """The grade export as UTF-8 bytes, a chunk per batch, for a streamed response."""
        yield export.header_chunk().encode("utf-8")
        async for rows in self.grade_rows(course, batch):
            yield export.rows_chunk(rows).encode("utf-8")

    async def grade_export(self, actor: Principal, course: Course) -> tuple[str, AsyncIterator[bytes]]:
        """The grade export as (file name, the CSV's chunks to stream). Audited as an export by ``actor`` of every
        participant's name, email and results, when it is asked for."""
        filename = f"betyg-{clock.today().isoformat()}.csv"
        people = await Account.count().where(Account.role == Role.PARTICIPANT.value)
        await self.audit.record(
            actor.account_id,
            "export",
            what=f"{filename}: namn, e-post och resultat per lektion för {people} deltagare",
            why="Bedömning: betygsexport",
        )
        return filename, self.grade_csv(course)
