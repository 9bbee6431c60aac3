"""Customer service's pages (/kundtjanst) and JSON API (/api/v1/support): cases and data-subject requests with their
deadlines, notes, extensions and completion. Customer service and admins only: every route is in `ROUTER`, which
carries the guard once. The work is in coursesite/support/ (cases.py, requests.py), which audits every read of a
person's data and every change; these handlers parse, call the service and render.

Customer service sees contact data and cases: never answers, never billing details, and never an account's access
export (its owner downloads it on Mina uppgifter). A request waits for the person's identity to be confirmed before
it is carried out. docs/privacy-support.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound, RateLimited
from coursesite.core.text import has_forbidden_characters
from coursesite.privacy.deadlines import deadline as request_deadline
from coursesite.privacy.pii import find_forbidden
from coursesite.privacy.policy import ACCESS_EXPORT_AVAILABLE_DAYS, LIFT_NOTICE_DAYS, lift_allowed_from
from coursesite.signups.processors import FIELD_LABELS_SV, NoticeView, ProcessorNotices
from coursesite.support.cases import (
    CASE_KINDS,
    DESCRIPTION_MAX,
    KIND_LABELS_SV,
    KINDS,
    NAME_MAX,
    NOTE_MAX,
    REASON_MAX,
    REQUEST_KINDS,
    STATUS_LABELS_SV,
    SUBJECT_MAX,
    CaseService,
    CaseView,
    today,
)
from coursesite.support.identity import STAFF_METHODS
from coursesite.support.requests import RECTIFIABLE
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.forms import read_form
from coursesite.web.openapi import ERRORS_OPT

SUPPORT = guards.roles(Role.CUSTOMER_SERVICE, Role.ADMIN)
CaseId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
NoticeId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
MAX_ACCOUNT_ID = 2**31 - 1
DATE_FORMAT = "Ange dagen som ÅÅÅÅ-MM-DD, till exempel 2026-01-31."

NOTICES = {
    "skapat": "Ärendet är registrerat.",
    "anteckning": "Anteckningen är sparad.",
    "forlangt": "Tidsfristen är förlängd och skälet sparat.",
    "avslutat": "Ärendet är avslutat.",
    "avvisat": "Ärendet är avvisat.",
    "havd": "Begränsningen är hävd.",
    "aviserad": "Personen har fått ett meddelande i e-post om att begränsningen hävs.",
    "lank": "En ny bekräftelselänk är skickad till personens adress; de tidigare slutar fungera.",
    "rattat": "Uppgifterna är rättade, och mottagare som fått dem är underrättade.",
    "bekraftad": "Identiteten är bekräftad och sparad i ärendet.",
}
PROCESSOR_PATH = "/kundtjanst/nyhetsbrevstjanster"


# -- the HTML forms


@dataclass
class NewCaseForm:
    kind: str = ""
    subject: str = ""
    description: str = ""
    contact_name: str = ""
    contact_email: str = ""
    account_id: str = ""
    received_on: str = ""


@dataclass
class NoteForm:
    note: str = ""


@dataclass
class ExtendForm:
    reason: str = ""
    notified_on: str = ""


@dataclass
class ConfirmForm:
    method: str = ""
    note: str = ""


@dataclass
class RectifyForm:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""


def _helpers() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS_SV,
        "status_labels": STATUS_LABELS_SV,
        "request_kinds": REQUEST_KINDS,
        "case_kinds": CASE_KINDS,
        "identity_methods": STAFF_METHODS,
        "today": today(),
        "lift_notice_days": LIFT_NOTICE_DAYS,
        "lift_allowed_from": lift_allowed_from,
        "export_days": ACCESS_EXPORT_AVAILABLE_DAYS,
    }


def _page(template: str, section: str, status_code: int = 200, **context: Any) -> Template:
    return Template(f"support/{template}", context={"section": section} | _helpers() | context, status_code=status_code)


def _safe_values(values: dict[str, str]) -> dict[str, str]:
    """What to show again in a refused form: never a value holding a personnummer, a card number, a control or a
    bidi character."""
    return {
        key: ("" if find_forbidden(value) or has_forbidden_characters(value, multiline=True) else value)
        for key, value in values.items()
    }


def _date(text: str) -> date | None:
    """A day typed as ÅÅÅÅ-MM-DD; None when empty; ValueError when it is not a day."""
    return date.fromisoformat(text.strip()) if text.strip() else None


# -- pages: the list


@get("/kundtjanst", name="support", include_in_schema=False)
async def index_page(
    request: Request, cases: NamedDependency[CaseService], processor_notices: NamedDependency[ProcessorNotices]
) -> Template:
    home = await cases.home(actor_id=principal_of(request).account_id, now=clock.now())
    pending = await processor_notices.count_pending()
    return _page("index.html", "cases", home=home, today=home.today, processor_pending=pending)


# -- pages: a new case


@get("/kundtjanst/nytt", name="support_new", include_in_schema=False)
async def new_page() -> Template:
    return _page("new.html", "new", values={"kind": "complaint", "received_on": today().isoformat()}, errors={})


@post("/kundtjanst/nytt", status_code=303, include_in_schema=False)
async def new_submit(request: Request, cases: NamedDependency[CaseService]) -> Template | Redirect:
    form = read_form(NewCaseForm, await request.form())
    values = {
        "kind": form.kind,
        "subject": form.subject,
        "description": form.description,
        "contact_name": form.contact_name,
        "contact_email": form.contact_email,
        "account_id": form.account_id,
        "received_on": form.received_on,
    }
    errors: dict[str, str] = {}
    account_id: int | None = None
    if form.account_id.strip():
        try:
            account_id = int(form.account_id.strip())
            if not 1 <= account_id <= MAX_ACCOUNT_ID:
                raise ValueError
        except ValueError:
            errors["account_id"] = "Ange kontots nummer med siffror."
    received_on: date | None = None
    try:
        received_on = _date(form.received_on)
    except ValueError:
        errors["received_on"] = DATE_FORMAT
    if not errors:
        try:
            view = await cases.create(
                kind=form.kind,
                subject=form.subject,
                description=form.description,
                contact_name=form.contact_name,
                contact_email=form.contact_email,
                account_id=account_id,
                received_on=received_on,
                actor_id=principal_of(request).account_id,
            )
        except Invalid as exc:
            errors = exc.field_errors or {"subject": exc.message}
        else:
            return Redirect(f"/kundtjanst/arende/{view.id}?klar=skapat", status_code=303)
    return _page(
        "new.html", "new", status_code=400, values=_safe_values(values), errors=errors, message="Kontrollera ärendet."
    )


# -- pages: one case


async def _case_page(
    request: Request,
    cases: CaseService,
    case_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Template:
    detail = await cases.detail(case_id, actor_id=principal_of(request).account_id)
    account_id = detail.case.account_id
    others = [c for c in await cases.cases_of(account_id) if c.id != case_id] if account_id else []
    restriction = await cases.restriction_of(detail.case)
    return _page(
        "case.html",
        "cases",
        status_code=status_code,
        restriction=restriction,
        detail=detail,
        case=detail.case,
        others=others,
        errors=errors or {},
        values=values or {},
        message=message,
        notice=notice,
        note_max=NOTE_MAX,
        reason_max=REASON_MAX,
        extended_deadline=request_deadline(detail.case.received_on, extended=True),
    )


@get("/kundtjanst/arende/{case_id:int}", name="support_case", include_in_schema=False)
async def case_page(
    request: Request,
    cases: NamedDependency[CaseService],
    case_id: FromPath[CaseId],
    klar: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    return await _case_page(request, cases, case_id, notice=NOTICES.get(klar or ""))


async def _act(
    request: Request,
    cases: CaseService,
    case_id: int,
    action: Callable[[], Awaitable[Any]],
    values: dict[str, str],
    *,
    done: str,
    note_field: str = "note",
) -> Template | Redirect:
    """Make one change to the case. Refused: the case page again with the errors (a note's under `note_field`, the
    form it came from) and the values, less any holding a personnummer, a card number or a forbidden character."""
    try:
        await action()
    except (Invalid, Conflict) as exc:
        errors = {(note_field if key == "note" else key): text for key, text in exc.field_errors.items()}
        return await _case_page(
            request,
            cases,
            case_id,
            errors=errors,
            values=_safe_values(values),
            message=exc.message,
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    return Redirect(f"/kundtjanst/arende/{case_id}?klar={done}", status_code=303)


@post("/kundtjanst/arende/{case_id:int}/anteckning", status_code=303, include_in_schema=False)
async def note_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    form = read_form(NoteForm, await request.form())
    actor = principal_of(request).account_id
    return await _act(
        request,
        cases,
        case_id,
        lambda: cases.add_note(case_id, actor, form.note),
        {"note": form.note},
        done="anteckning",
    )


@post("/kundtjanst/arende/{case_id:int}/forlang", status_code=303, include_in_schema=False)
async def extend_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    form = read_form(ExtendForm, await request.form())
    values = {"reason": form.reason, "notified_on": form.notified_on}
    try:
        notified_on = _date(form.notified_on)
    except ValueError:
        errors = {"notified_on": DATE_FORMAT}
        return await _case_page(request, cases, case_id, errors=errors, values=_safe_values(values), status_code=400)
    actor = principal_of(request).account_id

    def extend() -> Awaitable[Any]:
        return cases.extend(case_id, actor, reason=form.reason, notified_on=notified_on)

    return await _act(request, cases, case_id, extend, values, done="forlangt")


@post("/kundtjanst/arende/{case_id:int}/bekrafta-identitet", status_code=303, include_in_schema=False)
async def confirm_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    form = read_form(ConfirmForm, await request.form())
    actor = principal_of(request).account_id

    def confirm() -> Awaitable[Any]:
        return cases.confirm_identity(case_id, actor, method=form.method, note=form.note)

    values = {"method": form.method, "identity_note": form.note}
    return await _act(request, cases, case_id, confirm, values, done="bekraftad", note_field="identity_note")


@post("/kundtjanst/arende/{case_id:int}/avsluta", status_code=303, include_in_schema=False)
async def complete_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    form = read_form(NoteForm, await request.form())
    actor = principal_of(request).account_id

    def complete() -> Awaitable[Any]:
        return cases.complete(case_id, actor, note=form.note)

    values = {"complete_note": form.note}
    return await _act(request, cases, case_id, complete, values, done="avslutat", note_field="complete_note")


@post("/kundtjanst/arende/{case_id:int}/avvisa", status_code=303, include_in_schema=False)
async def reject_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    form = read_form(NoteForm, await request.form())
    actor = principal_of(request).account_id

    def reject() -> Awaitable[Any]:
        return cases.reject(case_id, actor, note=form.note)

    values = {"reject_note": form.note}
    return await _act(request, cases, case_id, reject, values, done="avvisat", note_field="reject_note")


def _rectification(values: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The contact fields and the e-mail of a correction; a field left out is not changed."""
    contact = {name: value for name, value in values.items() if name in RECTIFIABLE and name != "email"}
    return contact, values.get("email")


