"""Mina uppgifter: the participant's rights (issue 5 §4), the password and the sessions (issue 11 §3). The page and
its forms, and the JSON API: GET /api/v1/me/data, GET /api/v1/me/data.pdf, PATCH /api/v1/me/profile,
POST /api/v1/me/restriction, GET /api/v1/me/consents, POST /api/v1/me/consents/{kind}/withdraw,
POST /api/v1/me/erasure-request, POST /api/v1/me/password, GET /api/v1/me/sessions, POST /api/v1/me/sessions/revoke,
GET /api/v1/me/exports, GET /api/v1/me/exports/{id}.
Logged-in people only: every route is in `ROUTER`, which carries the guard once. The work is in privacy/access.py
(`AccessExports`), privacy/rights.py (`RightsService`) and, for the export a completed access request released to
the account ("Ditt utdrag är klart"), support/cases.py (`CaseService`); the export download is web/downloads.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.mail import AccountMail
from coursesite.accounts.service import AccountService, SessionView
from coursesite.accounts.validation import normalise_email
from coursesite.billing.ledger import LedgerService
from coursesite.core import clock
from coursesite.core.errors import Busy, Conflict, Invalid, RateLimited
from coursesite.course.model import Course
from coursesite.pdf import PdfRenderer
from coursesite.privacy.access import AccessExports
from coursesite.privacy.rights import BILLING_FIELDS, CONTACT_FIELDS, ProfileChanges, RightsService
from coursesite.settings import Settings
from coursesite.support.cases import CaseService
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.downloads import export_download
from coursesite.web.errors import retry_after, status_for
from coursesite.web.forms import read_form
from coursesite.web.middleware import client_address, device_cookie_of, expired_session_cookie
from coursesite.web.openapi import ERRORS_OPT

Short = Annotated[str, msgspec.Meta(max_length=200)]
Kind = Annotated[str, PathParameter(max_length=30, pattern=r"^[a-z_]{1,30}$")]
ExportId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
ExportFormat = Annotated[str, QueryParameter(pattern=r"^(json|pdf)$", description="json | pdf")]
NOTICES = {
    "profil": "Dina uppgifter är ändrade.",
    "begransning": "Din begäran om begränsning är mottagen. Vi behandlar nu bara dina uppgifter genom att lagra dem.",
    "samtycke": "Samtycket är återkallat.",
    "radering": "Din begäran om radering är mottagen. Kundtjänst kontrollerar din identitet och hör av sig.",
    "profilval": "Ditt val om profilen är sparat.",
    "epost": "Vi har skickat en länk till den nya adressen. Bytet gäller när du har öppnat den; till dess loggar du in "
    "med den gamla.",
    "ny-lank": "Vi har skickat en ny länk till din e-postadress. Den gäller i 48 timmar.",
    "bekraftad": "Din e-postadress är bekräftad.",
    "losenord": "Ditt lösenord är bytt. Du är utloggad på dina andra enheter.",
}
PASSWORD_MAX = 1024


# -- the HTML forms


@dataclass
class ProfileForm:
    first_name: str = ""
    last_name: str = ""
    mobile: str = ""
    source: str = ""
    # billing: only on the form of someone who has billing details (the hidden customer_type says so)
    customer_type: str = ""
    company_name: str = ""
    org_number: str = ""
    reference: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""


@dataclass
class EmailForm:
    email: str = ""
    current_password: str = ""


@dataclass
class PasswordForm:
    # Named apart from the e-mail form's current_password: both forms are on one page.
    password_current: str = ""
    password_new: str = ""


PASSWORD_FORM_FIELDS = {"current_password": "password_current", "new_password": "password_new"}


@dataclass
class ProfileSwitchForm:
    profile_enabled: bool = False


@dataclass
class ErasureForm:
    confirm: bool = False  # the required checkbox: an erasure request is not sent by one stray click


@dataclass
class RestrictionForm:
    reason: str = ""


# -- the page


class MyDataPage:
    """The page model of Mina uppgifter: what the page shows of the signed-in person, read when it is rendered (a form
    that redirects reads nothing). The `page` dependency of every handler that shows the page (`PAGE`)."""

    def __init__(
        self,
        request: Request,
        rights: RightsService,
        ledger: LedgerService,
        accounts: AccountService,
        cases: CaseService,
        account_mail: AccountMail,
    ) -> None:
        self.request = request
        self.rights = rights
        self.ledger = ledger
        self.accounts = accounts
        self.cases = cases
        self.account_mail = account_mail

    async def render(
        self,
        *,
        notice: str | None = None,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        message: str | None = None,
        status_code: int = 200,
    ) -> Template:
        account_id = principal_of(self.request).account_id
        rights = self.rights
        contact = await rights.contact(account_id)
        customer = await self.ledger.customer(account_id)
        return Template(
            "privacy/my_data.html",
            context={
                "contact": contact,
                "customer": customer,
                "values": {**contact, **(customer or {}), **(values or {})},
                "errors": errors or {},
                "message": None if errors else message,  # each error once: at its field when it has one
                "notice": notice,
                "state": await rights.privacy_state(account_id),
                "consents": await rights.consents(account_id),
                "requests": await rights.requests(account_id),
                "sessions": await self.accounts.sessions(account_id, self.request.scope.get("auth")),
                "ready_exports": await self.cases.ready_exports(account_id, clock.now()),
                "pending_email": await self.account_mail.pending_email(account_id),
            },
            status_code=status_code,
        )


def my_data_page_model(
    request: Request,
    rights: NamedDependency[RightsService],
    ledger: NamedDependency[LedgerService],
    accounts: NamedDependency[AccountService],
    cases: NamedDependency[CaseService],
    account_mail: NamedDependency[AccountMail],
) -> MyDataPage:
    return MyDataPage(request, rights, ledger, accounts, cases, account_mail)


PAGE = {"page": Provide(my_data_page_model, sync_to_thread=False)}


@get("/mina-uppgifter", name="my_data", include_in_schema=False, dependencies=PAGE)
async def my_data_page(
    page: NamedDependency[MyDataPage], klart: Annotated[str | None, QueryParameter(max_length=20)] = None
) -> Template:
    return await page.render(notice=NOTICES.get(klart or ""))


@post("/mina-uppgifter/profil", status_code=303, include_in_schema=False, dependencies=PAGE)
async def my_data_profile(
    request: Request, rights: NamedDependency[RightsService], page: NamedDependency[MyDataPage]
) -> Template | Redirect:
    form = read_form(ProfileForm, await request.form())
    contact = {name: getattr(form, name).strip() for name in CONTACT_FIELDS}
    billing_values = {name: getattr(form, name).strip() for name in BILLING_FIELDS} if form.customer_type else None
    try:
        await rights.rectify(principal_of(request).account_id, ProfileChanges(contact=contact, billing=billing_values))
    except Invalid as exc:
        errors = dict(exc.field_errors)
        shown = {k: ("" if k in errors else v) for k, v in (contact | (billing_values or {})).items()}
        return await page.render(errors=errors, values=shown, message=exc.message, status_code=400)
    return Redirect("/mina-uppgifter?klart=profil", status_code=303)


async def _confirm_new_email(
    request: Request, accounts: AccountService, email: str | None, password: str | None
) -> None:
    """A new login address needs the password again (someone at an unlocked computer must not take the account).
    The same address, or none, needs nothing."""
    if email is None:
        return
    try:
        if normalise_email(email) == principal_of(request).email:
            return
    except ValueError:
        pass  # rectify says what is wrong with it, once the password is confirmed
    if not password:
        raise Invalid(
            "Ange ditt nuvarande lösenord för att byta e-postadress.",
            field_errors={"current_password": "Ange ditt nuvarande lösenord."},
        )
    await accounts.confirm_password(
        principal_of(request).account_id,
        password[:PASSWORD_MAX],
        client_address(request),
        device_cookie=device_cookie_of(request),
    )


@post("/mina-uppgifter/epost", status_code=303, include_in_schema=False, dependencies=PAGE)
async def my_data_email(
    request: Request,
    accounts: NamedDependency[AccountService],
    account_mail: NamedDependency[AccountMail],
    page: NamedDependency[MyDataPage],
) -> Template | Redirect:
    """A new login address: the password first, then a link to the new address; the change waits for it."""
    form = read_form(EmailForm, await request.form())
    email = form.email[:300]
    try:
        await _confirm_new_email(request, accounts, email, form.current_password)
        await account_mail.request_email_change(principal_of(request).account_id, email, client_address(request))
    except (Invalid, Conflict, RateLimited, Busy) as exc:
        errors = dict(exc.field_errors) or ({} if isinstance(exc, Busy) else {"current_password": exc.message})
        shown = await page.render(
            errors=errors, values={"new_email": email}, message=exc.message, status_code=status_for(exc)
        )
        shown.headers.update(retry_after(exc))
        return shown
    return Redirect("/mina-uppgifter?klart=epost", status_code=303)


async def _change_password(request: Request, accounts: AccountService, current: str, new: str) -> None:
    await accounts.change_password(
        principal_of(request).account_id,
        current[:PASSWORD_MAX],
        new[:PASSWORD_MAX],
        client_address(request),
        device_cookie=device_cookie_of(request),
        keep_session=request.scope.get("auth"),
    )


@post("/mina-uppgifter/losenord", status_code=303, include_in_schema=False, dependencies=PAGE)
async def my_data_password(
    request: Request, accounts: NamedDependency[AccountService], page: NamedDependency[MyDataPage]
) -> Template | Redirect:
    form = read_form(PasswordForm, await request.form())
    try:
        await _change_password(request, accounts, form.password_current, form.password_new)
    except (Invalid, RateLimited, Busy) as exc:
        errors = {PASSWORD_FORM_FIELDS.get(k, k): v for k, v in exc.field_errors.items()}
        errors = errors or ({} if isinstance(exc, Busy) else {"password_current": exc.message})
        shown = await page.render(errors=errors, message=exc.message, status_code=status_for(exc))
        shown.headers.update(retry_after(exc))
        return shown
    return Redirect("/mina-uppgifter?klart=losenord", status_code=303)


@post("/mina-uppgifter/sessioner/avsluta", status_code=303, include_in_schema=False)
async def my_data_revoke_sessions(
    request: Request, accounts: NamedDependency[AccountService], settings: NamedDependency[Settings]
) -> Redirect:
    """Logga ut överallt: every session, this one too; the login page says so."""
    await accounts.end_all_sessions(principal_of(request).account_id)
    return Redirect(
        "/logga-in?utloggad=overallt",
        cookies=[expired_session_cookie(secure=settings.secure_cookies)],
        status_code=303,
    )


@post("/mina-uppgifter/profilval", status_code=303, include_in_schema=False)
async def my_data_profile_switch(request: Request, rights: NamedDependency[RightsService]) -> Redirect:
    form = read_form(ProfileSwitchForm, await request.form())
    changes = ProfileChanges(profile_enabled=form.profile_enabled)
    await rights.rectify(principal_of(request).account_id, changes)
    return Redirect("/mina-uppgifter?klart=profilval", status_code=303)


@post("/mina-uppgifter/begransning", status_code=303, include_in_schema=False, dependencies=PAGE)
async def my_data_restriction(
    request: Request, rights: NamedDependency[RightsService], page: NamedDependency[MyDataPage]
) -> Template | Redirect:
    form = read_form(RestrictionForm, await request.form())
    try:
        await rights.request_restriction(principal_of(request).account_id, form.reason)
    except Invalid as exc:
        return await page.render(errors=dict(exc.field_errors), message=exc.message, status_code=400)
    return Redirect("/mina-uppgifter?klart=begransning", status_code=303)


@post("/mina-uppgifter/samtycken/{kind:str}/aterkalla", status_code=303, include_in_schema=False)
async def my_data_withdraw(request: Request, rights: NamedDependency[RightsService], kind: FromPath[Kind]) -> Redirect:
    await rights.withdraw_consent(principal_of(request).account_id, kind)
    return Redirect("/mina-uppgifter?klart=samtycke", status_code=303)


@post("/mina-uppgifter/radering", status_code=303, include_in_schema=False, dependencies=PAGE)
async def my_data_erasure(
    request: Request, rights: NamedDependency[RightsService], page: NamedDependency[MyDataPage]
) -> Template | Redirect:
    if not read_form(ErasureForm, await request.form()).confirm:
        errors = {"confirm": "Kryssa i rutan för att bekräfta att du vill att vi raderar dina uppgifter."}
        return await page.render(errors=errors, status_code=400)
    await rights.request_erasure(principal_of(request).account_id)
    return Redirect("/mina-uppgifter?klart=radering", status_code=303)


# -- the API


class ExportFieldOut(msgspec.Struct):
    column: str
    description: str
    category: str
    purpose: str
    retention: str
    portable: bool
    withheld: bool


class ExportTableOut(msgspec.Struct):
    table: str
    fields: list[ExportFieldOut]
    rows: list[dict[str, Any]]  # one object per row: `id` and each field's column
    note: str | None = None  # on the accounting tables: why they are kept


class ExportSubjectOut(msgspec.Struct):
    account_id: int | None
    person_ids: list[int]
    email: str | None


class ExportPortableOut(msgspec.Struct):
    description: str
    data: dict[str, list[dict[str, Any]]]  # table -> the rows' fields the person provided


class ExportSourceOut(msgspec.Struct):
    text: str
    forms_used: list[str]
    third_parties: list[Any]


class ExportDisclosureOut(msgspec.Struct):
    recipient: str
    purpose: str
    fields: list[str]
    fields_described: list[str]
    when: str | None


class DataExportOut(msgspec.Struct):
    """The access export's shape (privacy/access.py: access_export), for the OpenAPI document."""

    generated_at: str
    controller: str
    subject: ExportSubjectOut
    tables: list[ExportTableOut]
    portable: ExportPortableOut
    purposes: Any
    categories: Any
    recipients: Any
    retention: dict[str, str]
    source: ExportSourceOut
    disclosures: list[ExportDisclosureOut]
    automated_grading: Any
    rights: Any
    supervisory_authority: Any


