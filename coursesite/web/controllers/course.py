"""The participant's course pages: Min kurs, lessons answered in place (htmx, or plain forms), results."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.plugins.htmx import HTMXRequest, HTMXTemplate
from litestar.response import Redirect, Template

from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.course.model import Lesson
from coursesite.course.presentation import public_question
from coursesite.course.progress import course_progress
from coursesite.grading.rules import from_milli
from coursesite.grading.service import NOT_ENROLLED, LessonState
from coursesite.review.service import REASON_MAX_CHARS
from coursesite.web import guards
from coursesite.web.deps import answers_of, billing_of, course_of, principal_of, review_of
from coursesite.web.forms import response_from_form

Slug = Annotated[str, PathParameter(max_length=80)]
QuestionId = Annotated[str, PathParameter(max_length=160)]
AnswerId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]


def _lesson(request: Request, slug: str) -> Lesson:
    lesson = next((item for item in course_of(request).lessons() if item.slug == slug), None)
    if lesson is None:
        raise NotFound("Lektionen finns inte.")
    return lesson


async def _open_lesson(request: Request, slug: str) -> LessonState:
    lesson = _lesson(request, slug)
    service = answers_of(request)
    state = await service.lesson_state(principal_of(request).account_id, lesson)
    if not state.unlocked:
        if not await service.has_access(principal_of(request).account_id):
            raise Forbidden(NOT_ENROLLED)
        raise Forbidden(
            "Lektionen är låst ännu. Akterna öppnas i tur och ordning: gör klart den föregående akten först."
        )
    return state


def _lesson_context(request: Request, state: LessonState, errors: dict[str, str] | None = None) -> dict:
    act = next(a for a in course_of(request).acts if a.number == state.lesson.act_number)
    return {
        "act": act,
        "lesson": state.lesson,
        "state": state,
        "questions": [(q, public_question(q)) for q in state.lesson.questions],
        "errors": errors or {},
    }


@get("/min-kurs", guards=[guards.logged_in], name="my_course")
async def my_course(request: Request) -> Template:
    principal = principal_of(request)
    service = answers_of(request)
    completed = await service.completed_lessons(principal.account_id)
    progress = course_progress(course_of(request), completed)
    return Template(
        "course/my_course.html",
        context={
            "course": course_of(request),
            "progress": progress,
            "completed": completed,
            "principal": principal,
            "enrolled": await billing_of(request).is_enrolled(principal.account_id),
            "access": await service.has_access(principal.account_id),
        },
    )


@get("/lektion/{slug:str}", guards=[guards.logged_in], name="lesson")
async def lesson_page(request: Request, slug: FromPath[Slug]) -> Template:
    state = await _open_lesson(request, slug)
    return Template("course/lesson.html", context=_lesson_context(request, state))


@post("/lektion/{slug:str}/svar/{question_id:str}", guards=[guards.logged_in], status_code=303)
async def answer_submit(
    request: HTMXRequest, slug: FromPath[Slug], question_id: FromPath[QuestionId]
) -> Template | Redirect:
    lesson = _lesson(request, slug)
    question = next((q for q in lesson.questions if q.id == question_id), None)
    if question is None:
        raise NotFound("Frågan finns inte i den här lektionen.")
    principal = principal_of(request)
    service = answers_of(request)
    form = await request.form()
    errors: dict[str, str] = {}
    try:
        await service.submit(principal, question.id, response_from_form(question, form))
    except (Invalid, Forbidden) as exc:
        errors[question.id] = exc.message
    state = await service.lesson_state(principal.account_id, lesson)
    if request.htmx:
        context = _lesson_context(request, state, errors) | {"question": question, "view": public_question(question)}
        return HTMXTemplate(template_name="course/_answered.html", context=context)
    if errors:
        return Template("course/lesson.html", context=_lesson_context(request, state, errors), status_code=400)
    return Redirect(f"/lektion/{lesson.slug}#fraga-{question.id}", status_code=303)


async def _results_page(
    request: Request,
    state: LessonState,
    *,
    errors: dict[int, str] | None = None,
    reasons: dict[int, str] | None = None,
    flagged: int | None = None,
    status_code: int = 200,
) -> Template:
    answer_ids = [answer.id for attempts in state.attempts.values() for answer in attempts]
    context = _lesson_context(request, state) | {
        "open_flags": await review_of(request).open_flags(answer_ids),
        "flag_errors": errors or {},
        "flag_reasons": reasons or {},
        "flagged": flagged,
        "reason_max": REASON_MAX_CHARS,
        "milli": from_milli,
    }
    return Template("course/results.html", context=context, status_code=status_code)


@get("/lektion/{slug:str}/resultat", guards=[guards.logged_in], name="lesson_results")
async def lesson_results(
    request: Request,
    slug: FromPath[Slug],
    omprovning: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
) -> Template:
    state = await _open_lesson(request, slug)
    return await _results_page(request, state, flagged=omprovning)


@post("/lektion/{slug:str}/svar/{answer_id:int}/omprova", guards=[guards.logged_in], status_code=303)
async def answer_flag(request: Request, slug: FromPath[Slug], answer_id: FromPath[AnswerId]) -> Template | Redirect:
    """ "Jag tror att det här blev fel rättat": the participant's own answer goes to the review queue with a reason."""
    state = await _open_lesson(request, slug)
    if not any(answer.id == answer_id for attempts in state.attempts.values() for answer in attempts):
        raise NotFound("Svaret finns inte.")  # someone else's answer looks exactly like a missing one
    form = await request.form()
    raw = form.get("reason")
    reason = raw[: REASON_MAX_CHARS + 1] if isinstance(raw, str) else ""  # one over: the service says it is too long
    try:
        await review_of(request).flag(principal_of(request), answer_id, reason)
    except (Invalid, Conflict) as exc:
        message = next(iter(exc.field_errors.values()), exc.message)
        return await _results_page(
            request,
            state,
            errors={answer_id: message},
            reasons={answer_id: reason},
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    return Redirect(f"/lektion/{slug}/resultat?omprovning={answer_id}#svar-{answer_id}", status_code=303)


ROUTES = [my_course, lesson_page, answer_submit, lesson_results, answer_flag]
