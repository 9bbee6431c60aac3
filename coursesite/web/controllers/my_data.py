"""Mina uppgifter: the participant's rights (issue 5 §4). The page and its forms, and the JSON API:
GET /api/v1/me/data, GET /api/v1/me/data.pdf, PATCH /api/v1/me/profile, POST /api/v1/me/restriction,
GET /api/v1/me/consents, POST /api/v1/me/consents/{kind}/withdraw, POST /api/v1/me/erasure-request.
The work is in privacy/access.py and privacy/rights.py."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, patch, post
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.accounts.validation import normalise_email
from coursesite.core.errors import Conflict, Invalid, RateLimited
from coursesite.pdf import PdfDocument, PdfRenderer
from coursesite.privacy.access import access_export, export_filename
from coursesite.privacy.rights import BILLING_FIELDS, CONTACT_FIELDS, ProfileChanges, RightsService
from coursesite.web import guards
from coursesite.web.deps import billing_of, configured_periods, controller_name, principal_of, settings_of

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
JSON_HEADERS = {"cache-control": "private, no-store"}


def rights_of(request: Request) -> RightsService:
    service = getattr(request.app.state, "rights", None)
    return service if service is not None else RightsService(request.app.state.engine)


async def _export(request: Request) -> dict[str, Any]:
    return await access_export(
        principal_of(request).account_id,
        periods=configured_periods(request),
        controller=controller_name(request),
        login_secret=settings_of(request).secret_key,
    )


# -- the page


async def _page(request: Request, *, notice=None, errors=None, values=None, message=None, status_code=200) -> Template:
    account_id = principal_of(request).account_id
    service = rights_of(request)
    contact = await service.contact(account_id)
    customer = await billing_of(request).customer(account_id)
    return Template(
        "privacy/my_data.html",
        context={
            "contact": contact,
            "customer": customer,
            "values": {**contact, **(customer or {}), **(values or {})},
            "errors": errors or {},
            "message": message,
            "notice": notice,
            "state": await service.privacy_state(account_id),
            "consents": await service.consents(account_id),
            "requests": await service.requests(account_id),
        },
        status_code=status_code,
    )


@get("/mina-uppgifter", guards=[guards.logged_in], name="my_data", include_in_schema=False)
async def my_data_page(
    request: Request, klart: Annotated[str | None, QueryParameter(max_length=20)] = None
) -> Template:
    return await _page(request, notice=NOTICES.get(klart or ""))


def _form_values(form: Any, names: tuple[str, ...], limit: int = 300) -> dict[str, str]:
    values = {}
    for name in names:
        raw = form.get(name)
        if isinstance(raw, str):
            values[name] = raw.strip()[:limit]
    return values


@post("/mina-uppgifter/profil", guards=[guards.logged_in], status_code=303, include_in_schema=False)
async def my_data_profile(request: Request) -> Template | Redirect:
    form = await request.form()
    contact = _form_values(form, CONTACT_FIELDS)
    billing = _form_values(form, BILLING_FIELDS) if form.get("address_line") is not None else None
    try:
        await rights_of(request).rectify(
            principal_of(request).account_id, ProfileChanges(contact=contact, billing=billing)
        )
    except Invalid as exc:
        errors = dict(exc.field_errors)
        shown = {k: ("" if k in errors else v) for k, v in (contact | (billing or {})).items()}
        return await _page(request, errors=errors, values=shown, message=exc.message, status_code=400)
    return Redirect("/mina-uppgifter?klart=profil", status_code=303)


async def _confirm_new_email(request: Request, email: str | None, password: str | None) -> None:
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
    await request.app.state.services.accounts.confirm_password(
        principal_of(request).account_id, password[:PASSWORD_MAX], client
    )


@post("/mina-uppgifter/epost", guards=[guards.logged_in], status_code=303, include_in_schema=False)
async def my_data_email(request: Request) -> Template | Redirect:
    form = await request.form()
    email = str(form.get("email") or "")[:300]
    password = str(form.get("current_password") or "")
    try:
        await _confirm_new_email(request, email, password)
        await rights_of(request).rectify(principal_of(request).account_id, ProfileChanges(email=email))
    except (Invalid, Conflict, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 409 if isinstance(exc, Conflict) else 400
        errors = dict(exc.field_errors) or {"current_password": exc.message}
        return await _page(request, errors=errors, values={"email": email}, message=exc.message, status_code=status)
    return Redirect("/mina-uppgifter?klart=epost", status_code=303)


@post("/mina-uppgifter/profilval", guards=[guards.logged_in], status_code=303, include_in_schema=False)
async def my_data_profile_switch(request: Request) -> Redirect:
    form = await request.form()
    enabled = form.get("profile_enabled") == "on"
    await rights_of(request).rectify(principal_of(request).account_id, ProfileChanges(profile_enabled=enabled))
    return Redirect("/mina-uppgifter?klart=profilval", status_code=303)


@post("/mina-uppgifter/begransning", guards=[guards.logged_in], status_code=303, include_in_schema=False)
async def my_data_restriction(request: Request) -> Template | Redirect:
    form = await request.form()
    reason = form.get("reason")
    try:
        await rights_of(request).request_restriction(
            principal_of(request).account_id, reason[:1100] if isinstance(reason, str) else ""
        )
    except Invalid as exc:
        return await _page(request, errors=dict(exc.field_errors), message=exc.message, status_code=400)
    return Redirect("/mina-uppgifter?klart=begransning", status_code=303)


@post(
    "/mina-uppgifter/samtycken/{kind:str}/aterkalla",
    guards=[guards.logged_in],
    status_code=303,
    include_in_schema=False,
)
async def my_data_withdraw(request: Request, kind: FromPath[Kind]) -> Redirect:
    await rights_of(request).withdraw_consent(principal_of(request).account_id, kind)
    return Redirect("/mina-uppgifter?klart=samtycke", status_code=303)


@post("/mina-uppgifter/radering", guards=[guards.logged_in], status_code=303, include_in_schema=False)
async def my_data_erasure(request: Request) -> Redirect:
    await rights_of(request).request_erasure(principal_of(request).account_id)
    return Redirect("/mina-uppgifter?klart=radering", status_code=303)


# -- the API


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@get("/api/v1/me/data", guards=[guards.logged_in], tags=["privacy"], media_type="application/json")
async def api_my_data(request: Request, pdf: PdfRenderer) -> Response[bytes]:
    """Everything held about me (art. 15), table by table from the registry, each field with its description,
    category, purpose and retention, and `portable` marking what I provided (art. 20, also gathered under
    `portable.data`); with purposes, categories, recipients, retention, source, the disclosure log, how automatic
    grading works, my rights and the supervisory authority (IMY). A download (content-disposition attachment)."""
    return await export_download(await _export(request), "json", pdf)


@get("/api/v1/me/data.pdf", guards=[guards.logged_in], tags=["privacy"], media_type="application/pdf")
async def api_my_data_pdf(request: Request, pdf: PdfRenderer) -> Response[bytes]:
    """The same export as a readable PDF in Swedish."""
    return await export_download(await _export(request), "pdf", pdf)


async def export_download(
    data: dict[str, Any], extension: str, pdf: PdfRenderer, *, filename: str | None = None
) -> Response[bytes]:
    """An access export as a download: "json" (machine-readable) or "pdf" (the readable one, rendered off the loop)."""
    if extension == "pdf":
        content, media_type = await pdf.render(export_pdf(data)), "application/pdf"
    else:
        content = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode()
        media_type = "application/json"
    name = filename or export_filename(extension)
    return Response(
        content, media_type=media_type, headers=JSON_HEADERS | {"content-disposition": f'attachment; filename="{name}"'}
    )


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


@patch("/api/v1/me/profile", guards=[guards.logged_in], tags=["privacy"])
async def api_my_profile(request: Request, data: JSONBody[ProfileBody]) -> ProfileOut:
    """Correct my contact data (`first_name`, `last_name`, `mobile`, `source`; an empty mobile or source clears
    it; a new `email`, the login address, with `current_password`: a wrong password counts as a failed login, and
    409 when another account has the address), my billing data (`billing`: all of customer_type, address_line, postal_code, city and, for a company,
    company_name, org_number, reference) and the profile switch. A subsidiary that already received a changed field
    gets a notice (art. 19). 400 with `errors` per field."""
    contact = {name: getattr(data, name) for name in CONTACT_FIELDS if getattr(data, name) is not None}
    billing = dict(data.billing) if data.billing is not None else None
    await _confirm_new_email(request, data.email, data.current_password)
    changes = ProfileChanges(contact=contact, billing=billing, profile_enabled=data.profile_enabled, email=data.email)
    result = await rights_of(request).rectify(principal_of(request).account_id, changes)
    return ProfileOut(changed=list(result.changed), notified=list(result.notified))


class RestrictionBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1100)] = ""


class RequestOut(msgspec.Struct):
    id: int
    type: str
    status: str
    received_on: date
    deadline: date | None


@post("/api/v1/me/restriction", guards=[guards.logged_in], status_code=201, tags=["privacy"])
async def api_my_restriction(request: Request, data: JSONBody[RestrictionBody]) -> RequestOut:
    """Ask for restriction (art. 18): from now on my data is only stored (no marketing, profiling, sharing or
    newsletter export); a case for customer service is opened. I am told before it is lifted."""
    view = await rights_of(request).request_restriction(principal_of(request).account_id, data.reason)
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


@get("/api/v1/me/consents", guards=[guards.logged_in], tags=["privacy"])
async def api_my_consents(request: Request) -> list[ConsentOut]:
    """Every consent I gave (the account's and those given through the forms with my email), withdrawn ones too."""
    views = await rights_of(request).consents(principal_of(request).account_id)
    return [
        ConsentOut(v.kind, v.label, v.text, v.policy_version, v.channel, v.given_at, v.withdrawn_at, v.active)
        for v in views
    ]


class WithdrawnOut(msgspec.Struct):
    kind: str
    withdrawn: int


@post("/api/v1/me/consents/{kind:str}/withdraw", guards=[guards.logged_in], status_code=200, tags=["privacy"])
async def api_withdraw_consent(request: Request, kind: FromPath[Kind]) -> WithdrawnOut:
    """Withdraw every active consent of this kind (`newsletter`, …) in one call; 404 when none is active."""
    count = await rights_of(request).withdraw_consent(principal_of(request).account_id, kind)
    return WithdrawnOut(kind=kind, withdrawn=count)


@post("/api/v1/me/erasure-request", guards=[guards.logged_in], status_code=201, tags=["privacy"])
async def api_erasure_request(request: Request) -> RequestOut:
    """Ask for erasure (art. 17). Customer service confirms my identity and carries it out within the deadline
    (one month from today). A second request while one is open returns the open one."""
    view = await rights_of(request).request_erasure(principal_of(request).account_id)
    return RequestOut(view.id, view.kind, view.status, view.received_on, view.deadline)


# -- the PDF (rendered by the app's PdfRenderer)

PDF_TEMPLATE = "privacy/data_export_pdf.html"


def export_pdf(data: dict[str, Any]) -> PdfDocument:
    """The access export as a PDF to render."""
    return PdfDocument(PDF_TEMPLATE, {"data": data, "show": _show})


def _show(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


ROUTES: list[Any] = [
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
]
