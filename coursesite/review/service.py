"""The instructor's side of the answers: the review queue, manual grades with rubrics, overrides, flags and the
audit trail of grade events. Every change of a score is one transaction with its grade event and the participant's
updated progress. The comment bank is review/comments.py, regrading review/regrading.py; every free text stored here
goes through the one free-text rule (review/text.py, core/text.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.weeks import Week, week_of
from coursesite.course.catalog import CourseCatalog
from coursesite.course.model import Essay, Lesson, Question
from coursesite.course.presentation import may_flag, verdict
from coursesite.course.progress import GRADED, PENDING_REVIEW
from coursesite.db.answers import Answer
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.db.review import AnswerFlag, GradeEvent
from coursesite.grading.rules import to_milli
from coursesite.grading.service import StoredAnswer, stored_answer, update_lesson_progress
from coursesite.mail.outbox import MailOutbox
from coursesite.privacy.audit import AuditLog
from coursesite.review.people import account_names
from coursesite.review.text import (
    COMMENT_MAX_CHARS,
    DISMISS_COMMENT,
    FLAG_REASON,
    GRADE_COMMENT,
    OVERRIDE_REASON,
    REASON_MAX_CHARS,
    review_text,
)

__all__ = ["COMMENT_MAX_CHARS", "QUEUE_MAX", "REASON_MAX_CHARS", "ReviewService"]

QUEUE_MAX = 200

MANUAL_GRADE, OVERRIDE, FLAG_DISMISSED, REGRADE = "manual_grade", "override", "flag_dismissed", "regrade"
# What the participant's message says happened (templates/mail/review/answer_reviewed.txt).
GRADED_NOW, CHANGED, FLAG_ANSWERED = "graded", "changed", "flag_answered"
EVENT_LABELS_SV = {
    MANUAL_GRADE: "Bedömd av lärare",
    OVERRIDE: "Poängen ändrad av lärare",
    FLAG_DISMISSED: "Omprövning avslutad utan ändring",
    REGRADE: "Omrättad efter ändrat facit",
}


def _points(value: Decimal | int | str, field_name: str, maximum: Decimal, label: str = "Poängen") -> int:
    """Points between 0 and `maximum` with at most three decimals, as milli."""
    try:
        points = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid(f"{label} är inte ett tal.", field_errors={field_name: "Skriv ett tal."}) from None
    try:
        exact = points.is_finite() and points == points.quantize(Decimal("0.001"))
    except InvalidOperation:  # too large to quantize (1e39): out of range, answered just below, never a 500
        exact = True
    if not exact:
        raise Invalid(f"{label} får ha högst tre decimaler.", field_errors={field_name: "Högst tre decimaler."})
    if not 0 <= points <= maximum:
        raise Invalid(
            f"{label} måste vara mellan 0 och {maximum.normalize()}.",
            field_errors={field_name: f"Mellan 0 och {maximum.normalize()}."},
        )
    return to_milli(points)


@dataclass(frozen=True)
class GradeEventView:
    kind: str
    actor_name: str | None
    old_score_milli: int | None
    new_score_milli: int | None
    reason: str
    created_at: datetime

    @property
    def label_sv(self) -> str:
        return EVENT_LABELS_SV.get(self.kind, self.kind)


@dataclass(frozen=True)
class QueueItem:
    answer_id: int
    reason: str  # "essay" | "flag"
    question_id: str
    question_name: str
    lesson_slug: str
    lesson_title: str
    participant: str  # the name, or a pseudonym in anonymous mode
    account_id: int | None  # None in anonymous mode
    attempt: int
    status: str
    score_milli: int | None
    max_score_milli: int
    submitted_at: datetime
    waiting_since: datetime
    flag_reason: str | None


@dataclass(frozen=True)
class ReviewItem:
    """One answer opened for grading, with what the grader needs beside it."""

    answer: StoredAnswer
    lesson: Lesson | None
    question: Question | None
    participant: str
    account_id: int | None
    open_flag: str | None  # the participant's reason, when flagged
    events: list[GradeEventView]
    in_queue: bool


@dataclass(frozen=True)
class WeekNumbers:
    """The instructor's start page: this week's work (Monday to Sunday in Stockholm) and what waits now."""

    week: Week
    submitted: int  # answers submitted this week, every attempt
    waiting: int  # free-text answers (essays) waiting for a grade, now
    graded: int  # grades and changed grades given by a person this week
    flags_open: int  # "fel rättat" flags not yet answered, now
    new_participants: int  # participant accounts created this week


@dataclass(frozen=True)
class InstructorHome:
    numbers: WeekNumbers
    queue: list[QueueItem]  # oldest first
    queue_size: int


# One statement for the week's numbers: each a scalar subquery, on both engines.
_WEEK_SQL = (
    "SELECT (SELECT COUNT(*) FROM answer WHERE created_at >= {} AND created_at < {}) AS submitted, "
    "(SELECT COUNT(*) FROM answer WHERE status = {}) AS waiting, "
    "(SELECT COUNT(*) FROM grade_event WHERE kind IN ({}, {}) AND created_at >= {} AND created_at < {}) AS graded, "
    "(SELECT COUNT(*) FROM answer_flag WHERE resolved_at IS NULL) AS flags_open, "
    "(SELECT COUNT(*) FROM account WHERE role = 'participant' AND created_at >= {} AND created_at < {}) "
    "AS new_participants"
)

QUEUE_WHY = "Bedömning: granskningskön"


class ReviewService:
    """Built once in create_app. The methods that show a participant's data to staff write their own audit row
    (``audit``), so every caller is audited; anonymous mode shows no one and writes none for the queue."""

    def __init__(
        self, engine: Engine, catalog: CourseCatalog, pseudonym_key: str, audit: AuditLog, outbox: MailOutbox
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.audit = audit
        self.outbox = outbox  # the participant is told of a grade, a change or an answered flag
        self._pseudonym_key = pseudonym_key.encode("utf-8")

    # -- who

    def pseudonym(self, account_id: int) -> str:
        """A stable label that hides who wrote the answer; keyed, so it cannot be computed back from an id."""
        digest = hmac.new(self._pseudonym_key, f"participant:{account_id}".encode(), hashlib.sha256).hexdigest()
        return f"Deltagare {digest[:6].upper()}"

    def _place(self, question_id: str) -> tuple[Lesson | None, Question | None]:
        found = self.catalog.course.find_question(question_id)
        return found if found else (None, None)

    # -- the queue

    async def queue(
        self, actor: Principal, *, limit: int = 50, anonymous: bool = False, why: str = QUEUE_WHY
    ) -> list[QueueItem]:
        """Answers that need a person, oldest first: essays awaiting a grade and open flags. Audited as a read of
        the participants' names by ``actor`` (for the reason ``why``), except in anonymous mode, which shows none."""
        items = await self._queue(limit=limit, anonymous=anonymous)
        # Anonymous mode shows no account ids: record_many then writes no rows.
        await self.audit.record_many(
            actor.account_id,
            "read",
            ((item.account_id, None) for item in items),
            what="answer: deltagarens namn och svarens status i granskningskön",
            why=why,
        )
        return items

    async def home(
        self, actor: Principal, *, limit: int = QUEUE_MAX, anonymous: bool = False, now: datetime | None = None
    ) -> InstructorHome:
        """The instructor's start page: the queue (audited as ``queue`` is) and this week's numbers."""
        return InstructorHome(
            numbers=await self.week_numbers(now or clock.now()),
            queue=await self.queue(actor, limit=limit, anonymous=anonymous),
            queue_size=await self.queue_size(),
        )

    async def week_numbers(self, now: datetime) -> WeekNumbers:
        """Counts only, no one's data: nothing to audit."""
        week = week_of(now)
        start, end = week.start, week.end
        rows = await Answer.raw(_WEEK_SQL, start, end, PENDING_REVIEW, MANUAL_GRADE, OVERRIDE, start, end, start, end)
        row = rows[0]
        return WeekNumbers(
            week=week,
            submitted=int(row["submitted"]),
            waiting=int(row["waiting"]),
            graded=int(row["graded"]),
            flags_open=int(row["flags_open"]),
            new_participants=int(row["new_participants"]),
        )

    async def queue_order(self, *, limit: int = QUEUE_MAX) -> list[int]:
        """The answer ids of the queue, in its order: no names read, nothing to audit."""
        return [item.answer_id for item in await self._queue(limit=limit, anonymous=True)]

    async def _queue(self, *, limit: int, anonymous: bool) -> list[QueueItem]:
        limit = max(1, min(limit, QUEUE_MAX))
        columns = (
            Answer.id,
            Answer.account,
            Answer.question_id,
            Answer.lesson_slug,
            Answer.attempt,
            Answer.status,
            Answer.score_milli,
            Answer.max_score_milli,
            Answer.created_at,
        )
        pending = (
            await Answer.select(*columns)
            .where(Answer.status == PENDING_REVIEW)
            .order_by(Answer.created_at)
            .limit(limit)
        )
        flags = await (
            AnswerFlag.select(
                AnswerFlag.answer,
                AnswerFlag.reason,
                AnswerFlag.created_at,
                *(getattr(AnswerFlag.answer, column._meta.name) for column in columns if column._meta.name != "id"),
            )
            .where(AnswerFlag.resolved_at.is_null())
            .order_by(AnswerFlag.created_at)
            .limit(limit)
        )
        entries: dict[int, tuple[datetime, dict, str, str | None]] = {}
        for row in pending:
            entries[row["id"]] = (row["created_at"], row, "essay", None)
        for row in flags:
            answer = {
                "id": row["answer"],
                **{key.removeprefix("answer."): value for key, value in row.items() if key.startswith("answer.")},
            }
            if row["answer"] not in entries:
                entries[row["answer"]] = (row["created_at"], answer, "flag", row["reason"])
        ordered = sorted(entries.values(), key=lambda entry: (entry[0], entry[1]["id"]))[:limit]
        names = {} if anonymous else await account_names({entry[1]["account"] for entry in ordered})
        items = []
        for waiting_since, row, reason, flag_reason in ordered:
            lesson, question = self._place(row["question_id"])
            items.append(
                QueueItem(
                    answer_id=row["id"],
                    reason=reason,
                    question_id=row["question_id"],
                    question_name=question.name if question else row["question_id"],
                    lesson_slug=row["lesson_slug"],
                    lesson_title=lesson.title if lesson else row["lesson_slug"],
                    participant=self.pseudonym(row["account"]) if anonymous else names.get(row["account"], "–"),
                    account_id=None if anonymous else row["account"],
                    attempt=row["attempt"],
                    status=row["status"],
                    score_milli=row["score_milli"],
                    max_score_milli=row["max_score_milli"],
                    submitted_at=row["created_at"],
                    waiting_since=waiting_since,
                    flag_reason=flag_reason,
                )
            )
        return items

    async def queue_size(self) -> int:
        pending = await Answer.count().where(Answer.status == PENDING_REVIEW)
        flagged = await AnswerFlag.count().where(
            AnswerFlag.resolved_at.is_null() & (AnswerFlag.answer.status != PENDING_REVIEW)
        )
        return pending + flagged

    async def item(self, actor: Principal, answer_id: int, *, anonymous: bool = False) -> ReviewItem:
        """One answer opened for grading by ``actor``: audited as a read of the answer (and of the participant's
        name, unless anonymous)."""
        answer = await self._answer(answer_id)
        account_id = await self._owner(answer_id)
        lesson, question = self._place(answer.question_id)
        flag = await self._open_flag(answer_id)
        names = {} if anonymous else await account_names({account_id})
        await self.audit.record(
            actor.account_id,
            "read",
            subject_account=None if anonymous else account_id,
            what=f"answer {answer_id}: svaret" + ("" if anonymous else " och deltagarens namn"),
            why="lärare: bedömning",
        )
        return ReviewItem(
            answer=answer,
            lesson=lesson,
            question=question,
            participant=self.pseudonym(account_id) if anonymous else names.get(account_id, "–"),
            account_id=None if anonymous else account_id,
            open_flag=flag["reason"] if flag else None,
            events=await self.history(answer_id, with_names=not anonymous),
            in_queue=answer.status == PENDING_REVIEW or flag is not None,
        )

    async def question_of(self, answer_id: int) -> Question | None:
        """The question an answer was given to (None when it is no longer in the course); no one's data."""
        rows = await Answer.select(Answer.question_id).where(Answer.id == answer_id)
        if not rows:
            raise NotFound("Svaret finns inte.")
        return self._place(rows[0]["question_id"])[1]

    # -- reading

    async def _answer(self, answer_id: int) -> StoredAnswer:
        rows = await Answer.select().where(Answer.id == answer_id).output(load_json=True)
        if not rows:
            raise NotFound("Svaret finns inte.")
        return stored_answer(rows[0])

    async def _owner(self, answer_id: int) -> int:
        rows = await Answer.select(Answer.account).where(Answer.id == answer_id)
        if not rows:
            raise NotFound("Svaret finns inte.")
        return rows[0]["account"]

    async def _open_flag(self, answer_id: int) -> dict | None:
        rows = await AnswerFlag.select(AnswerFlag.id, AnswerFlag.reason).where(
            (AnswerFlag.answer == answer_id) & AnswerFlag.resolved_at.is_null()
        )
        return rows[0] if rows else None

    async def history(self, answer_id: int, *, with_names: bool = True) -> list[GradeEventView]:
        """The audit trail of one answer, oldest first."""
        return (await self.histories([answer_id], with_names=with_names)).get(answer_id, [])

    async def histories(self, answer_ids: list[int], *, with_names: bool = True) -> dict[int, list[GradeEventView]]:
        if not answer_ids:
            return {}
        rows = await (
            GradeEvent.select(
                GradeEvent.answer,
                GradeEvent.kind,
                GradeEvent.actor,
                GradeEvent.old_score_milli,
                GradeEvent.new_score_milli,
                GradeEvent.reason,
                GradeEvent.created_at,
            )
            .where(GradeEvent.answer.is_in(answer_ids))
            .order_by(GradeEvent.id)
        )
        names = await account_names({row["actor"] for row in rows if row["actor"]}) if with_names else {}
        events: dict[int, list[GradeEventView]] = defaultdict(list)
        for row in rows:
            events[row["answer"]].append(
                GradeEventView(
                    kind=row["kind"],
                    actor_name=names.get(row["actor"]) if with_names else None,
                    old_score_milli=row["old_score_milli"],
                    new_score_milli=row["new_score_milli"],
                    reason=row["reason"],
                    created_at=row["created_at"],
                )
            )
        return dict(events)

    async def open_flags(self, answer_ids: list[int]) -> dict[int, str]:
        """Open flags among these answers: answer id -> the participant's reason."""
        if not answer_ids:
            return {}
        rows = await AnswerFlag.select(AnswerFlag.answer, AnswerFlag.reason).where(
            AnswerFlag.answer.is_in(answer_ids) & AnswerFlag.resolved_at.is_null()
        )
        return {row["answer"]: row["reason"] for row in rows}

    # -- changing a score

    async def grade(
        self,
        actor: Principal,
        answer_id: int,
        *,
        score: Decimal | int | str | None = None,
        criteria: Mapping[str, Decimal | int | str] | None = None,
        comment: str | None = None,
    ) -> StoredAnswer:
        """A person's grade for an answer in the queue: an essay, or a flagged answer. With a rubric, the score is
        the sum of the criteria."""
        comment = review_text(comment, "comment", GRADE_COMMENT)
        answer = await self._answer(answer_id)
        _, question = self._place(answer.question_id)
        if question is None:
            raise Conflict("Frågan finns inte längre i kursen och kan inte bedömas.")
        rubric_scores, score_milli = self._score_from(question, score, criteria)
        async with self._locked(answer_id) as owner:
            current = await self._answer(answer_id)
            if current.status != PENDING_REVIEW and await self._open_flag(answer_id) is None:
                raise Conflict(
                    "Svaret väntar inte på bedömning. Använd ”Ändra poäng” med en motivering för att ändra ett betyg.",
                    field_errors={"score": "Svaret väntar inte på bedömning."},
                )
            await self._change(owner, actor, current, score_milli, MANUAL_GRADE, comment, rubric_scores=rubric_scores)
        return await self._answer(answer_id)

    def _score_from(
        self, question: Question, score: Decimal | int | str | None, criteria: Mapping[str, Decimal | int | str] | None
    ) -> tuple[dict[str, int] | None, int]:
        rubric = question.rubric if isinstance(question, Essay) else ()
        if criteria is None:
            if rubric:  # the score of a rubric question is the sum of its criteria, nothing else
                raise Invalid("Poäng per kriterium saknas.", field_errors={"criteria": "Poäng per kriterium saknas."})
            if score is None:
                raise Invalid("Poängen saknas.", field_errors={"score": "Poängen saknas."})
            return None, _points(score, "score", question.points)
        if not rubric:
            raise Invalid("Frågan har ingen bedömningsmall.", field_errors={"criteria": "Frågan har inga kriterier."})
        known = {criterion.id: criterion for criterion in rubric}
        unknown = sorted(set(criteria) - set(known))
        missing = [criterion.text for criterion in rubric if criterion.id not in criteria]
        if unknown:
            raise Invalid(f"Okänt kriterium: {', '.join(unknown)}.", field_errors={"criteria": "Okänt kriterium."})
        if missing:
            raise Invalid(f"Poäng saknas för: {'; '.join(missing)}.", field_errors={"criteria": "Poäng saknas."})
        scores = {
            criterion_id: _points(
                value,
                f"criteria.{criterion_id}",
                known[criterion_id].points,
                f"Poängen för ”{known[criterion_id].text}”",
            )
            for criterion_id, value in criteria.items()
        }
        total = sum(scores.values())
        if total > to_milli(question.points):
            raise Invalid("Kriteriernas summa är större än frågans poäng.", field_errors={"criteria": "För hög summa."})
        if score is not None and _points(score, "score", question.points) != total:
            raise Invalid(
                "Poängen måste vara summan av kriteriernas poäng.",
                field_errors={"score": "Ska vara summan av kriterierna."},
            )
        return scores, total

    async def override(
        self, actor: Principal, answer_id: int, *, score: Decimal | int | str, reason: str | None
    ) -> StoredAnswer:
        """Replace any grade, automatic or not, with a reason the participant is shown."""
        reason = review_text(reason, "reason", OVERRIDE_REASON)
        answer = await self._answer(answer_id)
        _, question = self._place(answer.question_id)
        maximum = question.points if question is not None else Decimal(answer.max_score_milli) / 1000
        score_milli = _points(score, "score", maximum)
        async with self._locked(answer_id) as owner:
            current = await self._answer(answer_id)
            await self._change(owner, actor, current, score_milli, OVERRIDE, reason, rubric_scores=None)
        return await self._answer(answer_id)

    async def dismiss_flag(self, actor: Principal, answer_id: int, *, comment: str | None) -> StoredAnswer:
        """Close a flag and keep the score, telling the participant why."""
        comment = review_text(comment, "comment", DISMISS_COMMENT)
        async with self._locked(answer_id) as owner:
            if await self._open_flag(answer_id) is None:
                raise Conflict("Svaret har ingen öppen begäran om omprövning.")
            current = await self._answer(answer_id)
            now = clock.now()
            await GradeEvent.insert(
                GradeEvent(
                    answer=answer_id,
                    kind=FLAG_DISMISSED,
                    actor=actor.account_id,
                    old_score_milli=current.score_milli,
                    new_score_milli=current.score_milli,
                    reason=comment,
                    created_at=now,
                )
            )
            await Answer.update({Answer.reviewer_comment: comment}).where(Answer.id == answer_id)
            await self._resolve_flags(answer_id, actor, now)
            await self._tell(owner, current, FLAG_ANSWERED)
        return await self._answer(answer_id)

    @asynccontextmanager
    async def _locked(self, answer_id: int) -> AsyncIterator[int]:
        """A write transaction holding the lock of the answer's owner, whose own submits wait for it; yields the owner."""
        async with write_transaction(self.engine):
            owner = await self._owner(answer_id)
            await lock_account_rows(self.engine, owner)
            yield owner

    async def _change(
        self,
        owner: int,
        actor: Principal,
        current: StoredAnswer,
        score_milli: int,
        kind: str,
        reason: str,
        *,
        rubric_scores: dict[str, int] | None,
    ) -> None:
        now = clock.now()
        await Answer.update(
            {
                Answer.status: GRADED,
                Answer.score_milli: score_milli,
                Answer.reviewer_comment: reason or None,
                Answer.graded_by: actor.account_id,
                Answer.graded_at: now,
                Answer.rubric_scores: None if rubric_scores is None else json.dumps(rubric_scores),
            }
        ).where(Answer.id == current.id)
        await GradeEvent.insert(
            GradeEvent(
                answer=current.id,
                kind=kind,
                actor=actor.account_id,
                old_score_milli=current.score_milli,
                new_score_milli=score_milli,
                reason=reason,
                created_at=now,
            )
        )
        flagged = await self._open_flag(current.id) is not None
        await self._resolve_flags(current.id, actor, now)
        lesson, _ = self._place(current.question_id)
        if lesson is not None:
            await update_lesson_progress(owner, lesson, now)
        await self._tell(owner, current, FLAG_ANSWERED if flagged else GRADED_NOW if kind == MANUAL_GRADE else CHANGED)

    async def _tell(self, owner: int, answer: StoredAnswer, event: str) -> None:
        """The participant's message, in the change's transaction: what happened and the link to the lesson's
        results; never the score, the comment or the answer itself (they are on the page, behind the login)."""
        lesson, _ = self._place(answer.question_id)
        slug = lesson.slug if lesson is not None else answer.lesson_slug
        await self.outbox.to_account(
            owner,
            "review/answer_reviewed",
            {
                "event": event,
                "lesson_title": lesson.title if lesson is not None else None,
                "link": self.outbox.link(f"/lektion/{slug}/resultat#svar-{answer.id}"),
            },
        )

    async def _resolve_flags(self, answer_id: int, actor: Principal, now: datetime) -> None:
        await AnswerFlag.update({AnswerFlag.resolved_at: now, AnswerFlag.resolved_by: actor.account_id}).where(
            (AnswerFlag.answer == answer_id) & AnswerFlag.resolved_at.is_null()
        )

    # -- the participant's flag

    async def flag(self, principal: Principal, answer_id: int, reason: str | None) -> None:
        """ "I think this was graded wrong": puts the participant's own graded answer in the review queue."""
        reason = review_text(reason, "reason", FLAG_REASON)
        async with write_transaction(self.engine, account_id=principal.account_id):
            rows = await Answer.select(Answer.status, Answer.score_milli, Answer.max_score_milli).where(
                (Answer.id == answer_id) & (Answer.account == principal.account_id)
            )
            if not rows:  # someone else's answer looks exactly like a missing one
                raise NotFound("Svaret finns inte.")
            if rows[0]["status"] == PENDING_REVIEW:
                raise Conflict("Svaret väntar redan på att en lärare bedömer det.")
            if not may_flag(verdict(rows[0]["status"], rows[0]["score_milli"], rows[0]["max_score_milli"])):
                raise Conflict("Svaret har redan full poäng: det finns inget att ompröva.")
            if await self._open_flag(answer_id) is not None:
                raise Conflict("Du har redan bett om omprövning av det här svaret. En lärare tittar på det.")
            await AnswerFlag.insert(AnswerFlag(answer=answer_id, reason=reason, created_at=clock.now()))
