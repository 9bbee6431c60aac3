"""The access export (privacy/access.py: access_export) as a letter a person can read (issue 15.4): who we are, what we
hold about you per policy category in Swedish, why, from where, for how long, who receives it, and your rights. The
JSON file holds every row; the letter summarises: answers per lesson in words, long technical lists as a count and
the latest entries. Pure: reads the export dict, the course and the policy; nothing from db/ or web/."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from coursesite.core.formatting import (
    format_date_long,
    format_datetime_long,
    format_decimal_sv,
    format_mobile_sv,
    format_money_ore,
)
from coursesite.course.model import Course
from coursesite.course.presentation import prompt_title, response_lines, verdict
from coursesite.privacy import policy

LATEST = 3  # entries of a long list shown in the letter; the rest are in the JSON file
DETAIL_ROWS = 3  # a table with at most this many rows is shown field by field
ANSWER_CHARS = 80
PROMPT_CHARS = 60
# Columns that only point at another row (an id); they say nothing to the person and stay in the JSON file.
REFERENCE_COLUMNS = frozenset(
    {"account", "person", "answer", "invoice", "case", "disclosure", "graded_by", "actor", "regrade_run", "customer"}
)
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AnswerPlace:
    """Where an answer belongs, which the export's rows do not carry: its lesson, question and maximum score."""

    lesson_slug: str
    question_id: str
    max_score_milli: int


@dataclass
class TableView:
    label: str
    count: int
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    detail: list[list[tuple[str, str]]] = field(default_factory=list)  # small tables: (label, value) per row
    note: str = ""
    more: bool = False  # not every row is shown


@dataclass
class AnswerLine:
    prompt: str
    answer: str
    result: str
    attempts: int


@dataclass
class LessonAnswers:
    title: str
    lines: list[AnswerLine]


@dataclass
class CategoryView:
    title: str
    tables: list[TableView]
    purposes: list[tuple[str, str]]  # (title, legal basis)
    source: str
    retention: list[tuple[str, str]]  # (what, how long)
    lessons: list[LessonAnswers] = field(default_factory=list)


def show(value: Any, column: str = "") -> str:
    """A stored value in Swedish words and formats: dates as the site writes them, money in kronor, no JSON."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int) and column.endswith("_ore"):
        return format_money_ore(value)
    if isinstance(value, int) and column.endswith("_milli"):
        return format_decimal_sv(Decimal(value).scaleb(-3))
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return format_datetime_long(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return format_date_long(date.fromisoformat(value))
    if isinstance(value, str) and column == "mobile":
        return format_mobile_sv(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return "(finns i JSON-filen)"
    return str(value)


def _latest_key(row: dict[str, Any]) -> str:
    stamps = [v for v in row.values() if isinstance(v, str) and _ISO_DATETIME.match(v)]
    return max(stamps, default="")


def table_view(table: dict[str, Any]) -> TableView:
    name = table["table"]
    fields = [f for f in table["fields"] if f["column"] not in REFERENCE_COLUMNS]
    rows = table["rows"]
    view = TableView(policy.TABLE_LABEL_SV.get(name, name).capitalize(), len(rows), note=table.get("note", ""))
    if len(rows) <= DETAIL_ROWS:
        view.detail = [[(f["description"], show(row.get(f["column"]), f["column"])) for f in fields] for row in rows]
        return view
    shown = fields[:3]
    view.headers = [f["description"] for f in shown]
    latest = sorted(rows, key=_latest_key, reverse=True)[:LATEST]
    view.rows = [[show(row.get(f["column"]), f["column"]) for f in shown] for row in latest]
    view.more = True
    return view


def _shorten(text: str, limit: int = ANSWER_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def lesson_answers(rows: list[dict[str, Any]], course: Course, places: dict[int, AnswerPlace]) -> list[LessonAnswers]:
    """The answers per lesson in course order: each question once, with the latest attempt in words and its result."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    attempts: dict[tuple[str, str], int] = {}
    for row in rows:
        place = places.get(row["id"])
        if place is None:
            continue
        key = (place.lesson_slug, place.question_id)
        attempts[key] = attempts.get(key, 0) + 1
        if key not in latest or (row.get("attempt") or 0) >= (latest[key].get("attempt") or 0):
            latest[key] = row
    out = []
    for lesson in course.lessons():
        lines = []
        for question in lesson.questions:
            last = latest.get((lesson.slug, question.id))
            if last is None:
                continue
            row = last
            place = places[row["id"]]
            outcome = verdict(row.get("status") or "", row.get("score_milli"), place.max_score_milli)
            points = show(row.get("score_milli"), "score_milli") if row.get("score_milli") is not None else "–"
            result = f"{outcome.label}, {points}/{show(place.max_score_milli, 'max_score_milli')} p"
            answer = "; ".join(response_lines(question, row.get("raw_response")))
            lines.append(
                AnswerLine(
                    prompt_title(question.prompt, PROMPT_CHARS),
                    _shorten(answer),
                    result,
                    attempts[(lesson.slug, question.id)],
                )
            )
        if lines:
            out.append(LessonAnswers(lesson.title, lines))
    return out


