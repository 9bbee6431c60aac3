"""The access export PDF of a participant who finished the course reads as a letter (issue 15.4): a few pages, Swedish
sections and labels, Swedish dates, answers in words; the JSON export keeps every row in its structure."""

from __future__ import annotations

import io
import re

import pypdf

from coursesite.course.model import SingleChoice
from coursesite.privacy.access import personal_tables
from tests.conftest import api_post
from tests.support import correct_response, open_every_lesson

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
EXPORT_KEYS = {
    "generated_at",
    "controller",
    "subject",
    "tables",
    "portable",
    "purposes",
    "categories",
    "recipients",
    "retention",
    "source",
    "disclosures",
    "automated_grading",
    "rights",
    "supervisory_authority",
}


async def finish_course(client, account_id: int, course) -> None:
    await open_every_lesson(account_id, course)
    for lesson in course.lessons():
        for question in lesson.questions:
            body = {"question_id": question.id, "response": correct_response(question)}
            reply = await api_post(client, "/api/v1/answers", body)
            assert reply.status_code == 201, reply.text


async def test_the_pdf_of_a_finished_participant_is_a_short_letter_in_swedish(client, participant, course):
    await finish_course(client, participant["id"], course)
    response = await client.get("/api/v1/me/data.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    assert len(reader.pages) <= 6, len(reader.pages)
    for english in ("account", "user_session", "provide_service", "page_view", "score_milli", '{"'):
        assert english not in text, english
    assert not ISO_TIMESTAMP.search(text)
    for heading in ("Det här har vi sparat om dig", "Utbildningsserien", "Kurssajten", "Teknisk data"):
        assert heading in text, heading
    for heading in ("Dina svar", "Vem som får uppgifterna", "Dina rättigheter", "Hur länge vi sparar dem"):
        assert heading in text, heading
    assert "Integritetsskyddsmyndigheten (IMY)" in text and "Hela listan finns i JSON-filen" in text
    assert participant["first_name"] in text
    question = next(q for lesson in course.lessons() for q in lesson.questions if isinstance(q, SingleChoice))
    chosen = next(c.text for c in question.choices if c.id == correct_response(question))
    assert " ".join(chosen.split())[:40] in text


async def test_the_json_export_keeps_every_row_in_its_structure(client, participant, course):
    await finish_course(client, participant["id"], course)
    data = (await client.get("/api/v1/me/data")).json()
    assert set(data) == EXPORT_KEYS
    assert [t["table"] for t in data["tables"]] == personal_tables()
    answers = next(t for t in data["tables"] if t["table"] == "answer")
    assert len(answers["rows"]) == sum(len(lesson.questions) for lesson in course.lessons())
    assert {"id", "raw_response", "created_at", "score_milli"} <= set(answers["rows"][0])
    assert ISO_TIMESTAMP.match(answers["rows"][0]["created_at"])  # machine-readable, as before
