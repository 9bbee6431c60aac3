"""The instructor's review pages (HTML): the queue, grading one answer with its rubric and the comment bank,
overrides with a reason, closing a flag, and regrading a lesson after its answer key changed. The JSON API in
instructor_api.py calls the same ReviewService; these pages only add forms around it.

Anonymous mode is the query parameter `anonym=1`, carried by every link and every form action of these pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.roles import Role
from coursesite.core.errors import Conflict, DomainError, Invalid, NotFound
from coursesite.course.model import Essay, Matching, MultipleChoice, Ordering, Question, SingleChoice, TrueFalse
from coursesite.grading.rules import from_milli
from coursesite.privacy import audit
from coursesite.review.regrade import MODE_LABELS_SV, RegradeMode
from coursesite.review.service import (
    BANK_COMMENT_MAX_CHARS,
    COMMENT_MAX_CHARS,
    QUEUE_MAX,
    REASON_MAX_CHARS,
    ReviewItem,
)
from coursesite.web import guards
from coursesite.web.deps import course_of, principal_of, review_of

INSTRUCTORS = guards.roles(Role.INSTRUCTOR, Role.ADMIN)
Id = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
Slug = Annotated[str, PathParameter(max_length=80)]
Anonym = Annotated[int | None, QueryParameter(ge=0, le=1)]
SavedId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]
MAX_NUMBER_CHARS = 20
QUEUE_PATH = "/larare/granskning"


# -- small helpers (pure)


def link(path: str, anonymous: bool, **params: Any) -> str:
    """A path on these pages, with anonymous mode carried along."""
    query = {name: value for name, value in params.items() if value is not None}
    if anonymous:
        query["anonym"] = 1
    return f"{path}?{urlencode(query)}" if query else path


def _field(form: FormMultiDict, name: str, limit: int) -> str:
    value = form.get(name)
    # One character over the limit is kept, so the service's own length check answers with its message.
    return value[: limit + 1] if isinstance(value, str) else ""


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


def response_lines(question: Question | None, response: Any) -> list[str]:
    """The participant's response as readable lines: choice texts instead of choice ids."""
    if isinstance(response, str):
        return [response]
    if isinstance(question, (SingleChoice, MultipleChoice)):
        texts = {choice.id: choice.text for choice in question.choices}
        picked = response if isinstance(response, list) else [response]
        return [texts.get(str(choice_id), str(choice_id)) for choice_id in picked] or ["(inget valt)"]
    if isinstance(question, TrueFalse) and isinstance(response, bool):
        return ["Sant" if response else "Falskt"]
    if isinstance(question, Matching) and isinstance(response, dict):
        lefts = {pair.left.id: pair.left.text for pair in question.pairs}
        rights = {option.id: option.text for option in question.rights}
        return [f"{lefts.get(left, left)} → {rights.get(str(right), str(right))}" for left, right in response.items()]
    if isinstance(question, Ordering) and isinstance(response, list):
        texts = {item.id: item.text for item in question.items}
        return [f"{n}. {texts.get(str(item), str(item))}" for n, item in enumerate(response, start=1)]
    return [str(response)]


# -- the queue


@get(QUEUE_PATH, guards=[INSTRUCTORS], name="review_queue")
async def review_queue(
    request: Request,
    anonym: Anonym = None,
    sparat: SavedId = None,
) -> Template:
    anonymous = anonym == 1
    service = review_of(request)
    items = await service.queue(limit=QUEUE_MAX, anonymous=anonymous)
    # Anonymous mode shows no account ids: record_many then writes no rows.
    await audit.record_many(
        principal_of(request).account_id,
        "read",
        ((i.account_id, None) for i in items),
        what="answer: deltagarens namn och svarens status i granskningskön",
        why="Bedömning: granskningskön",
    )
    return Template(
        "instructor/review_queue.html",
        context={
            "section": "review",
            "items": items,
            "size": await service.queue_size(),
            "anonymous": anonymous,
            "saved": sparat,
            "link": lambda path, **params: link(path, anonymous, **params),
            "toggle_url": link(QUEUE_PATH, not anonymous),
            "milli": from_milli,
        },
    )