def _purpose_sv(key: str) -> str:
    try:
        return policy.purpose(key).title_sv
    except ValueError:
        return key


def letter(
    data: dict[str, Any],
    course: Course | None = None,
    places: dict[int, AnswerPlace] | None = None,
    policy_url: str = policy.POLICY_PATH,
) -> dict[str, Any]:
    """The letter's context for templates/privacy/data_export_pdf.html."""
    places = places or {}
    by_category: dict[str, list[dict[str, Any]]] = {}
    for table in data["tables"]:
        if table["rows"]:
            key = policy.TABLE_CATEGORY.get(table["table"], policy.PolicyCategory.TECHNICAL)
            by_category.setdefault(key, []).append(table)
    sections = []
    for category in policy.categories():
        tables = by_category.get(category.key, [])
        if not tables:
            continue
        views, lessons = [], []
        for table in tables:
            if table["table"] == "answer" and course is not None and places:
                lessons = lesson_answers(table["rows"], course, places)
                views.append(TableView("Svar", len(table["rows"])))
            else:
                views.append(table_view(table))
        retention: dict[str, list[str]] = {}
        for table in tables:
            label = policy.TABLE_LABEL_SV.get(table["table"], table["table"])
            for f in table["fields"]:
                labels = retention.setdefault(f["retention"], [])
                if label not in labels:
                    labels.append(label)
        sections.append(
            CategoryView(
                category.title_sv,
                views,
                [(p.title_sv, "; ".join(b.text_sv for b in p.legal_bases)) for p in policy.purposes_of(category.key)],
                category.source_sv,
                [(", ".join(labels).capitalize(), text) for text, labels in retention.items()],
                lessons,
            )
        )
    account: dict[str, Any] = next((t["rows"][0] for t in data["tables"] if t["table"] == "account" and t["rows"]), {})
    name = " ".join(part for part in (account.get("first_name"), account.get("last_name")) if part)
    generated = datetime.fromisoformat(data["generated_at"])
    return {
        "controller": data["controller"],
        "who_we_are": policy.controllers_sv(data["controller"]),
        "date": format_date_long(generated),
        "name": name,
        "email": data["subject"]["email"],
        "policy_url": policy_url,
        "sections": sections,
        # Every period, not only those of the tables this person has rows in (art. 15.1 d; the page states the same).
        "retention": list(dict.fromkeys(data["retention"].values())),
        "recipients": [
            (r["name"], policy.RECIPIENT_KIND_SV[policy.RecipientKind(r["kind"])], r["description_sv"])
            for r in data["recipients"]
        ],
        "disclosures": [
            (d["recipient"], _purpose_sv(d["purpose"]), ", ".join(d["fields_described"]), show(d["when"]))
            for d in data["disclosures"]
        ],
        "source": data["source"],
        "automated_grading": policy.AUTOMATED_GRADING_SV,
        "rights": policy.RIGHTS_SV,
        "authority": policy.SUPERVISORY_AUTHORITY,
    }
