"""The participant's course pages: Min kurs, lessons answered in place (htmx, or plain forms), results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.course.home import Resume
from coursesite.course.model import Course, Lesson
from coursesite.course.presentation import (
    Verdict,
    may_answer_again,
    may_flag,
    prompt_title,
    public_question,
    response_lines,
    verdict,
)
from coursesite.course.progress import course_progress
from coursesite.grading.rules import from_milli
from coursesite.grading.service import IDEMPOTENCY_HEADER, NOT_ENROLLED, AnswerService, LessonState, StoredAnswer
from coursesite.review.service import REASON_MAX_CHARS, ReviewService
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.forms import read_form, response_from_form, shown_again
from coursesite.web.middleware import CACHED_SESSION

Slug = Annotated[str, PathParameter(max_length=80)]
QuestionId = Annotated[str, PathParameter(max_length=160)]
AnswerId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


@dataclass
class FlagForm:
    """ "Jag tror att det här blev fel rättat": the reason the participant gives."""

    reason: str = ""


def _lesson(course: Course, slug: str) -> Lesson:
    lesson = next((item for item in course.lessons() if item.slug == slug), None)
    if lesson is None:
        raise NotFound("Lektionen finns inte.")
    return lesson


async def _open_lesson(request: Request, course: Course, answers: AnswerService, slug: str) -> LessonState:
    lesson = _lesson(course, slug)
    principal = principal_of(request)
    state = await answers.lesson_state(principal.account_id, lesson, principal=principal, course=course)
    if not state.unlocked:
        if not state.access:  # billing's rule, decided on the enrolment the page's statement read
            raise Forbidden(NOT_ENROLLED)
        raise Forbidden(
            "Lektionen är låst ännu. Akterna öppnas i tur och ordning: gör klart den föregående akten först."
        )
    return state


def _lesson_context(course: Course, state: LessonState, errors: dict[str, str] | None = None) -> dict[str, Any]:
    act = next(a for a in course.acts if a.number == state.lesson.act_number)
    return {
        "act": act,
        "lesson": state.lesson,
        "state": state,
        "errors": errors or {},
        "verdict_of": _verdict_of,
        "response_lines": response_lines,
        "may_flag": may_flag,
        "may_answer_again": may_answer_again,
        "prompt_title": prompt_title,
    }


def _outline(course: Course, state: LessonState) -> dict[str, Any]:
    """The course outline beside a lesson, and the lesson after it (None after the last); `next_open` says whether
    its act is open yet (the acts open in turn). From the lesson's state: no second read."""
    lesson, completed = state.lesson, set(state.completed)
    progress = course_progress(course, completed)
    lessons = course.lessons()
    index = next(i for i, item in enumerate(lessons) if item.slug == lesson.slug)
    following = lessons[index + 1] if index + 1 < len(lessons) else None
    open_acts = {item.act.number for item in progress.acts if item.unlocked}
    return {
        "outline": progress.acts,
        "completed": completed,
        "next_lesson": following,
        "next_open": following is not None and following.act_number in open_acts,
    }


def _verdict_of(answer: StoredAnswer | None) -> Verdict | None:
    return None if answer is None else verdict(answer.status, answer.score_milli, answer.max_score_milli)


@get("/min-kurs", name="my_course")
async def my_course(
    request: Request,
    course: NamedDependency[Course],
    answers: NamedDependency[AnswerService],
) -> Template:
    principal = principal_of(request)
    state = await answers.course_home(principal.account_id)
    return Template(
        "course/my_course.html",
        context={
            "course": course,
            "home": state.home,
            "resume": Resume,
            "completed": state.home.completed,
            "principal": principal,
            "enrolled": state.enrolled,
            "access": state.access,
        },
    )


# The session may come from the in-process cache: lesson_state and submit confirm it (accounts/sessions.py).
@get("/lektion/{slug:str}", name="lesson", opt={CACHED_SESSION: True})
async def lesson_page(
    request: Request, slug: FromPath[Slug], course: NamedDependency[Course], answers: NamedDependency[AnswerService]
) -> Template:
    state = await _open_lesson(request, course, answers, slug)
    outline = _outline(course, state)
    return Template("course/lesson.html", context=_lesson_context(course, state) | outline)