@get(
    "/api/v1/me/data",
    tags=["privacy"],
    media_type="application/json",
    # The handler returns the export's bytes (a download); this is what they hold.
    responses={
        200: ResponseSpec(DataExportOut, description="Mina uppgifter (artikel 15 och 20).", generate_examples=False)
    },
)
async def api_my_data(
    request: Request, exports: NamedDependency[AccessExports], pdf: NamedDependency[PdfRenderer]
) -> Response[bytes]:
    """Everything held about me (art. 15), table by table from the registry, each field with its description,
    category, purpose and retention, and `portable` marking what I provided (art. 20, also gathered under
    `portable.data`); with purposes, categories, recipients, retention, source, the disclosure log, how automatic
    grading works, my rights and the supervisory authority (IMY). A download (content-disposition attachment)."""
    return await export_download(request, await exports.export(principal_of(request).account_id), "json", pdf)


@get("/api/v1/me/data.pdf", tags=["privacy"], media_type="application/pdf")
async def api_my_data_pdf(
    request: Request,
    exports: NamedDependency[AccessExports],
    pdf: NamedDependency[PdfRenderer],
    course: NamedDependency[Course],
) -> Response[bytes]:
    """The same export as a letter in Swedish: what we hold, why and for how long, answers summed up per lesson; the
    full list of rows is the JSON file."""
    data = await exports.export(principal_of(request).account_id)
    return await export_download(request, data, "pdf", pdf, exports=exports, course=course)


