"""Jinja2 set-up: Swedish filters and rendering of content text (Markdown, GIFT's formats)."""

from __future__ import annotations

import functools
import re
import secrets
import threading
import xml.etree.ElementTree as etree
from collections import OrderedDict
from decimal import Decimal
from typing import Any

import markdown as markdown_lib
from jinja2 import Environment, FileSystemLoader
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from coursesite.core import formatting
from coursesite.core.html import sanitize_html
from coursesite.course.model import TextFormat
from coursesite.course.presentation import question_title
from coursesite.privacy import labels
from coursesite.settings import REPO_ROOT

TEMPLATES_DIR = REPO_ROOT / "templates"


_ALIGN_STYLE = re.compile(r"\s*text-align:\s*(left|center|right)\s*;?\s*")


class _AlignmentAsClass(Treeprocessor):
    """A table column's alignment as `class="align-right"` instead of `style="text-align: right"`: the CSP refuses
    inline styles (issue 15), and the sanitiser keeps only these classes on cells (core/html.py)."""

    def run(self, root: etree.Element) -> None:
        for cell in root.iter():
            if cell.tag not in ("th", "td"):
                continue
            style = cell.attrib.pop("style", None)
            match = _ALIGN_STYLE.fullmatch(style or "")
            if match:
                cell.set("class", f"align-{match.group(1)}")


class _TableAlignment(Extension):
    def extendMarkdown(self, md: markdown_lib.Markdown) -> None:  # noqa: N802 - Markdown's name
        md.treeprocessors.register(_AlignmentAsClass(md), "table_alignment_as_class", 0)


@functools.lru_cache(maxsize=2048)
def render_markdown(text: str) -> Markup:
    # Markdown passes raw HTML through: what it gives goes through the one sanitiser (core/html.py), so that no
    # script, event handler or hx-* attribute in course content reaches a page (issue 13).
    html = markdown_lib.markdown(text, extensions=["tables", "sane_lists", _TableAlignment()], output_format="html")
    return Markup(sanitize_html(html))


def render_text(text: str, text_format: TextFormat | str = TextFormat.MARKDOWN) -> Markup:
    return _render_text(text, TextFormat(text_format))


@functools.lru_cache(maxsize=2048)
def _render_text(text: str, text_format: TextFormat) -> Markup:
    # Cached like render_markdown: a pure function of the content, rendered on every lesson view (sanitising HTML is
    # the costly part).
    if text_format is TextFormat.MARKDOWN:
        return render_markdown(text)
    if text_format is TextFormat.HTML:
        return Markup(
            sanitize_html(text)
        )  # sanitised when imported and loaded too; here once more, whatever the source
    if text_format is TextFormat.MOODLE:
        return Markup("<p>") + Markup("<br>").join(escape(line) for line in text.splitlines()) + Markup("</p>")
    return Markup("<p>") + escape(text) + Markup("</p>")


def points(value: Decimal | int | None) -> str:
    """A score as Swedish text: 1, 0,5, 0,333."""
    if value is None:
        return "–"
    return _points_text(Decimal(value).normalize())


@functools.lru_cache(maxsize=1024)
def _points_text(value: Decimal) -> str:
    # A lesson page shows several scores, from a small set of values; Babel's formatting is the costly part.
    return formatting.format_decimal_sv(value)


def percent(value: Decimal | int | float, decimals: int = 0) -> str:
    """Percent as Swedish text (core/formatting.py), cached: Babel parses its pattern on every call, about 0.15 ms, and
    a lesson page shows two percentages from a small set of values."""
    if isinstance(value, float):
        return formatting.format_percent_sv(value, decimals)
    return _percent_text(value, decimals)


@functools.lru_cache(maxsize=1024)
def _percent_text(value: Decimal | int, decimals: int) -> str:
    return formatting.format_percent_sv(value, decimals)


_ICON = Markup(
    '<svg class="icon%s" aria-hidden="true" focusable="false"><use href="/static/vendor/lucide/icons.svg#%s"></use></svg>'
)

