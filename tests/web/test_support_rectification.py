"""A rectification request carried out by customer service (art. 16 and 19), through the test client with real
CSRF: for someone who only used the forms (their person row) and for an account holder, with notices to the
recipients that received a corrected field, a note naming the fields and an audit row."""

import re

from coursesite.db.accounts import Account
from coursesite.db.privacy import CaseNote, Person, RecipientNotice, StaffAudit
from coursesite.subsidiaries import service as subsidiaries
from tests.conftest import api_post, csrf_token, login_as_staff, register
from tests.support import new_case

WEBINAR = {
    "first_name": "Wilma",
    "last_name": "Webb",
    "email": "wilma@example.se",
    "mobile": "070-123 45 67",
    "webinar": "budget-pa-en-timme",
}


async def test_a_form_person_corrected_on_the_case_page_and_the_subsidiary_told(client):
    assert (await api_post(client, "/api/v1/forms/webinar", WEBINAR)).status_code == 201
    _, token = await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar")
    received = await client.get("/api/v1/subsidiary/participants", headers={"authorization": f"Bearer {token}"})
    assert received.status_code == 200 and len(received.json()["participants"]) == 1  # the subsidiary got Wilma's row
    [wilma] = await Person.select(Person.id).where(Person.email == "wilma@example.se")
    await login_as_staff(client, "customer_service")
    case = await new_case(
        client, {"kind": "rectification", "subject": "Fel efternamn", "contact_email": "wilma@example.se"}
    )

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
    assert notes == ["Rättat: efternamn. Meddelat: Webbinariebolaget AB."]
    assert (
        await StaffAudit.count().where((StaffAudit.action == "change") & (StaffAudit.what == "person.last_name")) == 1
    )


async def test_an_account_corrected_through_the_api(client):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await register(client, email="bo@example.se", first_name="Bo")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "rectification", "subject": "Ny adress", "account_id": me["id"]})
    headers = {"x-csrftoken": await csrf_token(client)}

    taken = await client.post(
        f"/api/v1/support/requests/{case}/rectify", json={"email": "bo@example.se"}, headers=headers
    )
    assert taken.status_code == 409
    unknown = await client.post(f"/api/v1/support/requests/{case}/rectify", json={"password": "x"}, headers=headers)
    assert unknown.status_code == 400
    done = await client.post(
        f"/api/v1/support/requests/{case}/rectify",
        json={"email": "maja.ny@example.se", "mobile": "0701234567"},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert sorted(done.json()["changed"]) == ["account.email", "account.mobile"]
    row = (await Account.select(Account.email, Account.mobile).where(Account.id == me["id"]))[0]
    assert row == {"email": "maja.ny@example.se", "mobile": "+46701234567"}

    # only a rectification request, and only while open
    complaint = await new_case(client, {"kind": "complaint", "subject": "Reklamation", "account_id": me["id"]})
    assert (
        await client.post(f"/api/v1/support/requests/{complaint}/rectify", json={"mobile": ""}, headers=headers)
    ).status_code == 404
    completed = await client.post(
        f"/api/v1/support/requests/{case}/complete",
        json={"identity_verified": True, "note": "Rättat per telefon"},
        headers=headers,
    )
    assert completed.status_code == 200
    again = await client.post(f"/api/v1/support/requests/{case}/rectify", json={"mobile": ""}, headers=headers)
    assert again.status_code == 409
    page = await client.get(f"/kundtjanst/arende/{case}")
    assert not re.search(r'id="rectify-form"', page.text)
