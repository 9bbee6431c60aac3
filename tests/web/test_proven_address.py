"""A proven address (issue 11 §2), through the client with real CSRF and the real SMTP server: until the address is
confirmed through the link in the mail, nothing held under it by someone else is the account's; the link opens a
page whose button POSTs; a new link on request replaces the old one."""

from __future__ import annotations

from coursesite.accounts.roles import Role
from coursesite.db.accounts import Account
from coursesite.db.privacy import Person
from tests.conftest import PASSWORD, PUBLIC_URL, accounts, api_post, csrf_token, register
from tests.support import deliver, links, text_body, valid

VERA = "vera@example.se"


async def export_tables(client) -> dict[str, list]:
    response = await client.get("/api/v1/me/data")
    assert response.status_code == 200
    return {table["table"]: table["rows"] for table in response.json()["tables"]}


async def confirmation_path(app, server, to: str = VERA) -> str:
    """The link in the newest address-confirmation mail to `to` (other mail to the address is left alone)."""
    await deliver(app, server)
    confirmations = [m for m in server.to(to) if m["Subject"] == "Bekräfta din e-postadress"]
    [path] = [p for p in links(confirmations[-1], PUBLIC_URL) if p.startswith("/bekrafta-epost?token=")]
    return path


async def test_an_unconfirmed_account_sees_none_of_what_is_held_under_its_address(smtp_app, smtp_client, smtp_server):
    # Vera wrote to us and signed up for the newsletter before anyone had an account with her address.
    contact = valid("contact", VERA) | {"first_name": "Vera", "last_name": "Vik", "mobile": "070-765 43 21"}
    assert (await api_post(smtp_client, "/api/v1/forms/contact", contact)).status_code == 201
    newsletter = {"email": VERA, "consent": True}
    assert (await api_post(smtp_client, "/api/v1/forms/newsletter", newsletter)).status_code == 201
    smtp_client.cookies.clear()

    me = await register(smtp_client, email=VERA, first_name="Någon", last_name="Annan", verified=False)
    assert (await smtp_client.get("/api/v1/me")).json()["email_verified"] is False
    tables = await export_tables(smtp_client)
    assert tables["person"] == [] and tables["form_submission"] == [] and tables["consent"] == []
    assert "765 43 21" not in (await smtp_client.get("/api/v1/me/data")).text
    assert (await smtp_client.get("/api/v1/me/consents")).json() == []
    withdraw = await api_post(smtp_client, "/api/v1/me/consents/newsletter/withdraw")
    assert withdraw.status_code == 404
    restricted = await api_post(smtp_client, "/api/v1/me/restriction", {"reason": "Jag vill inte"})
    assert restricted.status_code == 201
    (vera,) = await Person.select(Person.restricted_at, Person.account)
    assert vera == {"restricted_at": None, "account": None}  # her row is not touched, nor linked
    page = await smtp_client.get("/mina-uppgifter")
    assert page.text.count("Din e-postadress är inte bekräftad ännu") == 1 and "Vik" not in page.text

    # The mail: the link opens a page with a button; opening it confirms nothing (mail scanners follow links).
    path = await confirmation_path(smtp_app, smtp_server)
    [message] = [m for m in smtp_server.to(VERA) if m["Subject"] == "Bekräfta din e-postadress"]
    assert "48 timmar" in text_body(message)
    opened = await smtp_client.get(path)
    assert opened.status_code == 200 and 'action="/bekrafta-epost"' in opened.text and VERA in opened.text
    assert (await smtp_client.get("/api/v1/me")).json()["email_verified"] is False

    token = await csrf_token(smtp_client, path)
    done = await smtp_client.post("/bekrafta-epost", data={"_csrf_token": token, "token": path.split("=", 1)[1]})
    assert done.status_code == 200 and "är bekräftad" in done.text
    assert (await smtp_client.get("/api/v1/me")).json()["email_verified"] is True
    tables = await export_tables(smtp_client)
    assert {row["form"] for row in tables["form_submission"]} == {"contact", "newsletter"}
    assert [row["last_name"] for row in tables["person"]] == ["Vik"]
    assert [c["kind"] for c in (await smtp_client.get("/api/v1/me/consents")).json()] == ["newsletter"]
    assert (await Person.select(Person.account))[0]["account"] == me["id"]  # linked at the confirmation
    assert "Din e-postadress är inte bekräftad ännu" not in (await smtp_client.get("/mina-uppgifter")).text
    # the link is used up
    again = await smtp_client.post("/bekrafta-epost", data={"_csrf_token": token, "token": path.split("=", 1)[1]})
    assert again.status_code == 400 and "redan använd" in again.text


