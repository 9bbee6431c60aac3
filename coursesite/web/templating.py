"""Jinja2 set-up: Swedish filters and rendering of content text (Markdown, GIFT's formats)."""

from __future__ import annotations

import functools
import itertools
import re
import secrets
import threading
import xml.etree.ElementTree as etree
from collections import ChainMap, OrderedDict
from collections.abc import KeysView, MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import markdown as markdown_lib
from jinja2 import Environment, FileSystemLoader
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

from coursesite.core import formatting
from coursesite.core.html import sanitize_html
from coursesite.course.model import Lesson, Question, QuestionType, TextFormat
from coursesite.course.presentation import (
    Verdict,
    may_answer_again,
    public_question,
    question_title,
    response_lines,
    verdict,
)
from coursesite.privacy import labels
from coursesite.settings import REPO_ROOT

if TYPE_CHECKING:
    from coursesite.grading.service import LessonState, StoredAnswer

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


# The question types whose response the participant types: such a response is never part of a cache key.
_TYPED_RESPONSES = frozenset({QuestionType.SHORT_ANSWER, QuestionType.NUMERIC, QuestionType.ESSAY})


@dataclass(frozen=True)
class _ShownAnswer:
    """What a question's block shows of the latest attempt. Its texts are markers (QuestionBlockCache)."""

    attempt: int
    score: Decimal | None
    max_score: Decimal
    feedback: tuple[Markup, ...]
    reviewer_comment: Markup | None


