"""Mina uppgifter: the participant's rights (issue 5 §4). The page and its forms, and the JSON API:
GET /api/v1/me/data, GET /api/v1/me/data.pdf, PATCH /api/v1/me/profile, POST /api/v1/me/restriction,
GET /api/v1/me/consents, POST /api/v1/me/consents/{kind}/withdraw, POST /api/v1/me/erasure-request.
Logged-in people only: every route is in `ROUTER`, which carries the guard once. The work is in privacy/access.py
(`AccessExports`) and privacy/rights.py (`RightsService`); the export download is web/downloads.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.service import AccountService
from coursesite.accounts.validation import normalise_email
from coursesite.billing.ledger import LedgerService
from coursesite.core.errors import Conflict, Invalid, RateLimited
from coursesite.pdf import PdfRenderer
from coursesite.privacy.access import AccessExports
from coursesite.privacy.rights import BILLING_FIELDS, CONTACT_FIELDS, ProfileChanges, RightsService
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.downloads import export_download
from coursesite.web.forms import read_form

Short = Annotated[str, msgspec.Meta(max_length=200)]
Kind = Annotated[str, PathParameter(max_length=30, pattern=r"^[a-z_]{1,30}$")]
NOTICES = {
    "profil": "Dina uppgifter är ändrade.",
    "begransning": "Din begäran om begränsning är mottagen. Vi behandlar nu bara dina uppgifter genom att lagra dem.",
    "samtycke": "Samtycket är återkallat.",
    "radering": "Din begäran om radering är mottagen. Kundtjänst kontrollerar din identitet och hör av sig.",
    "profilval": "Ditt val om profilen är sparat.",
    "epost": "Din e-postadress är ändrad. Logga in med den nya adressen från och med nu.",
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
class ProfileSwitchForm:
    profile_enabled: bool = False


@dataclass
class RestrictionForm:
    reason: str = ""


# -- the page


async def _page(
    request: Request,
    rights: RightsService,
    ledger: LedgerService,
    *,
    notice: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Template:
    account_id = principal_of(request).account_id
    contact = await rights.contact(account_id)
    customer = await ledger.customer(account_id)
    return Template(
        "privacy/my_data.html",
        context={
            "contact": contact,
            "customer": customer,
            "values": {**contact, **(customer or {}), **(values or {})},
            "errors": errors or {},
            "message": message,
            "notice": notice,
            "state": await rights.privacy_state(account_id),
            "consents": await rights.consents(account_id),
            "requests": await rights.requests(account_id),
        },
        status_code=status_code,
    )


@get("/mina-uppgifter", name="my_data", include_in_schema=False)
async def my_data_page(
    request: Request,
    rights: NamedDependency[RightsService],
    ledger: NamedDependency[LedgerService],
    klart: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template:
    return await _page(request, rights, ledger, notice=NOTICES.get(klart or ""))


@post("/mina-uppgifter/profil", status_code=303, include_in_schema=False)
async def my_data_profile(
    request: Request, rights: NamedDependency[RightsService], ledger: NamedDependency[LedgerService]
) -> Template | Redirect:
    form = read_form(ProfileForm, await request.form())
    contact = {name: getattr(form, name).strip() for name in CONTACT_FIELDS}
    billing_values = {name: getattr(form, name).strip() for name in BILLING_FIELDS} if form.customer_type else None
    try:
        await rights.rectify(principal_of(request).account_id, ProfileChanges(contact=contact, billing=billing_values))
    except Invalid as exc:
        errors = dict(exc.field_errors)
        shown = {k: ("" if k in errors else v) for k, v in (contact | (billing_values or {})).items()}
        return await _page(request, rights, ledger, errors=errors, values=shown, message=exc.message, status_code=400)
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
    client = request.client.host if request.client else ""
    await accounts.confirm_password(principal_of(request).account_id, password[:PASSWORD_MAX], client)


@post("/mina-uppgifter/epost", status_code=303, include_in_schema=False)
async def my_data_email(
    request: Request,
    rights: NamedDependency[RightsService],
    ledger: NamedDependency[LedgerService],
    accounts: NamedDependency[AccountService],
) -> Template | Redirect:
    form = read_form(EmailForm, await request.form())
    email = form.email[:300]
    try:
        await _confirm_new_email(request, accounts, email, form.current_password)
        await rights.rectify(principal_of(request).account_id, ProfileChanges(email=email))
    except (Invalid, Conflict, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 409 if isinstance(exc, Conflict) else 400
        errors = dict(exc.field_errors) or {"current_password": exc.message}
        return await _page(
            request, rights, ledger, errors=errors, values={"email": email}, message=exc.message, status_code=status
        )
    return Redirect("/mina-uppgifter?klart=epost", status_code=303)


@post("/mina-uppgifter/profilval", status_code=303, include_in_schema=False)
async def my_data_profile_switch(request: Request, rights: NamedDependency[RightsService]) -> Redirect:
    form = read_form(ProfileSwitchForm, await request.form())
    changes = ProfileChanges(profile_enabled=form.profile_enabled)
    await rights.rectify(principal_of(request).account_id, changes)
    return Redirect("/mina-uppgifter?klart=profilval", status_code=303)


@post("/mina-uppgifter/begransning", status_code=303, include_in_schema=False)
async def my_data_restriction(
    request: Request, rights: NamedDependency[RightsService], ledger: NamedDependency[LedgerService]
) -> Template | Redirect:
    form = read_form(RestrictionForm, await request.form())
    try:
        await rights.request_restriction(principal_of(request).account_id, form.reason)
    except Invalid as exc:
        return await _page(request, rights, ledger, errors=dict(exc.field_errors), message=exc.message, status_code=400)
    return Redirect("/mina-uppgifter?klart=begransning", status_code=303)


@post("/mina-uppgifter/samtycken/{kind:str}/aterkalla", status_code=303, include_in_schema=False)
async def my_data_withdraw(request: Request, rights: NamedDependency[RightsService], kind: FromPath[Kind]) -> Redirect:
    await rights.withdraw_consent(principal_of(request).account_id, kind)
    return Redirect("/mina-uppgifter?klart=samtycke", status_code=303)


@post("/mina-uppgifter/radering", status_code=303, include_in_schema=False)
async def my_data_erasure(request: Request, rights: NamedDependency[RightsService]) -> Redirect:
    await rights.request_erasure(principal_of(request).account_id)
    return Redirect("/mina-uppgifter?klart=radering", status_code=303)


# -- the API


@get("/api/v1/me/data", tags=["privacy"], media_type="application/json")
async def api_my_data(
    request: Request, exports: NamedDependency[AccessExports], pdf: NamedDependency[PdfRenderer]
) -> Response[bytes]:
    """Everything held about me (art. 15), table by table from the registry, each field with its description,
    category, purpose and retention, and `portable` marking what I provided (art. 20, also gathered under
    `portable.data`); with purposes, categories, recipients, retention, source, the disclosure log, how automatic
    grading works, my rights and the supervisory authority (IMY). A download (content-disposition attachment)."""
    return await export_download(await exports.export(principal_of(request).account_id), "json", pdf)


@get("/api/v1/me/data.pdf", tags=["privacy"], media_type="application/pdf")
async def api_my_data_pdf(
    request: Request, exports: NamedDependency[AccessExports], pdf: NamedDependency[PdfRenderer]
) -> Response[bytes]:
    """The same export as a readable PDF in Swedish."""
    return await export_download(await exports.export(principal_of(request).account_id), "pdf", pdf)


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


@patch("/api/v1/me/profile", tags=["privacy"])
async def api_my_profile(
    request: Request,
    rights: NamedDependency[RightsService],
    accounts: NamedDependency[AccountService],
    data: JSONBody[ProfileBody],
) -> ProfileOut:
    """Correct my contact data (`first_name`, `last_name`, `mobile`, `source`; an empty mobile or source clears
    it; a new `email`, the login address, with `current_password`: a wrong password counts as a failed login, and
    409 when another account has the address), my billing data (`billing`: all of customer_type, address_line, postal_code, city and, for a company,
    company_name, org_number, reference) and the profile switch. A subsidiary that already received a changed field
    gets a notice (art. 19). 400 with `errors` per field."""
    contact = {name: getattr(data, name) for name in CONTACT_FIELDS if getattr(data, name) is not None}
    billing = dict(data.billing) if data.billing is not None else None
    await _confirm_new_email(request, accounts, data.email, data.current_password)
    changes = ProfileChanges(contact=contact, billing=billing, profile_enabled=data.profile_enabled, email=data.email)
    result = await rights.rectify(principal_of(request).account_id, changes)
    return ProfileOut(changed=list(result.changed), notified=list(result.notified))


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
    active: bool


@get("/api/v1/me/consents", tags=["privacy"])
async def api_my_consents(request: Request, rights: NamedDependency[RightsService]) -> list[ConsentOut]:
    """Every consent I gave (the account's and those given through the forms with my email), withdrawn ones too."""
    views = await rights.consents(principal_of(request).account_id)
    return [
        ConsentOut(v.kind, v.label, v.text, v.policy_version, v.channel, v.given_at, v.withdrawn_at, v.active)
        for v in views
    ]


class WithdrawnOut(msgspec.Struct):
    kind: str
    withdrawn: int


@post("/api/v1/me/consents/{kind:str}/withdraw", status_code=200, tags=["privacy"])
async def api_withdraw_consent(
    request: Request, rights: NamedDependency[RightsService], kind: FromPath[Kind]
) -> WithdrawnOut:
    """Withdraw every active consent of this kind (`newsletter`, …) in one call; 404 when none is active."""
    count = await rights.withdraw_consent(principal_of(request).account_id, kind)
    return WithdrawnOut(kind=kind, withdrawn=count)


@post("/api/v1/me/erasure-request", status_code=201, tags=["privacy"])
async def api_erasure_request(request: Request, rights: NamedDependency[RightsService]) -> RequestOut:
    """Ask for erasure (art. 17). Customer service confirms my identity and carries it out within the deadline
    (one month from today). A second request while one is open returns the open one."""
    view = await rights.request_erasure(principal_of(request).account_id)
    return RequestOut(view.id, view.kind, view.status, view.received_on, view.deadline)


ROUTER = Router(
    path="/",
    guards=[guards.logged_in],  # every route below: the person's own data
    route_handlers=[
        my_data_page,
        my_data_profile,
        my_data_email,
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
    ],
)

ROUTES: list[Any] = [ROUTER]
