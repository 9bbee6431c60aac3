"""Answering a question: the flow from a participant's response to a stored, graded attempt and updated progress."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.core import clock
from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.core.text import MSG_CONTROL_MULTILINE, TextRefused, TextRule, clean_text
from coursesite.course.catalog import CourseCatalog
from coursesite.course.model import Course, Lesson, Question, QuestionType
from coursesite.course.progress import (
    GRADED,
    AttemptRecord,
    CourseProgress,
    LessonScore,
    course_progress,
    is_lesson_complete,
    is_lesson_unlocked,
    lesson_score,
)
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.grading.rules import (
    ESSAY_MAX_CHARS,
    MSG_ANSWER_CHARACTERS,
    SHORT_MAX_CHARS,
    InvalidResponse,
    answer_too_long,
    from_milli,
    grade,
    response_key,
    to_milli,
)
from coursesite.ops.metrics import count_graded
from coursesite.settings import DEFAULT_ANSWER_REPEAT_SECONDS


def _strings_in(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_in(key)
            yield from _strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings_in(item)


# The one free-text rule (core/text.py) for what a participant types: an essay or a short (or numeric) answer. Other
# responses hold ids, bounded here by the longest text and judged by the grader.
_SHORT_ANSWER_TEXT = TextRule(max_chars=SHORT_MAX_CHARS, subject="Svaret", multiline=True)
_LONG_ANSWER_TEXT = TextRule(max_chars=ESSAY_MAX_CHARS, subject="Svaret", multiline=True)
_ANSWER_TEXT = {QuestionType.SHORT_ANSWER: _SHORT_ANSWER_TEXT, QuestionType.NUMERIC: _SHORT_ANSWER_TEXT}


def refuse_unstorable_text(question: Question, response: Any) -> None:
    """Every string of the response by the one free-text rule, before anything is graded or stored: Invalid, in the
    answer's own words, for a personnummer, samordningsnummer or card number (the policy: we never collect them),
    a control or bidi character, or a text over the length."""
    rule = _ANSWER_TEXT.get(question.type, _LONG_ANSWER_TEXT)
    for text in _strings_in(response):
        try:
            clean_text(text, rule)
        except TextRefused as refused:
            if refused.identity_number:
                message = refused.message
            elif refused.message == MSG_CONTROL_MULTILINE:
                message = MSG_ANSWER_CHARACTERS
            else:
                message = answer_too_long(rule.max_chars)
            raise Invalid(message, field_errors={"response": message}) from None


# The client's Idempotency-Key header (RFC draft "The Idempotency-Key HTTP Header Field"): a UUID or any other short
# token. Bounded, and in a charset that cannot carry anything but a key.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_CHARS = 100
_IDEMPOTENCY_KEY = re.compile(rf"[A-Za-z0-9._:+/=-]{{1,{IDEMPOTENCY_KEY_MAX_CHARS}}}")
MSG_IDEMPOTENCY_KEY = (
    f"Rubriken Idempotency-Key ska vara 1–{IDEMPOTENCY_KEY_MAX_CHARS} tecken långt och bara innehålla bokstäverna "
    "A–Z och a–z, siffror och tecknen . _ : + / = -."
)
MSG_IDEMPOTENCY_KEY_REUSED = (
    "Rubriken Idempotency-Key har redan använts för ett annat svar. Skicka ett nytt svar med en ny nyckel."
)


def check_idempotency_key(value: str | None) -> str | None:
    """The header's value, or None when there is none; Invalid (a 400 that names the header) when it is malformed."""
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise Invalid(MSG_IDEMPOTENCY_KEY, field_errors={IDEMPOTENCY_HEADER: MSG_IDEMPOTENCY_KEY})
    return value


CourseAccess = Callable[[int], Awaitable[bool]]
NOT_ENROLLED = "Anmäl dig till kursen för att öppna lektionerna."


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    question_id: str
    lesson_slug: str
    attempt: int
    response: Any
    normalized_response: Any
    status: str
    score_milli: int | None
    max_score_milli: int
    feedback: list[str]
    reviewer_comment: str | None
    created_at: datetime
    graded_by_person: bool = False  # a person graded or overrode it
    graded_at: datetime | None = None
    rubric_scores: dict[str, int] | None = None  # criterion id -> milli points
    question_version: str | None = None
    # Returned again rather than recorded: the same Idempotency-Key, or the same answer within the repeat window.
    replayed: bool = False

    @property
    def score(self) -> Decimal | None:
        return from_milli(self.score_milli)

    @property
    def max_score(self) -> Decimal:
        return from_milli(self.max_score_milli) or Decimal(0)

    @property
    def correct(self) -> bool | None:
        if self.status != GRADED or self.score_milli is None:
            return None
        return self.score_milli >= self.max_score_milli

    def record(self) -> AttemptRecord:
        return AttemptRecord(self.question_id, self.attempt, self.status, self.score_milli, self.max_score_milli)


