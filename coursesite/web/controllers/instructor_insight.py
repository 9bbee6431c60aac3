"""Insight for instructors: question statistics, participants and their grades, the grade export.

Pages under /larare/ and the stable JSON API under /api/v1/instructor/, all for the instructor and admin roles.
The definitions of the figures are in docs/insight.md; the computing is in coursesite/insight/ (InsightService,
which also writes the audit rows of the pages that show participants). Every route is under one Router carrying
the staff guard.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.response import Stream, Template

from coursesite.accounts.roles import Role
from coursesite.core.errors import NotFound
from coursesite.course.model import Course, Lesson
from coursesite.course.presentation import question_title
from coursesite.insight import charts
from coursesite.insight.service import InsightService
from coursesite.insight.stats import QuestionStats, discrimination_label, facility_label
from coursesite.web import guards
from coursesite.web.deps import principal_of

STAFF = [guards.roles(Role.INSTRUCTOR, Role.ADMIN)]

QuestionId = Annotated[str, PathParameter(min_length=1, max_length=160)]
AccountId = Annotated[int, PathParameter(ge=1, le=2_147_483_647)]
LessonQuery = Annotated[str | None, QueryParameter(max_length=80)]
SearchQuery = Annotated[str | None, QueryParameter(max_length=100)]
PageQuery = Annotated[int, QueryParameter(ge=1, le=100_000)]

TYPE_LABELS = {
    "single_choice": "Flerval, ett svar",
    "multiple_choice": "Flerval, flera svar",
    "true_false": "Sant/falskt",
    "short_answer": "Kortsvar",
    "numeric": "Numeriskt svar",
    "matching": "Para ihop",
    "ordering": "Ordna",
    "essay": "Uppsats",
}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _find_lesson(course: Course, slug: str | None) -> Lesson:
    lessons = course.lessons()
    if not slug:
        return lessons[0]
    lesson = next((item for item in lessons if item.slug == slug), None)
    if lesson is None:
        raise NotFound("Lektionen finns inte.")
    return lesson


def _question_href(question_id: str) -> str:
    return f"/larare/statistik/fraga/{question_id}"


# ---------------------------------------------------------------- API


class ChoiceCountOut(msgspec.Struct):
    id: str  # the choice id ("true"/"false" for true/false; "" for "ticked nothing")
    text: str
    count: int  # responses that picked it
    percent: float  # of all responses
    correct: bool  # its weight is positive


class ResponseCountOut(msgspec.Struct):
    response: str  # canonical form (response_key): a number, a case-folded short answer, "left=right;…", "a,b,…"
    count: int
    percent: float  # of all responses
    mean_score_percent: float  # what these responses scored, as a percentage of the max


class QuestionStatsOut(msgspec.Struct):
    """Statistics of one question over the participants' counted attempts (the lesson's rule), Moodle's definitions:
    facility, standard deviation, discrimination and discriminative efficiency in percent; null when undefined."""

    question_id: str
    lesson: str
    type: str
    counted_attempt: str
    max_score: float
    participants: int
    scored_participants: int
    attempts: int
    pending_review: int
    facility: float | None
    standard_deviation: float | None
    discrimination: float | None
    discriminative_efficiency: float | None
    responses: int
    choices: list[ChoiceCountOut] | None
    wrong_responses: list[ResponseCountOut] | None
    distinct_wrong_responses: int | None


@get(
    "/api/v1/instructor/questions/{question_id:str}/stats",
    tags=["instructor"],
    summary="Statistics of one question",
)
async def api_question_stats(
    insight: NamedDependency[InsightService], course: NamedDependency[Course], question_id: FromPath[QuestionId]
) -> QuestionStatsOut:
    """Facility, discrimination, attempts and the distribution of responses of one question. 404 unknown question."""
    report = await insight.question_report(course, question_id)
    if report is None:
        raise NotFound("Frågan finns inte.")
    stats, dist = report.stats, report.distribution
    return QuestionStatsOut(
        question_id=stats.question_id,
        lesson=report.lesson.slug,
        type=report.question.type.value,
        counted_attempt=report.lesson.counted_attempt.value,
        max_score=float(report.question.points),
        participants=stats.participants,
        scored_participants=stats.scored,
        attempts=stats.attempts,
        pending_review=stats.pending,
        facility=_round(stats.facility),
        standard_deviation=_round(stats.sd),
        discrimination=_round(stats.discrimination),
        discriminative_efficiency=_round(stats.efficiency),
        responses=dist.responses,
        choices=[ChoiceCountOut(c.key, c.label, c.count, round(c.percent, 2), c.correct) for c in dist.choices]
        if dist.kind == "choices"
        else None,
        wrong_responses=[
            ResponseCountOut(r.response, r.count, round(r.percent, 2), round(100 * r.mean_fraction, 2))
            for r in dist.wrong
        ]
        if dist.kind == "wrong"
        else None,
        distinct_wrong_responses=dist.distinct_wrong if dist.kind == "wrong" else None,
    )


@get(
    "/api/v1/instructor/grades.csv",
    tags=["instructor"],
    summary="Grade export (CSV for Swedish Excel)",
    media_type="text/csv; charset=utf-8",
    response_description="UTF-8 with BOM, ';' separated, decimal comma, CRLF; one row per participant and lesson",
)
async def api_grades_csv(
    request: Request, insight: NamedDependency[InsightService], course: NamedDependency[Course]
) -> Stream:
    """Every participant and lesson: answered, score, max score, percent, completed. Streamed in batches."""
    filename, chunks = await insight.grade_export(principal_of(request), course)
    return Stream(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


# ---------------------------------------------------------------- pages


def _row(stats: QuestionStats, number: int, question) -> dict:
    return {
        "number": number,
        "question": question,
        "type_label": TYPE_LABELS.get(question.type.value, question.type.value),
        "stats": stats,
        "facility_label": facility_label(stats.facility),
        "discrimination_label": discrimination_label(stats.discrimination),
        "href": _question_href(question.id),
    }


@get("/larare/statistik", include_in_schema=False, name="instructor_stats")
async def stats_page(
    insight: NamedDependency[InsightService], course: NamedDependency[Course], lektion: LessonQuery = None
) -> Template:
    lesson = _find_lesson(course, lektion)
    overview = await insight.lesson_overview(lesson)
    all_stats = overview.stats
    rows = [_row(stats, i, q) for i, (stats, q) in enumerate(zip(all_stats, lesson.questions, strict=True), start=1)]
    items_facility = [(f"{r['number']}. {question_title(r['question'])}", r["stats"].facility, r["href"]) for r in rows]
    items_discrimination = [
        (f"{r['number']}. {question_title(r['question'])}", r["stats"].discrimination, r["href"]) for r in rows
    ]
    return Template(
        "instructor/stats.html",
        context={
            "section": "stats",
            "course": course,
            "lesson": lesson,
            "rows": rows,
            "computed_at": overview.computed_at,
            "facility_chart": charts.facility_chart("diagram-losningsfrekvens", lesson.title, items_facility),
            "discrimination_chart": charts.discrimination_chart(
                "diagram-diskriminering", lesson.title, items_discrimination
            ),
        },
    )


@get("/larare/statistik/fraga/{question_id:str}", include_in_schema=False, name="instructor_question_stats")
async def question_stats_page(
    insight: NamedDependency[InsightService], course: NamedDependency[Course], question_id: FromPath[QuestionId]
) -> Template:
    report = await insight.question_report(course, question_id)
    if report is None:
        raise NotFound("Frågan finns inte.")
    dist = report.distribution
    chart = None
    if dist.kind == "choices" and dist.responses:
        chart = charts.count_chart(
            "diagram-svar",
            f"Valda svar: {question_title(report.question)}",
            [(c.label, c.count, c.percent, c.correct) for c in dist.choices],
        )
    elif dist.kind == "wrong" and dist.wrong:
        chart = charts.count_chart(
            "diagram-svar",
            f"Vanligaste felaktiga svaren: {question_title(report.question)}",
            [(r.response, r.count, r.percent, False) for r in dist.wrong],
        )
    number = next(i for i, q in enumerate(report.lesson.questions, start=1) if q.id == report.question.id)
    return Template(
        "instructor/question_stats.html",
        context={
            "section": "stats",
            "report": report,
            "lesson": report.lesson,
            "question": report.question,
            "number": number,
            "type_label": TYPE_LABELS.get(report.question.type.value, report.question.type.value),
            "stats": report.stats,
            "dist": dist,
            "facility_label": facility_label(report.stats.facility),
            "discrimination_label": discrimination_label(report.stats.discrimination),
            "chart": chart,
        },
    )


@get("/larare/deltagare", include_in_schema=False, name="instructor_participants")
async def participants_page(
    request: Request,
    insight: NamedDependency[InsightService],
    course: NamedDependency[Course],
    q: SearchQuery = None,
    sida: PageQuery = 1,
) -> Template:
    search = (q or "").replace("\x00", "").strip()
    page = await insight.participants_page(principal_of(request), search, sida)
    return Template(
        "instructor/participants.html",
        context={
            "section": "participants",
            "page": page,
            "search": search,
            "lesson_count": len(course.lessons()),
        },
    )


@get("/larare/deltagare/{account_id:int}", include_in_schema=False, name="instructor_participant")
async def participant_page(
    request: Request,
    insight: NamedDependency[InsightService],
    course: NamedDependency[Course],
    account_id: FromPath[AccountId],
) -> Template:
    detail = await insight.participant_detail(principal_of(request), course, account_id)
    if detail is None:
        raise NotFound("Deltagaren finns inte.")
    return Template("instructor/participant.html", context={"section": "participants", "participant": detail})


ROUTES = [
    Router(
        path="/",
        route_handlers=[
            api_question_stats,
            api_grades_csv,
            stats_page,
            question_stats_page,
            participants_page,
            participant_page,
        ],
        guards=STAFF,
    )
]
