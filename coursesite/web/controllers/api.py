"""The JSON API, version 1. Stable: later work and outside checks rely on it, and /schema/openapi.json describes it."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter

from coursesite.accounts.service import AccountService, Principal
from coursesite.accounts.user_agent import browser_label
from coursesite.course.model import Course
from coursesite.course.presentation import public_question
from coursesite.course.progress import course_progress, is_lesson_unlocked
from coursesite.grading.service import IDEMPOTENCY_HEADER, AnswerService, StoredAnswer
from coursesite.review.service import REASON_MAX_CHARS, ReviewService
from coursesite.settings import Settings
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.middleware import (
    CACHED_SESSION,
    client_address,
    device_cookie_of,
    expired_session_cookie,
    start_login,
)
from coursesite.web.openapi import ERRORS_OPT

# Generous bounds: the precise rules (and their per-field messages) live in accounts.validation.
Text = Annotated[str, msgspec.Meta(max_length=1000)]
OptionalText = Annotated[str, msgspec.Meta(max_length=1000)] | None


class RegisterBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Text = ""
    password: Text = ""
    first_name: Text = ""
    last_name: Text = ""
    mobile: OptionalText = None
    source: OptionalText = None


class LoginBody(msgspec.Struct):
    email: Text
    password: Text


class AccountOut(msgspec.Struct):
    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    email_verified: bool  # the address is confirmed (staff accounts are); until then form rows etc. are not linked


class ChoiceOut(msgspec.Struct):
    id: str
    text: str


class QuestionOut(msgspec.Struct, omit_defaults=True):
    id: str
    type: str
    prompt: str
    text_format: str
    points: Decimal
    choices: list[ChoiceOut] | None = None
    left: list[ChoiceOut] | None = None
    right: list[ChoiceOut] | None = None
    items: list[ChoiceOut] | None = None


class LessonOut(msgspec.Struct):
    slug: str
    title: str
    unlocked: bool
    completed: bool
    pass_mark: int
    max_attempts: int | None
    questions: list[QuestionOut]


class ActOut(msgspec.Struct):
    number: int
    slug: str
    title: str
    unlocked: bool
    lessons: list[LessonOut]


class CourseOut(msgspec.Struct):
    slug: str
    title: str
    acts: list[ActOut]


class AnswerBody(msgspec.Struct):
    question_id: Annotated[str, msgspec.Meta(min_length=1, max_length=160)]
    response: Any


class AnswerOut(msgspec.Struct):
    id: int
    question_id: str
    attempt: int
    status: str
    score: Decimal | None
    max_score: Decimal
    correct: bool | None
    feedback: list[str]


class MyAnswerOut(msgspec.Struct):
    id: int
    question_id: str
    lesson: str
    attempt: int
    response: Any
    status: str
    score: Decimal | None
    max_score: Decimal
    correct: bool | None
    feedback: list[str]
    comment: str | None
    created_at: str
    graded_by_person: bool = False  # a person graded or overrode it
    graded_at: str | None = None


class ActProgressOut(msgspec.Struct):
    number: int
    slug: str
    title: str
    unlocked: bool
    lessons_completed: int
    lessons_total: int
    percent: int


class ProgressOut(msgspec.Struct):
    acts: list[ActProgressOut]
    lessons_completed: int
    lessons_total: int
    percent: int


def _account(principal: Principal) -> AccountOut:
    return AccountOut(
        principal.account_id,
        principal.email,
        principal.first_name,
        principal.last_name,
        principal.role.value,
        principal.email_verified,
    )


def _answer(answer: StoredAnswer) -> AnswerOut:
    return AnswerOut(
        id=answer.id,
        question_id=answer.question_id,
        attempt=answer.attempt,
        status=answer.status,
        score=answer.score,
        max_score=answer.max_score,
        correct=answer.correct,
        feedback=answer.feedback,
    )


@post("/api/v1/auth/register", status_code=201, tags=["auth"], opt={ERRORS_OPT: (429,)})
async def api_register(
    request: Request,
    data: JSONBody[RegisterBody],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Response[AccountOut]:
    """Register a participant and log them in. 409 when the email is taken; 400 with a message per field otherwise."""
    principal = await accounts.register(
        email=data.email,
        password=data.password,
        first_name=data.first_name,
        last_name=data.last_name,
        mobile=data.mobile or None,
        source=data.source or None,
        client_address=client_address(request),
    )
    cookies = await start_login(request, accounts, settings, principal.account_id)
    return Response(_account(principal), status_code=201, cookies=cookies)


@post("/api/v1/auth/login", status_code=200, tags=["auth"], opt={ERRORS_OPT: (401, 429)})
async def api_login(
    request: Request,
    data: JSONBody[LoginBody],
    accounts: NamedDependency[AccountService],
    settings: NamedDependency[Settings],
) -> Response[AccountOut]:
    """Log in. 200, a new session cookie and a device cookie; 401 on a wrong email or password, 429 after too many
    failures (counted per address and per client; a browser whose device cookie is for the account is not refused
    for the address's failures from elsewhere)."""
    principal = await accounts.authenticate(
        data.email,
        data.password,
        client_address(request),
        device_cookie=device_cookie_of(request),
        client_label=browser_label(request.headers.get("user-agent")),
    )
    cookies = await start_login(request, accounts, settings, principal.account_id)
    return Response(_account(principal), cookies=cookies)


@post("/api/v1/auth/logout", status_code=204, tags=["auth"])
async def api_logout(
    request: Request, accounts: NamedDependency[AccountService], settings: NamedDependency[Settings]
) -> Response[None]:
    if request.scope.get("auth"):
        await accounts.end_session(request.scope["auth"])
    return Response(None, status_code=204, cookies=[expired_session_cookie(secure=settings.secure_cookies)])


@get("/api/v1/course", tags=["course"])
async def api_course(
    request: Request, course: NamedDependency[Course], answers: NamedDependency[AnswerService]
) -> CourseOut:
    """The course: acts, lessons and questions, with what is open to me. Never answer keys, weights or feedback."""
    completed = await answers.completed_lessons(principal_of(request).account_id)
    progress = course_progress(course, completed)
    enrolled = await answers.has_access(principal_of(request).account_id)
    return CourseOut(
        slug=course.slug,
        title=course.title,
        acts=[
            ActOut(
                number=act_progress.act.number,
                slug=act_progress.act.slug,
                title=act_progress.act.title,
                unlocked=enrolled and act_progress.unlocked,
                lessons=[
                    LessonOut(
                        slug=lesson.slug,
                        title=lesson.title,
                        unlocked=enrolled and is_lesson_unlocked(course, lesson, completed),
                        completed=lesson.slug in completed,
                        pass_mark=lesson.pass_mark,
                        max_attempts=lesson.max_attempts,
                        questions=[msgspec.convert(public_question(q), QuestionOut) for q in lesson.questions],
                    )
                    for lesson in act_progress.act.lessons
                ],
            )
            for act_progress in progress.acts
        ],
    )


REPLAYED_HEADER = "Idempotent-Replayed"


@post(
    "/api/v1/answers",
    status_code=201,
    tags=["answers"],
    # an unknown question; the session may come from the in-process cache, which submit confirms (accounts/sessions.py)
    opt={ERRORS_OPT: (404,), CACHED_SESSION: True},
    response_headers=[
        ResponseHeader(
            name=REPLAYED_HEADER,
            documentation_only=True,
            required=False,
            description="true when the attempt was recorded before (the same Idempotency-Key, or the same answer "
            "within a few seconds) and is returned again rather than recorded a second time",
        )
    ],
)
async def api_answer(
    request: Request,
    data: JSONBody[AnswerBody],
    answers: NamedDependency[AnswerService],
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name=IDEMPOTENCY_HEADER,
            required=False,
            description="Any token of 1–100 characters (A–Z a–z 0–9 . _ : + / = -), e.g. a UUID: the same key again "
            "returns the attempt it recorded instead of recording another.",
        ),
    ] = None,
) -> Response[AnswerOut]:
    """Answer a question; graded at once. The same answer again within a few seconds, or the same Idempotency-Key,
    returns the first attempt (header Idempotent-Replayed: true) and costs no attempt. 400 malformed or refused
    (personnummer, card number, a malformed Idempotency-Key), 403 locked or no attempts left, 404 unknown question,
    409 an Idempotency-Key already used for another answer."""
    answer = await answers.submit(
        principal_of(request), data.question_id, data.response, idempotency_key=idempotency_key
    )
    headers = {REPLAYED_HEADER: "true"} if answer.replayed else {}
    return Response(_answer(answer), status_code=201, headers=headers)