@post("/kundtjanst/arende/{case_id:int}/ratta", status_code=303, include_in_schema=False)
async def rectify_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    form = read_form(RectifyForm, await request.form())
    values = {name: getattr(form, name) for name in RECTIFIABLE}
    contact, email = _rectification(values)
    actor = principal_of(request).account_id
    return await _act(
        request,
        cases,
        case_id,
        lambda: cases.rectify(case_id, actor, contact=contact, email=email),
        values,
        done="rattat",
    )


@post("/kundtjanst/arende/{case_id:int}/skicka-lank", status_code=303, include_in_schema=False)
async def resend_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    actor = principal_of(request).account_id
    try:
        return await _act(request, cases, case_id, lambda: cases.resend_link(case_id, actor), {}, done="lank")
    except RateLimited as exc:
        return await _case_page(request, cases, case_id, message=exc.message, status_code=429)


@post("/kundtjanst/arende/{case_id:int}/meddela-havning", status_code=303, include_in_schema=False)
async def announce_lift_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    principal = principal_of(request)
    return await _act(request, cases, case_id, lambda: cases.announce_lift(case_id, principal), {}, done="aviserad")


@post("/kundtjanst/arende/{case_id:int}/hav-begransning", status_code=303, include_in_schema=False)
async def lift_submit(
    request: Request, cases: NamedDependency[CaseService], case_id: FromPath[CaseId]
) -> Template | Redirect:
    principal = principal_of(request)
    return await _act(request, cases, case_id, lambda: cases.lift_restriction(case_id, principal), {}, done="havd")


