"""Issue 15, the course home (/min-kurs): "Fortsätt där du slutade", progress per act in answered and right
questions, locked acts explained, what comes next; read in one transaction."""

from __future__ import annotations

import os
import re

from tests.conftest import api_post, register
from tests.statement_count import counting, sent
from tests.support import correct_response, open_every_lesson, page_text, wrong_response

POSTGRES = os.environ.get("COURSESITE_TEST_ENGINE") == "postgres"


def resume_card(html: str) -> str:
    match = re.search(r'<section class="card course-resume" id="fortsatt".*?</section>', html, re.S)
    assert match, html[:2000]
    return match.group(0)


def act_card(html: str, slug: str) -> str:
    match = re.search(rf'<section class="card act[^"]*" id="{slug}".*?</section>', html, re.S)
    assert match, slug
    return match.group(0)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def test_a_new_participant_is_told_to_begin_with_lesson_1(client, participant, course):
    html = (await client.get("/min-kurs")).text
    card = resume_card(html)
    first, second = course.acts[0].lessons[0], course.acts[0].lessons[1]
    assert "Börja med lektion 1" in card and first.title in card
    assert f'id="resume-link" href="/lektion/{first.slug}"' in card
    listed = act_card(html, course.acts[0].slug)
    assert (
        f'<a href="/lektion/{first.slug}">{first.title}</a>\n        <span class="badge here">På tur</span>' in listed
    )
    assert f"Därefter: <strong>{second.title}</strong>." in card
    questions = sum(len(lesson.questions) for lesson in course.acts[0].lessons)
    stats = text(act_card(html, course.acts[0].slug))
    assert f"0 av {len(course.acts[0].lessons)} lektioner klara · 0 av {questions} frågor besvarade, 0 rätt." in stats
    locked = text(act_card(html, course.acts[1].slug))
    assert "Låst" in locked and f"Låst tills du har gjort klart {course.acts[0].title}" in locked
    assert f'href="/lektion/{course.acts[1].lessons[0].slug}"' not in act_card(html, course.acts[1].slug)
    # Each act's bar has a text alternative, and the numbers are in words beside it.
    assert f'aria-label="Lektioner klara i {course.acts[0].title}"' in html
    assert f"0 av {len(course.lessons())} lektioner klara." in page_text(await client.get("/min-kurs"))


async def test_the_card_leads_back_to_the_lesson_last_worked_in(client, participant, course):
    act = course.acts[0]
    lesson = act.lessons[1]
    right, wrong = lesson.questions[0], lesson.questions[1]
    for question, response in ((right, correct_response(right)), (wrong, wrong_response(wrong))):
        reply = await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": response})
        assert reply.status_code == 201, reply.text
    html = (await client.get("/min-kurs")).text
    card = resume_card(html)
    assert "Fortsätt där du slutade" in card and "Fortsätt med lektionen" in card
    assert f'id="resume-link" href="/lektion/{lesson.slug}"' in card
    following = act.lessons[2] if len(act.lessons) > 2 else course.acts[1].lessons[0]
    assert "Därefter: " in card and following.title in card
    assert "2 av" in text(act_card(html, act.slug)) and "frågor besvarade, 1 rätt" in text(act_card(html, act.slug))


async def test_a_finished_lesson_leads_on_to_the_first_unfinished_one(client, participant, course):
    first = course.acts[0].lessons[0]
    for question in first.questions:
        body = {"question_id": question.id, "response": correct_response(question)}
        assert (await api_post(client, "/api/v1/answers", body)).status_code == 201
    card = resume_card((await client.get("/min-kurs")).text)
    assert "Fortsätt med nästa lektion" in card
    assert f'id="resume-link" href="/lektion/{course.acts[0].lessons[1].slug}"' in card


async def test_when_everything_is_done_the_card_points_to_the_certificate(client, participant, course):
    await open_every_lesson(participant["id"], course)
    card = resume_card((await client.get("/min-kurs")).text)
    assert "Du har gjort hela kursen" in card and 'id="resume-link" href="/mitt-intyg"' in card
    assert "Hämta ditt kursintyg" in card and "Därefter" not in card


async def test_an_essay_awaiting_a_teacher_is_said_before_the_certificate(client, participant, course):
    lesson, essay = next(
        (lesson, q) for lesson in course.lessons() for q in lesson.questions if q.type.value == "essay"
    )
    body = {"question_id": essay.id, "response": "Avgiften dras varje år från hela fondvärdet."}
    await open_every_lesson(participant["id"], course)
    assert (await api_post(client, "/api/v1/answers", body)).status_code == 201
    html = (await client.get("/min-kurs")).text
    card = resume_card(html)
    assert "Alla lektioner är gjorda" in card and "1 svar väntar på lärarens bedömning" in card
    assert 'href="/mitt-intyg"' in card
    act = next(a for a in course.acts if a.number == lesson.act_number)
    assert "1 svar väntar på bedömning" in text(act_card(html, act.slug))


async def test_no_card_before_the_course_is_open(client, course):
    await register(client, enrolled=False)
    html = (await client.get("/min-kurs")).text
    assert 'id="fortsatt"' not in html and "Anmäl dig för att börja" in html
    assert html.count("<progress") == 1 + len(course.acts)


async def test_the_course_home_is_one_statement_after_the_session(client, participant, course):
    question = course.acts[0].lessons[0].questions[0]
    body = {"question_id": question.id, "response": correct_response(question)}
    assert (await api_post(client, "/api/v1/answers", body)).status_code == 201
    assert (await client.get("/min-kurs")).status_code == 200  # the worker's first page opens its connections
    with counting() as counts:
        response = await client.get("/min-kurs")
    assert response.status_code == 200
    statements = [s for s in sent(counts) if "page_view" not in s]
    kinds = [s.split(" ", 1)[0].rstrip(";").upper() for s in statements]
    # The session lookup, then one statement: the answers' records, the completed lessons and the enrolment.
    assert kinds == ["SELECT", "SELECT"], statements
    assert "FROM lesson_progress" in statements[1] and "JOIN answer" in statements[1]
    assert "FROM enrollment" in statements[1]
    assert "raw_response" not in statements[1]  # the records only, not the answers themselves
    if not POSTGRES:
        assert counts.connections == 0