def stored_answer(row: dict) -> StoredAnswer:
    """A stored answer from an `answer` row selected with load_json."""
    return StoredAnswer(
        id=row["id"],
        question_id=row["question_id"],
        lesson_slug=row["lesson_slug"],
        attempt=row["attempt"],
        response=row["raw_response"],
        normalized_response=row["normalized_response"],
        status=row["status"],
        score_milli=row["score_milli"],
        max_score_milli=row["max_score_milli"],
        feedback=list(row["feedback"] or []),
        reviewer_comment=row["reviewer_comment"],
        created_at=row["created_at"],
        graded_by_person=row.get("graded_at") is not None,
        graded_at=row.get("graded_at"),
        rubric_scores=row.get("rubric_scores"),
        question_version=row.get("question_version"),
    )


@dataclass(frozen=True)
class LessonState:
    lesson: Lesson
    unlocked: bool
    score: LessonScore
    complete: bool
    attempts: dict[str, list[StoredAnswer]]  # per question id, oldest first

    def latest(self, question_id: str) -> StoredAnswer | None:
        attempts = self.attempts.get(question_id)
        return attempts[-1] if attempts else None

    def attempts_left(self, question_id: str) -> int | None:
        if self.lesson.max_attempts is None:
            return None
        return max(0, self.lesson.max_attempts - len(self.attempts.get(question_id, ())))