# -- one answer


async def _neighbours(request: Request, answer_id: int) -> tuple[int | None, int | None, list[int]]:
    """The previous and next answer in the queue (the first one when this answer is not in it), and the queue."""
    # Only the order is needed: anonymous skips reading the names.
    ids = [item.answer_id for item in await review_of(request).queue(limit=QUEUE_MAX, anonymous=True)]
    if answer_id not in ids:
        return None, (ids[0] if ids else None), ids
    index = ids.index(answer_id)
    previous = ids[index - 1] if index > 0 else None
    following = ids[index + 1] if index + 1 < len(ids) else None
    return previous, following, ids


async def _item_page(
    request: Request,
    answer_id: int,
    anonymous: bool,
    *,
    status_code: int = 200,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    notice: str | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    service = review_of(request)
    item: ReviewItem = await service.item(answer_id, anonymous=anonymous)
    await audit.record(
        principal_of(request).account_id,
        "read",
        subject_account=item.account_id,
        what=f"answer {answer_id}: svaret" + ("" if anonymous else " och deltagarens namn"),
        why="lärare: bedömning",
    )
    previous, following, queue_ids = await _neighbours(request, answer_id)
    principal = principal_of(request)
    answer = item.answer
    rubric = rubric_of(item.question)
    values = values or {}
    return Template(
        "instructor/review_item.html",
        context={
            "section": "review",
            "item": item,
            "answer": answer,
            "question": item.question,
            "rubric": rubric,
            "response_lines": response_lines(item.question, answer.response),
            "bank": await service.comments(principal.account_id),
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
            "values": values,
            "comment_max": COMMENT_MAX_CHARS,
            "reason_max": REASON_MAX_CHARS,
            "bank_max": BANK_COMMENT_MAX_CHARS,
        },
        status_code=status_code,
    )


@get(f"{QUEUE_PATH}/{{answer_id:int}}", guards=[INSTRUCTORS], name="review_item")
async def review_item(
    request: Request,
    answer_id: Id,
    anonym: Anonym = None,
    sparat: SavedId = None,
    andrad: Annotated[int | None, QueryParameter(ge=1, le=1)] = None,
) -> Template:
    notice = f"Bedömningen av svar {sparat} är sparad. Här är nästa svar i kön." if sparat else None
    if andrad:
        notice = "Poängen är ändrad och motiveringen sparad i historiken."
    return await _item_page(request, answer_id, anonym == 1, notice=notice)


def _grade_values(form: FormMultiDict, rubric: tuple) -> dict[str, Any]:
    """What the grader typed, to show again when the page is rendered once more."""
    return {
        "criteria": {c.id: _field(form, f"criterion-{c.id}", MAX_NUMBER_CHARS) for c in rubric},
        "score": _field(form, "score", MAX_NUMBER_CHARS),
        "comment": _field(form, "comment", COMMENT_MAX_CHARS),
    }


def _failure_status(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 404 if isinstance(exc, NotFound) else 400


@post(f"{QUEUE_PATH}/{{answer_id:int}}/bedom", guards=[INSTRUCTORS], status_code=303)
async def review_grade(request: Request, answer_id: Id, anonym: Anonym = None) -> Template | Redirect:
    """Save a grade; or, with `insert_comment`, put a bank comment into the comment field (the page without
    JavaScript: review.js does that in place)."""
    anonymous = anonym == 1
    service = review_of(request)
    item = await service.item(answer_id, anonymous=anonymous)
    rubric = rubric_of(item.question)
    form = await request.form()
    values = _grade_values(form, rubric)
    insert = _field(form, "insert_comment", 12)
    if insert:
        bank = {str(entry.id): entry.text for entry in await service.comments(principal_of(request).account_id)}
        if insert in bank:
            values["comment"] = "\n".join(part for part in (values["comment"].rstrip(), bank[insert]) if part)
        return await _item_page(request, answer_id, anonymous, values=values)
    *_, queue_before = await _neighbours(request, answer_id)
    try:
        if rubric:
            criteria = {c.id: parse_points(values["criteria"][c.id], f"criteria.{c.id}") for c in rubric}
            await service.grade(principal_of(request), answer_id, criteria=criteria, comment=values["comment"])
        else:
            score = parse_points(values["score"], "score")
            await service.grade(principal_of(request), answer_id, score=score, comment=values["comment"])
    except (Invalid, Conflict) as exc:
        return await _item_page(
            request,
            answer_id,
            anonymous,
            status_code=_failure_status(exc),
            failed="grade",
            errors=exc.field_errors,
            message=exc.message,
            values=values,
        )
    remaining = [i.answer_id for i in await service.queue(limit=QUEUE_MAX, anonymous=True)]
    index = queue_before.index(answer_id) if answer_id in queue_before else -1
    after = [i for i in queue_before[index + 1 :] + queue_before[: max(index, 0)] if i in remaining]
    target = after[0] if after else (remaining[0] if remaining else None)
    if target is None:
        return Redirect(link(QUEUE_PATH, anonymous, sparat=answer_id), status_code=303)
    return Redirect(link(f"{QUEUE_PATH}/{target}", anonymous, sparat=answer_id), status_code=303)


@post(f"{QUEUE_PATH}/{{answer_id:int}}/andra", guards=[INSTRUCTORS], status_code=303)
async def review_override(request: Request, answer_id: Id, anonym: Anonym = None) -> Template | Redirect:
    """Replace any grade with a score and a required reason."""
    anonymous = anonym == 1
    form = await request.form()
    values = {"score": _field(form, "score", MAX_NUMBER_CHARS), "reason": _field(form, "reason", REASON_MAX_CHARS)}
    try:
        score = parse_points(values["score"], "score")
        await review_of(request).override(principal_of(request), answer_id, score=score, reason=values["reason"])
    except (Invalid, Conflict) as exc:
        return await _item_page(
            request,
            answer_id,
            anonymous,
            status_code=_failure_status(exc),
            failed="override",
            errors=exc.field_errors,
            message=exc.message,
            values={"override": values},
        )
    return Redirect(link(f"{QUEUE_PATH}/{answer_id}", anonymous, andrad=1) + "#historik", status_code=303)


@post(f"{QUEUE_PATH}/{{answer_id:int}}/avsluta", guards=[INSTRUCTORS], status_code=303)
async def review_dismiss(request: Request, answer_id: Id, anonym: Anonym = None) -> Template | Redirect:
    """Close the participant's flag and keep the score, with a comment they are shown."""
    anonymous = anonym == 1
    form = await request.form()
    comment = _field(form, "dismiss_comment", COMMENT_MAX_CHARS)
    try:
        await review_of(request).dismiss_flag(principal_of(request), answer_id, comment=comment)
    except (Invalid, Conflict) as exc:
        errors = {"dismiss_comment": " ".join(exc.field_errors.values())}
        return await _item_page(
            request,
            answer_id,
            anonymous,
            status_code=_failure_status(exc),
            failed="dismiss",
            errors=errors,
            message=exc.message,
            values={"dismiss_comment": comment},
        )
    return Redirect(link(QUEUE_PATH, anonymous, sparat=answer_id), status_code=303)


# -- the comment bank: buttons inside the grade form (formaction), so what was typed is kept


def _return_to(form: FormMultiDict) -> int | None:
    raw = _field(form, "answer_id", 12)
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 2**31 - 1 else None


async def _after_bank_change(
    request: Request, form: FormMultiDict, anonymous: bool, *, notice: str | None = None, exc: DomainError | None = None
) -> Template | Redirect:
    answer_id = _return_to(form)
    if answer_id is None:
        if exc is not None:
            raise exc
        return Redirect(link(QUEUE_PATH, anonymous), status_code=303)
    item = await review_of(request).item(answer_id, anonymous=anonymous)
    values = _grade_values(form, rubric_of(item.question))
    if exc is not None:
        errors = {"bank": " ".join(exc.field_errors.values()) or exc.message}
        return await _item_page(
            request,
            answer_id,
            anonymous,
            status_code=_failure_status(exc),
            failed="bank",
            errors=errors,
            message=exc.message,
            values=values,
        )
    return await _item_page(request, answer_id, anonymous, notice=notice, values=values)


@post("/larare/kommentarer", guards=[INSTRUCTORS], status_code=200)
async def bank_save(request: Request, anonym: Anonym = None) -> Template | Redirect:
    """Save the comment being written (field `comment`, or `text`) in the instructor's own comment bank."""
    form = await request.form()
    text = _field(form, "comment", BANK_COMMENT_MAX_CHARS) or _field(form, "text", BANK_COMMENT_MAX_CHARS)
    try:
        await review_of(request).save_comment(principal_of(request).account_id, text)
    except Invalid as exc:
        return await _after_bank_change(request, form, anonym == 1, exc=exc)
    return await _after_bank_change(request, form, anonym == 1, notice="Kommentaren är sparad i kommentarbanken.")


@post("/larare/kommentarer/{comment_id:int}/ta-bort", guards=[INSTRUCTORS], status_code=200)
async def bank_delete(request: Request, comment_id: Id, anonym: Anonym = None) -> Template | Redirect:
    form = await request.form()
    try:
        await review_of(request).delete_comment(principal_of(request).account_id, comment_id)
    except NotFound as exc:
        return await _after_bank_change(request, form, anonym == 1, exc=exc)
    return await _after_bank_change(request, form, anonym == 1, notice="Kommentaren är borttagen ur kommentarbanken.")


# -- regrading


REGRADE_PATH = "/larare/omrattning"


def _lesson(request: Request, slug: str):
    lesson = next((item for item in course_of(request).lessons() if item.slug == slug), None)
    if lesson is None:
        raise NotFound("Lektionen finns inte.")
    return lesson


async def _regrade_page(request: Request, slug: str | None, *, status_code: int = 200, **context: Any) -> Template:
    service = review_of(request)
    outdated = await service.outdated_lessons()
    lesson = _lesson(request, slug) if slug else None
    return Template(
        "instructor/regrade.html",
        context={
            "section": "regrade",
            "outdated": outdated,
            "lesson": lesson,
            "outdated_here": next((count for item, count in outdated if lesson and item.slug == lesson.slug), 0),
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


@get(REGRADE_PATH, guards=[INSTRUCTORS], name="regrade")
async def regrade_page(
    request: Request, lektion: Annotated[str | None, QueryParameter(max_length=80)] = None
) -> Template:
    return await _regrade_page(request, lektion)


@post(f"{REGRADE_PATH}/{{slug:str}}", guards=[INSTRUCTORS], status_code=200)
async def regrade_submit(request: Request, slug: Slug) -> Template:
    """`action=preview` is a dry run that saves nothing; `action=apply` regrades in one transaction."""
    _lesson(request, slug)
    form = await request.form()
    raw_mode = _field(form, "mode", 20)
    action = _field(form, "action", 10)
    try:
        mode = RegradeMode(raw_mode)
    except ValueError:
        return await _regrade_page(
            request, slug, status_code=400, errors={"mode": "Välj hur de gamla försöken ska räknas."}
        )
    if action not in ("preview", "apply"):
        return await _regrade_page(
            request, slug, status_code=400, mode=mode, errors={"action": "Välj Förhandsgranska eller Genomför."}
        )
    plan = await review_of(request).regrade(principal_of(request), slug, mode, dry_run=action == "preview")
    return await _regrade_page(request, slug, mode=mode, plan=plan)


ROUTES: list[Any] = [
    review_queue,
    review_item,
    review_grade,
    review_override,
    review_dismiss,
    bank_save,
    bank_delete,
    regrade_page,
    regrade_submit,
]