# -- pages: what to do at the newsletter processors (art. 19)


@get(PROCESSOR_PATH, name="support_processors", include_in_schema=False)
async def processors_page(
    request: Request,
    processor_notices: NamedDependency[ProcessorNotices],
    klar: Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)] = None,
) -> Template:
    notices = await processor_notices.pending(actor_id=principal_of(request).account_id)
    return _page("processor_notices.html", "processors", notices=notices, done_id=klar, field_labels=FIELD_LABELS_SV)


@post(PROCESSOR_PATH + "/{notice_id:int}/utfort", status_code=303, include_in_schema=False)
async def processor_done_submit(
    request: Request, processor_notices: NamedDependency[ProcessorNotices], notice_id: FromPath[NoticeId]
) -> Redirect:
    await processor_notices.mark_done(notice_id, actor_id=principal_of(request).account_id)
    return Redirect(f"{PROCESSOR_PATH}?klar={notice_id}", status_code=303)


# -- the API

Note = Annotated[str, msgspec.Meta(max_length=NOTE_MAX * 2)]
Kind = Annotated[str, msgspec.Meta(max_length=20, description=" | ".join(KINDS))]


class SupportRequestOut(msgspec.Struct):
    id: int
    type: str  # access | rectification | restriction | erasure
    email: str | None  # the person's
    status: str  # open | extended | completed | rejected
    deadline: date | None
    received_on: date
    overdue: bool
    account_id: int | None
    confirmation: str | None  # pending ("väntar på bekräftelse") | confirmed
    identity_method: (
        str | None
    )  # email_link | id_document_at_office | known_phone_callback | reply_from_address_on_file
    identity_confirmed_at: datetime | None


