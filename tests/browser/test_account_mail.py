"""The account's mail in real Chromium, against a live server whose sender delivers to a real SMTP server in this
process: register → the confirmation mail → confirm; log out → "Glömt lösenordet?" → the reset mail → a new password
→ logged in; "Logga ut överallt". And enrolment: the confirmation with the invoice PDF attached."""

from __future__ import annotations

import os
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import enrol, free_port, serving
from tests.conftest import TEST_SECRET
from tests.support import SmtpServer, links, text_body

pytestmark = pytest.mark.browser

EMAIL = "post.browser@example.se"
PASSWORD = "ett-riktigt-bra-lösenord"
NEW_PASSWORD = "blå-cykel-sju-moln"


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory, smtp):
    """`coursesite serve` on a fresh database, its sender loop delivering to `smtp` every second."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "COURSESITE_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('mail') / 'site.sqlite'}",
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_PORT": str(port),
        "COURSESITE_HOST": "127.0.0.1",
        "COURSESITE_ENV": "test",
        "COURSESITE_SMTP_URL": smtp.url,
        "COURSESITE_PUBLIC_URL": base,
        "COURSESITE_MAIL_WORKER": "1",
        "COURSESITE_MAIL_POLL_SECONDS": "1",
    }
    with serving(env) as served:
        yield served


@pytest.fixture
def mail_page(browser, mail_server):
    context = browser.new_context(base_url=mail_server, locale="sv-SE")
    yield context.new_page()
    context.close()


def received(smtp: SmtpServer, subject: str, count: int = 1, to: str = EMAIL):
    """The `count`th message to `to` with `subject`, waiting for the server's sender loop (polls every second)."""
    for _ in range(150):
        found = [m for m in smtp.to(to) if m["Subject"] == subject]
        if len(found) >= count:
            return found[count - 1]
        time.sleep(0.1)
    raise AssertionError(f"no message {subject!r} arrived; got {[m['Subject'] for m in smtp.messages]}")


def test_confirm_the_address_reset_the_password_and_log_out_everywhere(mail_page: Page, browser, mail_server, smtp):
    page = mail_page
    page.goto("/registrera")
    page.get_by_label("Förnamn").fill("Mona")
    page.get_by_label("Efternamn").fill("Mejl")
    page.get_by_label("E-postadress").fill(EMAIL)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    expect(page.locator(".unconfirmed")).to_contain_text("Din e-postadress är inte bekräftad ännu")

    confirmation = received(smtp, "Bekräfta din e-postadress")
    [path] = [p for p in links(confirmation, mail_server) if p.startswith("/bekrafta-epost")]
    page.goto(path)
    page.get_by_role("button", name="Bekräfta e-postadressen").click()
    expect(page.get_by_role("status")).to_contain_text(f"Adressen {EMAIL} är bekräftad")
    page.goto("/min-kurs")
    expect(page.locator(".unconfirmed")).to_have_count(0)

    page.get_by_role("button", name="Logga ut").click()
    page.goto("/logga-in")
    page.get_by_role("link", name="Glömt lösenordet?").click()
    page.get_by_label("E-postadress").fill(EMAIL)
    page.get_by_role("button", name="Skicka länken").click()
    expect(page.get_by_role("status")).to_contain_text("Om det finns ett konto med adressen")

    reset = received(smtp, "Välj ett nytt lösenord")
    assert "en timme" in text_body(reset)
    [path] = [p for p in links(reset, mail_server) if p.startswith("/nytt-losenord")]
    page.goto(path)
    page.get_by_label("Nytt lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Spara lösenordet").click()
    expect(page).to_have_url("/logga-in?utloggad=nytt-losenord")
    page.get_by_label("E-postadress").fill(EMAIL)
    page.get_by_label("Lösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url("/min-kurs")
    assert received(smtp, "Ditt lösenord är bytt")

    # A second browser logs in too (a new browser: the owner is told), then "Logga ut överallt" ends both.
    other_context = browser.new_context(base_url=mail_server, locale="sv-SE")
    other = other_context.new_page()
    try:
        other.goto("/logga-in")
        other.get_by_label("E-postadress").fill(EMAIL)
        other.get_by_label("Lösenord").fill(NEW_PASSWORD)
        other.get_by_role("button", name="Logga in").click()
        expect(other).to_have_url("/min-kurs")
        assert received(smtp, "Ny inloggning på ditt konto")

        page.goto("/mina-uppgifter")
        page.get_by_role("button", name="Logga ut överallt").click()
        expect(page).to_have_url("/logga-in?utloggad=overallt")
        other.goto("/mina-uppgifter")
        expect(other.get_by_role("heading", name="Logga in")).to_be_visible()
    finally:
        other_context.close()


ENROLLING = "enrol.browser@example.se"


def test_enrol_and_the_mail_with_the_invoice_pdf_arrives(mail_page: Page, mail_server, smtp):
    from io import BytesIO

    from pypdf import PdfReader

    page = mail_page
    page.goto("/registrera")
    page.get_by_label("Förnamn").fill("Erik")
    page.get_by_label("Efternamn").fill("Enrolsson")
    page.get_by_label("E-postadress").fill(ENROLLING)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    enrol(page)
    page.goto("/mina-fakturor")
    number = re.search(r"\d{4}-\d{5}", page.locator("main").inner_text())
    assert number is not None

    message = received(smtp, f"Välkommen till kursen – din faktura {number.group()}", to=ENROLLING)
    body = text_body(message)
    assert "Hej Erik!" in body and "OCR-nummer" in body and "Bankgiro" in body
    assert f"{mail_server}/min-kurs" in body
    [attached] = list(message.iter_attachments())
    assert attached.get_filename() == f"faktura-{number.group()}.pdf"
    text = "\n".join(p.extract_text() or "" for p in PdfReader(BytesIO(attached.get_content())).pages)
    assert number.group() in text and "Erik Enrolsson" in text
