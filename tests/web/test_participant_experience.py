"""Issue 15, points 1, 2, 3, 8 and 9 through the app: the participant sees their own answer; the results page in
the questions' own words with one set of status words; no certificate while an essay waits for a teacher; each role
lands on its own start page; Markdown table alignment as classes, never an inline style."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from coursesite.accounts.roles import START_PAGES, Role
from coursesite.course.model import SingleChoice
from coursesite.course.presentation import prompt_title
from coursesite.db.answers import Answer
from coursesite.db.billing import Certificate
from tests.conftest import PASSWORD, accounts, api_post, csrf_token, register
from tests.support import correct_response, open_every_lesson, without_icons, wrong_response

MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"  # numeric: 575 is right, 6900 (the yearly sum) is not
ESSAY = "indexfonder-och-avgifter.forklara-avgifter"
ESSAY_LESSON = "indexfonder-och-avgifter"
ESSAY_TEXT = "Avgiften dras varje år från hela fondvärdet,\nså den växer med sparandet."


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def article(html: str, question_id: str) -> str:
    match = re.search(rf'<article class="question card" id="fraga-{re.escape(question_id)}">.*?</article>', html, re.S)
    assert match, question_id
    return match.group(0)


def find(course, question_id: str):
    lesson, question = course.find_question(question_id)
    return lesson, question


def first_single_choice(course):
    lesson = course.acts[0].lessons[0]
    return lesson, next(q for q in lesson.questions if isinstance(q, SingleChoice))


async def answer_by_form(client, lesson, question, data: dict, *, htmx: bool = False):
    token = await csrf_token(client, f"/lektion/{lesson.slug}")
    if htmx:
        return await client.post(
            f"/lektion/{lesson.slug}/svar/{question.id}",
            data=data,
            headers={"hx-request": "true", "x-csrftoken": token},
        )
    return await client.post(
        f"/lektion/{lesson.slug}/svar/{question.id}", data=data | {"_csrf_token": token}, follow_redirects=False
    )


async def grade_essay(answer_id: int, score_milli: int, comment: str) -> None:
    """What the instructor's grading stores (tests/web/test_instructor_review.py grades through the pages)."""
    await Answer.update(
        {
            Answer.status: "graded",
            Answer.score_milli: score_milli,
            Answer.reviewer_comment: comment,
            Answer.graded_at: datetime(2026, 11, 21, 10, 0, tzinfo=UTC),
        }
    ).where(Answer.id == answer_id)


# -- 1. the participant's own answer


async def test_a_wrong_choice_shows_the_chosen_text_the_verdict_and_the_attempts_left(client, participant, course):
    lesson, question = first_single_choice(course)
    wrong = wrong_response(question)
    reply = await answer_by_form(client, lesson, question, {"response": wrong})
    assert reply.status_code == 303
    page = (await client.get(f"/lektion/{lesson.slug}")).text
    box = article(page, question.id)
    chosen = next(c.text for c in question.choices if c.id == wrong)
    text = text_of(box)
    assert f"Ditt svar: {chosen}" in text
    assert "Fel: 0 av" in text and "Du kan svara igen: 2 försök kvar." in text
    assert f'value="{wrong}" checked' in box  # the form keeps what was answered, to change it
    assert "Svara igen" in box


async def test_htmx_shows_a_number_as_typed_and_a_right_answer_closes_the_form(client, participant, course):
    lesson, question = find(course, MONTHLY)
    reply = await answer_by_form(client, lesson, question, {"response": "6 900"}, htmx=True)
    assert reply.status_code == 200
    text = text_of(reply.text)
    assert "Ditt svar: 6 900" in text and "Fel: 0 av" in text
    assert 'value="6 900"' in reply.text
    right = await answer_by_form(client, lesson, question, {"response": correct_response(question)}, htmx=True)
    text = text_of(right.text)
    assert f"Ditt svar (försök 2): {correct_response(question)}" in text and "Rätt!" in text
    assert "<form" not in article(right.text, question.id)  # no "Svara igen" after a right answer
    assert "Svara igen" not in article(right.text, question.id)


