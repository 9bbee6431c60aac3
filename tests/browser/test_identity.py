"""Issue 15, a visual identity of our own, as a person sees it in Chromium: the logo in the header, the favicon
(also /favicon.ico) and the icons load without a failed request, nothing scrolls sideways at 320 px and axe-core finds
no WCAG 2.1 A/AA violation there, and a printed lesson, result page or invoice is the content alone, black on white."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import create_staff, log_in, register

pytestmark = pytest.mark.browser


def failed_responses(page: Page) -> list[str]:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failed


def test_the_header_shows_the_logo_and_every_icon_loads(page: Page):
    failed = failed_responses(page)
    page.goto("/")
    header = page.locator("header.site-header")
    brand = header.get_by_role("link", name="Kurssajten Balansekonomi")
    expect(brand).to_be_visible()
    mark = brand.locator("svg.brand-mark")
    box = mark.bounding_box()
    assert box is not None and box["width"] >= 28 and box["height"] >= 28
    # An icon drawn from the sprite has a size and sits beside its words, hidden from assistive technology.
    login = header.get_by_role("link", name="Logga in")
    icon = login.locator("svg.icon")
    expect(icon).to_have_attribute("aria-hidden", "true")
    icon_box = icon.bounding_box()
    assert icon_box is not None and icon_box["width"] > 10
    page.wait_for_load_state("networkidle")
    favicon = page.request.get("/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/")
    assert page.request.get(page.locator("link[rel=icon]").first.get_attribute("href")).status == 200
    assert failed == []


def assert_printed_as_content_alone(page: Page, content: str) -> None:
    """In print media: no menu, footer, button or form shows; the content does, black on white."""
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_hidden()
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("footer.site-footer")).to_be_hidden()
    for selector in ("button", ".button", "form", "nav"):
        visible = [e for e in page.locator(selector).all() if e.is_visible()]
        assert visible == [], f"{selector} is printed on {page.url}"
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(content).first).to_be_visible()
    colours = page.evaluate(
        "() => { const s = getComputedStyle(document.querySelector('main')); return [s.color, s.backgroundColor]; }"
    )
    assert colours == ["rgb(0, 0, 0)", "rgb(255, 255, 255)"]
    page.emulate_media(media="screen")
    expect(page.locator("header.site-header")).to_be_visible()


def test_a_lesson_its_results_and_my_invoices_print_as_content(page: Page, course):
    register(page)
    lesson = course.acts[0].lessons[0]
    page.goto(f"/lektion/{lesson.slug}")
    first = page.locator("article.question").first
    first.locator("input[type=radio]").first.check()
    first.get_by_role("button", name="Svara").click()
    expect(first.locator(".feedback")).to_be_visible()

    page.goto(f"/lektion/{lesson.slug}")
    assert_printed_as_content_alone(page, ".lesson-body")
    page.emulate_media(media="print")
    question = page.locator("article.question").first
    expect(question.locator(".feedback")).to_be_visible()  # the answer and its feedback are printed
    assert question.evaluate("e => getComputedStyle(e).breakInside") == "avoid"  # and not split across pages
    page.emulate_media(media="screen")

    page.goto(f"/lektion/{lesson.slug}/resultat")
    assert_printed_as_content_alone(page, "table.results")
    page.emulate_media(media="print")
    assert [e for e in page.get_by_role("link", name=re.compile("^Svara")).all() if e.is_visible()] == []
    page.emulate_media(media="screen")

    page.goto("/mina-fakturor")
    assert_printed_as_content_alone(page, "#invoices")
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name=re.compile("Ladda ner"))).to_be_hidden()


def test_the_finance_invoice_page_prints_as_content(page: Page, server_env):
    register(page)
    page.goto("/mina-fakturor")
    number = page.locator("#invoices tbody th").first.inner_text().strip()
    page.get_by_role("button", name="Logga ut").click()
    create_staff(server_env, "utskrift@balansekonomi.se", "finance", "ett-riktigt-bra-lösenord")
    log_in(page, "utskrift@balansekonomi.se", "ett-riktigt-bra-lösenord")
    page.goto(f"/ekonomi/faktura/{number}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    assert_printed_as_content_alone(page, ".invoice-facts")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Ekonomimeny")).to_be_hidden()
