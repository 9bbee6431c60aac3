"""Mina uppgifter in real Chromium: download my data (JSON), withdraw the newsletter consent with one click, request
erasure; customer service (created with `coursesite create-staff`) completes it through the support API, and the
person can no longer log in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

EMAIL = "radera.mig@example.se"
PASSWORD = "ett-riktigt-bra-lösenord"
STAFF_EMAIL = "kundtjanst.browser@balansekonomi.se"
STAFF_PASSWORD = "kundtjanst-lösenord-123"


def csrf_of(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def create_staff(server_env: dict[str, str], email: str, role: str, password: str) -> None:
    """A staff account made the way an operator makes one: `coursesite create-staff` against the server's database."""
    command = Path(sys.executable).parent / "coursesite"
    subprocess.run(
        [command, "create-staff", "--email", email, "--role", role, "--password", password],
        env=server_env,
        check=True,
        capture_output=True,
    )


def register_and_subscribe(page: Page, first_name: str, last_name: str, email: str, password: str) -> None:
    """Register on the page, then give the newsletter consent through the public form's API with the same email."""
    page.goto("/registrera")
    page.get_by_label("Förnamn").fill(first_name)
    page.get_by_label("Efternamn").fill(last_name)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    response = page.request.post(
        "/api/v1/forms/newsletter",
        data={"email": email, "first_name": first_name, "consent": True},
        headers={"x-csrftoken": csrf_of(page)},
    )
    assert response.status == 201, response.text()


def test_download_withdraw_request_erasure_and_customer_service_completes_it(
    page: Page, browser, live_server, server_env
):
    register_and_subscribe(page, "Rut", "Raderasson", EMAIL, PASSWORD)

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
        done = staff.request.post(
            f"/api/v1/support/requests/{case['id']}/complete",
            data={"identity_verified": True, "note": "Identiteten kontrollerad via e-post."},
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