# The one handler that reads request.htmx: only its requests are HTMXRequests (app.py: the HTMX plugin).
@post(
    "/lektion/{slug:str}/svar/{question_id:str}",
    status_code=303,
    opt={CACHED_SESSION: True},
    request_class=HTMXRequest,
)
async def answer_submit(
    request: HTMXRequest,
    slug: FromPath[Slug],
    question_id: FromPath[QuestionId],
    course: NamedDependency[Course],
    answers: NamedDependency[AnswerService],
) -> Template | Redirect:
    lesson = _lesson(course, slug)
    question = next((q for q in lesson.questions if q.id == question_id), None)
    if question is None:
        raise NotFound("Frågan finns inte i den här lektionen.")
    principal = principal_of(request)
    form = await request.form()
    errors: dict[str, str] = {}
    try:
        # The response's shape depends on the question's type: response_from_form reads it as the JSON API takes it.
        # A double click returns the first attempt (grading/service.py); htmx may send an Idempotency-Key too.
        await answers.submit(
            principal,
            question.id,
            response_from_form(question, form),
            idempotency_key=request.headers.get(IDEMPOTENCY_HEADER),
        )
    except (Invalid, Forbidden, Conflict) as exc:
        errors[question.id] = exc.message
    state = await answers.lesson_state(principal.account_id, lesson, principal=principal, course=course)
    if request.htmx:
        context = _lesson_context(course, state, errors) | {"question": question}
        return HTMXTemplate(template_name="course/_answered.html", context=context)
    if errors:
        outline = _outline(course, state)
        return Template("course/lesson.html", context=_lesson_context(course, state, errors) | outline, status_code=400)
    return Redirect(f"/lektion/{lesson.slug}#fraga-{question.id}", status_code=303)


async def _results_page(
    course: Course,
    review: ReviewService,
    state: LessonState,
    *,
    errors: dict[int, str] | None = None,
    reasons: dict[int, str] | None = None,
    flagged: int | None = None,
    status_code: int = 200,
) -> Template:
    answer_ids = [answer.id for attempts in state.attempts.values() for answer in attempts]
    context = _lesson_context(course, state) | {
        "questions": [(q, public_question(q)) for q in state.lesson.questions],
        "open_flags": await review.open_flags(answer_ids),
        "flag_errors": errors or {},
        "flag_reasons": reasons or {},
        "flagged": flagged,
        "reason_max": REASON_MAX_CHARS,
        "milli": from_milli,
    }
    return Template("course/results.html", context=context, status_code=status_code)


@get("/lektion/{slug:str}/resultat", name="lesson_results")
async def lesson_results(
    request: Request,
    slug: FromPath[Slug],
    course: NamedDependency[Course],
    answers: NamedDependency[AnswerService],
    review: NamedDependency[ReviewService],
    omprovning: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
) -> Template:
    state = await _open_lesson(request, course, answers, slug)
    return await _results_page(course, review, state, flagged=omprovning)


@post("/lektion/{slug:str}/svar/{answer_id:int}/omprova", status_code=303)
async def answer_flag(
    request: Request,
    slug: FromPath[Slug],
    answer_id: FromPath[AnswerId],
    course: NamedDependency[Course],
    answers: NamedDependency[AnswerService],
    review: NamedDependency[ReviewService],
) -> Template | Redirect:
    """ "Jag tror att det här blev fel rättat": the participant's own answer goes to the review queue with a reason."""
    state = await _open_lesson(request, course, answers, slug)
    if not any(answer.id == answer_id for attempts in state.attempts.values() for answer in attempts):
        raise NotFound("Svaret finns inte.")  # someone else's answer looks exactly like a missing one
    form = read_form(FlagForm, await request.form())
    reason = form.reason[: REASON_MAX_CHARS + 1]  # one over: the service says it is too long
    try:
        await review.flag(principal_of(request), answer_id, reason)
    except (Invalid, Conflict) as exc:
        message = next(iter(exc.field_errors.values()), exc.message)
        return await _results_page(
            course,
            review,
            state,
            errors={answer_id: message},
            reasons=shown_again({answer_id: reason}),
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    return Redirect(f"/lektion/{slug}/resultat?omprovning={answer_id}#svar-{answer_id}", status_code=303)


# Every page here is the logged-in participant's own.
participant_routes = Router(
    path="/",
    route_handlers=[my_course, lesson_page, answer_submit, lesson_results, answer_flag],
    guards=[guards.logged_in],
)

ROUTES = [participant_routes]
