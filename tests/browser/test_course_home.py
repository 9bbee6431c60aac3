"""Issue 15, the participant's path in Chromium: the course home says where to go on ("Börja med lektion 1", then
"Fortsätt där du slutade"); a lesson has the course outline beside it on a desktop and behind a "Kursöversikt"
button on a phone, which opens and closes the drawer (aria-expanded) with our own script under the CSP.

One participant for the module: registered once, the phone and desktop pages share the login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.support import csrf_of, register
from tests.support import correct_response

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def logged_in(browser: Browser, live_server: str) -> Iterator[dict]:
    """The login's storage state, made once for the module."""
    context = browser.new_context(base_url=live_server, locale="sv-SE", viewport=DESKTOP)
    page = context.new_page()
    register(page)
    state = context.storage_state()
    context.close()
    yield state


def _page(browser: Browser, live_server: str, state: dict, viewport: dict) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(
        base_url=live_server, locale="sv-SE", viewport=viewport, storage_state=state
    )
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(live_server) else foreign.append(r.url))
    yield page
    context.close()
    assert foreign == [], f"the page asked another host: {foreign}"
    assert not [text for text in errors if "Content Security Policy" in text], errors


@pytest.fixture
def desktop(browser, live_server, logged_in) -> Iterator[Page]:
    yield from _page(browser, live_server, logged_in, DESKTOP)


@pytest.fixture
def phone(browser, live_server, logged_in) -> Iterator[Page]:
    yield from _page(browser, live_server, logged_in, PHONE)


def violations(page: Page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


def test_the_course_home_leads_on_and_the_outline_sits_beside_the_lesson(desktop: Page, course):
    first_act = course.acts[0]
    first, second = first_act.lessons[0], first_act.lessons[1]
    desktop.goto("/min-kurs")
    card = desktop.locator("#fortsatt")
    expect(card.get_by_role("heading", name="Börja med lektion 1")).to_be_visible()
    expect(card).to_contain_text(f"Därefter: {second.title}")
    expect(desktop.locator(f"#stats-{first_act.slug}")).to_contain_text("0 rätt")
    expect(desktop.locator(f"#{course.acts[1].slug}")).to_contain_text(
        f"Låst tills du har gjort klart {first_act.title}"
    )
    assert violations(desktop) == []

    card.get_by_role("link", name="Börja med lektion 1").click()
    expect(desktop).to_have_url(f"/lektion/{first.slug}")
    # On a desktop the outline is open beside the lesson, and there is no drawer button.
    outline = desktop.locator("#outline-panel")
    expect(outline).to_be_visible()
    expect(desktop.locator("#outline-toggle")).to_be_hidden()
    side, body = outline.bounding_box(), desktop.locator(".lesson-main").bounding_box()
    assert side and body and side["x"] + side["width"] <= body["x"], (side, body)
    assert violations(desktop) == []

    # One answer in lesson 2: the home now says to go back there.
    question = second.questions[0]
    reply = desktop.request.post(
        "/api/v1/answers",
        data={"question_id": question.id, "response": correct_response(question)},
        headers={"x-csrftoken": csrf_of(desktop)},
    )
    assert reply.status == 201, reply.text()
    desktop.goto("/min-kurs")
    expect(card.get_by_role("heading", name="Fortsätt där du slutade")).to_be_visible()
    expect(card).to_contain_text(second.title)
    expect(desktop.locator(f"#stats-{first_act.slug}")).to_contain_text("1 av")
    expect(desktop.locator(f"#stats-{first_act.slug}")).to_contain_text("1 rätt")
    card.get_by_role("link", name="Fortsätt med lektionen").click()
    expect(desktop).to_have_url(f"/lektion/{second.slug}")


def test_on_a_phone_the_outline_is_a_drawer(phone: Page, course):
    lesson = course.acts[0].lessons[0]
    phone.goto(f"/lektion/{lesson.slug}")
    button = phone.get_by_role("button", name="Kursöversikt")
    panel = phone.locator("#outline-panel")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(panel).to_be_visible()
    expect(panel.locator('a[aria-current="page"]')).to_have_text(lesson.title)
    assert violations(phone) == []

    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(panel).to_be_hidden()

    button.click()  # Escape closes it too, and the focus goes back to the button
    panel.locator("a").first.focus()
    phone.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()

    phone.goto("/min-kurs")
    expect(phone.locator("#fortsatt")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
