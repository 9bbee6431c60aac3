"""Downloads the web layer shares: the access export (art. 15, 20) as a JSON or PDF attachment, the same for the
participant's own (Mina uppgifter, web/controllers/my_data.py) and for the export customer service sends for an
access request (web/controllers/support.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import anyio
from litestar import Response

from coursesite.privacy.access import export_filename
from coursesite.settings import REPO_ROOT

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


async def export_download(data: dict[str, Any], extension: str, *, filename: str | None = None) -> Response[bytes]:
    """An access export as a download: "json" (machine-readable) or "pdf" (the readable one, rendered off the loop)."""
    if extension == "pdf":
        content, media_type = await anyio.to_thread.run_sync(render_export_pdf, data), "application/pdf"
    else:
        content = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode()
        media_type = "application/json"
    return attachment(content, media_type, filename or export_filename(extension))


# -- the PDF (WeasyPrint, blocking: called in a worker thread)

PDF_TEMPLATE = "privacy/data_export_pdf.html"


def render_export_pdf(data: dict[str, Any]) -> bytes:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from weasyprint import HTML

    from coursesite.billing.pdf import LocalOnlyFetcher

    environment = Environment(
        loader=FileSystemLoader(REPO_ROOT / "templates"), autoescape=select_autoescape(default=True)
    )
    html = environment.get_template(PDF_TEMPLATE).render(data=data, show=_show)
    templates = REPO_ROOT / "templates" / "privacy"
    fetcher = LocalOnlyFetcher((templates,))
    return HTML(string=html, base_url=templates.as_uri() + "/", url_fetcher=fetcher).write_pdf()


def _show(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
