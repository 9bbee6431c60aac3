"""Mina uppgifter in real Chromium: download my data (JSON), withdraw the newsletter consent with one click, request
erasure; customer service (created with `coursesite create-staff`) completes it through the support API, and the
person can no longer log in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import create_staff, csrf_of, log_in, register_and_subscribe

pytestmark = pytest.mark.browser

EMAIL = "radera.mig@example.se"
PASSWORD = "ett-riktigt-bra-lösenord"
STAFF_EMAIL = "kundtjanst.browser@balansekonomi.se"
STAFF_PASSWORD = "ekorre-lampa-vinter-123"  # not the address: the password rule


def test_download_withdraw_request_erasure_and_customer_service_completes_it(
    page: Page, browser, live_server, server_env
):
    register_and_subscribe(page, "Rut", "Raderasson", EMAIL, PASSWORD, server_env)

    page.goto("/mina-uppgifter")
    expect(page.get_by_role("heading", name="Mina uppgifter", level=1)).to_be_visible()
    with page.expect_download() as info:
        page.locator("#download-json").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    account = next(t for t in data["tables"] if t["table"] == "account")
    assert account["rows"][0]["email"] == EMAIL
    assert "imy" in json.dumps(data["supervisory_authority"]).lower()

    expect(page.locator("#consents")).to_contain_text("Gäller")
    page.locator("#withdraw-newsletter").click()
    expect(page.locator(".notice")).to_contain_text("Samtycket är återkallat")
    expect(page.locator("#consents")).to_contain_text("Återkallat")
    expect(page.locator("#withdraw-newsletter")).to_have_count(0)

    page.locator("#erasure-confirm").check()  # a required confirmation before the request is sent
    page.locator("#erasure-form").get_by_role("button", name="Begär radering").click()
    expect(page.locator(".notice")).to_contain_text("begäran om radering är mottagen")
    expect(page.locator("#requests")).to_contain_text("Radering")

    create_staff(server_env, STAFF_EMAIL, "customer_service", STAFF_PASSWORD)
    staff_context = browser.new_context(base_url=live_server, locale="sv-SE")
    staff = staff_context.new_page()
    try:
        log_in(staff, STAFF_EMAIL, STAFF_PASSWORD)
        staff.goto("/")
        requests = staff.request.get("/api/v1/support/requests").json()
        case = next(r for r in requests if r["email"] == EMAIL and r["type"] == "erasure")
        assert case["confirmation"] == "pending"
        confirmed = staff.request.post(
            f"/api/v1/support/requests/{case['id']}/confirm-identity",
            data={"method": "reply_from_address_on_file", "note": "Svar från adressen på kontot."},
            headers={"x-csrftoken": csrf_of(staff)},
        )
        assert confirmed.status == 200, confirmed.text()
        done = staff.request.post(
            f"/api/v1/support/requests/{case['id']}/complete",
            data={"note": "Raderat efter bekräftelse."},
            headers={"x-csrftoken": csrf_of(staff)},
        )
        assert done.status == 200, done.text()
        assert done.json()["status"] == "completed"
    finally:
        staff_context.close()

    # The session is gone, and logging in again fails.
    page.goto("/mina-uppgifter")
    expect(page).not_to_have_url("/mina-uppgifter")
    page.context.clear_cookies()
    log_in(page, EMAIL, PASSWORD)
    expect(page.get_by_text("Fel e-postadress eller lösenord")).to_be_visible()
