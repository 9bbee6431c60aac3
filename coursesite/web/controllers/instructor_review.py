"""The instructor's review pages (HTML): the queue, grading one answer with its rubric and the comment bank,
overrides with a reason, closing a flag, and regrading a lesson after its answer key changed. The JSON API in
instructor_api.py calls the same ReviewService; these pages only add forms around it.

Anonymous mode is the query parameter `anonym=1`, carried by every link and every form action of these pages.
Every route is under one Router carrying the instructor guard; every form is read through a form class below."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Router, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, DomainError, Invalid, NotFound
from coursesite.core.weeks import waited_sv
from coursesite.course.model import (
    Course,
    Essay,
    Lesson,
    Question,
)
from coursesite.course.presentation import response_lines
from coursesite.grading.rules import from_milli
from coursesite.review.comments import BANK_COMMENT_MAX_CHARS, CommentBank
from coursesite.review.regrade import MODE_LABELS_SV, RegradeMode
from coursesite.review.regrading import RegradeService
from coursesite.review.service import COMMENT_MAX_CHARS, QUEUE_MAX, REASON_MAX_CHARS, ReviewItem, ReviewService
from coursesite.review.text import IdentityNumberRefused
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.forms import read_form

INSTRUCTORS = guards.roles(Role.INSTRUCTOR, Role.ADMIN)
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Slug = Annotated[str, PathParameter(max_length=80)]
Anonym = Annotated[int | None, QueryParameter(ge=0, le=1)]
SavedId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
MAX_NUMBER_CHARS = 20
QUEUE_PATH = "/larare/granskning"
MAX_ID_CHARS = 12


# -- the forms of these pages (web/forms.read_form): lenient, checked by the service and parse_points


@dataclass
class GradeForm:
    """The grade form, whose buttons also insert a bank comment (``insert_comment``) and save the comment in the
    bank (``/larare/kommentarer``, with ``answer_id`` to come back to). The rubric's points are ``criterion-<id>``
    fields, one per criterion of the question: read by :func:`_criteria`, as their names depend on the rubric."""

    score: str = ""
    comment: str = ""
    insert_comment: str = ""
    answer_id: str = ""
    text: str = ""  # a bank comment sent on its own, from outside the grade form


@dataclass
class OverrideForm:
    score: str = ""
    reason: str = ""


@dataclass
class DismissForm:
    dismiss_comment: str = ""


@dataclass
class RegradeForm:
    mode: str = ""
    action: str = ""


# -- small helpers (pure)


def link(path: str, anonymous: bool, **params: Any) -> str:
    """A path on these pages, with anonymous mode carried along."""
    query = {name: value for name, value in params.items() if value is not None}
    if anonymous:
        query["anonym"] = 1
    return f"{path}?{urlencode(query)}" if query else path


def _cut(value: str, limit: int) -> str:
    # One character over the limit is kept, so the service's own length check answers with its message.
    return value[: limit + 1]


def _forget(values: dict[str, Any], name: str, exc: DomainError) -> None:
    """A text refused for holding a personnummer or card number is not shown again (core/text.py)."""
    if isinstance(exc, IdentityNumberRefused):
        values[name] = ""


def _criteria(form: FormMultiDict, rubric: tuple) -> dict[str, str]:
    """The rubric's ``criterion-<id>`` fields of the grade form, as typed."""
    values = {}
    for criterion in rubric:
        value = form.get(f"criterion-{criterion.id}")
        values[criterion.id] = _cut(value, MAX_NUMBER_CHARS) if isinstance(value, str) else ""
    return values