class CompletedOut(msgspec.Struct):
    id: int
    type: str
    status: str
    outcome: str | None


class CompleteBody(msgspec.Struct, forbid_unknown_fields=True):
    note: Note


class ConfirmIdentityBody(msgspec.Struct, forbid_unknown_fields=True):
    method: Annotated[str, msgspec.Meta(max_length=40, description=" | ".join(STAFF_METHODS))]
    note: Note


class CaseBody(msgspec.Struct, forbid_unknown_fields=True):
    kind: Kind
    subject: Annotated[str, msgspec.Meta(max_length=SUBJECT_MAX * 2)]
    description: Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX * 2)] = ""
    contact_name: Annotated[str, msgspec.Meta(max_length=NAME_MAX * 2)] | None = None
    contact_email: Annotated[str, msgspec.Meta(max_length=320)] | None = None
    account_id: Annotated[int, msgspec.Meta(ge=1, le=MAX_ACCOUNT_ID)] | None = None
    received_on: date | None = None  # default today; a request received by mail may be registered later


class CaseOut(msgspec.Struct):
    id: int
    kind: str
    status: str
    subject: str
    account_id: int | None
    email: str | None
    received_on: date
    deadline: date | None


def request_out(view: CaseView) -> SupportRequestOut:
    return SupportRequestOut(
        id=view.id,
        type=view.kind,
        email=view.email,
        status=view.status,
        deadline=view.deadline,
        received_on=view.received_on,
        overdue=view.overdue,
        account_id=view.account_id,
        confirmation=view.confirmation,
        identity_method=view.identity_method,
        identity_confirmed_at=view.identity_confirmed_at,
    )


