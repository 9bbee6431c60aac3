"""The participant's path in real Chromium: register, take Akt 1 lesson by lesson, see feedback and progress, and
see Akt 2 unlock."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from coursesite.course.model import QuestionType
from coursesite.course.presentation import response_lines
from tests.browser.support import register
from tests.support import correct_response

pytestmark = pytest.mark.browser


def answer(page: Page, question) -> None:
    """Fill in the right answer the way a participant would, and submit it (htmx swaps the question in place)."""
    article = page.locator(f'article[id="fraga-{question.id}"]')
    response = correct_response(question)
    if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        ids = [response] if isinstance(response, str) else response
        for choice_id in ids:
            article.locator(f'input[value="{choice_id}"]').check()
    elif question.type is QuestionType.TRUE_FALSE:
        article.locator(f'input[value="{"true" if response else "false"}"]').check()
    elif question.type is QuestionType.MATCHING:
        for left, right in response.items():
            article.locator(f'select[name="match-{left}"]').select_option(right)
    elif question.type is QuestionType.ORDERING:
        for position, item in enumerate(response, start=1):
            article.locator(f'select[name="position-{item}"]').select_option(str(position))
    else:
        article.locator('[name="response"]').fill(response)
    article.get_by_role("button").click()
    expect(page.locator(f'article[id="fraga-{question.id}"] .feedback')).to_be_visible()


def test_register_answer_and_see_feedback_and_progress(page: Page, course):
    register(page)
    overall = page.locator("#progress-overall progress")
    expect(overall).to_have_attribute("value", "0")
    lesson = course.acts[0].lessons[0]
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.get_by_role("link", name=lesson.title).click()
    expect(page.get_by_role("heading", name=lesson.title)).to_be_visible()
    page.wait_for_load_state("load")
    # Lesson 1's tables align by class: the security policy refuses no inline style (issue 15, point 9).
    assert not [text for text in console if "Content Security Policy" in text], console
    expect(page.locator(".lesson-body td.align-right").first).to_have_css("text-align", "right")
    answered = page.locator("#lesson-progress progress")
    expect(answered).to_have_attribute("value", "0")
    first = lesson.questions[0]
    answer(page, first)
    feedback = page.locator(f'article[id="fraga-{first.id}"] .feedback')
    expect(feedback).to_contain_text("Rätt!")
    expect(feedback).to_contain_text(first.general_feedback.split("\n")[0][:40])
    # The participant's own answer, in words (never a choice's id), stays beside the feedback.
    own = page.locator(f'article[id="fraga-{first.id}"] .own-answer')
    for line in response_lines(first, correct_response(first)):
        expect(own).to_contain_text(line)
    expect(answered).not_to_have_attribute("value", "0")  # the progress bar moved without a reload


def test_take_the_whole_of_akt_1_and_see_akt_2_unlock(page: Page, course):
    register(page)
    act1, act2 = course.acts[0], course.acts[1]
    expect(page.locator(f"#{act2.slug}")).to_contain_text("Låst")
    for lesson in act1.lessons:
        page.goto("/min-kurs")
        page.get_by_role("link", name=lesson.title).click()
        for question in lesson.questions:
            answer(page, question)
        expect(page.locator("#lesson-progress")).to_contain_text("Lektionen är klar")
    page.goto("/min-kurs")
    expect(page.locator(f"#{act1.slug}")).to_contain_text("Klar")
    expect(page.locator(f"#{act1.slug} progress")).to_have_attribute("value", "100")
    expect(page.locator(f"#{act2.slug}")).not_to_contain_text("Låst")
    page.get_by_role("link", name=act2.lessons[0].title).click()
    expect(page.get_by_role("heading", name=act2.lessons[0].title)).to_be_visible()


def test_the_lesson_works_without_javascript(browser, live_server, course):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        register(page)
        lesson = course.acts[0].lessons[0]
        page.goto(f"/lektion/{lesson.slug}")
        answer(page, lesson.questions[0])
        expect(page).to_have_url(f"/lektion/{lesson.slug}#fraga-{lesson.questions[0].id}")
    finally:
        context.close()
