"""Every PDF of the app (invoices, credit notes, certificates, the access export, the record of processing) goes
through one `PdfRenderer`: the HTML from a template of templates/, rendered with the app's one Jinja environment
(`web/templating.build_environment`), then laid out by WeasyPrint in a process pool.

WeasyPrint blocks for tens of milliseconds and holds the GIL, so it never runs on the event loop: `render` renders
the HTML on the loop (cheap) and sends the string to a worker, which turns it into PDF bytes. The workers hold no
Jinja environment and know nothing of the documents; they keep their URL fetcher, font configuration and parsed
stylesheets once per process. `render_now` is the same work in the calling process (blocking), for tests, benchmarks
and the command line.

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
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from coursesite.settings import REPO_ROOT

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = [
    "TEMPLATES_DIR",
    "LocalOnlyFetcher",
    "PdfDocument",
    "PdfJob",
    "PdfRenderer",
    "default_workers",
    "write_pdf",
]

TEMPLATES_DIR = REPO_ROOT / "templates"
STATIC_CSS = Path(__file__).resolve().parent / "static" / "css"
# Stylesheets of PDF documents are named *_pdf.css beside their template; the workers parse them at start.
STYLESHEET_GLOB = "*/*_pdf.css"


@dataclass(frozen=True)
class PdfDocument:
    """A PDF to render: a template under templates/, its context, and the stylesheet (a path under templates/)
    laid over it, if it has one besides its own <style>. Each domain builds its own (billing/pdf.py, …)."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    stylesheet: str | None = None

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
    from weasyprint import HTML

    kit = _kit()
    stylesheets = [kit.stylesheet(job.stylesheet)] if job.stylesheet else []
    document = HTML(string=job.html, base_url=job.base_url, url_fetcher=kit.fetcher)
    return document.write_pdf(stylesheets=stylesheets, font_config=kit.font_config)


_WARM_UP_HTML = (
    '<h1>Faktura</h1><p>Åäö 12\u00a0500,00\u00a0kr <b>fet</b> <i>kursiv</i> <span class="code">ABCDE</span></p>'
    '<table class="lines"><tr><td class="num">1 st</td></tr></table>'
)


def _warm_up() -> None:
    """Runs once in each new worker, so the first request does not pay for it (≈ 0.5 s): the stylesheets, and the
    fonts Pango loads on the first layout that uses them."""
    base_url = TEMPLATES_DIR.as_uri() + "/"
    for stylesheet in sorted(TEMPLATES_DIR.glob(STYLESHEET_GLOB)):
        write_pdf(PdfJob(_WARM_UP_HTML, base_url, str(stylesheet)))


# -- the renderer: the app's Jinja environment, and one process pool


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class PdfRenderer:
    """Renders every PDF: the HTML with the app's Jinja environment, the PDF in a process pool started on first use.
    One per app, built in create_app: `close()` on shutdown.

    Processes are spawned, not forked: the web process has threads (the event loop, database pools) that a fork
    would copy in whatever state they were in.
    """

    def __init__(self, environment: Environment, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError("PdfRenderer needs at least one worker")
        self.environment = environment
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
        return PdfJob(self.html(document), document.base_url, stylesheet)

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

    async def render(self, document: PdfDocument) -> bytes:
        """The PDF, off the event loop: the HTML is rendered here, the layout in a worker process."""
        if self._closed:
            raise RuntimeError("PdfRenderer is closed")
        return await self._run(write_pdf, self.job(document))

    def close(self) -> None:
        """Stop the workers (waits for renders in progress). Safe to call twice."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
