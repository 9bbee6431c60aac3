"""Customer service's list of what to do at the newsletter processors (art. 19), through the test client with real
CSRF: a participant who was in an Apsis export withdraws the newsletter consent and asks for restriction; customer
service sees the notices by Kurssajten-ID and marks them done, on the page and through the API."""

import re

from coursesite.db.privacy import ProcessorNotice, StaffAudit
from coursesite.signups.processors import subscriber_ref
from tests.conftest import PASSWORD, TEST_SECRET, api_post, csrf_token, login_as_staff, register
from tests.support import confirmation_tokens

EMAIL = "petra.prenumerant@example.se"
REF = subscriber_ref(TEST_SECRET, EMAIL)


async def login(client, email: str) -> None:
    client.cookies.clear()
    response = await api_post(client, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def exported_subscriber(client) -> None:
    """A participant who also subscribed to the newsletter, and an Apsis export that included her."""
    await register(client, EMAIL, "Petra")
    response = await api_post(
        client, "/api/v1/forms/newsletter", {"email": EMAIL, "first_name": "Petra", "consent": True}
    )
    assert response.status_code == 201, response.text
    (token,) = await confirmation_tokens(EMAIL)  # the link in the confirmation mail (double opt-in)
    assert (await api_post(client, "/api/v1/consents/confirm", {"token": token})).status_code == 204
    await login_as_staff(client, "customer_service", email="kundtjanst@balansekonomi.se")
    export = await client.get("/personal/nyhetsbrev/apsis.csv")
    assert REF in export.text


async def test_customer_service_sees_and_marks_done_the_notices(client):
    await exported_subscriber(client)
    await login(client, EMAIL)
    response = await api_post(client, "/api/v1/me/consents/newsletter/withdraw")
    assert response.status_code in (200, 204), response.text
    assert await ProcessorNotice.count() == 1

    await login(client, "kundtjanst@balansekonomi.se")
    index = await client.get("/kundtjanst")
    assert "1 åtgärd väntar hos nyhetsbrevstjänsterna" in index.text
    page = await client.get("/kundtjanst/nyhetsbrevstjanster")
    assert page.status_code == 200
    assert REF in page.text and "Avregistrera kontakten" in page.text and EMAIL not in page.text
    (notice_id,) = [int(n) for n in re.findall(r'id="atgard-(\d+)"', page.text)]

    # without the CSRF token: refused, nothing changes
    refused = await client.post(f"/kundtjanst/nyhetsbrevstjanster/{notice_id}/utfort", follow_redirects=False)
    assert refused.status_code == 403
    token = await csrf_token(client, "/kundtjanst/nyhetsbrevstjanster")
    done = await client.post(
        f"/kundtjanst/nyhetsbrevstjanster/{notice_id}/utfort", data={"_csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"/kundtjanst/nyhetsbrevstjanster?klar={notice_id}"
    after = await client.get(done.headers["location"])
    assert f"Åtgärd {notice_id} är markerad som utförd." in after.text and "Inget väntar." in after.text
    assert (
        await StaffAudit.count().where((StaffAudit.action == "change") & StaffAudit.what.like("processor_notice%")) == 1
    )


async def test_the_api_lists_and_marks_done(client):
    await exported_subscriber(client)
    await login(client, EMAIL)
    response = await api_post(client, "/api/v1/me/restriction", {"reason": "Jag bestrider att uppgifterna stämmer"})
    assert response.status_code == 201, response.text

    await login(client, "kundtjanst@balansekonomi.se")
    listed = await client.get("/api/v1/support/processor-notices")
    assert listed.status_code == 200
    (item,) = listed.json()
    assert (item["recipient"], item["kind"], item["subject_ref"], item["done_at"]) == (
        "Apsis",
        "restriction",
        REF,
        None,
    )
    assert item["action"].startswith("Arkivera")

    token = await csrf_token(client)
    done = await client.post(f"/api/v1/support/processor-notices/{item['id']}/done", headers={"x-csrftoken": token})
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert (await client.get("/api/v1/support/processor-notices")).json() == []
    missing = await client.post(
        f"/api/v1/support/processor-notices/{item['id'] + 99}/done", headers={"x-csrftoken": token}
    )
    assert missing.status_code == 404


async def test_participants_cannot_reach_the_notices(client):
    await exported_subscriber(client)
    await login(client, EMAIL)
    assert (await client.get("/kundtjanst/nyhetsbrevstjanster")).status_code == 403
    assert (await client.get("/api/v1/support/processor-notices")).status_code == 403
