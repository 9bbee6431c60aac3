"""Every PDF of the app (invoices, credit notes, certificates, the access export, the record of processing) goes
through one `PdfRenderer`: the HTML from a template of templates/, rendered with the app's one Jinja environment
(`web/templating.build_environment`), then laid out by WeasyPrint in a process pool.

WeasyPrint blocks for tens of milliseconds and holds the GIL, so it never runs on the event loop: `render` renders
the HTML on the loop (cheap) and sends the string to a worker, which turns it into PDF bytes. The workers hold no
Jinja environment and know nothing of the documents; they keep their URL fetcher, font configuration and parsed
stylesheets once per process. `render_now` is the same work in the calling process (blocking), for tests, benchmarks
and the command line.

Rendering is bounded (`RenderSlots`): at most so many renders at once in the process, and per holder (an account,
or the client address when no one is logged in). One more is refused at once with `RateLimited` (a 429 with
Retry-After), rather than queued behind seconds of CPU while every other page slows down.

Nothing is fetched from the network: every URL goes through `LocalOnlyFetcher`, which serves only files under
templates/ and the static CSS, and `data:` URLs. The base URL is the template's directory, absolute. Fonts are the
system's (DejaVu), never a web font.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from coursesite.core.errors import RateLimited
from coursesite.core.turns import step_aside
from coursesite.ops.logs import quiet_libraries
from coursesite.settings import (
    DEFAULT_PDF_RETRY_AFTER_SECONDS,
    DEFAULT_PDF_SLOTS,
    DEFAULT_PDF_SLOTS_PER_ACCOUNT,
    REPO_ROOT,
)

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = [
    "TEMPLATES_DIR",
    "LocalOnlyFetcher",
    "PdfAttachment",
    "PdfDocument",
    "PdfJob",
    "PdfRenderer",
    "RenderSlots",
    "default_workers",
    "write_pdf",
]

TEMPLATES_DIR = REPO_ROOT / "templates"
STATIC_CSS = Path(__file__).resolve().parent / "static" / "css"
# Stylesheets of PDF documents are named *_pdf.css beside their template; the workers parse them at start.
STYLESHEET_GLOB = "*/*_pdf.css"


# An archival PDF (ISO 19005-3, level B): fonts embedded, colours device-independent, XMP metadata, and files may
# be embedded (the UBL of an invoice). WeasyPrint applies one variant; tags are asked for beside it.
PDF_A_3B = "pdf/a-3b"


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (PDF/A-3 allows any, each with its relationship to the document)."""

    name: str
    content: bytes
    description: str = ""
    created: datetime | None = None  # UTC; None: when rendered. A fixed moment keeps the bytes reproducible.
    # ISO 32000-2, 7.11.3: "Alternative" for another rendering of the same content (the UBL of an invoice).
    relationship: str = "Alternative"


@dataclass(frozen=True)
class PdfDocument:
    """A PDF to render: a template under templates/, its context, and the stylesheet (a path under templates/)
    laid over it, if it has one besides its own <style>. Each domain builds its own (billing/pdf.py, …).

    `variant` is a WeasyPrint PDF variant (PDF_A_3B for invoices), `tagged` adds the structure tree a screen reader
    reads (WeasyPrint's pdf_tags), `attachments` are embedded files."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    stylesheet: str | None = None
    variant: str | None = None
    tagged: bool = False
    attachments: tuple[PdfAttachment, ...] = ()

    @property
    def base_url(self) -> str:
        """The template's directory as an absolute file URL: relative URLs in the HTML resolve beside it."""
        return (TEMPLATES_DIR / PurePosixPath(self.template).parent).as_uri() + "/"


@dataclass(frozen=True)
class PdfJob:
    """What crosses to a worker: rendered HTML and where its files are. Plain strings, cheap to pickle."""

    html: str
    base_url: str
    stylesheet: str | None = None  # an absolute path
    variant: str | None = None
    tagged: bool = False
    attachments: tuple[PdfAttachment, ...] = ()


# -- fetching: local files only


