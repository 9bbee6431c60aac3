"""Issue 11 §4 through the test client with real CSRF: customer service opens no case for a staff account (API and
page, every staff role); every request kind waits for confirmation ("väntar på bekräftelse", 409 when carried out
before), is confirmed by a method customer service records with a note (who, how, when), and is then carried out;
customer service never downloads an account's export, which its owner finds on Mina uppgifter for 30 days."""

from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from coursesite.accounts.roles import STAFF_ROLES, Role
from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.privacy import SupportCase
from coursesite.support.identity import REQUEST_KINDS
from tests.conftest import PASSWORD, accounts, api_post, login_as_staff, register
from tests.support import IDENTITY_CHECKED, new_case, post_form

STAFF_MESSAGE = "Det här är ett personalkonto."


@pytest.fixture
def later():
    """Move the clock forward by a number of days."""
    start = clock.now()
    yield lambda days: clock.set_now(lambda: start + timedelta(days=days))
    clock.set_now(None)


async def login(client, email: str) -> None:
    client.cookies.clear()
    response = await api_post(client, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def confirm_body(method: str = "id_document_at_office", note: str = IDENTITY_CHECKED) -> dict:
    return {"method": method, "note": note}


# -- never a staff account


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
async def test_no_case_for_a_staff_account_through_the_api_or_the_page(client, role):
    target = await accounts.create_staff(
        email=f"kollega-{role}@balansekonomi.se", role=Role(role), password=PASSWORD, first_name="Sam", last_name="Ek"
    )
    await login_as_staff(client, "customer_service")
    for kind in ("question", *REQUEST_KINDS):
        by_number = await api_post(
            client, "/api/v1/support/cases", {"kind": kind, "subject": "Begäran", "account_id": target.account_id}
        )
        assert by_number.status_code == 400 and STAFF_MESSAGE in by_number.json()["errors"]["account_id"], kind
        by_address = await api_post(
            client,
            "/api/v1/support/cases",
            {"kind": kind, "subject": "Begäran", "contact_email": f"Kollega-{role}@balansekonomi.se"},
        )
        assert by_address.status_code == 400 and STAFF_MESSAGE in by_address.json()["errors"]["contact_email"], kind
    page = await post_form(
        client,
        "/kundtjanst/nytt",
        {"kind": "erasure", "subject": "Radera", "account_id": str(target.account_id)},
        page="/kundtjanst/nytt",
    )
    assert page.status_code == 400 and STAFF_MESSAGE in page.text
    assert await SupportCase.count() == 0


# -- every request kind: pending, 409, confirmed, carried out


@pytest.mark.parametrize("kind", REQUEST_KINDS)
async def test_every_request_kind_through_the_api(client, kind):
    me = await register(client, email="maja@example.se", first_name="Maja")
    staff = await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": kind, "subject": "Begäran per telefon", "account_id": me["id"]})
    (listed,) = (await client.get("/api/v1/support/requests")).json()
    assert (listed["confirmation"], listed["identity_method"], listed["identity_confirmed_at"]) == (
        "pending",
        None,
        None,
    )

    early = await api_post(client, f"/api/v1/support/requests/{case}/complete", {"note": "Genomfört."})
    assert early.status_code == 409 and "väntar på bekräftelse" in early.json()["detail"]
    assert await Account.exists().where(Account.id == me["id"])

    confirmed = await api_post(
        client, f"/api/v1/support/requests/{case}/confirm-identity", confirm_body("known_phone_callback", "Ringde.")
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["id"], body["confirmation"], body["identity_method"]) == (case, "confirmed", "known_phone_callback")
    row = (
        await SupportCase.select(SupportCase.identity_confirmed_by, SupportCase.identity_note).where(
            SupportCase.id == case
        )
    )[0]
    assert row == {"identity_confirmed_by": staff.account_id, "identity_note": "Ringde."}
    again = await api_post(client, f"/api/v1/support/requests/{case}/confirm-identity", confirm_body())
    assert again.status_code == 409

    if kind == "rectification":
        rectified = await api_post(client, f"/api/v1/support/requests/{case}/rectify", {"mobile": "0701234567"})
        assert rectified.status_code == 200 and rectified.json()["changed"] == ["account.mobile"]
    done = await api_post(client, f"/api/v1/support/requests/{case}/complete", {"note": "Genomfört."})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert await Account.exists().where(Account.id == me["id"]) is (kind != "erasure")


@pytest.mark.parametrize("kind", REQUEST_KINDS)
async def test_every_request_kind_on_the_case_page(client, kind):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await login_as_staff(client, "customer_service", first_name="Kim")
    case = await new_case(client, {"kind": kind, "subject": "Begäran per brev", "account_id": me["id"]})
    page = f"/kundtjanst/arende/{case}"
    assert "väntar på bekräftelse" in (await client.get("/kundtjanst")).text
    shown = (await client.get(page)).text
    assert "Väntar på bekräftelse" in shown and 'id="confirm-form"' in shown

    early = await post_form(client, f"{page}/avsluta", {"note": "Genomfört."}, page=page)
    assert early.status_code == 409 and "väntar på bekräftelse" in early.text
    unknown = await post_form(client, f"{page}/bekrafta-identitet", confirm_body("email_link"), page=page)
    assert unknown.status_code == 400 and 'id="method-error"' in unknown.text

    confirmed = await post_form(client, f"{page}/bekrafta-identitet", confirm_body(), page=page)
    assert confirmed.status_code == 303
    shown = (await client.get(page)).text
    assert "Identiteten bekräftad" in shown and "Legitimation visad på kontoret" in shown
    assert "registrerat av Kim" in shown and IDENTITY_CHECKED in shown and 'id="confirm-form"' not in shown

    done = await post_form(client, f"{page}/avsluta", {"note": "Genomfört."}, page=page)
    assert done.status_code == 303
    assert (await SupportCase.select(SupportCase.status).where(SupportCase.id == case))[0]["status"] == "completed"


async def test_the_confirmation_api_checks_its_input_and_csrf(client):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "access", "subject": "Utdrag", "account_id": me["id"]})
    complaint = await new_case(client, {"kind": "complaint", "subject": "Reklamation", "account_id": me["id"]})
    path = f"/api/v1/support/requests/{case}/confirm-identity"
    for body in (
        {},
        confirm_body("email_link"),
        confirm_body("bankid"),
        confirm_body(note=""),
        confirm_body() | {"confirmed_by": 1},
        {"method": "id_document_at_office", "note": "x" * 2001},
    ):
        response = await api_post(client, path, body)
        assert response.status_code == 400, (body, response.text)
    missing_csrf = await client.post(path, json=confirm_body())
    assert missing_csrf.status_code == 403
    not_a_request = await api_post(client, f"/api/v1/support/requests/{complaint}/confirm-identity", confirm_body())
    assert not_a_request.status_code == 404
    assert (await client.get("/api/v1/support/requests")).json()[0]["confirmation"] == "pending"