# The icon of a status word (course/presentation.Verdict's value): Rätt, Delvis rätt, Fel, Väntar.
STATUS_ICONS = {"right": "circle-check", "partial": "contrast", "wrong": "circle-x", "pending": "hourglass"}


@functools.lru_cache(maxsize=256)
def icon(name: str, cls: str = "") -> Markup:
    """An icon from the self-hosted Lucide sprite (static/vendor/lucide/icons.svg, ISC licence beside it): decoration
    beside its words, aria-hidden, never focusable, never the only cue. Plain Python kept per name, not a Jinja macro:
    a lesson page asks for one per question. Names come from the templates, so the cache stays small."""
    return _ICON % ((" " + cls) if cls else "", name)


def status_icon(value: str) -> Markup:
    return icon(STATUS_ICONS.get(value, "hourglass"))


class QuestionFormCache:
    """The answer form of a question nobody has answered yet is the same HTML for every participant but for the CSRF
    field: it is rendered once per question content and lesson, with a random marker where the field goes, and each
    request gets a copy with its own field put in (the lesson page, issue 14 P2).

    The key is the question itself (a frozen dataclass compared by value: prompt, choices, points, id) with the
    lesson's slug, so changed content is a new key and the old entry ages out. Nothing of a participant is in an
    entry: a form showing an earlier answer is rendered per request. At most ``max_entries`` forms (least recently
    used dropped first)."""

    TEMPLATE = "course/_question_form.html"

    def __init__(self, environment: Environment, max_entries: int = 1024) -> None:
        self.environment = environment
        self.max_entries = max_entries
        # Random per process: no course content can contain it by chance or on purpose.
        self.marker = f"<!--csrf-{secrets.token_hex(16)}-->"
        self._forms: OrderedDict[tuple[str, Any], str] = OrderedDict()
        self._lock = threading.Lock()  # the PDF renderer may share the environment from another thread

    def __call__(self, question: Any, view: dict[str, Any], lesson: Any, csrf_input: Any) -> Markup:
        key = (lesson.slug, question)
        with self._lock:
            html = self._forms.get(key)
            if html is not None:
                self._forms.move_to_end(key)
        if html is None:
            html = self.environment.get_template(self.TEMPLATE).render(
                question=question, view=view, lesson=lesson, latest=None, previous=None, csrf_input=Markup(self.marker)
            )
            with self._lock:
                self._forms[key] = html
                while len(self._forms) > self.max_entries:
                    self._forms.popitem(last=False)
        return Markup(html.replace(self.marker, str(csrf_input or "")))

    def __len__(self) -> int:
        return len(self._forms)


def build_environment(*, company_name: str) -> Environment:
    """The app's one Jinja environment, for the pages (Litestar's TemplateConfig takes it as its instance) and for
    every PDF (coursesite.pdf.PdfRenderer). The command line and the tests build theirs here too."""
    # No auto_reload: the templates ship with the code and a deploy restarts the workers; otherwise Jinja stats each
    # template file (every include too) on every render.
    environment = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, auto_reload=False)
    configure(environment, company_name=company_name)
    return environment


def configure(environment: Environment, *, company_name: str) -> None:
    """Filters and globals for every template. `company_name` is the seller in the billing configuration, so the
    footer and the certificate check name the same company as the invoices and the privacy policy."""
    environment.filters.update(
        money=formatting.format_money_ore,
        number=formatting.format_decimal_sv,
        percent=percent,
        rate=formatting.format_rate_sv,
        date=formatting.format_date_long,
        datetime=formatting.format_datetime_long,
        points=points,
        mobile=formatting.format_mobile_sv,
        content=render_text,
        markdown=render_markdown,
        question_title=question_title,
        request_kind=labels.request_kind_sv,
        request_status=labels.request_status_sv,
        consent_kind=labels.consent_kind_sv,
    )
    environment.globals["icon"] = icon
    environment.globals["status_icon"] = status_icon
    environment.globals["blank_question_form"] = QuestionFormCache(environment)
    environment.globals["site_name"] = "Kurssajten"
    environment.globals["company_name"] = company_name