class ReadyExportOut(msgspec.Struct):
    id: int  # the access request's
    ready_at: datetime
    available_until: datetime


@get("/api/v1/me/exports", tags=["privacy"])
async def api_my_exports(request: Request, cases: NamedDependency[CaseService]) -> list[ReadyExportOut]:
    """The exports my completed access requests released to me ("Ditt utdrag är klart"), newest first, each
    downloadable until `available_until` (30 days after it was ready)."""
    ready = await cases.ready_exports(principal_of(request).account_id, clock.now())
    return [ReadyExportOut(e.case_id, e.ready_at, e.available_until) for e in ready]


@get("/api/v1/me/exports/{case_id:int}", tags=["privacy"], media_type="application/json")
async def api_my_export(
    request: Request,
    cases: NamedDependency[CaseService],
    pdf: NamedDependency[PdfRenderer],
    exports: NamedDependency[AccessExports],
    course: NamedDependency[Course],
    case_id: FromPath[ExportId],
    format: ExportFormat = "json",
) -> Response[bytes]:
    """The export of my completed access request, as JSON or (`format=pdf`) PDF: my data as it is now, the same as
    GET /api/v1/me/data. 404 for anyone else's request, one not completed, or after `available_until`."""
    data = await cases.account_export(principal_of(request).account_id, case_id, clock.now())
    name = f"registerutdrag-begaran-{case_id}.{format}"
    return await export_download(request, data, format, pdf, filename=name, exports=exports, course=course)


