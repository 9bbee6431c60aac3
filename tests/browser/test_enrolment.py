"""Enrolment in real Chromium: register, see the call to enrol, enrol (as a company, with the company fields shown
only for "Företag"; and as a private person without JavaScript), see the invoice and download its PDF."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import create_account

pytestmark = pytest.mark.browser


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def test_enrol_as_a_company_and_download_the_invoice(page: Page):
    create_account(page, "Petra", "Persson")
    expect(page.locator("#anmalan")).to_contain_text("Anmäl dig")
    page.get_by_role("link", name="Anmäl dig till kursen").click()
    expect(page).to_have_url("/anmalan")
    expect(page.locator(".price")).to_contain_text("12\xa0500,00\xa0kr")

    company = page.locator("#company-fields")
    expect(company).to_be_hidden()  # a private person is the default
    page.get_by_label("Företag", exact=True).check()
    expect(company).to_be_visible()
    page.get_by_label("Adress").fill("Storgatan 1")
    page.get_by_label("Postnummer").fill("1145")
    page.get_by_label("Ort").fill("Stockholm")
    page.get_by_role("button", name="Anmäl mig").click()
    # The server says what is wrong, per field, and keeps what was typed.
    expect(page.locator("#company_name-error")).to_be_visible()
    expect(page.locator("#postal_code-error")).to_be_visible()
    expect(page.locator("#accept_terms_version-error")).to_be_visible()
    expect(page.get_by_label("Adress")).to_have_value("Storgatan 1")
    expect(company).to_be_visible()  # still "Företag"

    page.get_by_label("Företagsnamn").fill("Perssons Bokföring AB")
    page.get_by_label("Organisationsnummer").fill("556047-3521")
    page.get_by_label("Er referens").fill("Petra P")
    page.get_by_label("Postnummer").fill("114 55")
    page.get_by_label("Jag har läst och godkänner").check()
    page.get_by_role("button", name="Anmäl mig").click()

    expect(page).to_have_url("/anmalan/klar")
    expect(page.get_by_role("heading", name="Tack för din anmälan!")).to_be_visible()
    number = page.locator(".invoice-number").inner_text()
    assert re.fullmatch(r"\d{4}-\d{5}", number)
    expect(page.locator("#invoice-facts")).to_contain_text("12\xa0500,00\xa0kr")

    with page.expect_download() as info:
        page.get_by_role("link", name="Ladda ner fakturan (PDF)").click()
    download = info.value
    assert download.suggested_filename == f"faktura-{number}.pdf"
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert number in text and "Perssons Bokföring AB" in text

    page.get_by_role("link", name="Mina fakturor").first.click()
    expect(page.locator("#invoices")).to_contain_text(number)
    expect(page.locator("#invoices")).to_contain_text("Obetald")
    expect(page.locator("#ledger")).to_contain_text("12\xa0500,00\xa0kr")
    page.goto("/min-kurs")
    expect(page.locator("#anmalan")).to_have_count(0)


def test_enrol_as_a_private_person_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    try:
        create_account(page, "Petra", "Persson")
        page.goto("/anmalan")
        expect(page.locator("#company-fields")).to_be_visible()  # shown, with a note, when nothing can hide it
        expect(page.locator(".company-note")).to_be_visible()
        page.get_by_label("Adress").fill("Lillgatan 2")
        page.get_by_label("Postnummer").fill("41301")
        page.get_by_label("Ort").fill("Göteborg")
        page.get_by_label("Jag har läst och godkänner").check()
        page.get_by_role("button", name="Anmäl mig").click()
        expect(page).to_have_url("/anmalan/klar")
        number = page.locator(".invoice-number").inner_text()
        response = page.request.get(f"/mina-fakturor/{number}.pdf")
        assert response.ok and response.headers["content-type"].startswith("application/pdf")
        text = pdf_text(response.body())
        assert number in text and "Petra Persson" in text and "413 01" in text
    finally:
        context.close()