async def test_an_essay_shows_the_text_while_waiting_and_the_grade_and_comment_after(client, participant, course):
    await open_every_lesson(participant["id"], course)
    lesson, question = find(course, ESSAY)
    reply = await answer_by_form(client, lesson, question, {"response": ESSAY_TEXT})
    assert reply.status_code == 303
    box = article((await client.get(f"/lektion/{lesson.slug}")).text, question.id)
    assert "Avgiften dras varje år från hela fondvärdet,\nså den växer med sparandet." in unescape(box)
    assert "Väntar på lärarens bedömning" in box and "<form" not in box
    answer_id = (await Answer.select(Answer.id).where(Answer.question_id == ESSAY))[0]["id"]

    await grade_essay(answer_id, 3000, "Bra, men räkna med ett exempel.")
    box = article((await client.get(f"/lektion/{lesson.slug}")).text, question.id)
    text = text_of(box)
    assert "Avgiften dras varje år" in text
    assert "Delvis rätt: 3 av 5 poäng." in text and "Lärarens kommentar: Bra, men räkna med ett exempel." in text
    assert "Svara igen" in box and ESSAY_TEXT in unescape(box)  # two attempts left: the essay is there to improve

    await grade_essay(answer_id, 5000, "Utmärkt.")
    box = article((await client.get(f"/lektion/{lesson.slug}")).text, question.id)
    assert "Rätt! 5 av 5 poäng." in text_of(box) and "Svara igen" not in box and "<form" not in box


# -- 2. the results page


async def test_results_list_questions_by_their_text_with_clear_status_words(client, participant, course):
    lesson, question = first_single_choice(course)
    monthly = find(course, MONTHLY)[1]
    await answer_by_form(client, lesson, question, {"response": correct_response(question)})
    await answer_by_form(client, lesson, monthly, {"response": "6900"})
    page = await client.get(f"/lektion/{lesson.slug}/resultat")
    assert page.status_code == 200
    html = page.text
    text = text_of(html)
    assert prompt_title(question.prompt) in text and prompt_title(monthly.prompt) in text
    assert question.id not in text and question.name not in text  # no ids, no internal names
    assert "Rättad" not in text
    right_row = re.search(r'<tr id="svar-(\d+)">(?:(?!</tr>).)*?status right', html, re.S)
    wrong_row = re.search(r'<tr id="svar-(\d+)">(?:(?!</tr>).)*?status wrong', html, re.S)
    assert right_row and wrong_row
    words = without_icons(html)
    assert '<span class="status right">Rätt</span>' in words and '<span class="status wrong">Fel</span>' in words
    # The flag only where a person could disagree: the wrong answer, not the right one.
    assert f'/svar/{wrong_row.group(1)}/omprova"' in html
    assert f'/svar/{right_row.group(1)}/omprova"' not in html
    assert html.count("Jag tror att det här blev fel rättat") == 1
    # "Svara igen" after the wrong answer only.
    assert html.count(">Svara igen</a>") == 1 and f'href="/lektion/{lesson.slug}#fraga-{monthly.id}">Svara igen' in html
    assert "Ditt svar: 6900" in text  # the answer itself, beside its status
    chosen = next(c.text for c in question.choices if c.id == correct_response(question))
    assert f"Ditt svar: {chosen}" in text


async def test_no_flag_while_an_essay_waits_and_the_words_come_from_one_place(client, participant, course):
    await open_every_lesson(participant["id"], course)
    reply = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": ESSAY_TEXT})
    assert reply.status_code == 201
    html = (await client.get(f"/lektion/{ESSAY_LESSON}/resultat")).text
    assert '<span class="status pending">Väntar på lärarens bedömning</span>' in without_icons(html)
    assert "Jag tror att det här blev fel rättat" not in html
    assert "Resultat: <strong>väntar på lärarens bedömning</strong>" in html


def test_the_status_words():
    from coursesite.course.presentation import Verdict, may_answer_again, may_flag, verdict

    assert [v.label for v in Verdict] == ["Rätt", "Delvis rätt", "Fel", "Väntar på lärarens bedömning"]
    assert verdict("graded", 1000, 1000) is Verdict.RIGHT
    assert verdict("graded", 500, 1000) is Verdict.PARTIAL
    assert verdict("graded", 0, 1000) is Verdict.WRONG and verdict("graded", -500, 1000) is Verdict.WRONG
    assert verdict("pending_review", None, 1000) is Verdict.PENDING
    assert [may_flag(v) for v in Verdict] == [False, True, True, False]
    assert (
        may_answer_again(None, None) and may_answer_again(Verdict.WRONG, 1) and not may_answer_again(Verdict.WRONG, 0)
    )
    assert not may_answer_again(Verdict.RIGHT, 2) and not may_answer_again(Verdict.PENDING, 2)


# -- 3. the certificate only when everything is graded


