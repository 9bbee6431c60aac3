"""An answer sent in place that the site does not receive, in real Chromium: the participant is told so at the
question, the answer chosen is still there, and sending it again works (static/js/failed-requests.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.support import DESKTOP, PHONE, register, sideways_overflow, wcag_violations
from tests.support import correct_response

pytestmark = pytest.mark.browser


def test_a_turned_away_or_lost_answer_says_so_and_can_be_sent_again(page: Page, course):
    register(page)
    lesson = course.acts[0].lessons[0]
    page.get_by_role("link", name=lesson.title).click()
    expect(page.get_by_role("heading", name=lesson.title)).to_be_visible()
    question = next(q for q in lesson.questions if q.type.value == "single_choice")
    article = page.locator(f'article[id="fraga-{question.id}"]')
    choice = article.locator(f'input[value="{correct_response(question)}"]')
    choice.check()

    def full(route: Route) -> None:  # what a full worker answers (web/busy.py)
        route.fulfill(status=503, headers={"Retry-After": "3"}, content_type="text/html", body="<p>Fullt</p>")

    answer_url = f"**/lektion/{lesson.slug}/svar/{question.id}"
    page.route(answer_url, full)
    article.get_by_role("button").click()
    alert = article.get_by_role("alert")
    expect(alert).to_contain_text("fler besökare än den hinner med")
    expect(alert).to_contain_text("Det du skickade är inte sparat.")
    expect(choice).to_be_checked()  # nothing swapped: the answer is still there
    expect(article.locator(".feedback")).to_have_count(0)

    page.unroute(answer_url)
    page.route(answer_url, lambda route: route.abort("internetdisconnected"))
    article.get_by_role("button").click()
    expect(alert).to_contain_text("Ingen kontakt med Kurssajten")
    expect(article.get_by_role("alert")).to_have_count(1)  # one message, replaced, not piled up

    page.unroute(answer_url)
    article.get_by_role("button").click()
    expect(page.locator(f'article[id="fraga-{question.id}"] .feedback')).to_contain_text("Rätt!")
    expect(page.locator(f'article[id="fraga-{question.id}"] .request-failed')).to_have_count(0)


@pytest.mark.parametrize("sent", [False, True], ids=["page", "form"])
def test_the_full_workers_page_passes_axe_and_fits_a_phone(page: Page, tmp_path, sent):
    """The page a full worker answers with (web/busy.py, made once when the app starts), served at one of the live
    server's addresses so that it loads the site's own stylesheet."""
    from coursesite.app import create_app
    from coursesite.settings import Settings
    from coursesite.web.busy import BusyResponder

    site = create_app(Settings(secret_key="x" * 32, database_url=f"sqlite:///{tmp_path / 'site.sqlite'}"))
    responder = site.asgi_handler.app  # type: ignore[attr-defined]  # inside the request observer
    assert isinstance(responder, BusyResponder)
    body = responder.pages[sent]
    page.route("**/fullt-prov", lambda route: route.fulfill(status=503, content_type="text/html", body=body))
    page.set_viewport_size(DESKTOP)
    response = page.goto("/fullt-prov")
    assert response is not None and response.status == 503
    expect(page.get_by_role("heading", name="Fullt just nu")).to_be_visible()
    expect(page.locator("link[rel=stylesheet]")).to_have_attribute("href", "/static/css/site.css")
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 50  # the site's stylesheet, loaded
    assert wcag_violations(page) == []
    page.set_viewport_size(PHONE)
    assert sideways_overflow(page) <= 0 and wcag_violations(page) == []
