"""The instructor's side of the answers: the review queue, manual grades with rubrics, overrides, flags, the comment
bank, the audit trail, and regrades. Every change of a score is one transaction with its grade event and the
participant's updated progress."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.course.catalog import CourseCatalog
from coursesite.course.model import Essay, Lesson, Question
from coursesite.course.progress import GRADED, PENDING_REVIEW
from coursesite.db.accounts import Account
from coursesite.db.answers import Answer
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.db.review import AnswerFlag, CommentBankEntry, GradeEvent, QuestionVersion, RegradeRun
from coursesite.grading.rules import to_milli
from coursesite.grading.service import StoredAnswer, stored_answer, update_lesson_progress
from coursesite.privacy.pii import find_forbidden, refusal_message
from coursesite.review.regrade import MODE_LABELS_SV, RegradeMode, regrade_attempt
from coursesite.review.versions import QuestionVersions

COMMENT_MAX_CHARS = 2000
REASON_MAX_CHARS = 1000
BANK_COMMENT_MAX_CHARS = 1000
QUEUE_MAX = 200

MANUAL_GRADE, OVERRIDE, FLAG_DISMISSED, REGRADE = "manual_grade", "override", "flag_dismissed", "regrade"
EVENT_LABELS_SV = {
    MANUAL_GRADE: "Bedömd av lärare",
    OVERRIDE: "Poängen ändrad av lärare",
    FLAG_DISMISSED: "Omprövning avslutad utan ändring",
    REGRADE: "Omrättad efter ändrat facit",
}


def _text(value: str | None, field_name: str, limit: int, *, required: bool, label: str) -> str:
    """A bounded, storable free text; personnummer and card numbers are refused (the policy: never collected)."""
    text = (value or "").strip()
    if required and not text:
        raise Invalid(f"{label} saknas.", field_errors={field_name: f"Skriv {label.lower()}."})
    if len(text) > limit:
        raise Invalid(f"{label} är för lång.", field_errors={field_name: f"Högst {limit} tecken."})
    if "\x00" in text:
        raise Invalid(f"{label} innehåller otillåtna tecken.", field_errors={field_name: "Otillåtet tecken (NUL)."})
    findings = find_forbidden(text)
    if findings:
        raise Invalid(refusal_message(findings), field_errors={field_name: refusal_message(findings)})
    return text


def _points(value: Decimal | int | str, field_name: str, maximum: Decimal, label: str = "Poängen") -> int:
    """Points between 0 and `maximum` with at most three decimals, as milli."""
    try:
        points = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise Invalid(f"{label} är inte ett tal.", field_errors={field_name: "Skriv ett tal."}) from None
    if not points.is_finite() or points != points.quantize(Decimal("0.001")):
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
class BankComment:
    id: int
    text: str


@dataclass(frozen=True)
class RegradeChange:
    answer_id: int
    account_id: int
    participant: str
    question_id: str
    question_name: str
    attempt: int
    old_score_milli: int | None
    new_score_milli: int
    old_max_score_milli: int
    new_max_score_milli: int
    note: str

    @property
    def delta_milli(self) -> int:
        return self.new_score_milli - (self.old_score_milli or 0)


@dataclass(frozen=True)
class RegradePlan:
    lesson_slug: str
    mode: RegradeMode
    changes: list[RegradeChange]
    outdated: int  # attempts graded against an older key
    kept_manual: int  # of those, graded by a person and so left alone
    questions: list[tuple[str, str]]  # (id, name) of the questions whose key changed
    applied: bool = False
    run_id: int | None = None

    def by_participant(self) -> list[tuple[str, list[RegradeChange]]]:
        grouped: dict[str, list[RegradeChange]] = defaultdict(list)
        for change in self.changes:
            grouped[change.participant].append(change)
        return sorted(grouped.items())


class ReviewService:
    def __init__(self, engine: Engine, catalog: CourseCatalog, pseudonym_key: str) -> None:
        self.engine = engine
        self.catalog = catalog
        self._pseudonym_key = pseudonym_key.encode("utf-8")

    # -- who

    def pseudonym(self, account_id: int) -> str:
        """A stable label that hides who wrote the answer; keyed, so it cannot be computed back from an id."""
        digest = hmac.new(self._pseudonym_key, f"participant:{account_id}".encode(), hashlib.sha256).hexdigest()
        return f"Deltagare {digest[:6].upper()}"

    async def _names(self, account_ids: set[int]) -> dict[int, str]:
        if not account_ids:
            return {}
        rows = await Account.select(Account.id, Account.first_name, Account.last_name).where(
            Account.id.is_in(list(account_ids))
        )
        return {row["id"]: f"{row['first_name']} {row['last_name']}" for row in rows}

    def _place(self, question_id: str) -> tuple[Lesson | None, Question | None]:
        found = self.catalog.course.find_question(question_id)
        return found if found else (None, None)

    # -- the queue

    async def queue(self, *, limit: int = 50, anonymous: bool = False) -> list[QueueItem]:
        """Answers that need a person, oldest first: essays awaiting a grade and open flags."""
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
        names = {} if anonymous else await self._names({entry[1]["account"] for entry in ordered})
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

    async def item(self, answer_id: int, *, anonymous: bool = False) -> ReviewItem:
        answer = await self._answer(answer_id)
        account_id = await self._owner(answer_id)
        lesson, question = self._place(answer.question_id)
        flag = await self._open_flag(answer_id)
        names = {} if anonymous else await self._names({account_id})
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
        names = await self._names({row["actor"] for row in rows if row["actor"]}) if with_names else {}
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
        criteria: dict[str, Decimal | int | str] | None = None,
        comment: str | None = None,
    ) -> StoredAnswer:
        """A person's grade for an answer in the queue: an essay, or a flagged answer. With a rubric, the score is
        the sum of the criteria."""
        comment = _text(comment, "comment", COMMENT_MAX_CHARS, required=False, label="Kommentaren")
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
        self, question: Question, score: Decimal | int | str | None, criteria: dict[str, Decimal | int | str] | None
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
        reason = _text(reason, "reason", REASON_MAX_CHARS, required=True, label="Motiveringen")
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
        comment = _text(comment, "comment", COMMENT_MAX_CHARS, required=True, label="Kommentaren")
        async with self._locked(answer_id):
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
        await self._resolve_flags(current.id, actor, now)
        lesson, _ = self._place(current.question_id)
        if lesson is not None:
            await update_lesson_progress(owner, lesson, now)

    async def _resolve_flags(self, answer_id: int, actor: Principal, now: datetime) -> None:
        await AnswerFlag.update({AnswerFlag.resolved_at: now, AnswerFlag.resolved_by: actor.account_id}).where(
            (AnswerFlag.answer == answer_id) & AnswerFlag.resolved_at.is_null()
        )

    # -- the participant's flag

    async def flag(self, principal: Principal, answer_id: int, reason: str | None) -> None:
        """ "I think this was graded wrong": puts the participant's own graded answer in the review queue."""
        reason = _text(reason, "reason", REASON_MAX_CHARS, required=True, label="Motiveringen")
        async with write_transaction(self.engine):
            await lock_account_rows(self.engine, principal.account_id)
            rows = await Answer.select(Answer.status).where(
                (Answer.id == answer_id) & (Answer.account == principal.account_id)
            )
            if not rows:  # someone else's answer looks exactly like a missing one
                raise NotFound("Svaret finns inte.")
            if rows[0]["status"] == PENDING_REVIEW:
                raise Conflict("Svaret väntar redan på att en lärare bedömer det.")
            if await self._open_flag(answer_id) is not None:
                raise Conflict("Du har redan bett om omprövning av det här svaret. En lärare tittar på det.")
            await AnswerFlag.insert(AnswerFlag(answer=answer_id, reason=reason, created_at=clock.now()))

    # -- the comment bank

    async def comments(self, owner_id: int) -> list[BankComment]:
        rows = await (
            CommentBankEntry.select(CommentBankEntry.id, CommentBankEntry.text)
            .where(CommentBankEntry.owner == owner_id)
            .order_by(CommentBankEntry.id)
        )
        return [BankComment(row["id"], row["text"]) for row in rows]

    async def save_comment(self, owner_id: int, text: str | None) -> BankComment:
        text = _text(text, "text", BANK_COMMENT_MAX_CHARS, required=True, label="Kommentaren")
        async with write_transaction(self.engine):
            existing = await CommentBankEntry.select(CommentBankEntry.id).where(
                (CommentBankEntry.owner == owner_id) & (CommentBankEntry.text == text)
            )
            if existing:
                return BankComment(existing[0]["id"], text)
            rows = await CommentBankEntry.insert(
                CommentBankEntry(owner=owner_id, text=text, created_at=clock.now())
            ).returning(CommentBankEntry.id)
        return BankComment(rows[0]["id"], text)

    async def delete_comment(self, owner_id: int, comment_id: int) -> None:
        deleted = (
            await CommentBankEntry.delete()
            .where((CommentBankEntry.id == comment_id) & (CommentBankEntry.owner == owner_id))
            .returning(CommentBankEntry.id)
        )
        if not deleted:
            raise NotFound("Kommentaren finns inte.")

    # -- regrading

    async def _rekeyed_questions(self) -> set[str]:
        """Questions that have had more than one grading key: only their answers can be outdated. Asking this first
        keeps the regrade pages fast on a large cohort."""
        rows = await QuestionVersion.raw(
            "SELECT question_id FROM question_version GROUP BY question_id HAVING COUNT(*) > 1"
        )
        return {row["question_id"] for row in rows}

    async def outdated_lessons(self) -> list[tuple[Lesson, int]]:
        """Lessons with attempts graded against an older answer key, and how many."""
        await QuestionVersions(self.engine).record(self.catalog.course)  # a hand-edited key counts at once
        versions = self.catalog.versions()
        rekeyed = await self._rekeyed_questions()
        result = []
        for lesson in self.catalog.course.lessons():
            count = 0
            for question in lesson.questions:
                if question.id in rekeyed:
                    count += await Answer.count().where(
                        (Answer.question_id == question.id)
                        & (Answer.question_version != versions[question.id])
                        & (Answer.status == GRADED)
                    )
            if count:
                result.append((lesson, count))
        return result

    async def regrade(self, actor: Principal, lesson_slug: str, mode: RegradeMode, *, dry_run: bool) -> RegradePlan:
        """What a regrade of the lesson changes; applied in one transaction unless `dry_run`."""
        lesson = next((item for item in self.catalog.course.lessons() if item.slug == lesson_slug), None)
        if lesson is None:
            raise NotFound("Lektionen finns inte.")
        versions = QuestionVersions(self.engine)
        await versions.record(self.catalog.course)
        current = self.catalog.versions()
        if dry_run:
            return await self._plan(lesson, mode, current, versions)
        async with write_transaction(self.engine):
            plan = await self._plan(lesson, mode, current, versions)
            return await self._apply(actor, lesson, plan, current)

    async def _plan(
        self, lesson: Lesson, mode: RegradeMode, current: dict[str, str], versions: QuestionVersions
    ) -> RegradePlan:
        changes: list[RegradeChange] = []
        outdated = kept_manual = 0
        changed_questions: list[tuple[str, str]] = []
        rows_by_question = []
        rekeyed = await self._rekeyed_questions()
        for question in lesson.questions:
            if question.id not in rekeyed:
                continue
            rows = await (
                Answer.select(
                    Answer.id,
                    Answer.account,
                    Answer.attempt,
                    Answer.raw_response,
                    Answer.score_milli,
                    Answer.max_score_milli,
                    Answer.question_version,
                    Answer.graded_at,
                )
                .where(
                    (Answer.question_id == question.id)
                    & (Answer.question_version != current[question.id])
                    & (Answer.status == GRADED)
                )
                .order_by(Answer.id)
                .output(load_json=True)
            )
            if rows:
                changed_questions.append((question.id, question.name))
                rows_by_question.append((question, rows))
        names = await self._names({row["account"] for _, rows in rows_by_question for row in rows})
        old_keys: dict[tuple[str, str], Question | None] = {}
        for question, rows in rows_by_question:
            for row in rows:
                outdated += 1
                if row["graded_at"] is not None:
                    kept_manual += 1
                    continue
                key = (question.id, row["question_version"])
                if key not in old_keys:
                    old_keys[key] = await versions.question(*key)
                result = regrade_attempt(
                    mode,
                    new_question=question,
                    old_question=old_keys[key],
                    response=row["raw_response"],
                    score_milli=row["score_milli"],
                    max_score_milli=row["max_score_milli"],
                )
                if (result.score_milli, result.max_score_milli) != (row["score_milli"], row["max_score_milli"]):
                    changes.append(
                        RegradeChange(
                            answer_id=row["id"],
                            account_id=row["account"],
                            participant=names.get(row["account"], "–"),
                            question_id=question.id,
                            question_name=question.name,
                            attempt=row["attempt"],
                            old_score_milli=row["score_milli"],
                            new_score_milli=result.score_milli,
                            old_max_score_milli=row["max_score_milli"],
                            new_max_score_milli=result.max_score_milli,
                            note=result.note,
                        )
                    )
        return RegradePlan(
            lesson_slug=lesson.slug,
            mode=mode,
            changes=changes,
            outdated=outdated,
            kept_manual=kept_manual,
            questions=changed_questions,
        )

    async def _apply(self, actor: Principal, lesson: Lesson, plan: RegradePlan, current: dict[str, str]) -> RegradePlan:
        now = clock.now()
        run = await RegradeRun.insert(
            RegradeRun(
                lesson_slug=lesson.slug,
                mode=plan.mode.value,
                actor=actor.account_id,
                changed=len(plan.changes),
                created_at=now,
            )
        ).returning(RegradeRun.id)
        run_id = run[0]["id"]
        by_result: dict[tuple[int, int], list[int]] = defaultdict(list)
        for change in plan.changes:
            by_result[(change.new_score_milli, change.new_max_score_milli)].append(change.answer_id)
        for (score_milli, max_milli), ids in by_result.items():
            for start in range(0, len(ids), 500):
                await Answer.update({Answer.score_milli: score_milli, Answer.max_score_milli: max_milli}).where(
                    Answer.id.is_in(ids[start : start + 500])
                )
        reason = f"Omrättning: {MODE_LABELS_SV[plan.mode].lower()}"
        events = [
            GradeEvent(
                answer=change.answer_id,
                kind=REGRADE,
                actor=actor.account_id,
                old_score_milli=change.old_score_milli,
                new_score_milli=change.new_score_milli,
                reason=reason,
                regrade_run=run_id,
                created_at=now,
            )
            for change in plan.changes
        ]
        for start in range(0, len(events), 500):
            await GradeEvent.insert(*events[start : start + 500])
        # Every outdated attempt of the lesson is now graded against the current key (or kept, by choice).
        # Attempts a person graded keep their version too: they are listed as kept, and do not come back.
        for question_id, _ in plan.questions:
            await Answer.update({Answer.question_version: current[question_id]}).where(
                (Answer.question_id == question_id)
                & (Answer.question_version != current[question_id])
                & (Answer.status == GRADED)
            )
        for account_id in sorted({change.account_id for change in plan.changes}):
            await update_lesson_progress(account_id, lesson, now)
        return RegradePlan(**{**plan.__dict__, "applied": True, "run_id": run_id})
