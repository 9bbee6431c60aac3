"""Regrading after an answer key changed: which attempts were graded against an older key, what a regrade of a
lesson would change (a dry run), and applying it in one transaction with its grade events. The arithmetic of one
attempt is pure, in review/regrade.py. A person's grade is never changed by a regrade."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.core import clock
from coursesite.core.errors import NotFound
from coursesite.course.catalog import CourseCatalog
from coursesite.course.model import Lesson, Question
from coursesite.course.progress import GRADED
from coursesite.db.answers import Answer
from coursesite.db.engine import write_transaction
from coursesite.db.review import GradeEvent, QuestionVersion, RegradeRun
from coursesite.grading.service import update_lesson_progress
from coursesite.review.people import account_names
from coursesite.review.regrade import MODE_LABELS_SV, RegradeMode, regrade_attempt
from coursesite.review.service import REGRADE
from coursesite.review.versions import QuestionVersions


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


class RegradeService:
    """Built once in create_app, with the one QuestionVersions (the recorded grading keys)."""

    def __init__(self, engine: Engine, catalog: CourseCatalog, versions: QuestionVersions) -> None:
        self.engine = engine
        self.catalog = catalog
        self.versions = versions

    async def _rekeyed_questions(self) -> set[str]:
        """Questions that have had more than one grading key: only their answers can be outdated. Asking this first
        keeps the regrade pages fast on a large cohort."""
        rows = await QuestionVersion.raw(
            "SELECT question_id FROM question_version GROUP BY question_id HAVING COUNT(*) > 1"
        )
        return {row["question_id"] for row in rows}

    async def outdated_lessons(self) -> list[tuple[Lesson, int]]:
        """Lessons with attempts graded against an older answer key, and how many."""
        await self.versions.record(self.catalog.course)  # a hand-edited key counts at once
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
        versions = self.versions
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
        names = await account_names({row["account"] for _, rows in rows_by_question for row in rows})
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