class ProfileBody(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    current_password: Annotated[str, msgspec.Meta(max_length=PASSWORD_MAX)] | None = None
    first_name: Short | None = None
    last_name: Short | None = None
    mobile: Short | None = None
    source: Short | None = None
    profile_enabled: bool | None = None
    billing: dict[Short, Short | None] | None = None


class ProfileOut(msgspec.Struct):
    changed: list[str]
    notified: list[str]
    pending_email: str | None = None  # a new login address waiting for its confirmation link


@patch("/api/v1/me/profile", tags=["privacy"], opt={ERRORS_OPT: (429,)})  # a new address is mailed
async def api_my_profile(
    request: Request,
    rights: NamedDependency[RightsService],
    accounts: NamedDependency[AccountService],
    account_mail: NamedDependency[AccountMail],
    data: JSONBody[ProfileBody],
) -> ProfileOut:
    """Correct my contact data (`first_name`, `last_name`, `mobile`, `source`; an empty mobile or source clears
    it; a new `email`, the login address, with `current_password`: a wrong password counts as a failed login, and
    409 when another account has the address. The new address gets a link and the change takes effect when it is
    used (`POST /api/v1/auth/verify-email`): until then `pending_email` names it and the old address logs in; then
    the other sessions end and the old address is told), my billing data (`billing`: all of customer_type, address_line, postal_code, city and, for a company,
    company_name, org_number, reference) and the profile switch. A subsidiary that already received a changed field
    gets a notice (art. 19). 400 with `errors` per field."""
    contact = {name: getattr(data, name) for name in CONTACT_FIELDS if getattr(data, name) is not None}
    billing = dict(data.billing) if data.billing is not None else None
    await _confirm_new_email(request, accounts, data.email, data.current_password)
    changes = ProfileChanges(contact=contact, billing=billing, profile_enabled=data.profile_enabled)
    account_id = principal_of(request).account_id
    result = await rights.rectify(account_id, changes)
    pending = None
    if data.email is not None:
        await account_mail.request_email_change(account_id, data.email, client_address(request))
        pending = await account_mail.pending_email(account_id)
    return ProfileOut(changed=list(result.changed), notified=list(result.notified), pending_email=pending)


class RestrictionBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1100)] = ""


