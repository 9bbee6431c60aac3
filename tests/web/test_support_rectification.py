"""A rectification request carried out by customer service (art. 16 and 19), through the test client with real
CSRF, once the person's identity is confirmed: for someone who only used the forms (their person row) and for an
account holder (never the login e-mail: its owner changes it on Mina uppgifter), with notices to the recipients that
received a corrected field, a note naming the fields and an audit row."""

import re

from coursesite.db.accounts import Account
from coursesite.db.privacy import CaseNote, Person, RecipientNotice, StaffAudit
from coursesite.subsidiaries import service as subsidiaries
from tests.conftest import api_post, csrf_token, login_as_staff, register
from tests.support import confirm_consents, confirm_identity_by_api, new_case

WEBINAR = {
    "first_name": "Wilma",
    "last_name": "Webb",
    "email": "wilma@example.se",
    "mobile": "070-123 45 67",
    "webinar": "budget-pa-en-timme",
}


async def test_a_form_person_corrected_on_the_case_page_and_the_subsidiary_told(client, db):
    assert (await api_post(client, "/api/v1/forms/webinar", WEBINAR)).status_code == 201
    await confirm_consents(db, WEBINAR["email"])  # double opt-in: shared only once Wilma confirmed it
    _, token = await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar")
    received = await client.get("/api/v1/subsidiary/participants", headers={"authorization": f"Bearer {token}"})
    assert received.status_code == 200 and len(received.json()["participants"]) == 1  # the subsidiary got Wilma's row
    [wilma] = await Person.select(Person.id).where(Person.email == "wilma@example.se")
    await login_as_staff(client, "customer_service")
    case = await new_case(
        client, {"kind": "rectification", "subject": "Fel efternamn", "contact_email": "wilma@example.se"}
    )

    page = await client.get(f"/kundtjanst/arende/{case}")
    assert 'id="rectify-form"' not in page.text and "Väntar på bekräftelse" in page.text
    token = await csrf_token(client, f"/kundtjanst/arende/{case}")
    early = await client.post(
        f"/kundtjanst/arende/{case}/ratta",
        data={"_csrf_token": token, "first_name": "Wilma", "last_name": "Webber"},
        follow_redirects=False,
    )
    assert early.status_code == 409 and "väntar på bekräftelse" in early.text
    await confirm_identity_by_api(client, case)

    page = await client.get(f"/kundtjanst/arende/{case}")
    assert 'id="rectify-form"' in page.text and 'value="Webb"' in page.text

    token = await csrf_token(client, f"/kundtjanst/arende/{case}")
    form = {
        "_csrf_token": token,
        "first_name": "Wilma",
        "last_name": "Webber",
        "email": "wilma@example.se",
        "mobile": "070-123 45 67",
    }
    bad = await client.post(
        f"/kundtjanst/arende/{case}/ratta", data=form | {"last_name": "19000101-0008"}, follow_redirects=False
    )
    assert (
        bad.status_code == 400
        and (await Person.select(Person.last_name).where(Person.id == wilma["id"]))[0]["last_name"] == "Webb"
    )
    token = await csrf_token(client, f"/kundtjanst/arende/{case}")
    done = await client.post(
        f"/kundtjanst/arende/{case}/ratta", data=form | {"_csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?klar=rattat")

    assert (await Person.select(Person.last_name).where(Person.id == wilma["id"]))[0]["last_name"] == "Webber"
    (notice,) = await RecipientNotice.select().output(load_json=True)
    assert (notice["kind"], notice["subject_ref"], notice["changes"]) == (
        "rectification",
        str(wilma["id"]),
        {"person.last_name": "Webber"},
    )
    notes = [n["text"] for n in await CaseNote.select(CaseNote.text).where(CaseNote.case == case)]
    assert notes == [
        "Identiteten bekräftad: Legitimation visad på kontoret.",
        "Rättat: efternamn. Meddelat: Webbinariebolaget AB.",
    ]
    assert (
        await StaffAudit.count().where((StaffAudit.action == "change") & (StaffAudit.what == "person.last_name")) == 1
    )


async def test_an_account_corrected_through_the_api_never_its_login_email(client):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "rectification", "subject": "Nytt nummer", "account_id": me["id"]})
    headers = {"x-csrftoken": await csrf_token(client)}
    path = f"/api/v1/support/requests/{case}/rectify"

    early = await client.post(path, json={"mobile": "0701234567"}, headers=headers)
    assert early.status_code == 409 and "väntar på bekräftelse" in early.json()["detail"]
    await confirm_identity_by_api(client, case)

    for email in ("maja.ny@example.se", "inte-en-adress"):
        refused = await client.post(path, json={"email": email, "mobile": "0701234567"}, headers=headers)
        assert refused.status_code == 400 and "Mina uppgifter" in refused.json()["errors"]["email"], email
    unknown = await client.post(path, json={"password": "x"}, headers=headers)
    assert unknown.status_code == 400
    assert (await Account.select(Account.email, Account.mobile).where(Account.id == me["id"]))[0] == {
        "email": "maja@example.se",
        "mobile": None,
    }
    done = await client.post(path, json={"email": "Maja@Example.se", "mobile": "0701234567"}, headers=headers)
    assert done.status_code == 200, done.text  # the same address, as a form sends it back, changes nothing
    assert done.json()["changed"] == ["account.mobile"]
    row = (await Account.select(Account.email, Account.mobile).where(Account.id == me["id"]))[0]
    assert row == {"email": "maja@example.se", "mobile": "+46701234567"}
    page = (await client.get(f"/kundtjanst/arende/{case}")).text
    assert 'id="rectify-form"' in page and 'name="email"' not in page and 'id="login-email"' in page

    # only a rectification request, and only while open
    complaint = await new_case(client, {"kind": "complaint", "subject": "Reklamation", "account_id": me["id"]})
    assert (
        await client.post(f"/api/v1/support/requests/{complaint}/rectify", json={"mobile": ""}, headers=headers)
    ).status_code == 404
    completed = await client.post(
        f"/api/v1/support/requests/{case}/complete",
        json={"note": "Rättat per telefon"},
        headers=headers,
    )
    assert completed.status_code == 200
    again = await client.post(f"/api/v1/support/requests/{case}/rectify", json={"mobile": ""}, headers=headers)
    assert again.status_code == 409
    page = await client.get(f"/kundtjanst/arende/{case}")
    assert not re.search(r'id="rectify-form"', page.text)
