"""The review in real Chromium: a participant answers the essays of Akt 3, an instructor grades one with its rubric
using the keyboard only (criteria by number, a bank comment with Alt+1, Ctrl+Enter to save), and the participant then
sees the score, the criteria, the comment and that a teacher graded it.

The instructor is created with `coursesite create-staff` against the shared live server's database."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import register
from tests.support import correct_response

pytestmark = pytest.mark.browser

COMMAND = Path(sys.executable).parent / "coursesite"
INSTRUCTOR_EMAIL = "larare@balansekonomi.se"
INSTRUCTOR_PASSWORD = "ett-långt-lärarlösenord"
FIRST_ESSAY = "indexfonder-och-avgifter.forklara-avgifter"  # 5 points: 2 + 2 + 1
SECOND_ESSAY = "pension-och-mal.min-plan"


@pytest.fixture(scope="module")
def instructor_account(server_env, live_server) -> None:
    subprocess.run(
        [
            COMMAND,
            "create-staff",
            "--email",
            INSTRUCTOR_EMAIL,
            "--role",
            "instructor",
            "--first-name",
            "Ingrid",
            "--last-name",
            "Lärare",
            "--password",
            INSTRUCTOR_PASSWORD,
        ],
        env=server_env,
        check=True,
        capture_output=True,
    )


def pass_the_first_two_acts(page: Page, course) -> None:
    """Akt 3 opens when Akt 1 and 2 are done: answer them right through the participant's own JSON API."""
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    for act in course.acts[:2]:
        for lesson in act.lessons:
            for question in lesson.questions:
                reply = page.request.post(
                    "/api/v1/answers",
                    data={"question_id": question.id, "response": correct_response(question)},
                    headers={"x-csrftoken": token},
                )
                assert reply.status == 201, reply.text()


def write_essay(page: Page, question_id: str, text: str) -> None:
    lesson_slug = question_id.split(".")[0]
    page.goto(f"/lektion/{lesson_slug}")
    article = page.locator(f'article[id="fraga-{question_id}"]')
    article.locator('[name="response"]').fill(text)
    article.get_by_role("button").click()
    expect(article.locator(".feedback")).to_contain_text("Väntar på lärarens bedömning")
    expect(article.locator(".own-answer")).to_contain_text(text)  # the essay stays in view while it waits


def test_an_instructor_grades_an_essay_with_the_keyboard_and_the_participant_sees_it(
    page: Page, browser, live_server, instructor_account, course
):
    register(page)
    pass_the_first_two_acts(page, course)
    write_essay(page, FIRST_ESSAY, "Avgiften dras varje år på hela beloppet, så den växer med ränta på ränta.")
    write_essay(page, SECOND_ESSAY, "Jag ska spara 1 000 kr i månaden till en buffert.")
    page.goto("/lektion/indexfonder-och-avgifter/resultat")
    expect(page.locator("table.results")).to_contain_text("Väntar på lärarens bedömning")

    teacher_context = browser.new_context(base_url=live_server, locale="sv-SE")
    teacher = teacher_context.new_page()
    foreign: list[str] = []
    teacher.on("request", lambda request: None if request.url.startswith(live_server) else foreign.append(request.url))
    try:
        teacher.goto("/logga-in")
        teacher.get_by_label("E-postadress").fill(INSTRUCTOR_EMAIL)
        teacher.get_by_label("Lösenord").fill(INSTRUCTOR_PASSWORD)
        teacher.get_by_role("button", name="Logga in").click()
        teacher.goto("/larare/granskning")
        expect(teacher.locator(".review-count")).to_contain_text("2 svar väntar")
        expect(teacher.locator("table.review-queue")).to_contain_text("Lina Larsson")

        # Anonymous mode, and a comment saved in the bank beforehand.
        teacher.get_by_role("link", name="Dölj namnen").click()
        expect(teacher.locator("table.review-queue")).not_to_contain_text("Lina")
        teacher.get_by_role("link", name="Bedöm").first.click()
        expect(teacher).to_have_url(re.compile(r"/larare/granskning/\d+\?anonym=1$"))
        expect(teacher.locator(".review-item")).not_to_contain_text("Lina")
        teacher.locator("#comment").fill("Tydligt räkneexempel med antaganden.")
        teacher.get_by_role("button", name="Spara kommentaren i banken").click()
        expect(teacher.locator(".notice")).to_contain_text("Kommentaren är sparad i kommentarbanken.")
        first_url = f"/larare/granskning/{_answer_id(teacher)}?anonym=1"
        teacher.goto(first_url)
        expect(teacher.locator("h1")).to_contain_text("En vän säger")  # the question in its own words, not its id

        # From here on, the keyboard only.
        keyboard = teacher.keyboard
        keyboard.press("j")
        expect(teacher.locator("h1")).to_contain_text("Skriv en kort plan")
        expect(teacher).to_have_url(re.compile(r"anonym=1"))
        keyboard.press("k")
        expect(teacher.locator("h1")).to_contain_text("En vän säger")  # the question in its own words, not its id
        keyboard.press("?")
        expect(teacher.locator("#shortcuts")).not_to_have_attribute("open", "")
        keyboard.press("?")
        expect(teacher.locator("#shortcuts")).to_have_attribute("open", "")

        criteria = teacher.locator("input.criterion")
        for number, points in (("1", "2"), ("2", "1"), ("3", "1")):
            keyboard.press(number)
            expect(criteria.nth(int(number) - 1)).to_be_focused()
            keyboard.type(points)
            keyboard.press("Escape")
        expect(teacher.locator("#rubric-sum")).to_have_text("4")
        keyboard.press("c")
        expect(teacher.locator("#comment")).to_be_focused()
        keyboard.type("Bra förklarat.")
        keyboard.press("Alt+Digit1")
        expect(teacher.locator("#comment")).to_have_value("Bra förklarat. Tydligt räkneexempel med antaganden.")
        keyboard.type(" Tack!")
        keyboard.press("Control+Enter")

        # Saved: on to the next answer in the queue, still anonymous, with a confirmation.
        expect(teacher.locator(".notice")).to_contain_text("är sparad")
        expect(teacher.locator("h1")).to_contain_text("Skriv en kort plan")
        expect(teacher).to_have_url(re.compile(r"anonym=1"))
        teacher.goto("/larare/granskning")
        expect(teacher.locator(".review-count")).to_contain_text("1 svar väntar")
    finally:
        teacher_context.close()
    assert foreign == [], f"the instructor's page asked another host: {foreign}"

    page.goto("/lektion/indexfonder-och-avgifter/resultat")
    results = page.locator("table.results")
    expect(results).to_contain_text("Bedömd av lärare")
    expect(results).to_contain_text("4 / 5")
    expect(results).to_contain_text("Bra förklarat. Tydligt räkneexempel med antaganden. Tack!")
    for criterion, points in zip(course.find_question(FIRST_ESSAY)[1].rubric, ("2", "1", "1"), strict=True):
        expect(results).to_contain_text(f"{criterion.text}: {points} av {criterion.points} p")


def _answer_id(page: Page) -> int:
    """The answer id of the grading page, or of the first answer in the queue."""
    hidden = page.locator('input[name="answer_id"]')
    if hidden.count():
        return int(hidden.first.get_attribute("value") or "")
    return int((page.locator("tr[id^=svar-]").first.get_attribute("id") or "").removeprefix("svar-"))