def parse_points(raw: str, field_name: str) -> Decimal:
    """A number from a form, Swedish decimal comma accepted; the service checks its range and decimals."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not text:
        raise Invalid("Poäng saknas.", field_errors={field_name: "Skriv en poäng."})
    if len(text) > MAX_NUMBER_CHARS:
        raise Invalid("Poängen är inte ett tal.", field_errors={field_name: "Skriv ett tal, till exempel 1,5."})
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise Invalid("Poängen är inte ett tal.", field_errors={field_name: "Skriv ett tal, till exempel 1,5."})
    return value


def rubric_of(question: Question | None) -> tuple:
    return question.rubric if isinstance(question, Essay) else ()


# -- the queue


@get(QUEUE_PATH, name="review_queue")
async def review_queue(
    request: Request,
    review: NamedDependency[ReviewService],
    anonym: Anonym = None,
    sparat: SavedId = None,
) -> Template:
    anonymous = anonym == 1
    now = clock.now()
    home = await review.home(principal_of(request), limit=QUEUE_MAX, anonymous=anonymous, now=now)
    return Template(
        "instructor/review_queue.html",
        context={
            "section": "review",
            "items": home.queue,
            "size": home.queue_size,
            "numbers": home.numbers,
            "waited": {item.answer_id: waited_sv(item.waiting_since, now) for item in home.queue},
            "anonymous": anonymous,
            "saved": sparat,
            "link": lambda path, **params: link(path, anonymous, **params),
            "toggle_url": link(QUEUE_PATH, not anonymous),
            "milli": from_milli,
        },
    )


# -- one answer


async def _neighbours(review: ReviewService, answer_id: int) -> tuple[int | None, int | None, list[int]]:
    """The previous and next answer in the queue (the first one when this answer is not in it), and the queue."""
    ids = await review.queue_order(limit=QUEUE_MAX)  # only the order: no names read
    if answer_id not in ids:
        return None, (ids[0] if ids else None), ids
    index = ids.index(answer_id)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following, ids


def _failure_status(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound) else 400


@dataclass(frozen=True)
class ItemPage:
    """One answer's grading page, as every handler of that answer renders it: shown, or shown again after a form."""

    request: Request
    review: ReviewService
    comments: CommentBank
    answer_id: int
    anonymous: bool

    async def render(
        self,
        *,
        status_code: int = 200,
        failed: str | None = None,
        errors: dict[str, str] | None = None,
        message: str | None = None,
        notice: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        principal = principal_of(self.request)
        answer_id, anonymous = self.answer_id, self.anonymous
        item: ReviewItem = await self.review.item(principal, answer_id, anonymous=anonymous)
        previous, following, queue_ids = await _neighbours(self.review, answer_id)
        answer = item.answer
        return Template(
            "instructor/review_item.html",
            context={
                "section": "review",
                "item": item,
                "answer": answer,
                "question": item.question,
                "rubric": rubric_of(item.question),
                "response_lines": response_lines(item.question, answer.response),
                "bank": await self.comments.comments(principal.account_id),
                "previous": previous,
                "following": following,
                "position": queue_ids.index(answer_id) + 1 if answer_id in queue_ids else None,
                "queue_length": len(queue_ids),
                "anonymous": anonymous,
                "link": lambda path, **params: link(path, anonymous, **params),
                "toggle_url": link(f"{QUEUE_PATH}/{answer_id}", not anonymous),
                "milli": from_milli,
                "failed": failed,
                "errors": errors or {},
                "message": message,
                "notice": notice,
                "values": values or {},
                "comment_max": COMMENT_MAX_CHARS,
                "reason_max": REASON_MAX_CHARS,
                "bank_max": BANK_COMMENT_MAX_CHARS,
            },
            status_code=status_code,
        )

    async def refused(
        self, exc: DomainError, failed: str, values: dict[str, Any], errors: dict[str, str] | None = None
    ) -> Template:
        """The page again after the form `failed` (grade, override, dismiss, bank) was refused: the error's status
        and message, its field errors (or `errors`), and what was typed (`values`, a refused number already
        forgotten)."""
        return await self.render(
            status_code=_failure_status(exc),
            failed=failed,
            errors=exc.field_errors if errors is None else errors,
            message=exc.message,
            values=values,
        )


@get(f"{QUEUE_PATH}/{{answer_id:int}}", name="review_item")
async def review_item(
    request: Request,
    review: NamedDependency[ReviewService],
    comments: NamedDependency[CommentBank],
    answer_id: Id,
    anonym: Anonym = None,
    sparat: SavedId = None,
    andrad: Annotated[int | None, QueryParameter(ge=1, le=1)] = None,
) -> Template:
    notice = f"Bedömningen av svar {sparat} är sparad. Här är nästa svar i kön." if sparat else None
    if andrad:
        notice = "Poängen är ändrad och motiveringen sparad i historiken."
    return await ItemPage(request, review, comments, answer_id, anonym == 1).render(notice=notice)


def _grade_values(form: FormMultiDict, fields: GradeForm, rubric: tuple) -> dict[str, Any]:
    """What the grader typed, to show again when the page is rendered once more."""
    return {
        "criteria": _criteria(form, rubric),
        "score": _cut(fields.score, MAX_NUMBER_CHARS),
        "comment": _cut(fields.comment, COMMENT_MAX_CHARS),
    }


@post(f"{QUEUE_PATH}/{{answer_id:int}}/bedom", status_code=303)
async def review_grade(
    request: Request,
    review: NamedDependency[ReviewService],
    comments: NamedDependency[CommentBank],
    answer_id: Id,
    anonym: Anonym = None,
) -> Template | Redirect:
    """Save a grade; or, with `insert_comment`, put a bank comment into the comment field (the page without
    JavaScript: review.js does that in place)."""
    anonymous = anonym == 1
    page = ItemPage(request, review, comments, answer_id, anonymous)
    principal = principal_of(request)
    rubric = rubric_of(await review.question_of(answer_id))
    form = await request.form()
    fields = read_form(GradeForm, form)
    values = _grade_values(form, fields, rubric)
    insert = _cut(fields.insert_comment, MAX_ID_CHARS)
    if insert:
        bank = {str(entry.id): entry.text for entry in await comments.comments(principal.account_id)}
        if insert in bank:
            values["comment"] = "\n".join(part for part in (values["comment"].rstrip(), bank[insert]) if part)
        return await page.render(values=values)
    *_, queue_before = await _neighbours(review, answer_id)
    try:
        if rubric:
            criteria = {c.id: parse_points(values["criteria"][c.id], f"criteria.{c.id}") for c in rubric}
            await review.grade(principal, answer_id, criteria=criteria, comment=values["comment"])
        else:
            score = parse_points(values["score"], "score")
            await review.grade(principal, answer_id, score=score, comment=values["comment"])
    except (Invalid, Conflict) as exc:
        _forget(values, "comment", exc)
        return await page.refused(exc, "grade", values)
    remaining = await review.queue_order(limit=QUEUE_MAX)
    index = queue_before.index(answer_id) if answer_id in queue_before else -1
    after = [i for i in queue_before[index + 1 :] + queue_before[: max(index, 0)] if i in remaining]
    target = after[0] if after else (remaining[0] if remaining else None)
    if target is None:
        return Redirect(link(QUEUE_PATH, anonymous, sparat=answer_id), status_code=303)
    return Redirect(link(f"{QUEUE_PATH}/{target}", anonymous, sparat=answer_id), status_code=303)


@post(f"{QUEUE_PATH}/{{answer_id:int}}/andra", status_code=303)
async def review_override(
    request: Request,
    review: NamedDependency[ReviewService],
    comments: NamedDependency[CommentBank],
    answer_id: Id,
    anonym: Anonym = None,
) -> Template | Redirect:
    """Replace any grade with a score and a required reason."""
    anonymous = anonym == 1
    fields = read_form(OverrideForm, await request.form())
    values = {"score": _cut(fields.score, MAX_NUMBER_CHARS), "reason": _cut(fields.reason, REASON_MAX_CHARS)}
    try:
        score = parse_points(values["score"], "score")
        await review.override(principal_of(request), answer_id, score=score, reason=values["reason"])
    except (Invalid, Conflict) as exc:
        _forget(values, "reason", exc)
        page = ItemPage(request, review, comments, answer_id, anonymous)
        return await page.refused(exc, "override", {"override": values})
    return Redirect(link(f"{QUEUE_PATH}/{answer_id}", anonymous, andrad=1) + "#historik", status_code=303)


@post(f"{QUEUE_PATH}/{{answer_id:int}}/avsluta", status_code=303)
async def review_dismiss(
    request: Request,
    review: NamedDependency[ReviewService],
    comments: NamedDependency[CommentBank],
    answer_id: Id,
    anonym: Anonym = None,
) -> Template | Redirect:
    """Close the participant's flag and keep the score, with a comment they are shown."""
    anonymous = anonym == 1
    comment = _cut(read_form(DismissForm, await request.form()).dismiss_comment, COMMENT_MAX_CHARS)
    try:
        await review.dismiss_flag(principal_of(request), answer_id, comment=comment)
    except (Invalid, Conflict) as exc:
        values = {"dismiss_comment": comment}
        _forget(values, "dismiss_comment", exc)
        errors = {"dismiss_comment": " ".join(exc.field_errors.values())}
        page = ItemPage(request, review, comments, answer_id, anonymous)
        return await page.refused(exc, "dismiss", values, errors)
    return Redirect(link(QUEUE_PATH, anonymous, sparat=answer_id), status_code=303)


# -- the comment bank: buttons inside the grade form (formaction), so what was typed is kept


def _return_to(fields: GradeForm) -> int | None:
    raw = fields.answer_id
    return int(raw) if len(raw) <= MAX_ID_CHARS and raw.isdigit() and 1 <= int(raw) <= 2**31 - 1 else None


async def _after_bank_change(
    request: Request,
    review: ReviewService,
    comments: CommentBank,
    form: FormMultiDict,
    anonymous: bool,
    *,
    notice: str | None = None,
    exc: DomainError | None = None,
) -> Template | Redirect:
    fields = read_form(GradeForm, form)
    answer_id = _return_to(fields)
    if answer_id is None:
        if exc is not None:
            raise exc
        return Redirect(link(QUEUE_PATH, anonymous), status_code=303)
    values = _grade_values(form, fields, rubric_of(await review.question_of(answer_id)))
    page = ItemPage(request, review, comments, answer_id, anonymous)
    if exc is not None:
        _forget(values, "comment", exc)
        return await page.refused(exc, "bank", values, {"bank": " ".join(exc.field_errors.values()) or exc.message})
    return await page.render(notice=notice, values=values)


@post("/larare/kommentarer", status_code=200)
async def bank_save(
    request: Request,
    review: NamedDependency[ReviewService],
    comments: NamedDependency[CommentBank],
    anonym: Anonym = None,
) -> Template | Redirect:
    """Save the comment being written (field `comment`, or `text`) in the instructor's own comment bank."""
    form = await request.form()
    fields = read_form(GradeForm, form)
    text = _cut(fields.comment, BANK_COMMENT_MAX_CHARS) or _cut(fields.text, BANK_COMMENT_MAX_CHARS)
    try:
        await comments.save(principal_of(request).account_id, text)
    except Invalid as exc:
        return await _after_bank_change(request, review, comments, form, anonym == 1, exc=exc)
    notice = "Kommentaren är sparad i kommentarbanken."
    return await _after_bank_change(request, review, comments, form, anonym == 1, notice=notice)


@post("/larare/kommentarer/{comment_id:int}/ta-bort", status_code=200)
async def bank_delete(
    request: Request,
    review: NamedDependency[ReviewService],
    comments: NamedDependency[CommentBank],
    comment_id: Id,
    anonym: Anonym = None,
) -> Template | Redirect:
    form = await request.form()
    try:
        await comments.delete(principal_of(request).account_id, comment_id)
    except NotFound as exc:
        return await _after_bank_change(request, review, comments, form, anonym == 1, exc=exc)
    notice = "Kommentaren är borttagen ur kommentarbanken."
    return await _after_bank_change(request, review, comments, form, anonym == 1, notice=notice)


# -- regrading


REGRADE_PATH = "/larare/omrattning"


def _lesson(course: Course, slug: str) -> Lesson:
    lesson = next((item for item in course.lessons() if item.slug == slug), None)
    if lesson is None:
        raise NotFound("Lektionen finns inte.")
    return lesson


async def _regrade_page(
    regrading: RegradeService, course: Course, slug: str | None, *, status_code: int = 200, **context: Any
) -> Template:
    outdated = await regrading.outdated_lessons()
    lesson = _lesson(course, slug) if slug else None
    plan = context.get("plan")
    # After an applied regrade nothing is outdated any more: the page reports the count the plan found before it.
    outdated_here = (
        plan.outdated
        if plan is not None and plan.applied
        else next((count for item, count in outdated if lesson and item.slug == lesson.slug), 0)
    )
    return Template(
        "instructor/regrade.html",
        context={
            "section": "regrade",
            "outdated": outdated,
            "lesson": lesson,
            "outdated_here": outdated_here,
            "modes": list(MODE_LABELS_SV.items()),
            "labels": MODE_LABELS_SV,
            "milli": from_milli,
            "mode": None,
            "plan": None,
            "errors": {},
            **context,
        },
        status_code=status_code,
    )


@get(REGRADE_PATH, name="regrade")
async def regrade_page(
    regrading: NamedDependency[RegradeService],
    course: NamedDependency[Course],
    lektion: Annotated[str | None, QueryParameter(max_length=80)] = None,
) -> Template:
    return await _regrade_page(regrading, course, lektion)


@post(f"{REGRADE_PATH}/{{slug:str}}", status_code=200)
async def regrade_submit(
    request: Request, regrading: NamedDependency[RegradeService], course: NamedDependency[Course], slug: Slug
) -> Template:
    """`action=preview` is a dry run that saves nothing; `action=apply` regrades in one transaction."""
    _lesson(course, slug)
    fields = read_form(RegradeForm, await request.form())
    try:
        mode = RegradeMode(fields.mode)
    except ValueError:
        return await _regrade_page(
            regrading, course, slug, status_code=400, errors={"mode": "Välj hur de gamla försöken ska räknas."}
        )
    if fields.action not in ("preview", "apply"):
        return await _regrade_page(
            regrading,
            course,
            slug,
            status_code=400,
            mode=mode,
            errors={"action": "Välj Förhandsgranska eller Genomför."},
        )
    plan = await regrading.regrade(principal_of(request), slug, mode, dry_run=fields.action == "preview")
    return await _regrade_page(regrading, course, slug, mode=mode, plan=plan)


ROUTES: list[Any] = [
    Router(
        path="/",
        route_handlers=[
            review_queue,
            review_item,
            review_grade,
            review_override,
            review_dismiss,
            bank_save,
            bank_delete,
            regrade_page,
            regrade_submit,
        ],
        guards=[INSTRUCTORS],
    )
]