@get("/api/v1/me/answers", tags=["me"])
async def api_my_answers(
    request: Request,
    answers: NamedDependency[AnswerService],
    lesson: Annotated[str | None, QueryParameter(max_length=80)] = None,
) -> list[MyAnswerOut]:
    """My own answers, oldest first, optionally for one lesson."""
    mine = await answers.answers(principal_of(request).account_id, lesson)
    return [
        MyAnswerOut(
            id=a.id,
            question_id=a.question_id,
            lesson=a.lesson_slug,
            attempt=a.attempt,
            response=a.response,
            status=a.status,
            score=a.score,
            max_score=a.max_score,
            correct=a.correct,
            feedback=a.feedback,
            comment=a.reviewer_comment,
            created_at=a.created_at.isoformat(),
            graded_by_person=a.graded_by_person,
            graded_at=a.graded_at.isoformat() if a.graded_at else None,
        )
        for a in mine
    ]


@get("/api/v1/me/progress", tags=["me"])
async def api_my_progress(request: Request, answers: NamedDependency[AnswerService]) -> ProgressOut:
    progress = await answers.progress(principal_of(request).account_id)
    return ProgressOut(
        acts=[
            ActProgressOut(
                number=a.act.number,
                slug=a.act.slug,
                title=a.act.title,
                unlocked=a.unlocked,
                lessons_completed=a.completed_lessons,
                lessons_total=a.total_lessons,
                percent=a.percent,
            )
            for a in progress.acts
        ],
        lessons_completed=progress.completed_lessons,
        lessons_total=progress.total_lessons,
        percent=progress.percent,
    )


