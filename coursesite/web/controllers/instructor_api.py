"""The instructor's JSON API (stable, in /schema/openapi.json): the review queue, grades, overrides and regrades.
Instructors and admins only: every route is under one Router carrying the guard."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from coursesite.accounts.roles import Role
from coursesite.grading.rules import from_milli
from coursesite.grading.service import StoredAnswer
from coursesite.review.regrade import RegradeMode
from coursesite.review.regrading import RegradePlan, RegradeService
from coursesite.review.service import COMMENT_MAX_CHARS, QUEUE_MAX, REASON_MAX_CHARS, GradeEventView, ReviewService
from coursesite.web import guards
from coursesite.web.deps import principal_of

INSTRUCTORS = guards.roles(Role.INSTRUCTOR, Role.ADMIN)
AnswerId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
# A score as a JSON number or a string ("2.5"): Decimal either way, never float.
Points = Decimal  # bounded by the service: 0..the question's points, three decimals at most


class QueueItemOut(msgspec.Struct):
    answer_id: int
    reason: str  # "essay" | "flag"
    question_id: str
    question_name: str
    lesson: str
    participant: str
    account_id: int | None
    attempt: int
    status: str
    score: Decimal | None
    max_score: Decimal
    submitted_at: str
    waiting_since: str
    flag_reason: str | None


class GradeBody(msgspec.Struct, forbid_unknown_fields=True):
    score: Points | None = None
    comment: Annotated[str, msgspec.Meta(max_length=COMMENT_MAX_CHARS)] | None = None
    criteria: (
        Annotated[dict[Annotated[str, msgspec.Meta(max_length=80)], Points], msgspec.Meta(max_length=50)] | None
    ) = None


class OverrideBody(msgspec.Struct, forbid_unknown_fields=True):
    score: Points
    reason: Annotated[str, msgspec.Meta(max_length=REASON_MAX_CHARS)]


class GradeEventOut(msgspec.Struct):
    kind: str
    actor: str | None
    old_score: Decimal | None
    new_score: Decimal | None
    reason: str
    created_at: str


class GradedAnswerOut(msgspec.Struct):
    answer_id: int
    status: str
    score: Decimal | None
    max_score: Decimal
    comment: str | None
    criteria: dict[str, Decimal] | None
    graded_at: str | None
    history: list[GradeEventOut]


class RegradeBody(msgspec.Struct, forbid_unknown_fields=True):
    mode: RegradeMode
    dry_run: bool = True


class RegradeChangeOut(msgspec.Struct):
    answer_id: int
    question_id: str
    attempt: int
    old_score: Decimal | None
    new_score: Decimal
    difference: Decimal
    note: str


class RegradeParticipantOut(msgspec.Struct):
    participant: str
    account_id: int
    changes: list[RegradeChangeOut]


class RegradeOut(msgspec.Struct):
    lesson: str
    mode: str
    dry_run: bool
    outdated_attempts: int
    kept_manual: int
    changed_attempts: int
    questions: list[str]
    participants: list[RegradeParticipantOut]
    regrade_id: int | None


def _event(event: GradeEventView) -> GradeEventOut:
    return GradeEventOut(
        kind=event.kind,
        actor=event.actor_name,
        old_score=from_milli(event.old_score_milli),
        new_score=from_milli(event.new_score_milli),
        reason=event.reason,
        created_at=event.created_at.isoformat(),
    )


async def _graded(review: ReviewService, answer: StoredAnswer) -> GradedAnswerOut:
    history = await review.history(answer.id)
    return GradedAnswerOut(
        answer_id=answer.id,
        status=answer.status,
        score=answer.score,
        max_score=answer.max_score,
        comment=answer.reviewer_comment,
        criteria=None
        if answer.rubric_scores is None
        else {k: from_milli(v) or Decimal(0) for k, v in answer.rubric_scores.items()},
        graded_at=answer.graded_at.isoformat() if answer.graded_at else None,
        history=[_event(event) for event in history],
    )


def _regrade_out(plan: RegradePlan, dry_run: bool) -> RegradeOut:
    return RegradeOut(
        lesson=plan.lesson_slug,
        mode=plan.mode.value,
        dry_run=dry_run,
        outdated_attempts=plan.outdated,
        kept_manual=plan.kept_manual,
        changed_attempts=len(plan.changes),
        questions=[question_id for question_id, _ in plan.questions],
        participants=[
            RegradeParticipantOut(
                participant=participant,
                account_id=changes[0].account_id,
                changes=[
                    RegradeChangeOut(
                        answer_id=c.answer_id,
                        question_id=c.question_id,
                        attempt=c.attempt,
                        old_score=from_milli(c.old_score_milli),
                        new_score=from_milli(c.new_score_milli) or Decimal(0),
                        difference=from_milli(c.delta_milli) or Decimal(0),
                        note=c.note,
                    )
                    for c in changes
                ],
            )
            for participant, changes in plan.by_participant()
        ],
        regrade_id=plan.run_id,
    )


@get("/api/v1/instructor/review-queue", tags=["instructor"])
async def api_review_queue(
    request: Request,
    review: NamedDependency[ReviewService],
    limit: Annotated[int, QueryParameter(ge=1, le=QUEUE_MAX)] = 50,
    anonymous: Annotated[bool, QueryParameter()] = False,
) -> list[QueueItemOut]:
    """The answers awaiting a person, oldest first: essays, and answers a participant flagged with a reason.
    With `anonymous=true` names are replaced by stable pseudonyms."""
    items = await review.queue(
        principal_of(request), limit=limit, anonymous=anonymous, why="Bedömning: granskningskön via API"
    )
    return [
        QueueItemOut(
            answer_id=i.answer_id,
            reason=i.reason,
            question_id=i.question_id,
            question_name=i.question_name,
            lesson=i.lesson_slug,
            participant=i.participant,
            account_id=i.account_id,
            attempt=i.attempt,
            status=i.status,
            score=from_milli(i.score_milli),
            max_score=from_milli(i.max_score_milli) or Decimal(0),
            submitted_at=i.submitted_at.isoformat(),
            waiting_since=i.waiting_since.isoformat(),
            flag_reason=i.flag_reason,
        )
        for i in items
    ]


@post("/api/v1/instructor/answers/{answer_id:int}/grade", status_code=200, tags=["instructor"])
async def api_grade_answer(
    request: Request, review: NamedDependency[ReviewService], answer_id: AnswerId, data: JSONBody[GradeBody]
) -> GradedAnswerOut:
    """Grade an answer in the queue. With a rubric, send `criteria` ({criterion id: points}); the score is their
    sum (a `score` sent as well must equal it). 409 when the answer is not awaiting review: use override."""
    answer = await review.grade(
        principal_of(request), answer_id, score=data.score, criteria=data.criteria, comment=data.comment
    )
    return await _graded(review, answer)


@post("/api/v1/instructor/answers/{answer_id:int}/override", status_code=200, tags=["instructor"])
async def api_override_answer(
    request: Request, review: NamedDependency[ReviewService], answer_id: AnswerId, data: JSONBody[OverrideBody]
) -> GradedAnswerOut:
    """Replace any grade with `score`; the `reason` is required, kept in the audit trail and shown to the participant."""
    answer = await review.override(principal_of(request), answer_id, score=data.score, reason=data.reason)
    return await _graded(review, answer)


@post("/api/v1/instructor/lessons/{slug:str}/regrade", status_code=200, tags=["instructor"])
async def api_regrade_lesson(
    request: Request,
    regrading: NamedDependency[RegradeService],
    slug: Annotated[str, PathParameter(max_length=80)],
    data: JSONBody[RegradeBody],
) -> RegradeOut:
    """Regrade the attempts graded against an older answer key. `mode`: full_credit, both, new_only or keep.
    `dry_run` (the default) lists per participant what would change and saves nothing; otherwise it is applied in
    one transaction and recorded in the audit trail. Attempts a person graded are kept and counted."""
    plan = await regrading.regrade(principal_of(request), slug, data.mode, dry_run=data.dry_run)
    return _regrade_out(plan, data.dry_run)


ROUTES: list[Any] = [
    Router(
        path="/",
        route_handlers=[api_review_queue, api_grade_answer, api_override_answer, api_regrade_lesson],
        guards=[INSTRUCTORS],
    )
]
