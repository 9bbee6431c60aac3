"""Customer service in real Chromium: the newsletter export to Apsis, a subscriber who then withdraws the consent,
and the notice to carry out at Apsis marked done; then a webinar registrant's rectification request registered,
the identity check recorded, corrected and completed on the case page; and the subscriber's access request, which
she confirms through the link in the mail it sent her (read from the live server's outbox), and whose export she then
finds on Mina uppgifter."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import create_staff, csrf_of, log_in, register_and_subscribe

pytestmark = pytest.mark.browser

SUBSCRIBER = "prenumerant.browser@example.se"
PASSWORD = "ett-riktigt-bra-lösenord"
REGISTRANT = "webbinarie.browser@example.se"
STAFF_EMAIL = "kundtjanst.service@balansekonomi.se"
STAFF_PASSWORD = "ekorre-lampa-vinter-456"  # not the address: the password rule


def mailed_link(server_env, address: str, path: str) -> str:
    """The link at `path` in the newest message to `address` in the live server's outbox (it has no SMTP server)."""
    database = server_env["COURSESITE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (body,) = connection.execute(
            "SELECT body_text FROM outbox_message WHERE recipient = ? ORDER BY id DESC LIMIT 1", (address,)
        ).fetchone()
    match = re.search(r"https?://[^\s/]+(" + re.escape(path) + r"[^\s]+)", body)
    assert match, body
    return match.group(1)


def test_processor_notice_and_rectification_on_the_case_page(page: Page, browser, live_server, server_env):
    # A participant who subscribes to the newsletter with the same address, and a webinar registrant.
    register_and_subscribe(page, "Petra", "Prenumerant", SUBSCRIBER, PASSWORD, server_env)
    registered = page.request.post(
        "/api/v1/forms/webinar",
        data={"first_name": "Wilma", "last_name": "Felstavad", "email": REGISTRANT, "webinar": "budget-pa-en-timme"},
        headers={"x-csrftoken": csrf_of(page)},
    )
    assert registered.status == 201, registered.text()

    create_staff(server_env, STAFF_EMAIL, "customer_service", STAFF_PASSWORD)
    staff_context = browser.new_context(base_url=live_server, locale="sv-SE")
    staff = staff_context.new_page()
    try:
        log_in(staff, STAFF_EMAIL, STAFF_PASSWORD)

        # The export to Apsis carries the Kurssajten-ID column.
        staff.goto("/personal/nyhetsbrev")
        with staff.expect_download() as info:
            staff.get_by_role("link", name="Ladda ner fil för Apsis").click()
        exported = Path(info.value.path()).read_text(encoding="utf-8")
        assert exported.startswith("Email;FirstName;KurssajtenID") and SUBSCRIBER in exported

        # The subscriber withdraws the consent with one click.
        page.goto("/mina-uppgifter")
        page.locator("#withdraw-newsletter").click()
        expect(page.locator(".notice")).to_contain_text("Samtycket är återkallat")

        # Customer service sees what to do at Apsis, does it there, and marks it done.
        staff.goto("/kundtjanst")
        staff.locator("#processor-pending a").click()
        expect(staff.locator("#processor-notices")).to_contain_text("Avregistrera kontakten")
        ref = next(line.split(";")[2] for line in exported.splitlines() if line.startswith(SUBSCRIBER))
        expect(staff.locator("#processor-notices")).to_contain_text(ref)
        expect(staff.locator("#processor-notices")).not_to_contain_text(SUBSCRIBER)
        staff.get_by_role("button", name="Utfört hos Apsis").click()
        expect(staff.get_by_role("status")).to_contain_text("markerad som utförd")
        expect(staff.get_by_text("Inget väntar.")).to_be_visible()

        # A rectification request from the webinar registrant, registered on the new-case page.
        staff.goto("/kundtjanst/nytt")
        staff.get_by_label("Slags ärende").select_option("rectification")
        staff.get_by_label("Rubrik").fill("Fel efternamn i webbinarieanmälan")
        staff.locator("#contact_email").fill(REGISTRANT)
        staff.get_by_role("button", name="Registrera ärendet").click()
        expect(staff.get_by_role("status")).to_contain_text("registrerat")

        # Nothing is carried out before the identity check is recorded.
        expect(staff.locator("#identity")).to_contain_text("Väntar på bekräftelse")
        expect(staff.locator("#rectify-form")).to_have_count(0)
        expect(staff.locator("#complete-form")).to_have_count(0)
        confirm = staff.locator("#confirm-form")
        confirm.get_by_label("Hur identiteten kontrollerades").select_option("known_phone_callback")
        confirm.get_by_label("Anteckning om kontrollen").fill("Ringde numret i anmälan.")
        confirm.get_by_role("button", name="Spara bekräftelsen").click()
        expect(staff.get_by_role("status")).to_contain_text("Identiteten är bekräftad")
        expect(staff.locator("#identity")).to_contain_text("Återuppringning till ett telefonnummer vi redan har")

        form = staff.locator("#rectify-form")
        expect(form.get_by_label("Efternamn")).to_have_value("Felstavad")
        form.get_by_label("Efternamn").fill("Rättstavad")
        form.get_by_role("button", name="Spara rättelsen").click()
        expect(staff.get_by_role("status")).to_contain_text("Uppgifterna är rättade")
        expect(staff.locator("#notes")).to_contain_text("Rättat: efternamn.")
        expect(staff.locator("#contact")).to_contain_text("Rättstavad")

        staff.locator("#complete-form textarea").fill("Efternamnet rättat.")
        staff.get_by_role("button", name="Genomför och avsluta").click()
        expect(staff.locator("#case-status")).to_have_text("Avslutat")
        expect(staff.locator("#rectify-form")).to_have_count(0)

        # The subscriber's access request: customer service never downloads it; she finds it on Mina uppgifter.
        staff.goto("/kundtjanst/nytt")
        staff.get_by_label("Slags ärende").select_option("access")
        staff.get_by_label("Rubrik").fill("Registerutdrag per telefon")
        staff.locator("#contact_email").fill(SUBSCRIBER)
        staff.get_by_role("button", name="Registrera ärendet").click()
        expect(staff.locator("#access-export")).to_contain_text("laddar aldrig ner")
        expect(staff.locator("#identity")).to_contain_text("Väntar på bekräftelse")

        # She confirms it through the link in the mail: the page explains, the button confirms.
        page.goto(mailed_link(server_env, SUBSCRIBER, "/bekrafta-begaran?token="))
        expect(page.locator("#confirm-request")).to_contain_text("registerutdrag")
        page.get_by_role("button", name="Ja, jag har bett om det").click()
        expect(page.locator("#confirm-done")).to_contain_text("Din begäran är bekräftad")
        staff.reload()
        expect(staff.locator("#identity")).to_contain_text("Personen bekräftade via länken i e-post")

        staff.locator("#complete-form textarea").fill("Utdraget finns på Mina uppgifter.")
        staff.get_by_role("button", name="Genomför och avsluta").click()
        expect(staff.locator("#case-status")).to_have_text("Avslutat")
        expect(staff.locator("#outcome")).to_contain_text("Mina uppgifter")
        expect(staff.locator("a[href*='registerutdrag']")).to_have_count(0)
    finally:
        staff_context.close()

    page.goto("/mina-uppgifter")
    expect(page.locator("#ready-exports")).to_contain_text("Ditt utdrag är klart")
    with page.expect_download() as info:
        page.locator("#ready-exports").get_by_role("link", name="PDF").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