class AnswerService:
    def __init__(
        self,
        engine: Engine,
        catalog: CourseCatalog,
        access: CourseAccess | None = None,
        *,
        repeat_seconds: int = DEFAULT_ANSWER_REPEAT_SECONDS,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.access = access  # None: every registered participant may take the course (tests of the flow alone)
        # An identical answer to the same question within this is a double click, not a new attempt (0: never).
        self.repeat_window = timedelta(seconds=repeat_seconds)

    async def has_access(self, account_id: int) -> bool:
        """Enrolled (and, when the course waits for payment, paid): the billing service decides."""
        return True if self.access is None else await self.access(account_id)

    @property
    def course(self) -> Course:
        return self.catalog.course

    async def completed_lessons(self, account_id: int) -> set[str]:
        rows = await LessonProgress.select(LessonProgress.lesson_slug).where(
            (LessonProgress.account == account_id) & LessonProgress.completed_at.is_not_null()
        )
        return {row["lesson_slug"] for row in rows}

    async def progress(self, account_id: int) -> CourseProgress:
        return course_progress(self.course, await self.completed_lessons(account_id))

    async def answers(self, account_id: int, lesson_slug: str | None = None) -> list[StoredAnswer]:
        query = Answer.select().where(Answer.account == account_id)
        if lesson_slug is not None:
            query = query.where(Answer.lesson_slug == lesson_slug)
        rows = await query.order_by(Answer.id).output(load_json=True)
        return [stored_answer(row) for row in rows]

    async def lesson_state(self, account_id: int, lesson: Lesson, completed: set[str] | None = None) -> LessonState:
        if completed is None:
            completed = await self.completed_lessons(account_id)
        answers = await self.answers(account_id, lesson.slug)
        attempts: dict[str, list[StoredAnswer]] = {}
        for answer in answers:
            attempts.setdefault(answer.question_id, []).append(answer)
        score = lesson_score(lesson, (a.record() for a in answers))
        return LessonState(
            lesson=lesson,
            unlocked=is_lesson_unlocked(self.course, lesson, completed) and await self.has_access(account_id),
            score=score,
            complete=lesson.slug in completed,
            attempts=attempts,
        )

    async def submit(
        self, principal: Principal, question_id: str, response: Any, *, idempotency_key: str | None = None
    ) -> StoredAnswer:
        """Grade and store one attempt. The same `idempotency_key` again, or an identical response to the same
        question within `repeat_window` of the latest attempt, returns that attempt (`replayed`) and records none:
        a double click or a retried request never costs an attempt. 409 when the key was used for another answer."""
        idempotency_key = check_idempotency_key(idempotency_key)
        found = self.course.find_question(question_id)
        if found is None:
            raise NotFound("Frågan finns inte.")
        lesson, question = found
        if not await self.has_access(principal.account_id):
            raise Forbidden(NOT_ENROLLED)
        completed = await self.completed_lessons(principal.account_id)
        if not is_lesson_unlocked(self.course, lesson, completed):
            raise Forbidden("Lektionen är låst. Gör klart den föregående akten först.")
        refuse_unstorable_text(question, response)  # refused before anything is stored
        try:
            result = grade(question, response)
        except InvalidResponse as exc:
            raise Invalid(str(exc), field_errors={"response": str(exc)}) from None
        feedback = [text for text in (*result.feedback, question.general_feedback) if text]
        now = clock.now()
        version = self.catalog.version_of(question.id)
        async with write_transaction(self.engine):
            await lock_account_rows(self.engine, principal.account_id)
            previous = await Answer.select(Answer.attempt).where(
                (Answer.account == principal.account_id) & (Answer.question_id == question.id)
            )
            # Under the account's lock: of two identical requests at once, the second sees the first's attempt.
            first = await self._replay(principal.account_id, question.id, response, idempotency_key, now)
            if first is not None:
                return first
            if lesson.max_attempts is not None and len(previous) >= lesson.max_attempts:
                raise Forbidden(f"Du har använt alla {lesson.max_attempts} försök på den här frågan.")
            stored = StoredAnswer(
                id=0,
                question_id=question.id,
                lesson_slug=lesson.slug,
                attempt=max((row["attempt"] for row in previous), default=0) + 1,
                response=response,
                normalized_response=result.normalized,
                status=result.status,
                score_milli=None if result.score is None else to_milli(result.score),
                max_score_milli=to_milli(result.max_score),
                feedback=feedback,
                reviewer_comment=None,
                created_at=now,
            )
            inserted = await Answer.insert(
                Answer(
                    account=principal.account_id,
                    question_id=stored.question_id,
                    lesson_slug=stored.lesson_slug,
                    attempt=stored.attempt,
                    # Serialised here: Piccolo passes a bare string through as if it were JSON already.
                    raw_response=json.dumps(response, ensure_ascii=False),
                    normalized_response=json.dumps(result.normalized, ensure_ascii=False),
                    status=stored.status,
                    score_milli=stored.score_milli,
                    max_score_milli=stored.max_score_milli,
                    feedback=json.dumps(feedback, ensure_ascii=False),
                    created_at=now,
                    question_version=version,
                    response_key=response_key(question, result.normalized),
                    idempotency_key=idempotency_key,
                )
            ).returning(Answer.id)
            await update_lesson_progress(principal.account_id, lesson, now)
        count_graded(question.type.value, result.status)  # stored: a replay or a refusal is not counted
        return dataclasses.replace(stored, id=inserted[0]["id"], question_version=version)

    async def _replay(
        self, account_id: int, question_id: str, response: Any, idempotency_key: str | None, now: datetime
    ) -> StoredAnswer | None:
        """The attempt this request repeats, if it repeats one. Call inside submit's write transaction."""
        sent = json.loads(json.dumps(response, ensure_ascii=False))  # as it is stored: lists for tuples, str keys
        if idempotency_key is not None:
            rows = (
                await Answer.select()
                .where((Answer.account == account_id) & (Answer.idempotency_key == idempotency_key))
                .output(load_json=True)
            )
            if rows:
                if rows[0]["question_id"] != question_id or rows[0]["raw_response"] != sent:
                    raise Conflict(
                        MSG_IDEMPOTENCY_KEY_REUSED, field_errors={IDEMPOTENCY_HEADER: MSG_IDEMPOTENCY_KEY_REUSED}
                    )
                return dataclasses.replace(stored_answer(rows[0]), replayed=True)
        if not self.repeat_window:
            return None
        latest = (
            await Answer.select()
            .where((Answer.account == account_id) & (Answer.question_id == question_id))
            .order_by(Answer.attempt, ascending=False)
            .limit(1)
            .output(load_json=True)
        )
        if latest and latest[0]["raw_response"] == sent and latest[0]["created_at"] > now - self.repeat_window:
            return dataclasses.replace(stored_answer(latest[0]), replayed=True)
        return None


async def update_lesson_progress(account_id: int, lesson: Lesson, now: datetime) -> None:
    """Recompute one participant's progress row for one lesson from their answers. Call inside the write
    transaction that changed the answers, so the two never disagree."""
    rows = await Answer.select(
        Answer.question_id, Answer.attempt, Answer.status, Answer.score_milli, Answer.max_score_milli
    ).where((Answer.account == account_id) & (Answer.lesson_slug == lesson.slug))
    score = lesson_score(lesson, (AttemptRecord(**row) for row in rows))
    values: dict[str, Any] = {  # column names: Piccolo takes them as keyword arguments to update and to a new row
        "answered": score.answered,
        "question_count": score.question_count,
        "score_milli": score.score_milli,
        "max_score_milli": score.max_score_milli,
        "percent": score.percent,
        "updated_at": now,
    }
    existing = await LessonProgress.select(LessonProgress.id, LessonProgress.completed_at).where(
        (LessonProgress.account == account_id) & (LessonProgress.lesson_slug == lesson.slug)
    )
    # Completion is kept once reached: a worse later attempt never locks an act again.
    if is_lesson_complete(lesson, score) and not (existing and existing[0]["completed_at"]):
        values["completed_at"] = now
    if existing:
        await LessonProgress.update(**values).where(LessonProgress.id == existing[0]["id"])
    else:
        await LessonProgress.insert(LessonProgress(account=account_id, lesson_slug=lesson.slug, **values))
