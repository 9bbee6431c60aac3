"""Each staff role logs in and lands on its own start page (issue 15, point 8), in real Chromium: the instructor on the
review queue with this week's numbers, finance on the overview of what is owed, customer service on the open cases by
deadline, the admin on customer service with the admin pages. Their menus offer their own account, not Min kurs."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from coursesite.accounts.roles import START_PAGES, Role
from tests.browser.support import create_staff, log_in

pytestmark = pytest.mark.browser

PASSWORD = "hemma-sida-personal-731"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _land(page: Page, server_env, role: str) -> Page:
    email = f"hem.{role.replace('_', '-')}@balansekonomi.se"
    create_staff(server_env, email, role, PASSWORD, first_name="Hedda")
    log_in(page, email, PASSWORD)
    menu = page.get_by_role("navigation", name="Huvudmeny")
    expect(menu.get_by_role("link", name="Mina uppgifter")).to_be_visible()
    expect(menu.get_by_role("link", name="Min kurs")).to_have_count(0)
    return page


def test_the_instructor_lands_on_the_queue_and_this_weeks_numbers(page: Page, server_env):
    _land(page, server_env, "instructor")
    expect(page).to_have_url("/larare/granskning")
    expect(page.get_by_role("heading", name="Granskning", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Vecka", exact=False).first).to_be_visible()
    figures = page.locator("#veckans-siffror")
    for label in ("Inlämnade svar i veckan", "Fritextsvar som väntar på bedömning", "Bedömda i veckan"):
        expect(figures).to_contain_text(label)
    page.get_by_role("link", name="frågestatistiken").click()
    expect(page).to_have_url("/larare/statistik")


def test_finance_lands_on_the_overview_of_what_is_owed(page: Page, server_env):
    _land(page, server_env, "finance")
    expect(page).to_have_url("/ekonomi")
    expect(page.get_by_role("heading", name="Ekonomi", exact=True)).to_be_visible()
    figures = page.locator("#ekonomins-siffror")
    expect(figures).to_contain_text("Obetalda, inte förfallna")
    expect(figures).to_contain_text("kr")
    figures.get_by_role("link", name="Förfallna").click()
    expect(page).to_have_url("/ekonomi/forfallna")


def test_customer_service_lands_on_the_open_cases_by_deadline(page: Page, server_env):
    _land(page, server_env, "customer_service")
    expect(page).to_have_url("/kundtjanst")
    expect(page.get_by_role("heading", name="Kundtjänst", exact=True)).to_be_visible()
    expect(page.locator("#kundtjanstens-siffror")).to_contain_text("Sista svarsdag inom 7 dagar")
    expect(page.locator("#adminlankar")).to_have_count(0)
    menu = page.get_by_role("navigation", name="Kundtjänstmeny")
    expect(menu.get_by_role("link", name="Behandlingsregister")).to_be_visible()


def test_the_admin_lands_on_customer_service_and_reaches_the_admin_pages(page: Page, server_env):
    _land(page, server_env, "admin")
    expect(page).to_have_url("/kundtjanst")
    admin = page.locator("#adminlankar")
    expect(admin).to_be_visible()
    admin.get_by_role("link", name="Utkorgen").click()
    expect(page).to_have_url("/personal/utkorg")
    expect(page.get_by_role("heading", name="Utkorgen")).to_be_visible()


@pytest.mark.parametrize("role", ["instructor", "finance", "customer_service", "admin"])
def test_each_home_fits_a_phone_and_passes_axe(browser, live_server, server_env, role):
    context = browser.new_context(base_url=live_server, locale="sv-SE", viewport={"width": 360, "height": 800})
    try:
        page = context.new_page()
        email = f"telefon.{role.replace('_', '-')}@balansekonomi.se"
        create_staff(server_env, email, role, PASSWORD, first_name="Tora")
        log_in(page, email, PASSWORD)
        expect(page).to_have_url(START_PAGES[Role(role)])
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert [violation["id"] for violation in results.response["violations"]] == []
    finally:
        context.close()