async def test_no_certificate_while_an_essay_waits_then_the_certificate(client, participant, course):
    await open_every_lesson(participant["id"], course)
    reply = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": ESSAY_TEXT})
    assert reply.status_code == 201
    lesson_page = (await client.get(f"/lektion/{ESSAY_LESSON}")).text
    progress = text_of(lesson_page.split('id="lesson-progress"', 1)[1].split('class="lesson-body"', 1)[0])
    assert "Resultat: väntar på lärarens bedömning" in progress and "Resultat: 100" not in progress

    page = await client.get("/mitt-intyg")
    assert page.status_code == 200
    assert "Grattis" not in page.text and "Väntar på lärarens bedömning" in page.text
    assert "/api/v1/me/certificate.pdf" not in page.text
    pdf = await client.get("/api/v1/me/certificate.pdf")
    assert pdf.status_code == 403 and "bedömt" in pdf.json()["detail"]
    assert await Certificate.count() == 0

    await grade_essay(reply.json()["id"], 5000, "Bra.")
    page = await client.get("/mitt-intyg")
    assert "Grattis!" in page.text and await Certificate.count() == 1
    assert "Anna A.." not in page.text and "<strong>Anna A.</strong>, kursen och datumet." in page.text


# -- 8. each role lands on its own start page


async def login_by_form(client, email: str, next_path: str | None = None):
    client.cookies.clear()
    token = await csrf_token(client, "/logga-in")
    form = {"_csrf_token": token, "email": email, "password": PASSWORD}
    if next_path is not None:
        form["next"] = next_path
    return await client.post("/logga-in", data=form, follow_redirects=False)


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.INSTRUCTOR, "/larare/granskning"),
        (Role.FINANCE, "/ekonomi"),
        (Role.CUSTOMER_SERVICE, "/kundtjanst"),
        (Role.ADMIN, "/kundtjanst"),
    ],
)
async def test_staff_land_on_their_own_start_page(client, role, landing):
    email = f"{role.value}@balansekonomi.se"
    await accounts.create_staff(email=email, role=role, password=PASSWORD, first_name="Ingrid", last_name="Lärare")
    login_page = await client.get("/logga-in")
    assert 'name="next" value=""' in login_page.text  # no participant page chosen in advance
    reply = await login_by_form(client, email)
    assert reply.status_code == 303 and reply.headers["location"] == landing == START_PAGES[role]
    page = await client.get(landing)
    assert page.status_code == 200 and "Anmäl dig för att börja" not in page.text


async def test_participants_land_on_min_kurs_and_a_chosen_page_is_kept(client):
    await register(client)
    reply = await login_by_form(client, "anna@example.se")
    assert reply.headers["location"] == "/min-kurs"
    reply = await login_by_form(client, "anna@example.se", "/mina-uppgifter")
    assert reply.headers["location"] == "/mina-uppgifter"
    reply = await login_by_form(client, "anna@example.se", "//evil.example")
    assert reply.headers["location"] == "/min-kurs"


# -- 9. table alignment without inline styles


async def test_lesson_tables_align_by_class_without_a_style_attribute(client, participant, course):
    lesson = course.acts[0].lessons[0]
    page = await client.get(f"/lektion/{lesson.slug}")
    body = re.search(r'<div class="lesson-body".*?</div>\s*<section', page.text, re.S).group(0)
    assert "<table>" in body
    assert 'class="align-right"' in body
    assert "style=" not in page.text
    assert ".align-right { text-align: right;" in (await client.get("/static/css/site.css")).text


async def test_a_right_answer_cannot_be_flagged_even_by_a_crafted_request(client, participant, course):
    lesson, question = first_single_choice(course)
    reply = await api_post(
        client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
    )
    answer_id = reply.json()["id"]
    flagged = await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": "Jag vill ha fler poäng."})
    assert flagged.status_code == 409 and "full poäng" in flagged.text
    token = await csrf_token(client, f"/lektion/{lesson.slug}/resultat")
    page = await client.post(
        f"/lektion/{lesson.slug}/svar/{answer_id}/omprova", data={"_csrf_token": token, "reason": "Fler poäng."}
    )
    assert page.status_code == 409 and "Svaret har redan full poäng" in page.text


async def test_an_issued_certificate_stays_when_a_later_answer_waits(client, participant, course):
    await open_every_lesson(participant["id"], course)
    assert "Grattis!" in (await client.get("/mitt-intyg")).text
    reply = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": ESSAY_TEXT})
    assert reply.status_code == 201
    page = await client.get("/mitt-intyg")
    code = (await Certificate.select(Certificate.code))[0]["code"]
    assert code in page.text and "/api/v1/me/certificate.pdf" in page.text
    assert (await client.get("/api/v1/me/certificate.pdf")).status_code == 200
