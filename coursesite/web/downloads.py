"""Downloads the web layer shares: the access export (art. 15, 20) as a JSON or PDF attachment, the same for the
participant's own (Mina uppgifter, web/controllers/my_data.py) and for the export customer service sends for an
access request (web/controllers/support.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from litestar import Request, Response

from coursesite.course.model import Course
from coursesite.pdf import PdfDocument, PdfRenderer
from coursesite.privacy.access import AccessExports, export_filename
from coursesite.privacy.letter import AnswerPlace, letter
from coursesite.privacy.policy import POLICY_PATH
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
    request: Request,
    data: dict[str, Any],
    extension: str,
    pdf: PdfRenderer,
    *,
    filename: str | None = None,
    exports: AccessExports | None = None,
    course: Course | None = None,
) -> Response[bytes]:
    """An access export as a download: "json" (machine-readable, every row) or "pdf" (a letter in Swedish, rendered
    off the loop, in one of the request's render slots). With `exports` and `course` the letter sums up the answers
    per lesson in the questions' words."""
    if extension == "pdf":
        places = await exports.answer_places(data) if exports is not None and course is not None else {}
        policy_url = exports.settings.policy_url if exports is not None else POLICY_PATH
        document = export_pdf(data, course, places, policy_url)
        content, media_type = await pdf.render(document, holder=render_holder(request)), "application/pdf"
    else:
        content = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode()
        media_type = "application/json"
    return attachment(content, media_type, filename or export_filename(extension))


# -- the PDF (rendered by the app's PdfRenderer)

PDF_TEMPLATE = "privacy/data_export_pdf.html"


def export_pdf(
    data: dict[str, Any],
    course: Course | None = None,
    places: dict[int, AnswerPlace] | None = None,
    policy_url: str = POLICY_PATH,
) -> PdfDocument:
    """The access export as a PDF letter to render (privacy/letter.py)."""
    return PdfDocument(PDF_TEMPLATE, {"l": letter(data, course, places, policy_url)})
