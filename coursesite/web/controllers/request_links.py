"""The links in a data-subject request's messages (issue 11 §4; privacy/request_mail.py): confirming the request
(`/bekrafta-begaran?token=…`, and `POST /api/v1/support/requests/confirm`) and downloading the access export of
someone known only from the forms (`/registerutdrag?token=…`). No login: the link is the proof.

A link only opens a page; its button POSTs (with the page's CSRF token). Mail scanners follow links, and must not
confirm anything. The work is in support/requests.py (through CaseService)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.response import Template

from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.course.model import Course
from coursesite.pdf import PdfRenderer
from coursesite.privacy.access import AccessExports
from coursesite.privacy.request_mail import ASKED_SV, NAME_SV
from coursesite.support.cases import CaseService
from coursesite.web import guards
from coursesite.web.downloads import export_download
from coursesite.web.forms import read_form

TOKEN_MAX = 200
TokenQuery = Annotated[str | None, QueryParameter(max_length=TOKEN_MAX)]
FORMATS = ("pdf", "json")


@dataclass
class TokenForm:
    token: str = ""


@dataclass
class DownloadForm:
    token: str = ""
    format: str = ""


def _confirm_page(status_code: int = 200, **context: Any) -> Template:
    base = {"request_view": None, "token": "", "asked": ASKED_SV, "names": NAME_SV, "message": None, "done": False}
    return Template("support/confirm_request.html", context=base | context, status_code=status_code)


@get("/bekrafta-begaran", name="confirm_request", include_in_schema=False)
async def confirm_page(cases: NamedDependency[CaseService], token: TokenQuery = None) -> Template:
    """What was asked and when, and one button. Never confirms on GET."""
    view = await cases.linked_request(token)
    return _confirm_page(request_view=view, token=token if view else "")


@post("/bekrafta-begaran", status_code=200, include_in_schema=False)
async def confirm_submit(request: Request, cases: NamedDependency[CaseService]) -> Template:
    form = read_form(TokenForm, await request.form())
    try:
        await cases.confirm_by_link(form.token[:TOKEN_MAX], clock.now())
    except (Invalid, Conflict) as exc:
        return _confirm_page(message=exc.message, status_code=409 if isinstance(exc, Conflict) else 400)
    return _confirm_page(done=True)


class TokenBody(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(max_length=TOKEN_MAX)]


@post("/api/v1/support/requests/confirm", status_code=204, tags=["support"])
async def api_confirm(cases: NamedDependency[CaseService], data: JSONBody[TokenBody]) -> None:
    """The person confirms their data-subject request with the token from the e-mail (no login: the link is the
    proof; the app's CSRF rule applies as for every POST). 204: the request is confirmed (`identity_method`
    `email_link`) and customer service can carry it out; a request already confirmed some other way stays as it
    was. 400 for an unknown, used or expired token; 409 when the request is already closed."""
    await cases.confirm_by_link(data.token, clock.now())


def _export_page(status_code: int = 200, **context: Any) -> Template:
    base = {"token": "", "message": None, "formats": FORMATS}
    return Template("privacy/export_link.html", context=base | context, status_code=status_code)


@get("/registerutdrag", name="export_link", include_in_schema=False)
async def export_page(cases: NamedDependency[CaseService], token: TokenQuery = None) -> Template:
    """The download buttons of a form person's access export (the export is built when a button is pressed)."""
    try:
        await cases.export_link_case(token, clock.now())
    except NotFound as exc:
        return _export_page(message=exc.message, status_code=404)
    return _export_page(token=token)


@post("/registerutdrag", status_code=200, include_in_schema=False, response_model=None)
async def export_submit(
    request: Request,
    cases: NamedDependency[CaseService],
    pdf: NamedDependency[PdfRenderer],
    exports: NamedDependency[AccessExports],
    course: NamedDependency[Course],
) -> Response[bytes] | Template:
    form = read_form(DownloadForm, await request.form())
    extension = form.format if form.format in FORMATS else "pdf"
    try:
        case_id, data = await cases.person_export_by_link(form.token[:TOKEN_MAX], clock.now())
    except NotFound as exc:
        return _export_page(message=exc.message, status_code=404)
    name = f"registerutdrag-{case_id}.{extension}"
    return await export_download(request, data, extension, pdf, filename=name, exports=exports, course=course)


ROUTER = Router(
    path="/",
    guards=[guards.public],  # the link is the proof
    route_handlers=[confirm_page, confirm_submit, api_confirm, export_page, export_submit],
)

ROUTES: list[Any] = [ROUTER]