async def test_the_api_confirms_once_and_says_why_it_refuses(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email=VERA, verified=False)
    token = (await confirmation_path(smtp_app, smtp_server)).split("=", 1)[1]
    for bad in ("inte-en-token", "A" * 43):
        refused = await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": bad})
        assert refused.status_code == 400 and "Länken går inte att använda" in refused.json()["detail"]
    smtp_client.cookies.clear()  # the link works in any browser, logged in or not
    assert (await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": token})).status_code == 204
    assert (await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": token})).status_code == 400
    assert (await Account.select(Account.email_verified_at))[0]["email_verified_at"] is not None
    no_csrf = await smtp_client.post("/api/v1/auth/verify-email", json={"token": token})
    assert no_csrf.status_code == 403


async def test_a_new_link_replaces_the_old_one_and_is_rate_limited(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email=VERA, verified=False)
    first = (await confirmation_path(smtp_app, smtp_server)).split("=", 1)[1]
    page = await smtp_client.get("/min-kurs")
    assert 'action="/bekrafta-epost/ny-lank"' in page.text
    token = await csrf_token(smtp_client, "/min-kurs")
    again = await smtp_client.post("/bekrafta-epost/ny-lank", data={"_csrf_token": token}, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/mina-uppgifter?klart=ny-lank"
    second = (await confirmation_path(smtp_app, smtp_server)).split("=", 1)[1]
    assert second != first
    assert (await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": first})).status_code == 400
    statuses = [(await api_post(smtp_client, "/api/v1/me/verify-email/resend")).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]  # three per hour for one recipient
    assert len(smtp_server.to(VERA)) == 2 and len(await deliver(smtp_app, smtp_server)) == 4
    newest = links(smtp_server.to(VERA)[-1], PUBLIC_URL)[0].split("=", 1)[1]
    assert (await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": newest})).status_code == 204
    assert (await api_post(smtp_client, "/api/v1/me/verify-email/resend")).status_code == 204  # nothing to confirm


async def test_the_course_works_before_confirmation_and_staff_count_as_confirmed(client):
    await register(client, email=VERA, verified=False)
    assert (await client.get("/api/v1/course")).status_code == 200
    assert (await client.get("/min-kurs")).status_code == 200
    await accounts.create_staff(
        email="ingrid@balansekonomi.se", role=Role.INSTRUCTOR, password=PASSWORD, first_name="Ingrid", last_name="Ek"
    )
    client.cookies.clear()
    await api_post(client, "/api/v1/auth/login", {"email": "ingrid@balansekonomi.se", "password": PASSWORD})
    assert (await client.get("/api/v1/me")).json()["email_verified"] is True
    assert "inte bekräftad" not in (await client.get("/larare/granskning")).text


async def test_a_form_given_after_registration_is_not_linked_to_an_unconfirmed_account(client):
    await register(client, email=VERA, verified=False)
    client.cookies.clear()
    assert (await api_post(client, "/api/v1/forms/contact", valid("contact", VERA))).status_code == 201
    (person,) = await Person.select(Person.account)
    assert person["account"] is None
    await api_post(client, "/api/v1/auth/login", {"email": VERA, "password": PASSWORD})
    assert (await export_tables(client))["form_submission"] == []  # the account's export stays without it
