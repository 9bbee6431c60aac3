"""Unsubscribes made at the newsletter services, imported (issue 11 §5; signups/unsubscribes.py).

Finance, customer service and admin upload Mailchimp's or Apsis's unsubscribe export at
/personal/nyhetsbrev/avregistreringar (multipart, CSRF), or send it to `POST /api/v1/newsletter/unsubscribes
?service=mailchimp|apsis` as multipart with the field `file` (as the BgMax import). The answer is the summary; a file
with any bad row is refused with every problem listed, and nothing is changed.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Template

from coursesite.accounts.roles import Role
from coursesite.core.errors import Invalid
from coursesite.signups.unsubscribe_files import MAX_FILE_BYTES
from coursesite.signups.unsubscribes import SERVICES, ImportSummary, UnsubscribeImport
from coursesite.web import guards
from coursesite.web.deps import principal_of

IMPORTERS = guards.roles(Role.FINANCE, Role.CUSTOMER_SERVICE, Role.ADMIN)
SERVICE_LABELS = {"mailchimp": "Mailchimp", "apsis": "Apsis"}
BODY_MAX = MAX_FILE_BYTES + 64 * 1024  # the file and the multipart framing
MAX_MB = MAX_FILE_BYTES // (1024 * 1024)
MSG_NO_FILE = "Välj filen med avregistreringar."
MSG_SERVICE = "Välj Mailchimp eller Apsis."


async def _read_upload(upload: Any) -> bytes:
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid(MSG_NO_FILE, field_errors={"file": MSG_NO_FILE})
    try:
        data = await upload.read(MAX_FILE_BYTES + 1)
    finally:
        await upload.close()
    if len(data) > MAX_FILE_BYTES:
        message = f"Filen är för stor: högst {MAX_MB} MB."
        raise Invalid(message, field_errors={"file": message})
    return data


def _page(
    *,
    summary: ImportSummary | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    service: str = "",
    status_code: int = 200,
) -> Template:
    context = {
        "summary": summary,
        "errors": errors or {},
        "message": message,
        "service": service,
        "services": SERVICE_LABELS,
        "max_mb": MAX_MB,
    }
    return Template("forms/newsletter_unsubscribes.html", context=context, status_code=status_code)


@get("/", name="newsletter_unsubscribes")
async def unsubscribes_page() -> Template:
    return _page()


@post("/", status_code=200, request_max_body_size=BODY_MAX)
async def unsubscribes_submit(
    request: Request[Any, Any, Any], unsubscribes: NamedDependency[UnsubscribeImport]
) -> Template:
    form = await request.form()  # a file and a choice: read as they are, not through a form class
    service = form.get("service")
    service = service[:20] if isinstance(service, str) else ""
    try:
        if service not in SERVICES:
            raise Invalid(MSG_SERVICE, field_errors={"service": MSG_SERVICE})
        data = await _read_upload(form.get("file"))
        summary = await unsubscribes.import_file(data, service, actor_id=principal_of(request).account_id)
    except Invalid as exc:
        return _page(
            errors=exc.field_errors or {"file": exc.message},
            message=exc.message,
            service=service if service in SERVICES else "",
            status_code=400,
        )
    return _page(summary=summary, service=service)


# -- the API


class UnsubscribeImportOut(msgspec.Struct):
    service: str
    rows: int  # data rows in the file
    addresses: int  # distinct addresses among them
    withdrawn: int  # people whose newsletter consent was withdrawn now
    already_withdrawn: int
    consent_later: int  # a consent given after the unsubscribe: kept
    no_consent: int  # known to us, never a newsletter consent
    unknown: int  # not known to us: counted, not stored
    skipped: int  # rows that are not unsubscribes (other Apsis events)
    notified: list[str]  # the other processors given a withdrawal notice


@post("/api/v1/newsletter/unsubscribes", status_code=200, tags=["newsletter"], request_max_body_size=BODY_MAX)
async def api_unsubscribes(
    request: Request[Any, Any, Any],
    unsubscribes: NamedDependency[UnsubscribeImport],
    data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
    service: Annotated[str, QueryParameter(max_length=20, description="mailchimp | apsis")],
) -> UnsubscribeImportOut:
    """Import a newsletter service's unsubscribe export (multipart, field `file`; at most 10 MB): Mailchimp's
    unsubscribed members export, or Apsis's email event export or opt-out list. Each address withdraws the newsletter
    consent. 400 lists every problem of the file by line and column; nothing is changed then."""
    if service not in SERVICES:
        raise Invalid(MSG_SERVICE, field_errors={"service": MSG_SERVICE})
    file_data = await _read_upload(data.get("file"))
    summary = await unsubscribes.import_file(file_data, service, actor_id=principal_of(request).account_id)
    return UnsubscribeImportOut(
        service=summary.service,
        rows=summary.rows,
        addresses=summary.addresses,
        withdrawn=summary.withdrawn,
        already_withdrawn=summary.already_withdrawn,
        consent_later=summary.consent_later,
        no_consent=summary.no_consent,
        unknown=summary.unknown,
        skipped=summary.skipped,
        notified=list(summary.notified),
    )


ROUTES: list[Router] = [
    Router(
        path="/personal/nyhetsbrev/avregistreringar",
        route_handlers=[unsubscribes_page, unsubscribes_submit],
        guards=[IMPORTERS],
        include_in_schema=False,
    ),
    Router(path="/", route_handlers=[api_unsubscribes], guards=[IMPORTERS]),
]