def _local_fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class _LocalOnlyFetcher(URLFetcher):
        """Refuses every URL that is not a file under `roots` or a `data:` URL, so a PDF never reaches another host
        (and a stray `file:///etc/...` in a template or a name never gets read)."""

        def __init__(self, roots: tuple[Path, ...]) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=False)
            self._roots = tuple(root.resolve() for root in roots)

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"PDF rendering fetches local files only, refused: {scheme or 'relative'} URL")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self._roots):
                raise ValueError("PDF rendering fetches only the templates and the static CSS")
            return super().fetch(url, headers)

    return _LocalOnlyFetcher


def LocalOnlyFetcher(roots: tuple[Path, ...] = (TEMPLATES_DIR, STATIC_CSS)) -> Any:  # noqa: N802 - reads like a class
    """A WeasyPrint URL fetcher that serves only files under `roots` (and `data:` URLs); WeasyPrint is imported on
    first use so the web process does not load it unless it renders in-process."""
    return _local_fetcher_class()(roots)


# -- the per-process state of a worker: built once, reused for every document


@dataclass
class _Kit:
    fetcher: Any
    font_config: Any
    stylesheets: dict[str, Any] = field(default_factory=dict)

    def stylesheet(self, path: str) -> Any:
        css = self.stylesheets.get(path)
        if css is None:
            from weasyprint import CSS

            css = CSS(filename=path, url_fetcher=self.fetcher, font_config=self.font_config)
            self.stylesheets[path] = css
        return css


@functools.cache
def _kit() -> _Kit:
    from weasyprint.text.fonts import FontConfiguration

    return _Kit(fetcher=LocalOnlyFetcher(), font_config=FontConfiguration())


def write_pdf(job: PdfJob) -> bytes:
    """HTML to PDF bytes, in this process (blocking). Top-level, so the process pool can call it."""
    import io

    from weasyprint import HTML, Attachment

    kit = _kit()
    stylesheets = [kit.stylesheet(job.stylesheet)] if job.stylesheet else []
    document = HTML(string=job.html, base_url=job.base_url, url_fetcher=kit.fetcher)
    attachments = [
        Attachment(
            file_obj=io.BytesIO(item.content),
            url_fetcher=kit.fetcher,
            name=item.name,
            description=item.description,
            relationship=item.relationship,
            created=item.created,
            modified=item.created,
        )
        for item in job.attachments
    ]
    return document.write_pdf(
        stylesheets=stylesheets,
        font_config=kit.font_config,
        pdf_variant=job.variant,
        pdf_tags=job.tagged,
        attachments=attachments or None,
    )


_WARM_UP_HTML = (
    '<h1>Faktura</h1><p>Åäö 12\u00a0500,00\u00a0kr <b>fet</b> <i>kursiv</i> <span class="code">ABCDE</span></p>'
    '<table class="lines"><tr><td class="num">1 st</td></tr></table>'
)


def _warm_up() -> None:
    """Runs once in each new worker, so the first request does not pay for it (≈ 0.5 s): the stylesheets, and the
    fonts Pango loads on the first layout that uses them. WeasyPrint's ~150 INFO lines per PDF stay out of the logs."""
    quiet_libraries()
    base_url = TEMPLATES_DIR.as_uri() + "/"
    for stylesheet in sorted(TEMPLATES_DIR.glob(STYLESHEET_GLOB)):
        write_pdf(PdfJob(_WARM_UP_HTML, base_url, str(stylesheet)))


# -- the bound on heavy work

MSG_RENDERS_BUSY = "Just nu skapas många PDF-filer. Försök igen om {seconds} sekunder."
MSG_RENDERS_YOURS = "Du har redan en PDF-fil som skapas. Vänta tills den är klar och försök igen om {seconds} sekunder."


