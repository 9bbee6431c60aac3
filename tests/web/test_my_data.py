"""Mina uppgifter through the test client (real CSRF): the page, the JSON and PDF export, rectification, restriction,
one-click consent withdrawal and the erasure request."""

from __future__ import annotations

import re

from coursesite.db.privacy import SupportCase
from coursesite.privacy.deadlines import deadline
from tests.conftest import api_post, csrf_token, register
from tests.support import confirmed_consent


async def test_login_required(client):
    for path in ("/mina-uppgifter", "/api/v1/me/data", "/api/v1/me/data.pdf", "/api/v1/me/consents"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303, 401), path


async def test_page_and_json_and_pdf_export(client):
    me = await register(client, email="maja@example.se", first_name="Maja", last_name="Moberg")
    page = await client.get("/mina-uppgifter")
    assert page.status_code == 200 and "Mina uppgifter" in page.text and 'href="/api/v1/me/data"' in page.text
    response = await client.get("/api/v1/me/data")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["subject"]["account_id"] == me["id"]
    account = next(t for t in data["tables"] if t["table"] == "account")
    assert account["rows"][0]["first_name"] == "Maja"
    assert data["portable"]["data"]["account"][0]["email"] == "maja@example.se"
    pdf = await client.get("/api/v1/me/data.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert "Mina uppgifter" in text and "Maja" in text and "IMY" in text


async def test_rectification_through_the_api_and_the_form(client):
    await register(client, email="maja@example.se", first_name="Maja", last_name="Moberg")
    token = await csrf_token(client)
    response = await client.patch("/api/v1/me/profile", json={"first_name": "Majken"}, headers={"x-csrftoken": token})
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == ["account.first_name"]
    refused = await client.patch("/api/v1/me/profile", json={"email": "x@example.se"}, headers={"x-csrftoken": token})
    assert refused.status_code == 400 and "current_password" in refused.json()["errors"]  # a new address needs it
    bad = await client.patch("/api/v1/me/profile", json={"mobile": "08-678 55 00"}, headers={"x-csrftoken": token})
    assert bad.status_code == 400 and "mobile" in bad.json()["errors"]
    token = await csrf_token(client, "/mina-uppgifter")
    form = await client.post(
        "/mina-uppgifter/profil",
        data={"_csrf_token": token, "first_name": "Maj", "last_name": "Moberg", "mobile": "", "source": ""},
        follow_redirects=False,
    )
    assert form.status_code == 303
    assert (await client.get("/api/v1/me")).json()["first_name"] == "Maj"


async def test_restriction_request(client):
    me = await register(client, email="maja@example.se")
    response = await api_post(client, "/api/v1/me/restriction", {"reason": "Uppgifterna stämmer inte"})
    assert response.status_code == 201 and response.json()["type"] == "restriction"
    assert "är begränsad sedan" in (await client.get("/mina-uppgifter")).text
    assert (await api_post(client, "/api/v1/me/restriction", {"reason": ""})).status_code == 400
    assert await SupportCase.count().where(SupportCase.account == me["id"]) == 1


async def test_clause_consent_withdrawal_is_one_click(client):
    me = await register(client, email="maja@example.se")
    await confirmed_consent(me["id"], "newsletter")
    await confirmed_consent(me["id"], "offers")
    consents = (await client.get("/api/v1/me/consents")).json()
    assert {c["kind"] for c in consents} == {"newsletter", "offers"} and all(c["active"] for c in consents)
    page = (await client.get("/mina-uppgifter")).text
    assert len(re.findall(r'action="/mina-uppgifter/samtycken/[a-z_]+/aterkalla"', page)) == 2  # a button per consent
    # one click: the button's form, nothing else to fill in
    token = await csrf_token(client, "/mina-uppgifter")
    response = await client.post(
        "/mina-uppgifter/samtycken/newsletter/aterkalla", data={"_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    states = {c["kind"]: c["active"] for c in (await client.get("/api/v1/me/consents")).json()}
    assert states == {"newsletter": False, "offers": True}
    # and the API: one call
    assert (await api_post(client, "/api/v1/me/consents/offers/withdraw")).status_code == 200
    assert (await api_post(client, "/api/v1/me/consents/offers/withdraw")).status_code == 404
    assert not any(c["active"] for c in (await client.get("/api/v1/me/consents")).json())


async def test_erasure_request_creates_a_case_with_the_deadline(client):
    me = await register(client, email="maja@example.se")
    response = await api_post(client, "/api/v1/me/erasure-request")
    assert response.status_code == 201, response.text
    body = response.json()
    from datetime import date

    assert body["type"] == "erasure" and body["status"] == "open"
    assert date.fromisoformat(body["deadline"]) == deadline(date.fromisoformat(body["received_on"]))
    case = (await SupportCase.select().where(SupportCase.id == body["id"]))[0]
    assert case["account"] == me["id"] and case["kind"] == "erasure"
    token = await csrf_token(client, "/mina-uppgifter")
    unconfirmed = await client.post("/mina-uppgifter/radering", data={"_csrf_token": token}, follow_redirects=False)
    assert unconfirmed.status_code == 400  # the checkbox is required, on the server too
    assert 'id="erasure-confirm-error">Kryssa i rutan för att bekräfta' in unconfirmed.text
    assert await SupportCase.count().where(SupportCase.kind == "erasure") == 1  # only the API's
    form = await client.post(
        "/mina-uppgifter/radering", data={"_csrf_token": token, "confirm": "true"}, follow_redirects=False
    )
    assert form.status_code == 303
    assert await SupportCase.count().where(SupportCase.kind == "erasure") == 1