class FlagBody(msgspec.Struct):
    reason: Annotated[str, msgspec.Meta(max_length=REASON_MAX_CHARS)]


class FlagOut(msgspec.Struct):
    answer_id: int
    status: str


@post("/api/v1/answers/{answer_id:int}/flag", status_code=201, tags=["answers"])
async def api_flag_answer(
    request: Request,
    answer_id: Annotated[int, PathParameter(ge=1, le=2**31 - 1)],
    data: JSONBody[FlagBody],
    review: NamedDependency[ReviewService],
) -> FlagOut:
    """ "I think this was graded wrong": puts my own graded answer in the instructors' review queue with my reason.
    404 for an answer that is not mine, 409 when it already awaits a person, 400 without a reason."""
    await review.flag(principal_of(request), answer_id, data.reason)
    return FlagOut(answer_id=answer_id, status="flagged")


@get("/api/v1/me", tags=["me"])
async def api_me(request: Request) -> AccountOut:
    return _account(principal_of(request))


# Registration, log in and log out are open to anyone; the rest is the logged-in person's own.
public_routes = Router(path="/", route_handlers=[api_register, api_login, api_logout], guards=[guards.public])
participant_routes = Router(
    path="/",
    route_handlers=[api_course, api_answer, api_flag_answer, api_my_answers, api_my_progress, api_me],
    guards=[guards.logged_in],
)

ROUTES = [public_routes, participant_routes]
