"""Downloads the web layer shares: the access export (art. 15, 20) as a JSON or PDF attachment, the same for the
participant's own (Mina uppgifter, web/controllers/my_data.py) and for the export customer service sends for an
access request (web/controllers/support.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from litestar import Request, Response

from coursesite.pdf import PdfDocument, PdfRenderer
from coursesite.privacy.access import export_filename
from coursesite.web.middleware import client_address

PRIVATE_HEADERS = {"cache-control": "private, no-store"}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def attachment(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    """A private download (never cached) named `filename`."""
    return Response(
        content,
        media_type=media_type,
        headers=PRIVATE_HEADERS | {"content-disposition": f'attachment; filename="{filename}"'},
    )


def render_holder(request: Request) -> str:
    """Whose PDF render this is, for the per-account render slots (coursesite/pdf.py: RenderSlots): the logged-in
    account, or the client address for a download without a login (the access export by link)."""
    principal = request.scope.get("user")
    if principal is not None:
        return f"account:{principal.account_id}"
    return f"client:{client_address(request)}"


async def export_download(
    request: Request, data: dict[str, Any], extension: str, pdf: PdfRenderer, *, filename: str | None = None
) -> Response[bytes]:
    """An access export as a download: "json" (machine-readable) or "pdf" (the readable one, rendered off the loop,
    in one of the request's render slots)."""
    if extension == "pdf":
        content, media_type = await pdf.render(export_pdf(data), holder=render_holder(request)), "application/pdf"
    else:
        content = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode()
        media_type = "application/json"
    return attachment(content, media_type, filename or export_filename(extension))


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