class RequestOut(msgspec.Struct):
    id: int
    type: str
    status: str
    received_on: date
    deadline: date | None


@post("/api/v1/me/restriction", status_code=201, tags=["privacy"])
async def api_my_restriction(
    request: Request, rights: NamedDependency[RightsService], data: JSONBody[RestrictionBody]
) -> RequestOut:
    """Ask for restriction (art. 18): from now on my data is only stored (no marketing, profiling, sharing or
    newsletter export); a case for customer service is opened. I am told before it is lifted."""
    view = await rights.request_restriction(principal_of(request).account_id, data.reason)
    return RequestOut(view.id, view.kind, view.status, view.received_on, view.deadline)


class ConsentOut(msgspec.Struct):
    kind: str
    label: str
    text: str
    policy_version: str
    channel: str
    given_at: datetime
    withdrawn_at: datetime | None
    active: bool  # counts: confirmed and not withdrawn
    state: str  # pending | given | withdrawn (double opt-in: pending until confirmed through the mailed link)
    confirmed_at: datetime | None = None
    confirmed_via: str | None = None  # email_link | verified_account | given_before_double_opt_in


@get("/api/v1/me/consents", tags=["privacy"])
async def api_my_consents(request: Request, rights: NamedDependency[RightsService]) -> list[ConsentOut]:
    """Every consent I gave (the account's and those given through the forms with my email), withdrawn ones too."""
    views = await rights.consents(principal_of(request).account_id)
    return [
        ConsentOut(
            v.kind,
            v.label,
            v.text,
            v.policy_version,
            v.channel,
            v.given_at,
            v.withdrawn_at,
            v.active,
            v.state.value,
            v.confirmed_at,
            v.confirmed_via,
        )
        for v in views
    ]