# -- the access export reaches the person, never customer service


async def test_the_person_finds_their_export_on_mina_uppgifter_for_30_days(client, later):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await register(client, email="bo@example.se", first_name="Bo")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "access", "subject": "Registerutdrag", "account_id": me["id"]})
    assert (
        await api_post(client, f"/api/v1/support/requests/{case}/confirm-identity", confirm_body())
    ).status_code == 200
    done = await api_post(client, f"/api/v1/support/requests/{case}/complete", {"note": "Klart."})
    assert done.status_code == 200 and "Mina uppgifter" in done.json()["outcome"]
    assert (await client.get(f"/api/v1/support/requests/{case}/export")).status_code == 404  # no such route
    assert (await client.get(f"/api/v1/me/exports/{case}")).status_code == 404  # customer service's own: none

    await login(client, "maja@example.se")
    page = (await client.get("/mina-uppgifter")).text
    assert "Ditt utdrag är klart" in page and f"/api/v1/me/exports/{case}?format=pdf" in page
    (listed,) = (await client.get("/api/v1/me/exports")).json()
    assert listed["id"] == case
    data = await client.get(f"/api/v1/me/exports/{case}")
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    assert data.json()["subject"]["account_id"] == me["id"]
    pdf = await client.get(f"/api/v1/me/exports/{case}?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "maja@example.se" in "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert (await client.get(f"/api/v1/me/exports/{case}?format=xml")).status_code == 400

    await login(client, "bo@example.se")
    assert (await client.get("/api/v1/me/exports")).json() == []
    assert (await client.get(f"/api/v1/me/exports/{case}")).status_code == 404
    assert "Ditt utdrag är klart" not in (await client.get("/mina-uppgifter")).text

    later(31)
    await login(client, "maja@example.se")
    assert (await client.get(f"/api/v1/me/exports/{case}")).status_code == 404
    assert (await client.get("/api/v1/me/exports")).json() == []
    assert "Ditt utdrag är klart" not in (await client.get("/mina-uppgifter")).text


async def test_an_access_request_still_pending_shows_nothing_to_the_person(client):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "access", "subject": "Registerutdrag", "account_id": me["id"]})
    await login(client, "maja@example.se")
    assert (await client.get("/api/v1/me/exports")).json() == []
    assert (await client.get(f"/api/v1/me/exports/{case}")).status_code == 404
    page = (await client.get("/mina-uppgifter")).text
    assert "Ditt utdrag är klart" not in page and 'id="requests"' in page  # the request is listed, waiting