@get("/api/v1/support/requests", tags=["support"])
async def api_requests(
    request: Request,
    cases: NamedDependency[CaseService],
    status: Annotated[
        str | None, QueryParameter(max_length=20, description="open | extended | completed | rejected")
    ] = None,
) -> list[SupportRequestOut]:
    """Data-subject requests (access, rectification, restriction, erasure): the open ones by deadline, overdue first,
    then the closed ones, newest first. Each with its `id`, `type`, the person's `email`, `status`, `deadline` and
    `confirmation` (`pending` until the person's identity is confirmed, then `confirmed` with `identity_method` and
    `identity_confirmed_at`)."""
    if status is not None and status not in STATUS_LABELS_SV:
        raise Invalid("Okänd status.", field_errors={"status": "open, extended, completed eller rejected."})
    actor = principal_of(request).account_id
    views = await cases.requests(actor_id=actor, why="kundtjänst: begäranden via API", status=status)
    return [request_out(view) for view in views]


@post("/api/v1/support/requests/{case_id:int}/complete", status_code=200, tags=["support"])
async def api_complete(
    request: Request, cases: NamedDependency[CaseService], case_id: CaseId, data: JSONBody[CompleteBody]
) -> CompletedOut:
    """Carry out and complete a request, with a `note` saying what was done (400 without it). 409 while the request
    waits for the person's identity to be confirmed (`confirmation: pending`), when it is about a staff account, or
    when already closed. An erasure request erases the account (accounting records are kept, restricted) and keeps
    the report as the outcome; an access request makes the export available to the person (an account: on Mina
    uppgifter) for 30 days. 404 for anything but a request."""
    case = await cases.case(case_id)
    if not case.is_request:
        raise NotFound("Begäran finns inte.")
    await cases.complete(case_id, principal_of(request).account_id, note=data.note)
    detail = await cases.detail(case_id, actor_id=None)  # for the outcome: no contact data is shown
    return CompletedOut(id=case_id, type=detail.case.kind, status=detail.case.status, outcome=detail.outcome)


@post("/api/v1/support/requests/{case_id:int}/confirm-identity", status_code=200, tags=["support"])
async def api_confirm_identity(
    request: Request, cases: NamedDependency[CaseService], case_id: CaseId, data: JSONBody[ConfirmIdentityBody]
) -> SupportRequestOut:
    """Record how customer service confirmed the person's identity: `method` (`id_document_at_office`,
    `known_phone_callback`, `reply_from_address_on_file`) and a `note`; the request keeps the method, the time and
    who recorded it, and can then be carried out. 400 per field; 404 for anything but a request; 409 when it is
    closed, already confirmed or about a staff account. Audited."""
    view = await cases.confirm_identity(case_id, principal_of(request).account_id, method=data.method, note=data.note)
    return request_out(view)


@post(
    "/api/v1/support/requests/{case_id:int}/resend-confirmation",
    status_code=202,
    tags=["support"],
    opt={ERRORS_OPT: (429,)},
)
async def api_resend_confirmation(request: Request, cases: NamedDependency[CaseService], case_id: CaseId) -> None:
    """Send the confirmation link again to the address on file (the account's, else the form person's); the older
    links of the request stop working. 202; 404 for anything but a request; 409 when it is closed, already confirmed,
    about a staff account or linked to no address; 429 when the person got links too often."""
    await cases.resend_link(case_id, principal_of(request).account_id)


class RectifyBody(msgspec.Struct, forbid_unknown_fields=True):
    first_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    last_name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    email: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    mobile: Annotated[str, msgspec.Meta(max_length=200)] | None = None  # "" clears it


class RectifiedOut(msgspec.Struct):
    changed: list[str]  # registry names
    notified: list[str]  # the recipients told (art. 19)


@post("/api/v1/support/requests/{case_id:int}/rectify", status_code=200, tags=["support"])
async def api_rectify(
    request: Request, cases: NamedDependency[CaseService], case_id: CaseId, data: JSONBody[RectifyBody]
) -> RectifiedOut:
    """Carry out a rectification request once the person's identity is confirmed: correct the fields given (a field
    left out is not changed) on the linked account, or on the person row of someone who only used the forms.
    An account's login e-mail is not changed here: 400 under `email` (its owner changes it on Mina uppgifter, where
    the new address is confirmed); the same address is accepted and changes nothing. Subsidiaries and newsletter
    processors that received a corrected field are told. 400 per field; 404 for anything but a rectification
    request; 409 while it waits for confirmation, when it is closed, about a staff account, linked to neither, or a
    form person's new e-mail is taken. Complete the request afterwards."""
    values = {name: getattr(data, name) for name in RECTIFIABLE if getattr(data, name) is not None}
    contact, email = _rectification(values)
    result = await cases.rectify(case_id, principal_of(request).account_id, contact=contact, email=email)
    return RectifiedOut(changed=list(result.changed), notified=list(result.notified))


