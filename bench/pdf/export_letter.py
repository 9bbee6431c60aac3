"""Render time of the access export PDF (Mina uppgifter) of a participant who has finished the course (issue 15.4).

    .venv/bin/python -m bench.pdf.export_letter [--repeat 3]

The export is the shape `privacy/access.py: access_export` returns, filled as for a participant who answered every
question of the course in `lessons/` twice, finished every lesson, and has the technical rows a course's worth of
visits leaves (page views, sessions, mail, staff access). Rendered in this process (no pool), so the number is the
PDF's own cost. Prints the seconds of each render, the pages and the median.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from coursesite.course.loader import load_course
from coursesite.course.model import Course, MultipleChoice, Question, SingleChoice, TrueFalse
from coursesite.pdf import PdfRenderer
from coursesite.privacy import policy, registry
from coursesite.privacy.access import BANK_SOURCE, SOURCE_SV, field_info, personal_tables, plain
from coursesite.privacy.letter import AnswerPlace
from coursesite.privacy.registry import ConfiguredPeriods, retention_texts_sv
from coursesite.web.downloads import export_pdf
from coursesite.web.templating import build_environment

ROOT = Path(__file__).resolve().parents[2]
CONTROLLER = "Balansekonomi Svenska AB"
PERIODS = ConfiguredPeriods(ip_days=30, page_view_months=13, session_days=14, login_window_seconds=900)
START = datetime(2026, 9, 1, 7, 0, tzinfo=UTC)


def _response(question: Question) -> Any:
    if isinstance(question, SingleChoice):
        return question.choices[0].id
    if isinstance(question, MultipleChoice):
        return [question.choices[0].id]
    if isinstance(question, TrueFalse):
        return True
    return "Ett svar i ord, ungefär så långt som deltagarna brukar skriva."


def _answers(course: Course) -> tuple[list[dict[str, Any]], dict[int, AnswerPlace]]:
    rows, places = [], {}
    for lesson in course.lessons():
        for question in lesson.questions:
            for attempt in (1, 2):
                answer_id = len(rows) + 1
                response = _response(question)
                rows.append(
                    {
                        "id": answer_id,
                        "account": 1,
                        "raw_response": response,
                        "normalized_response": response,
                        "score_milli": 1000 * (attempt - 1),
                        "feedback": ["Rätt svar är det första alternativet, eftersom beloppet räknas före skatt."],
                        "reviewer_comment": None,
                        "created_at": plain(START + timedelta(minutes=answer_id)),
                        "attempt": attempt,
                        "status": "graded",
                        "response_key": "a",
                        "graded_by": None,
                        "graded_at": None,
                        "rubric_scores": None,
                        "idempotency_key": f"key-{answer_id}",
                    }
                )
                places[answer_id] = AnswerPlace(lesson.slug, question.id, 1000)
    return rows, places


def _generic(table: str, count: int) -> list[dict[str, Any]]:
    rows = []
    for n in range(1, count + 1):
        row: dict[str, Any] = {"id": n}
        for f in registry.personal_fields(table):
            if f.column.endswith("_at") or f.column in ("completed_on", "payment_date"):
                row[f.column] = plain(START + timedelta(hours=n))
            elif f.column == "path":
                row[f.column] = f"/lektion/akt1-lektion{n % 9 + 1}"
            elif f.column == "user_agent":
                row[f.column] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
            else:
                row[f.column] = f"{f.column} {n}"
        rows.append(row)
    return rows


ROW_COUNTS = {
    "page_view": 600,
    "user_session": 25,
    "staff_audit": 30,
    "outbox_message": 40,
    "lesson_progress": 0,  # one per lesson, below
    "grade_event": 6,
    "answer_flag": 2,
    "one_time_token": 4,
    "consent": 2,
}
SINGLE = ("account", "account_privacy", "customer", "enrollment", "invoice", "payment", "certificate", "person")


def finished_participant(course: Course) -> tuple[dict[str, Any], dict[int, AnswerPlace]]:
    """The export of a participant who finished `course`, and where each answer belongs (lesson, question, max)."""
    answers, places = _answers(course)
    texts = retention_texts_sv(PERIODS)
    tables = []
    for name in personal_tables():
        if name == "answer":
            rows = answers
        elif name == "lesson_progress":
            rows = _generic(name, len(course.lessons()))
        else:
            rows = _generic(name, ROW_COUNTS.get(name, 1 if name in SINGLE else 0))
        fields = registry.personal_fields(name)
        tables.append({"table": name, "fields": [field_info(f, texts) for f in fields], "rows": rows})
    data = {
        "generated_at": plain(datetime(2026, 12, 3, 6, 56, 11, tzinfo=UTC)),
        "controller": CONTROLLER,
        "subject": {"account_id": 1, "person_ids": [1], "email": "maja@example.se"},
        "tables": tables,
        "portable": {"description": "", "data": {}},
        "purposes": plain(policy.purposes()),
        "categories": plain(policy.categories()),
        "recipients": plain(policy.recipients(PERIODS.webinar_sharing_months)),
        "retention": {r.value: text for r, text in texts.items()},
        "source": {"text": SOURCE_SV, "forms_used": [], "third_parties": [BANK_SOURCE]},
        "disclosures": [],
        "automated_grading": plain(policy.AUTOMATED_GRADING_SV),
        "rights": plain(policy.RIGHTS_SV),
        "supervisory_authority": plain(policy.SUPERVISORY_AUTHORITY),
    }
    return data, places


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    course = load_course(ROOT / "lessons")
    data, places = finished_participant(course)
    renderer = PdfRenderer(build_environment(company_name=CONTROLLER), workers=1)
    renderer.render_now(export_pdf(data, course, places))  # templates, CSS and fonts loaded
    seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        pdf = renderer.render_now(export_pdf(data, course, places))
        seconds.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(f"render {seconds[-1]:.2f} s, {pages} pages, {len(pdf)} bytes")
    print(f"median {statistics.median(seconds):.2f} s over {args.repeat}")


if __name__ == "__main__":
    main()
