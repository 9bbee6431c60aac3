"""Invoices, credit notes and completion certificates as PDF: Jinja2 templates in templates/billing/, rendered by
WeasyPrint.

WeasyPrint blocks for tens of milliseconds and holds the GIL, so the web app never calls it on the event loop: a
`PdfRenderer` sends the work to a process pool. The worker functions are top-level (picklable) and build their Jinja
environment, stylesheets and font configuration once per process. `render_document_pdf` and
`render_certificate_pdf` are the same work done in the calling process, for tests and the command line.

Nothing is fetched from the network: every URL goes through `LocalOnlyFetcher`, which serves only files under the
billing templates and the static CSS, and `data:` URLs. Fonts are the system's (DejaVu), never a web font.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from coursesite.billing.document import CustomerType, DocumentKind, InvoiceDocument
from coursesite.core import formatting
from coursesite.settings import REPO_ROOT

__all__ = [
    "CertificatePdf",
    "LocalOnlyFetcher",
    "PdfRenderer",
    "default_workers",
    "render_certificate_pdf",
    "render_document_pdf",
]

TEMPLATES_DIR = REPO_ROOT / "templates"
BILLING_TEMPLATES = TEMPLATES_DIR / "billing"
STATIC_CSS = Path(__file__).resolve().parent.parent / "static" / "css"
INVOICE_TEMPLATE = "billing/invoice_pdf.html"
CERTIFICATE_TEMPLATE = "certificates/certificate_pdf.html"
INVOICE_CSS = BILLING_TEMPLATES / "invoice_pdf.css"
CERTIFICATE_CSS = TEMPLATES_DIR / "certificates" / "certificate_pdf.css"


@dataclass(frozen=True)
class CertificatePdf:
    """What the certificate PDF shows. The full name is on the PDF only; the public check never shows it."""

    full_name: str
    course_title: str
    completed_on: date
    code: str
    verify_url: str  # the public check page for this code, absolute
    issuer: str = "Balansekonomi Svenska AB"


# -- fetching: local files only


def _local_fetcher_class():
    from weasyprint.urls import URLFetcher

    class _LocalOnlyFetcher(URLFetcher):
        """Refuses every URL that is not a file under `roots` or a `data:` URL, so a PDF never reaches another host
        (and a stray `file:///etc/...` in a template or a name never gets read)."""

        def __init__(self, roots: tuple[Path, ...]) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)
            self._roots = tuple(root.resolve() for root in roots)

        def fetch(self, url: str, headers: Any = None):
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"PDF rendering fetches local files only, refused: {scheme or 'relative'} URL")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError("PDF rendering fetches only the billing templates and static CSS")
            return super().fetch(url, headers)

    return _LocalOnlyFetcher


def LocalOnlyFetcher(roots: tuple[Path, ...] = (BILLING_TEMPLATES, CERTIFICATE_CSS.parent, STATIC_CSS)):  # noqa: N802 - reads like a class
    """A WeasyPrint URL fetcher that serves only files under `roots` (and `data:` URLs); WeasyPrint is imported on
    first use so the web process does not load it unless it renders in-process."""
    return _local_fetcher_class()(roots)


# -- formatting for the templates


def _percent(rate: Decimal) -> str:
    """0.25 -> '25 %', 0.125 -> '12,5 %' (with a no-break space), the rate as the totals carry it."""
    points = (Decimal(rate) * 100).normalize()
    if points == points.to_integral_value():
        points = points.quantize(Decimal(1))  # normalize() writes 100 as 1E+2
    return formatting.format_decimal_sv(points) + "\u00a0%"


def _iso(value: date | None) -> str:
    # Swedish invoices conventionally print dates as 2026-11-26: short, unambiguous and sortable.
    return value.isoformat() if value is not None else ""


def _money(ore: int) -> str:
    return formatting.format_money_ore(ore)


# -- the per-process state: built once, reused for every document


@dataclass
class _Kit:
    environment: Any
    fetcher: Any
    font_config: Any
    invoice_css: Any
    certificate_css: Any


@functools.cache
def _kit() -> _Kit:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing field fails the render instead of printing an empty line
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(money=_money, iso=_iso, percent=_percent, date_long=formatting.format_date_long)
    environment.globals.update(DocumentKind=DocumentKind, CustomerType=CustomerType)
    fetcher = LocalOnlyFetcher()
    font_config = FontConfiguration()
    return _Kit(
        environment=environment,
        fetcher=fetcher,
        font_config=font_config,
        invoice_css=CSS(filename=str(INVOICE_CSS), url_fetcher=fetcher, font_config=font_config),
        certificate_css=CSS(filename=str(CERTIFICATE_CSS), url_fetcher=fetcher, font_config=font_config),
    )


def _write_pdf(html: str, stylesheet: Any) -> bytes:
    from weasyprint import HTML

    kit = _kit()
    document = HTML(string=html, base_url=BILLING_TEMPLATES.as_uri() + "/", url_fetcher=kit.fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=kit.font_config)


def invoice_html(doc: InvoiceDocument) -> str:
    """The invoice or credit note as the HTML WeasyPrint lays out (also handy to look at in a browser)."""
    return (
        _kit()
        .environment.get_template(INVOICE_TEMPLATE)
        .render(doc=doc, is_credit=doc.kind is DocumentKind.CREDIT_NOTE)
    )


def certificate_html(cert: CertificatePdf) -> str:
    return _kit().environment.get_template(CERTIFICATE_TEMPLATE).render(cert=cert)


def render_document_pdf(doc: InvoiceDocument) -> bytes:
    """An invoice or credit note as PDF, in this process (blocking). Top-level, so the process pool can call it."""
    return _write_pdf(invoice_html(doc), _kit().invoice_css)


def render_certificate_pdf(cert: CertificatePdf) -> bytes:
    """A completion certificate as PDF, in this process (blocking). Top-level, so the process pool can call it."""
    return _write_pdf(certificate_html(cert), _kit().certificate_css)


_WARM_UP_HTML = (
    '<h1>Faktura</h1><p>Åäö 12\u00a0500,00\u00a0kr <b>fet</b> <i>kursiv</i> <span class="code">ABCDE</span></p>'
    '<table class="lines"><tr><td class="num">1 st</td></tr></table>'
)


def _warm_up() -> None:
    """Runs once in each new worker, so the first request does not pay for it (≈ 0.5 s): templates, stylesheets,
    and the fonts Pango loads on the first layout that uses them."""
    kit = _kit()
    kit.environment.get_template(INVOICE_TEMPLATE)
    kit.environment.get_template(CERTIFICATE_TEMPLATE)
    _write_pdf(_WARM_UP_HTML, kit.invoice_css)
    _write_pdf(_WARM_UP_HTML, kit.certificate_css)


# -- the process pool


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class PdfRenderer:
    """Renders PDFs in a process pool, started on first use. One per app: `close()` on shutdown.

    Processes are spawned, not forked: the web process has threads (the event loop, database pools) that a fork
    would copy in whatever state they were in.
    """

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError("PdfRenderer needs at least one worker")
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("PdfRenderer is closed")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
                )
            return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def _run(self, function, argument) -> bytes:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool()
            try:
                return await loop.run_in_executor(pool, function, argument)
            except BrokenProcessPool:
                # A worker died (killed, out of memory): start a fresh pool once rather than fail every later request.
                self._discard(pool)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def start(self) -> None:
        """Start the workers now (optional: the first render starts them otherwise)."""
        pool = self._pool()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(pool, _warm_up) for _ in range(self.workers)))

    async def render(self, doc: InvoiceDocument) -> bytes:
        return await self._run(render_document_pdf, doc)

    async def render_certificate(self, cert: CertificatePdf) -> bytes:
        return await self._run(render_certificate_pdf, cert)

    def close(self) -> None:
        """Stop the workers (waits for renders in progress). Safe to call twice."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