@post("/api/v1/support/cases", status_code=201, tags=["support"])
async def api_create_case(request: Request, cases: NamedDependency[CaseService], data: JSONBody[CaseBody]) -> CaseOut:
    """Register a case (`complaint`, `question`) or a data-subject request received by mail or phone (`access`,
    `rectification`, `restriction`, `erasure`: with `account_id` or `contact_email`, and a deadline one month from
    `received_on`). Free text refusing personnummer and card numbers: 400 per field, nothing stored."""
    view = await cases.create(
        kind=data.kind,
        subject=data.subject,
        description=data.description,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        account_id=data.account_id,
        received_on=data.received_on,
        actor_id=principal_of(request).account_id,
    )
    return CaseOut(
        id=view.id,
        kind=view.kind,
        status=view.status,
        subject=view.subject,
        account_id=view.account_id,
        email=view.email,
        received_on=view.received_on,
        deadline=view.deadline,
    )


class ProcessorNoticeOut(msgspec.Struct):
    id: int
    recipient: str  # Apsis | Mailchimp
    kind: str  # erasure | rectification | withdrawal | restriction
    action: str  # what to do there, in Swedish
    subject_ref: str  # the Kurssajten-ID column of the export
    changes: dict[str, Any]  # a rectification's corrected values while pending
    fields: list[str]
    created_at: datetime
    done_at: datetime | None


def processor_notice_out(view: NoticeView) -> ProcessorNoticeOut:
    return ProcessorNoticeOut(
        id=view.id,
        recipient=view.recipient,
        kind=view.kind,
        action=view.action,
        subject_ref=view.subject_ref,
        changes=view.changes,
        fields=list(view.fields),
        created_at=view.created_at,
        done_at=view.done_at,
    )


@get("/api/v1/support/processor-notices", tags=["support"])
async def api_processor_notices(
    request: Request, processor_notices: NamedDependency[ProcessorNotices]
) -> list[ProcessorNoticeOut]:
    """What staff must still do at the newsletter processors (art. 19), oldest first: erase, correct, unsubscribe or
    pause the contact whose Kurssajten-ID is `subject_ref`. Reading the list is audited."""
    notices = await processor_notices.pending(actor_id=principal_of(request).account_id)
    return [processor_notice_out(view) for view in notices]


@post("/api/v1/support/processor-notices/{notice_id:int}/done", status_code=200, tags=["support"])
async def api_processor_notice_done(
    request: Request, processor_notices: NamedDependency[ProcessorNotices], notice_id: NoticeId
) -> ProcessorNoticeOut:
    """Mark a notice done once it is carried out at the processor; a rectification's values are then dropped.
    Marking it again changes nothing. 404 for an unknown id."""
    view = await processor_notices.mark_done(notice_id, actor_id=principal_of(request).account_id)
    return processor_notice_out(view)


ROUTER = Router(
    path="/",
    guards=[SUPPORT],  # customer service and admins: once, for every route below
    route_handlers=[
        index_page,
        new_page,
        new_submit,
        case_page,
        note_submit,
        extend_submit,
        confirm_submit,
        complete_submit,
        reject_submit,
        lift_submit,
        processors_page,
        processor_done_submit,
        resend_submit,
        announce_lift_submit,
        rectify_submit,
        api_requests,
        api_complete,
        api_confirm_identity,
        api_resend_confirmation,
        api_rectify,
        api_create_case,
        api_processor_notices,
        api_processor_notice_done,
    ],
)

ROUTES: list[Any] = [ROUTER]
