"""Helpers for the browser tests (plain functions; fixtures are in conftest.py): register and enrol a participant,
log in, create staff with `coursesite create-staff` against the live server's database."""

from __future__ import annotations

import itertools
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect

_numbers = itertools.count(1)


def register(page: Page) -> None:
    """A new participant, enrolled (the lessons open on enrolment), on Min kurs."""
    create_account(page)
    enrol(page)


def create_account(page: Page, first_name: str = "Lina", last_name: str = "Larsson") -> None:
    page.goto("/")
    page.get_by_role("link", name="Skapa konto").first.click()
    page.get_by_label("Förnamn").fill(first_name)
    page.get_by_label("Efternamn").fill(last_name)
    page.get_by_label("E-postadress").fill(f"{first_name.lower()}{next(_numbers)}@example.se")
    page.get_by_label("Lösenord").fill("ett-riktigt-bra-lösenord")
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    expect(page.get_by_role("heading", name="Min kurs")).to_be_visible()


def enrol(page: Page, *, company: str | None = None) -> None:
    """Enrol through the form (the lessons open on enrolment), as a private person or, given a name, a company;
    end on Min kurs."""
    page.goto("/anmalan")
    if company:
        page.get_by_label("Företag", exact=True).check()
        page.get_by_label("Företagsnamn").fill(company)
    else:
        page.get_by_label("Privatperson").check()
    page.get_by_label("Adress").fill("Storgatan 1")
    page.get_by_label("Postnummer").fill("114 55")
    page.get_by_label("Ort").fill("Stockholm")
    page.get_by_label("Jag har läst och godkänner").check()
    page.get_by_role("button", name="Anmäl mig").click()
    expect(page).to_have_url("/anmalan/klar")
    page.goto("/min-kurs")
    expect(page.get_by_role("heading", name="Min kurs")).to_be_visible()


def csrf_of(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


def create_staff(
    server_env: dict[str, str], email: str, role: str, password: str, first_name: str = "Karin", last_name: str = "Stab"
) -> None:
    """A staff account made the way an operator makes one: `coursesite create-staff` against the server's database."""
    command = Path(sys.executable).parent / "coursesite"
    subprocess.run(
        [command, "create-staff", "--email", email, "--role", role, "--password", password]
        + ["--first-name", first_name, "--last-name", last_name],
        env=server_env,
        check=True,
        capture_output=True,
    )


def confirm_address(page: Page, server_env: dict[str, str], email: str) -> None:
    """Confirm the address the way its owner would: open the link in the newest confirmation mail to it (the live
    server has no SMTP server: the message waits in its outbox) and click the button."""
    database = server_env["COURSESITE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (body,) = connection.execute(
            "SELECT body_text FROM outbox_message WHERE recipient = ? AND template = 'verify_email' "
            "ORDER BY id DESC LIMIT 1",
            (email,),
        ).fetchone()
    link = re.search(r"https?://\S+/bekrafta-epost\?token=\S+", body)
    assert link is not None, body
    page.goto(link.group(0))
    page.get_by_role("button", name="Bekräfta e-postadressen").click()
    expect(page.get_by_role("status")).to_contain_text("är bekräftad")


def confirm_consent(page: Page, server_env: dict[str, str], email: str) -> None:
    """Open the link of the newest confirmation mail to `email` and press the page's button (double opt-in). The
    server has no SMTP: the message sits in its outbox, where the link is read as the development console shows it."""
    import re
    import sqlite3

    database = server_env["COURSESITE_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (body,) = connection.execute(
            "SELECT body_text FROM outbox_message WHERE recipient = ? AND template = 'consent_confirm' "
            "ORDER BY id DESC LIMIT 1",
            (email,),
        ).fetchone()
    match = re.search(r"/bekrafta-samtycke\?token=[A-Za-z0-9_-]{43}", body)
    assert match, "the confirmation mail has no link"
    page.goto(match.group(0))
    page.get_by_role("button", name="Ja, jag bekräftar").click()
    expect(page.locator("#consent-confirmed")).to_be_visible()


def register_and_subscribe(
    page: Page, first_name: str, last_name: str, email: str, password: str, server_env: dict[str, str]
) -> None:
    """Register on the page, then give the newsletter consent through the public form's API with the same email, and
    confirm both the address and the consent through the mailed links."""
    page.goto("/registrera")
    page.get_by_label("Förnamn").fill(first_name)
    page.get_by_label("Efternamn").fill(last_name)
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Skapa konto").click()
    expect(page).to_have_url("/min-kurs")
    confirm_address(page, server_env, email)
    response = page.request.post(
        "/api/v1/forms/newsletter",
        data={"email": email, "first_name": first_name, "consent": True},
        headers={"x-csrftoken": csrf_of(page)},
    )
    assert response.status == 201, response.text()
    confirm_consent(page, server_env, email)
