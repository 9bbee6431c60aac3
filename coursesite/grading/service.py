"""Answering a question: the flow from a participant's response to a stored, graded attempt and updated progress."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from coursesite.accounts.service import Principal
from coursesite.accounts.sessions import SESSION_CHECK_COLUMNS, SESSION_CHECK_JOIN, SessionCache, confirm_session
from coursesite.core import clock
from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.core.text import MSG_CONTROL_MULTILINE, TextRefused, TextRule, clean_text
from coursesite.course.catalog import CourseCatalog
from coursesite.course.home import CourseHome, course_home
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
from coursesite.db.billing import enrolled_sql
from coursesite.db.engine import write_transaction
from coursesite.db.fastsql import Statement, fetch, positional
from coursesite.grading.rules import (
    ESSAY_MAX_CHARS,
    MSG_ANSWER_CHARACTERS,
    SHORT_MAX_CHARS,
    GradeResult,
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


class CourseAccess(Protocol):
    """Enrolled (and paid, when the course waits for payment): billing's has_course_access. `enrolled`: already read
    by the caller in its own statement (db/billing.py: enrolled_sql), so the rule decides without a query of its own."""

    def __call__(self, account_id: int, *, enrolled: bool | None = None) -> Awaitable[bool]: ...


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

    @classmethod
    def graded(
        cls,
        question: Question,
        lesson_slug: str,
        attempt: int,
        response: Any,
        result: GradeResult,
        created_at: datetime,
        id: int = 0,  # noqa: A002 - the column's name; 0 until inserted
    ) -> StoredAnswer:
        """A new attempt as the automatic grader left it: no person has graded it or commented yet."""
        return cls(
            id=id,
            question_id=question.id,
            lesson_slug=lesson_slug,
            attempt=attempt,
            response=response,
            normalized_response=result.normalized,
            status=result.status,
            score_milli=None if result.score is None else to_milli(result.score),
            max_score_milli=to_milli(result.max_score),
            feedback=feedback_of(question, result.feedback),
            reviewer_comment=None,
            created_at=created_at,
        )


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


class Attempts(Sequence[StoredAnswer]):
    """One question's attempts from its `answer` rows (_LESSON_PAGE), oldest first, each made a StoredAnswer when it
    is first read: the lesson page reads only the latest and counts the rest (issue 14, P2)."""

    __slots__ = ("_answers", "_rows")

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows
        self._answers: list[StoredAnswer | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._rows)))]
        answer = self._answers[index]
        if answer is None:
            answer = self._answers[index] = stored_answer(_loaded(self._rows[index]))
        return answer


@dataclass(frozen=True)
class LessonState:
    lesson: Lesson
    unlocked: bool
    score: LessonScore
    complete: bool
    attempts: dict[str, Sequence[StoredAnswer]]  # per question id, oldest first
    completed: frozenset[str] = frozenset()  # the participant's completed lessons, read in the same snapshot
    access: bool = True  # enrolled (and paid, when the course waits for payment): billing's rule, on the same read

    def latest(self, question_id: str) -> StoredAnswer | None:
        attempts = self.attempts.get(question_id)
        return attempts[-1] if attempts else None

    def attempts_left(self, question_id: str) -> int | None:
        if self.lesson.max_attempts is None:
            return None
        return max(0, self.lesson.max_attempts - len(self.attempts.get(question_id, ())))


@dataclass(frozen=True)
class HomeState:
    home: CourseHome
    access: bool  # enrolled (and paid, when the course waits for payment)
    enrolled: bool = False  # read in the same statement (access implies it)


class AnswerService:
    def __init__(
        self,
        engine: Engine,
        catalog: CourseCatalog,
        access: CourseAccess | None = None,
        *,
        repeat_seconds: int = DEFAULT_ANSWER_REPEAT_SECONDS,
        sessions: SessionCache | None = None,
    ) -> None:
        self.engine = engine
        self.sessions = sessions  # the account service's session cache: a principal from it is confirmed here
        self.catalog = catalog
        self.access = access  # None: every registered participant may take the course (tests of the flow alone)
        # An identical answer to the same question within this is a double click, not a new attempt (0: never).
        self.repeat_window = timedelta(seconds=repeat_seconds)

    async def has_access(self, account_id: int, *, enrolled: bool | None = None) -> bool:
        """Enrolled (and, when the course waits for payment, paid): the billing service decides."""
        return True if self.access is None else await self.access(account_id, enrolled=enrolled)

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

    async def course_home(self, account_id: int) -> HomeState:
        """What Min kurs shows, read in one fixed statement like the lesson page: the attempt records of every answer
        (no responses or feedback), the completed lessons and the enrolment (billing's access check decides on it)."""
        rows = await fetch(self.engine, _COURSE_HOME, account_id)
        head = rows[0]  # one row at least
        completed = set(_json(head["completed"]) or ())
        enrolled = bool(head["enrolled"])
        access = await self.has_access(account_id, enrolled=enrolled)
        records = [row for row in rows if row["id"] is not None]
        by_lesson: dict[str, list[AttemptRecord]] = {}
        for row in records:
            by_lesson.setdefault(row["lesson_slug"], []).append(_attempt_record(row))
        last = records[-1]["lesson_slug"] if records else None  # ordered by id: the latest answer last
        home = course_home(self.course, completed, by_lesson, last)
        return HomeState(home=home, access=access, enrolled=access or enrolled)

    async def answers(self, account_id: int, lesson_slug: str | None = None) -> list[StoredAnswer]:
        query = Answer.select().where(Answer.account == account_id)
        if lesson_slug is not None:
            query = query.where(Answer.lesson_slug == lesson_slug)
        rows = await query.order_by(Answer.id).output(load_json=True)
        return [stored_answer(row) for row in rows]

    async def lesson_state(
        self, account_id: int, lesson: Lesson, *, principal: Principal | None = None, course: Course | None = None
    ) -> LessonState:
        """What the lesson page shows, read in one fixed statement (db/fastsql.py), so one snapshot on one connection
        with no transaction around it: the lesson's answers, the completed lessons and the enrolment (billing's
        access check decides on it). A ``principal`` from the session cache is confirmed in it (accounts/sessions.py).
        ``course`` is the one the request found the lesson in (the current one when not given)."""
        course = course if course is not None else self.course
        head, rows = await self._lesson_rows(account_id, lesson, principal)
        completed = set(_json(head["completed"]) or ())
        access = await self.has_access(account_id, enrolled=bool(head["enrolled"]))
        by_question: dict[str, list[Any]] = {}
        for row in rows:
            by_question.setdefault(row["question_id"], []).append(row)
        attempts: dict[str, Sequence[StoredAnswer]] = {
            question_id: Attempts(question_rows) for question_id, question_rows in by_question.items()
        }
        score = lesson_score(lesson, [_attempt_record(row) for row in rows])
        return LessonState(
            lesson=lesson,
            unlocked=access and is_lesson_unlocked(course, lesson, completed),
            score=score,
            complete=lesson.slug in completed,
            attempts=attempts,
            completed=frozenset(completed),
            access=access,
        )

    async def submit(
        self, principal: Principal, question_id: str, response: Any, *, idempotency_key: str | None = None
    ) -> StoredAnswer:
        """Grade and store one attempt. The same `idempotency_key` again, or an identical response to the same
        question within `repeat_window` of the latest attempt, returns that attempt (`replayed`) and records none:
        a double click or a retried request never costs an attempt. 409 when the key was used for another answer."""
        idempotency_key = check_idempotency_key(idempotency_key)
        edition = self.catalog.edition  # the course and its grading versions of one load, for the whole submission
        course = edition.course
        found = course.find_question(question_id)
        if found is None:
            raise NotFound("Frågan finns inte.")
        lesson, question = found
        # Graded before the transaction, to keep pure work out of the write lock; a refusal is raised only after the
        # access checks below, in the order it always had (403 before 400).
        refused: Invalid | None = None
        try:
            refuse_unstorable_text(question, response)  # refused before anything is stored
            result = grade(question, response)
        except Invalid as exc:
            refused = exc
        except InvalidResponse as exc:
            refused = Invalid(str(exc), field_errors={"response": str(exc)})
        now = clock.now()
        version = edition.versions.get(question.id)
        account_id = principal.account_id
        # One transaction, so one connection, for everything the submission reads and writes.
        async with write_transaction(self.engine, account_id=account_id):  # the account's lock taken as it begins
            # What the checks read, in the lesson page's one statement: the enrolment, the completed lessons and the
            # lesson's answers (this question's attempts, the repeat check and the progress inputs).
            head, lesson_rows = await self._lesson_rows(account_id, lesson, principal)
            if not await self.has_access(account_id, enrolled=bool(head["enrolled"])):
                raise Forbidden(NOT_ENROLLED)
            if not is_lesson_unlocked(course, lesson, set(_json(head["completed"]) or ())):
                raise Forbidden("Lektionen är låst. Gör klart den föregående akten först.")
            if refused is not None:
                raise refused
            previous = [row for row in lesson_rows if row["question_id"] == question.id]
            # Under the account's lock: of two identical requests at once, the second sees the first's attempt.
            first = await self._replay(account_id, question.id, response, idempotency_key, now, previous)
            if first is not None:
                return first
            if lesson.max_attempts is not None and len(previous) >= lesson.max_attempts:
                raise Forbidden(f"Du har använt alla {lesson.max_attempts} försök på den här frågan.")
            attempt = max((row["attempt"] for row in previous), default=0) + 1
            stored = StoredAnswer.graded(question, lesson.slug, attempt, response, result, now)
            records = [_attempt_record(row) for row in lesson_rows]
            records.append(stored.record())
            answer_values = (
                account_id,
                stored.question_id,
                stored.lesson_slug,
                stored.attempt,
                # Serialised here: the column is JSON, and the drivers take its text.
                json.dumps(response, ensure_ascii=False),
                json.dumps(result.normalized, ensure_ascii=False),
                stored.status,
                stored.score_milli,
                stored.max_score_milli,
                json.dumps(stored.feedback, ensure_ascii=False),
                now,
                version,
                response_key(question, result.normalized),
                idempotency_key,
            )
            progress_values = _progress_values(account_id, lesson, records, now)
            if isinstance(self.engine, PostgresEngine):  # the answer and the progress row in one statement
                # The progress row's account and lesson are the answer's ($1, $3): its other values follow.
                inserted = await fetch(self.engine, _INSERT_ANSWER_AND_PROGRESS, *answer_values, *progress_values[2:])
            else:  # SQLite has no INSERT in a WITH: two statements, on the transaction's one connection
                inserted = await fetch(self.engine, _INSERT_ANSWER, *answer_values)
                await fetch(self.engine, _UPSERT_PROGRESS, *progress_values)
        count_graded(question.type.value, result.status)  # stored: a replay or a refusal is not counted
        return dataclasses.replace(stored, id=inserted[0]["id"], question_version=version)

    async def _lesson_rows(self, account_id: int, lesson: Lesson, principal: Principal | None) -> tuple[Any, list[Any]]:
        """The head (the enrolment, billing's access check's input, and the completed lessons as a JSON array) and the
        lesson's answers, oldest first, in one statement. A principal from the session cache is confirmed in it,
        before anything is shown or written (accounts/sessions.py)."""
        if principal is not None and principal.session_check is not None:
            rows = await fetch(self.engine, _LESSON_PAGE_AND_SESSION, lesson.slug, principal.session_check, account_id)
            confirm_session(self.sessions, principal, rows[0] if rows else None, clock.now())
        else:
            rows = await fetch(self.engine, _LESSON_PAGE, account_id, lesson.slug)
        # Every row carries the head; an account without answers has one row of them (NULL answer columns).
        return rows[0], [row for row in rows if row["id"] is not None]

    async def _replay(
        self,
        account_id: int,
        question_id: str,
        response: Any,
        idempotency_key: str | None,
        now: datetime,
        previous: list[dict],
    ) -> StoredAnswer | None:
        """The attempt this request repeats, if it repeats one. Call inside submit's write transaction; `previous`
        holds the question's attempts (rows of _LESSON_PAGE)."""

        def as_stored() -> Any:  # the response as it is stored (lists for tuples, str keys); only when compared
            return json.loads(json.dumps(response, ensure_ascii=False))

        if idempotency_key is not None:
            rows = [_loaded(row) for row in await fetch(self.engine, _ANSWER_BY_KEY, account_id, idempotency_key)]
            if rows:
                if rows[0]["question_id"] != question_id or rows[0]["raw_response"] != as_stored():
                    raise Conflict(
                        MSG_IDEMPOTENCY_KEY_REUSED, field_errors={IDEMPOTENCY_HEADER: MSG_IDEMPOTENCY_KEY_REUSED}
                    )
                return dataclasses.replace(stored_answer(rows[0]), replayed=True)
        if not self.repeat_window or not previous:
            return None
        latest = max(previous, key=lambda row: row["attempt"])
        if latest["created_at"] > now - self.repeat_window and _json(latest["raw_response"]) == as_stored():
            rows = await fetch(self.engine, _ANSWER_BY_ID, latest["id"])
            return dataclasses.replace(stored_answer(_loaded(rows[0])), replayed=True)
        return None


def feedback_of(question: Question, feedback: Any) -> list[str]:
    """The feedback shown and stored with an attempt: the grader's, then the question's general feedback."""
    return [text for text in (*feedback, question.general_feedback) if text]


# The hot paths as fixed statements (db/fastsql.py): no query building per request.
# The lesson's attempt records, from which its progress row is computed (update_lesson_progress).
_LESSON_ANSWERS = Statement.same(
    "SELECT id, question_id, attempt, status, score_milli, max_score_milli, raw_response, created_at "
    "FROM answer WHERE account = $1 AND lesson_slug = $2",
    2,
)
# The lesson page's reads (lesson_state, and submit's checks) and Min kurs's (course_home), one statement each: the
# answers (oldest first), each row with the enrolment and the completed lessons as a JSON array (PostgreSQL's json_agg
# is NULL for none; SQLite has no json_agg), and no answer a row of NULLs. With the session (accounts/sessions.py): no
# session row, no rows at all.
_HEAD_COLUMNS = (
    "{enrolled} AS enrolled, (SELECT {agg}(lp.lesson_slug) FROM lesson_progress lp WHERE lp.account = {account} "
    "AND lp.completed_at IS NOT NULL) AS completed"
)
_PAGE_ANSWER_COLUMNS = ", ".join(
    f"ans.{name} AS {name}"
    for name in (
        "id question_id lesson_slug attempt raw_response normalized_response status score_milli max_score_milli "
        "feedback reviewer_comment created_at graded_at rubric_scores question_version"
    ).split()
)
_HOME_ANSWER_COLUMNS = ", ".join(
    f"ans.{name} AS {name}" for name in "id lesson_slug question_id attempt status score_milli max_score_milli".split()
)


def _with_head(select: str, source: str, account: str, *, postgres_account: str | None = None) -> Statement:
    """A statement for both engines: `select` holds `{head}` (the enrolment and the completed lessons of `account`, an
    SQL expression; `postgres_account` another for PostgreSQL), `select` and `source` the `$n` parameters in the order
    they appear."""
    postgres, sqlite = (
        f"SELECT {select} FROM {source} ORDER BY ans.id".format(
            head=_HEAD_COLUMNS.format(enrolled=enrolled_sql(who), agg=agg, account=who)
        )
        for agg, who in (("json_agg", postgres_account or account), ("json_group_array", account))
    )
    parameters = len(set(re.findall(r"\$\d+", postgres)))
    return Statement(postgres, positional(sqlite), parameters)


_ME = "(SELECT CAST($1 AS INTEGER) AS account) me"
_LESSON_PAGE = _with_head(
    f"{{head}}, {_PAGE_ANSWER_COLUMNS}",
    f"{_ME} LEFT JOIN answer ans ON ans.account = me.account AND ans.lesson_slug = $2",
    "me.account",
)
_LESSON_PAGE_AND_SESSION = _with_head(
    f"{SESSION_CHECK_COLUMNS}, {{head}}, {_PAGE_ANSWER_COLUMNS}",
    f"{SESSION_CHECK_JOIN} LEFT JOIN answer ans ON ans.account = s.account AND ans.lesson_slug = $1 "
    "WHERE s.token_hash = $2 AND s.account = $3",
    "s.account",
    # The same account as the parameter: PostgreSQL then reads the head once (an InitPlan), where for the joined
    # column it chose per answer row, or a hash of the whole enrolment table.
    postgres_account="$3",
)
# Min kurs: the attempt records of every answer, without responses or feedback.
_COURSE_HOME = _with_head(
    f"{{head}}, {_HOME_ANSWER_COLUMNS}", f"{_ME} LEFT JOIN answer ans ON ans.account = me.account", "me.account"
)
_JSON_COLUMNS = ("raw_response", "normalized_response", "feedback", "rubric_scores")
_ANSWER_COLUMNS = (
    "id, question_id, lesson_slug, attempt, raw_response, normalized_response, status, score_milli, max_score_milli, "
    "feedback, reviewer_comment, created_at, graded_at, rubric_scores, question_version"
)
_ANSWER_BY_KEY = Statement.same(f"SELECT {_ANSWER_COLUMNS} FROM answer WHERE account = $1 AND idempotency_key = $2", 2)
_ANSWER_BY_ID = Statement.same(f"SELECT {_ANSWER_COLUMNS} FROM answer WHERE id = $1", 1)
_INSERT_ANSWER_SQL = (
    "INSERT INTO answer (account, question_id, lesson_slug, attempt, raw_response, normalized_response, status, "
    "score_milli, max_score_milli, feedback, created_at, question_version, response_key, idempotency_key) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id"
)
_INSERT_ANSWER = Statement.same(_INSERT_ANSWER_SQL, 14)
# The progress row from the lesson's attempts, inserted or replaced; completion is kept once reached (COALESCE): a
# worse later attempt never locks an act again. Unique on (account, lesson_slug): migration m0002.
_UPSERT_PROGRESS_SQL = (
    "INSERT INTO lesson_progress AS lp (account, lesson_slug, answered, question_count, score_milli, max_score_milli, "
    "percent, completed_at, updated_at) VALUES ({}) ON CONFLICT (account, lesson_slug) DO UPDATE SET "
    "answered = excluded.answered, question_count = excluded.question_count, score_milli = excluded.score_milli, "
    "max_score_milli = excluded.max_score_milli, percent = excluded.percent, "
    "completed_at = COALESCE(lp.completed_at, excluded.completed_at), updated_at = excluded.updated_at"
)
_UPSERT_PROGRESS = Statement.same(_UPSERT_PROGRESS_SQL.format("$1, $2, $3, $4, $5, $6, $7, $8, $9"), 9)
# PostgreSQL: both in one statement (a data-modifying WITH runs to completion whether or not it is read); the
# progress row takes the answer's account ($1) and lesson ($3).
_INSERT_ANSWER_AND_PROGRESS = Statement.postgres_only(
    f"WITH progress AS ({_UPSERT_PROGRESS_SQL.format('$1, $3, $15, $16, $17, $18, $19, $20, $21')}) "
    + _INSERT_ANSWER_SQL,
    21,
)


def _attempt_record(row: Any) -> AttemptRecord:
    """An answer row's attempt record (the columns progress is computed from)."""
    return AttemptRecord(row["question_id"], row["attempt"], row["status"], row["score_milli"], row["max_score_milli"])


def _json(value: Any) -> Any:
    """A JSON column as selected by raw SQL: text on both engines."""
    return json.loads(value) if isinstance(value, str) else value


def _loaded(row: Any) -> dict:
    """An `answer` row selected with _ANSWER_COLUMNS, its JSON read (as Piccolo's load_json would)."""
    return {**row, **{name: _json(row[name]) for name in _JSON_COLUMNS}}


async def update_lesson_progress(account_id: int, lesson: Lesson, now: datetime) -> None:
    """Recompute one participant's progress row for one lesson from their answers. Call inside the write
    transaction that changed the answers, so the two never disagree."""
    engine = LessonProgress._meta.db
    rows = await fetch(engine, _LESSON_ANSWERS, account_id, lesson.slug)
    records = [_attempt_record(row) for row in rows]
    await fetch(engine, _UPSERT_PROGRESS, *_progress_values(account_id, lesson, records, now))


def _progress_values(account_id: int, lesson: Lesson, records: list[AttemptRecord], now: datetime) -> tuple:
    """_UPSERT_PROGRESS's values: the progress row from all of the lesson's attempts. `completed_at` is now when the
    lesson is complete; the statement keeps an earlier completion."""
    score = lesson_score(lesson, records)
    completed_at = now if is_lesson_complete(lesson, score) else None
    return (
        account_id,
        lesson.slug,
        score.answered,
        score.question_count,
        score.score_milli,
        score.max_score_milli,
        score.percent,
        completed_at,
        now,
    )