class QuestionBlockCache:
    """A question's block on the lesson page (course/_question.html: the header with attempts left, the own answer,
    the feedback, the form), kept as HTML per question content and the participant's visible state, so that a page
    view renders no question template at all once the states are known (issue 14, P2). Built once per Jinja
    environment (build_environment, once in create_app) and given to the templates as the global `question_block`.

    Never anyone's text in an entry: every text that comes from a participant's answer (the response's lines, a typed
    earlier answer in the form, the feedback, the teacher's comment, an error message) and the request's CSRF field are
    rendered as random per-process markers, and each request puts its own values in, escaped as Jinja's autoescape
    would (Markup, such as the CSRF field, as it is). The key is what else the block shows: the lesson's slug, the
    question itself (a frozen dataclass compared by value, so changed content is a new key), its number on the page,
    attempts left, the verdict, whether the form shows, the attempt number and scores, how many lines and feedback
    texts there are, and an earlier answer's choice ids when the form shows them checked. At most ``max_entries``
    blocks (least recently used dropped first)."""

    TEMPLATE = "course/_question.html"

    def __init__(self, environment: Environment, max_entries: int = 4096) -> None:
        self.environment = environment
        self.max_entries = max_entries
        # Random per process, letters and digits only: no course content contains it, and escaping leaves it alone.
        self._prefix = f"qb{secrets.token_hex(16)}n"
        self._markers = re.compile(re.escape(self._prefix) + r"(\d+)x")
        self._blocks: OrderedDict[tuple[Any, ...], list[Any]] = OrderedDict()
        self._lock = threading.Lock()  # the PDF renderer may share the environment from another thread

    def __call__(
        self,
        question: Question,
        lesson: Lesson,
        loop_index: int,
        state: LessonState,
        errors: dict[str, str] | None,
        csrf_input: Any,
    ) -> Markup:
        # The request's own values, in the order of their markers (0, 1, ...): the CSRF field, the response's
        # lines, the feedback, the teacher's comment, a typed earlier answer, the error.
        values: list[Any] = [Markup(str(csrf_input or ""))]  # put in as it is: the field is Markup
        latest = state.latest(question.id)
        left = state.attempts_left(question.id)
        outcome = None if latest is None else verdict(latest.status, latest.score_milli, latest.max_score_milli)
        again = may_answer_again(outcome, left)
        shown_key: tuple[Any, ...] | None = None
        previous_key: str | None = None
        lines: list[str] = []
        if latest is not None:
            lines = response_lines(question, latest.response)
            values += lines
            values += latest.feedback
            if latest.reviewer_comment:
                values.append(latest.reviewer_comment)
            shown_key = (
                latest.attempt,
                latest.score_milli,
                latest.max_score_milli,
                len(lines),
                len(latest.feedback),
                bool(latest.reviewer_comment),
            )
            if again:  # the form shows the earlier answer
                if question.type in _TYPED_RESPONSES and isinstance(latest.response, str):
                    values.append(latest.response)
                    previous_key = "typed"
                else:  # choice ids, true/false, pairs or an order: the same HTML for everyone who chose them
                    previous_key = repr(latest.response)
        error = (errors or {}).get(question.id)
        if error:
            values.append(error)
        key = (lesson.slug, question, loop_index, left, outcome, again, shown_key, previous_key, bool(error))
        with self._lock:
            parts = self._blocks.get(key)
            if parts is not None:
                self._blocks.move_to_end(key)
        if parts is None:
            parts = self._render(question, lesson, loop_index, latest, len(lines), left, outcome, again, error, key)
        # parts: text, marker number, text, ...; each value escaped as autoescape would (Markup as it is).
        out = [parts[0]]
        for index in range(1, len(parts), 2):
            out.append(escape(values[parts[index]]))
            out.append(parts[index + 1])
        return Markup("".join(out))

    def _render(
        self,
        question: Question,
        lesson: Lesson,
        loop_index: int,
        latest: StoredAnswer | None,
        line_count: int,
        left: int | None,
        outcome: Verdict | None,
        again: bool,
        error: str | None,
        key: tuple[Any, ...],
    ) -> list[Any]:
        """The block with markers where __call__'s values go, in the same order, split at them."""
        numbers = itertools.count(1)

        def marker() -> Markup:
            return Markup(f"{self._prefix}{next(numbers)}x")

        shown = lines = previous = None
        if latest is not None:
            lines = [marker() for _ in range(line_count)]
            shown = _ShownAnswer(
                attempt=latest.attempt,
                score=latest.score,
                max_score=latest.max_score,
                feedback=tuple(marker() for _ in latest.feedback),
                reviewer_comment=marker() if latest.reviewer_comment else None,
            )
            if again:
                typed = question.type in _TYPED_RESPONSES and isinstance(latest.response, str)
                previous = marker() if typed else latest.response
        html = self.environment.get_template(self.TEMPLATE).render(
            question=question,
            view=public_question(question),
            lesson=lesson,
            loop_index=loop_index,
            latest=shown,
            lines=lines,
            outcome=outcome,
            left=left,
            again=again,
            error=marker() if error else None,
            previous=previous,
            csrf_input=Markup(f"{self._prefix}0x"),
        )
        parts: list[Any] = self._markers.split(html)
        parts[1::2] = [int(number) for number in parts[1::2]]
        with self._lock:
            self._blocks[key] = parts
            while len(self._blocks) > self.max_entries:
                self._blocks.popitem(last=False)
        return parts

    def __len__(self) -> int:
        return len(self._blocks)


class _TemplateGlobals(ChainMap):
    """A template's globals (Jinja's ChainMap of its own over the environment's), with keys() a dict's view. Jinja
    subtracts these keys from a set on every `{% from … import %}` (Template._get_default_module): from a ChainMap's
    KeysView that runs in Python, a membership test per key through every map (about 9 µs per import here); from a
    dict's view it runs in C."""

    def keys(self) -> KeysView[str]:
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class _Environment(Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals(d if d is not None else {}, self.globals)


def build_environment(*, company_name: str) -> Environment:
    """The app's one Jinja environment, for the pages (Litestar's TemplateConfig takes it as its instance) and for
    every PDF (coursesite.pdf.PdfRenderer). The command line and the tests build theirs here too."""
    # No auto_reload: the templates ship with the code and a deploy restarts the workers; otherwise Jinja stats each
    # template file (every include too) on every render.
    environment = _Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, auto_reload=False)
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
    environment.globals["question_block"] = QuestionBlockCache(environment)
    environment.globals["site_name"] = "Kurssajten"
    environment.globals["company_name"] = company_name