class WithdrawnOut(msgspec.Struct):
    kind: str
    withdrawn: int


@post("/api/v1/me/consents/{kind:str}/withdraw", status_code=200, tags=["privacy"])
async def api_withdraw_consent(
    request: Request, rights: NamedDependency[RightsService], kind: FromPath[Kind]
) -> WithdrawnOut:
    """Withdraw every consent of this kind (`newsletter`, …) not yet withdrawn, pending ones too; 404 when none."""
    count = await rights.withdraw_consent(principal_of(request).account_id, kind)
    return WithdrawnOut(kind=kind, withdrawn=count)


@post("/api/v1/me/erasure-request", status_code=201, tags=["privacy"])
async def api_erasure_request(request: Request, rights: NamedDependency[RightsService]) -> RequestOut:
    """Ask for erasure (art. 17). Customer service confirms my identity and carries it out within the deadline
    (one month from today). A second request while one is open returns the open one."""
    view = await rights.request_erasure(principal_of(request).account_id)
    return RequestOut(view.id, view.kind, view.status, view.received_on, view.deadline)


class PasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(max_length=PASSWORD_MAX)]
    new_password: Annotated[str, msgspec.Meta(max_length=PASSWORD_MAX)]


@post("/api/v1/me/password", status_code=204, tags=["me"], opt={ERRORS_OPT: (429,)})  # wrong current ones count
async def api_my_password(
    request: Request, accounts: NamedDependency[AccountService], data: JSONBody[PasswordBody]
) -> None:
    """Change my password. 204; every other session of the account is signed out, this one stays. 400 with
    `errors.current_password` for a wrong current password (counted as a failed login: 429 after too many) or
    `errors.new_password` when the new one breaks the password rule (at least 10 characters, not a common password,
    not containing my name or e-mail address)."""
    await _change_password(request, accounts, data.current_password, data.new_password)


class SessionOut(msgspec.Struct):
    id: int
    browser: str | None
    created_at: datetime
    last_used_at: datetime
    current: bool


def _session(view: SessionView) -> SessionOut:
    return SessionOut(view.id, view.label, view.created_at, view.last_used_at, view.current)


@get("/api/v1/me/sessions", tags=["me"])
async def api_my_sessions(request: Request, accounts: NamedDependency[AccountService]) -> list[SessionOut]:
    """My sessions in force: the browser ("Firefox på Windows", or null when not recognised), when it started and
    was last used (to within a few minutes), and which one is this request's."""
    views = await accounts.sessions(principal_of(request).account_id, request.scope.get("auth"))
    return [_session(view) for view in views]


@post("/api/v1/me/sessions/revoke", status_code=204, tags=["me"])
async def api_revoke_sessions(
    request: Request, accounts: NamedDependency[AccountService], settings: NamedDependency[Settings]
) -> Response[None]:
    """Log out everywhere: every session of my account ends, this one too (the session cookie is cleared)."""
    await accounts.end_all_sessions(principal_of(request).account_id)
    return Response(None, status_code=204, cookies=[expired_session_cookie(secure=settings.secure_cookies)])


ROUTER = Router(
    path="/",
    guards=[guards.logged_in],  # every route below: the person's own data
    route_handlers=[
        my_data_page,
        my_data_profile,
        my_data_email,
        my_data_password,
        my_data_revoke_sessions,
        my_data_profile_switch,
        my_data_restriction,
        my_data_withdraw,
        my_data_erasure,
        api_my_data,
        api_my_data_pdf,
        api_my_profile,
        api_my_restriction,
        api_my_consents,
        api_withdraw_consent,
        api_erasure_request,
        api_my_password,
        api_my_sessions,
        api_revoke_sessions,
        api_my_exports,
        api_my_export,
    ],
)

ROUTES: list[Any] = [ROUTER]