class RenderSlots:
    """At most `total` renders at once, and at most `per_holder` for one holder. `hold` refuses one more at once with
    RateLimited (429 + Retry-After) instead of queueing it. Per process: each worker bounds its own share of the CPU.
    A lock, not the event loop, guards the counts: the test client runs the app on a thread of its own."""

    def __init__(
        self,
        total: int = DEFAULT_PDF_SLOTS,
        per_holder: int = DEFAULT_PDF_SLOTS_PER_ACCOUNT,
        retry_after_seconds: int = DEFAULT_PDF_RETRY_AFTER_SECONDS,
    ) -> None:
        if not 1 <= per_holder <= total:
            raise ValueError("RenderSlots needs 1 <= per_holder <= total")
        self.total = total
        self.per_holder = per_holder
        self.retry_after_seconds = retry_after_seconds
        self._lock = threading.Lock()
        self._held: Counter[str | None] = Counter()

    @property
    def in_use(self) -> int:
        with self._lock:
            return sum(self._held.values())

    def _refuse(self, message: str) -> RateLimited:
        return RateLimited(
            message.format(seconds=self.retry_after_seconds), retry_after_seconds=self.retry_after_seconds
        )

    def take(self, holder: str | None) -> Callable[[], None]:
        """One slot for `holder` (None: counted in the total only), or RateLimited. Returns its release (once)."""
        with self._lock:
            if holder is not None and self._held[holder] >= self.per_holder:
                raise self._refuse(MSG_RENDERS_YOURS)
            if sum(self._held.values()) >= self.total:
                raise self._refuse(MSG_RENDERS_BUSY)
            self._held[holder] += 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if released:
                    return
                released = True
                self._held[holder] -= 1
                if self._held[holder] <= 0:
                    del self._held[holder]

        return release

    @contextmanager
    def hold(self, holder: str | None) -> Iterator[None]:
        """A slot for `holder` while the block runs."""
        release = self.take(holder)
        try:
            yield
        finally:
            release()


# -- the renderer: the app's Jinja environment, and one process pool


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class PdfRenderer:
    """Renders every PDF: the HTML with the app's Jinja environment, the PDF in a process pool started on first use.
    One per app, built in create_app: `close()` on shutdown.

    Processes are spawned, not forked: the web process has threads (the event loop, database pools) that a fork
    would copy in whatever state they were in.
    """

    def __init__(self, environment: Environment, workers: int | None = None, slots: RenderSlots | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError("PdfRenderer needs at least one worker")
        self.environment = environment
        self.slots = slots or RenderSlots()
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    # -- HTML, on the caller's thread

    def html(self, document: PdfDocument) -> str:
        """The document as the HTML WeasyPrint lays out (also handy to look at in a browser)."""
        return self.environment.get_template(document.template).render(document.context)

    def job(self, document: PdfDocument) -> PdfJob:
        stylesheet = str(TEMPLATES_DIR / document.stylesheet) if document.stylesheet else None
        return PdfJob(
            self.html(document),
            document.base_url,
            stylesheet,
            variant=document.variant,
            tagged=document.tagged,
            attachments=document.attachments,
        )

    def render_now(self, document: PdfDocument) -> bytes:
        """The PDF in this process (blocking): for tests, benchmarks and the command line, never a request."""
        return write_pdf(self.job(document))

    # -- the pool

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

    async def _run(self, function: Callable[[PdfJob], bytes], job: PdfJob) -> bytes:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._pool()
            try:
                async with step_aside():  # the layout runs in another process: others take this request's turn
                    return await loop.run_in_executor(pool, function, job)
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

    async def render(self, document: PdfDocument, *, holder: str | None = None) -> bytes:
        """The PDF, off the event loop: the HTML is rendered here, the layout in a worker process. Holds one of the
        render slots for `holder` (web/downloads.py: render_holder) throughout; RateLimited when none is free."""
        if self._closed:
            raise RuntimeError("PdfRenderer is closed")
        release = self.slots.take(holder)
        try:
            job = self.job(document)
        except BaseException:
            release()
            raise
        # The slot is freed when the worker is done, not when the client goes away: a request cancelled mid-render
        # (a closed tab) leaves its worker busy, and must not let a new render start beside it.
        task = asyncio.ensure_future(self._run(write_pdf, job))
        task.add_done_callback(lambda done: (release(), done.cancelled() or done.exception()))
        return await asyncio.shield(task)

    def close(self) -> None:
        """Stop the workers (waits for renders in progress). Safe to call twice."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
