"""A data-subject request reaches the person by e-mail (issue 11 §4, §6), through the test client and a real SMTP
server: every kind, for an account and for someone known only from the forms, is opened by customer service → the
mail with its deadline and link arrives → the person follows the link and presses the button (CSRF) → the request is
confirmed (`email_link`) → customer service carries it out → the person is told. Bad, used and expired links; the
link sent again; the form person's export behind a time-limited link (customer service never downloads it); the
erasure message, delivered after the address is gone; the restriction's lifting announced first (art. 18.3); the
requests made on Mina uppgifter."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from coursesite.core import clock
from coursesite.core.formatting import format_date_long
from coursesite.core.tokens import LIFETIMES, TokenPurpose
from coursesite.db.accounts import Account
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import AccountPrivacy, Person, SupportCase
from coursesite.privacy.deadlines import deadline as request_deadline
from coursesite.privacy.policy import ACCESS_EXPORT_AVAILABLE_DAYS, LIFT_NOTICE_DAYS
from coursesite.privacy.retention import run_retention
from coursesite.support.identity import REQUEST_KINDS
from tests.conftest import PASSWORD, PUBLIC_URL, api_post, csrf_token, login_as_staff, register
from tests.support import TEST_CATALOGUE, deliver, links, new_case, text_body

FRIDA = {"first_name": "Frida", "last_name": "Formulär", "email": "frida@example.se", "message": "Hej!"}
NAMES = {"access": "registerutdrag", "rectification": "rättelse", "restriction": "begränsning", "erasure": "radering"}


@pytest.fixture
async def person(smtp_app):
    """The person's own browser: not logged in (the link is the proof)."""
    async with AsyncTestClient(app=smtp_app, base_url="http://testserver.local") as browser:
        yield browser


@pytest.fixture
def moved():
    """Move the clock forward by a timedelta from now."""
    start = clock.now()
    yield lambda delta: clock.set_now(lambda: start + delta)
    clock.set_now(None)


def newest(server, address: str):
    found = server.to(address)
    assert found, f"no message to {address}"
    return found[-1]


def only_link(message, prefix: str) -> str:
    [path] = [p for p in links(message, PUBLIC_URL) if p.startswith(prefix)]
    return path


def token_of(path: str) -> str:
    return path.split("token=", 1)[1]


async def press_confirm(browser, path: str):
    """Open the link's page and press its one button, as a browser does (the form's CSRF token)."""
    page = await browser.get(path)
    assert page.status_code == 200 and "Ja, jag har bett om det" in page.text
    token = await csrf_token(browser, path)
    return await browser.post(
        "/bekrafta-begaran", data={"token": token_of(path), "_csrf_token": token}, follow_redirects=False
    )


async def request_row(client, case_id: int) -> dict:
    listed = (await client.get("/api/v1/support/requests")).json()
    return next(row for row in listed if row["id"] == case_id)


async def subject_of(client, person_client, who: str, server) -> tuple[dict, str]:
    """The case body naming the person, and their address on file. An account's address-confirmation mail is
    delivered and forgotten here: the tests look at the request's messages."""
    if who == "account":
        me = await register(person_client, email="vera@example.se", first_name="Vera")
        person_client.cookies.clear()
        await deliver(client.app, server)
        server.reset()
        return {"account_id": me["id"]}, "vera@example.se"
    assert (await api_post(person_client, "/api/v1/forms/contact", FRIDA)).status_code == 201
    return {"contact_email": FRIDA["email"]}, FRIDA["email"]


@pytest.mark.parametrize("who", ["account", "person"])
@pytest.mark.parametrize("kind", REQUEST_KINDS)
async def test_every_request_is_confirmed_through_the_mailed_link_and_carried_out(
    smtp_app, smtp_client, smtp_server, person, kind, who
):
    body, address = await subject_of(smtp_client, person, who, smtp_server)
    await login_as_staff(smtp_client, "customer_service")
    case = await new_case(smtp_client, {"kind": kind, "subject": "Per telefon", **body})

    # received: the deadline in Swedish and the link, nothing sent to anyone else
    [received] = await deliver(smtp_app, smtp_server)
    assert received["To"] == address and received["Subject"] == f"Vi har tagit emot din begäran om {NAMES[kind]}"
    text = text_body(received)
    deadline = request_deadline(clock.today())
    assert f"Vi svarar senast {format_date_long(deadline)}." in text and "Vera" not in text and "Frida" not in text
    path = only_link(received, "/bekrafta-begaran?token=")
    assert (await request_row(smtp_client, case))["confirmation"] == "pending"

    # the page explains and does not confirm on GET; the button does
    assert (await person.get(path)).status_code == 200
    assert (await request_row(smtp_client, case))["confirmation"] == "pending"
    confirmed = await press_confirm(person, path)
    assert confirmed.status_code == 200 and "Din begäran är bekräftad" in confirmed.text
    row = await request_row(smtp_client, case)
    assert (row["confirmation"], row["identity_method"]) == ("confirmed", "email_link")
    again = await api_post(person, "/api/v1/support/requests/confirm", {"token": token_of(path)})
    assert again.status_code == 400 and "redan använd" in again.json()["detail"]

    # carried out, and the person told
    if kind == "rectification":
        fixed = await api_post(smtp_client, f"/api/v1/support/requests/{case}/rectify", {"first_name": "Rättad"})
        assert fixed.status_code == 200, fixed.text
    done = await api_post(smtp_client, f"/api/v1/support/requests/{case}/complete", {"note": "Genomfört."})
    assert done.status_code == 200, done.text
    messages = await deliver(smtp_app, smtp_server)
    assert len(messages) == 2
    told = newest(smtp_server, address)
    text = text_body(told)
    if kind == "access" and who == "account":
        assert told["Subject"] == "Ditt utdrag är klart"
        assert only_link(told, "/mina-uppgifter") == "/mina-uppgifter" and "Vera" not in text
    elif kind == "access":
        assert told["Subject"] == "Ditt utdrag är klart"
        download = only_link(told, "/registerutdrag?token=")
        page = await person.get(download)
        assert page.status_code == 200 and "Hämta som PDF" in page.text
        token = await csrf_token(person, download)
        got = await person.post(
            "/registerutdrag", data={"token": token_of(download), "format": "json", "_csrf_token": token}
        )
        assert got.status_code == 200 and got.json()["subject"]["email"] == address
    elif kind == "erasure":
        assert told["Subject"] == "Dina uppgifter är raderade"
        assert "Raderat:" in text and "Sparat, och varför:" in text and "borttagande av personuppgifter" in text
        outcome = done.json()["outcome"]
        for line in outcome.splitlines():  # the erasure's own report, line by line
            if line.startswith("- ") and line != "- (inget)":
                assert line in text
        # delivered after the address is gone from the tables
        assert await Account.count().where(Account.email == address) == 0
        assert await Person.count().where(Person.email == address) == 0
    else:
        assert told["Subject"] == f"Din begäran om {NAMES[kind]} är genomförd"


async def test_bad_used_and_expired_links(smtp_app, smtp_client, smtp_server, person, moved):
    body, address = await subject_of(smtp_client, person, "person", smtp_server)
    await login_as_staff(smtp_client, "customer_service")
    case = await new_case(smtp_client, {"kind": "access", "subject": "Per brev", **body})
    [received] = await deliver(smtp_app, smtp_server)
    path = only_link(received, "/bekrafta-begaran?token=")
    token = token_of(path)

    for bad in ("x" * 43, "kort", token[:-1] + ("A" if token[-1] != "A" else "B")):
        refused = await api_post(person, "/api/v1/support/requests/confirm", {"token": bad})
        assert refused.status_code == 400 and "Länken fungerar inte" in refused.json()["detail"]
        page = await person.get(f"/bekrafta-begaran?token={bad}")
        assert "Länken fungerar inte" in page.text and 'name="token"' not in page.text
    unknown = await api_post(person, "/api/v1/support/requests/confirm", {"token": token, "extra": 1})
    assert unknown.status_code == 400
    no_csrf = await person.post("/api/v1/support/requests/confirm", json={"token": token})
    assert no_csrf.status_code == 403  # the app's CSRF rule, as for every POST
    assert (await request_row(smtp_client, case))["confirmation"] == "pending"

    moved(LIFETIMES[TokenPurpose.REQUEST_CONFIRM] + timedelta(minutes=1))
    expired = await api_post(person, "/api/v1/support/requests/confirm", {"token": token})
    assert expired.status_code == 400
    clock.set_now(None)

    # a closed request: 409, and the link stays unused
    await login_as_staff(smtp_client, "customer_service", email="kim@balansekonomi.se")
    rejected = await api_post(smtp_client, f"/api/v1/support/requests/{case}/resend-confirmation")
    assert rejected.status_code == 202
    [again] = [m for m in await deliver(smtp_app, smtp_server) if m is not received]
    assert again["Subject"] == "Bekräfta din begäran om registerutdrag"
    fresh = token_of(only_link(again, "/bekrafta-begaran?token="))
    form = await smtp_client.get(f"/kundtjanst/arende/{case}")
    await smtp_client.post(
        f"/kundtjanst/arende/{case}/avvisa",
        data={
            "note": "Ingen sådan person.",
            "_csrf_token": await csrf_token(smtp_client, f"/kundtjanst/arende/{case}"),
        },
    )
    assert form.status_code == 200
    closed = await api_post(person, "/api/v1/support/requests/confirm", {"token": fresh})
    assert closed.status_code == 409 and "avslutad" in closed.json()["detail"]
    assert (await request_row(smtp_client, case))["confirmation"] == "pending"
    assert address == FRIDA["email"]


async def test_the_link_sent_again_replaces_the_old_one_and_is_rate_limited(smtp_app, smtp_client, smtp_server, person):
    body, address = await subject_of(smtp_client, person, "account", smtp_server)
    await login_as_staff(smtp_client, "customer_service")
    case = await new_case(smtp_client, {"kind": "erasure", "subject": "Per telefon", **body})
    [first] = await deliver(smtp_app, smtp_server)
    old = only_link(first, "/bekrafta-begaran?token=")

    page = f"/kundtjanst/arende/{case}"
    assert "Skicka bekräftelselänken igen" in (await smtp_client.get(page)).text
    sent = await smtp_client.post(
        f"{page}/skicka-lank", data={"_csrf_token": await csrf_token(smtp_client, page)}, follow_redirects=False
    )
    assert sent.status_code == 303
    assert "ny bekräftelselänk" in (await smtp_client.get(sent.headers["location"])).text
    await deliver(smtp_app, smtp_server)
    new = only_link(newest(smtp_server, address), "/bekrafta-begaran?token=")
    assert new != old
    assert (await api_post(person, "/api/v1/support/requests/confirm", {"token": token_of(old)})).status_code == 400

    for _ in range(2):
        assert (await api_post(smtp_client, f"/api/v1/support/requests/{case}/resend-confirmation")).status_code == 202
    limited = await api_post(smtp_client, f"/api/v1/support/requests/{case}/resend-confirmation")
    assert limited.status_code == 429 and "Vänta" in limited.json()["detail"]
    await deliver(smtp_app, smtp_server)
    latest = only_link(newest(smtp_server, address), "/bekrafta-begaran?token=")
    assert (await press_confirm(person, latest)).status_code == 200
    confirmed = await api_post(smtp_client, f"/api/v1/support/requests/{case}/resend-confirmation")
    assert confirmed.status_code == 409  # nothing left to confirm


async def test_the_form_persons_export_link_expires_and_customer_service_never_downloads_it(
    smtp_app, smtp_client, smtp_server, person, moved
):
    body, address = await subject_of(smtp_client, person, "person", smtp_server)
    await login_as_staff(smtp_client, "customer_service")
    case = await new_case(smtp_client, {"kind": "access", "subject": "Per brev", **body})
    [received] = await deliver(smtp_app, smtp_server)
    assert (await press_confirm(person, only_link(received, "/bekrafta-begaran?token="))).status_code == 200
    page = (await smtp_client.get(f"/kundtjanst/arende/{case}")).text
    assert "registerutdrag?format" not in page and "laddar aldrig ner" in page
    assert (await smtp_client.get(f"/kundtjanst/arende/{case}/registerutdrag?format=json")).status_code == 404
    assert (await smtp_client.get(f"/api/v1/support/requests/{case}/export")).status_code == 404
    assert (await api_post(smtp_client, f"/api/v1/support/requests/{case}/complete", {"note": "Ok"})).status_code == 200

    await deliver(smtp_app, smtp_server)
    told = newest(smtp_server, address)
    download = only_link(told, "/registerutdrag?token=")
    lifetime = LIFETIMES[TokenPurpose.EXPORT_DOWNLOAD]
    assert lifetime <= timedelta(days=ACCESS_EXPORT_AVAILABLE_DAYS)
    assert format_date_long(clock.now() + lifetime) in text_body(told)  # the link's own expiry, the earlier one
    token = await csrf_token(person, download)
    pdf = await person.post(
        "/registerutdrag", data={"token": token_of(download), "format": "pdf", "_csrf_token": token}
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert address in "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    data = (
        await person.post("/registerutdrag", data={"token": token_of(download), "format": "json", "_csrf_token": token})
    ).json()
    tables = {t["table"]: t["rows"] for t in data["tables"]}
    assert [row["first_name"] for row in tables["person"]] == ["Frida"] and tables["account"] == []
    assert [row["form"] for row in tables["form_submission"]] == ["contact"] and data["supervisory_authority"]
    again = await person.post(
        "/registerutdrag", data={"token": token_of(download), "format": "json", "_csrf_token": token}
    )
    assert again.status_code == 200  # both formats, and again, until the link expires
    no_csrf = await person.post("/registerutdrag", data={"token": token_of(download), "format": "json"})
    assert no_csrf.status_code == 403

    moved(lifetime + timedelta(minutes=1))
    gone = await person.get(download)
    assert gone.status_code == 404 and "Hämta som PDF" not in gone.text
    token = await csrf_token(person, "/")
    late = await person.post(
        "/registerutdrag", data={"token": token_of(download), "format": "json", "_csrf_token": token}
    )
    assert late.status_code == 404 and not late.headers.get("content-disposition")


async def test_the_erasure_message_outlives_the_address_and_its_body_goes_with_the_retention(
    smtp_app, smtp_client, smtp_server, person, moved, db
):
    body, address = await subject_of(smtp_client, person, "account", smtp_server)
    await login_as_staff(smtp_client, "customer_service")
    case = await new_case(smtp_client, {"kind": "erasure", "subject": "Per telefon", **body})
    [received] = await deliver(smtp_app, smtp_server)
    assert (await press_confirm(person, only_link(received, "/bekrafta-begaran?token="))).status_code == 200
    assert (await api_post(smtp_client, f"/api/v1/support/requests/{case}/complete", {"note": "Ok"})).status_code == 200

    # before delivery: the account and its done messages are gone, the erasure message waits in the outbox
    assert await Account.count().where(Account.email == address) == 0
    [queued] = await OutboxMessage.select().where(OutboxMessage.recipient == address)
    assert (queued["template"], queued["status"], queued["account"]) == ("requests/erased", "queued", None)
    await deliver(smtp_app, smtp_server)
    erased = newest(smtp_server, address)
    assert erased["Subject"] == "Dina uppgifter är raderade" and "Raderat:" in text_body(erased)
    [sent] = await OutboxMessage.select().where(OutboxMessage.recipient == address)
    assert sent["status"] == "sent" and sent["body_text"]

    moved(timedelta(days=31))
    await run_retention(db, catalogue=TEST_CATALOGUE)
    [kept] = await OutboxMessage.select().where(OutboxMessage.recipient == address)
    assert kept["body_text"] is None and kept["body_html"] is None  # the delivery log stays, the content goes
    assert (await SupportCase.select(SupportCase.status).where(SupportCase.id == case))[0]["status"] == "completed"


async def login(client, email: str) -> None:
    client.cookies.clear()
    response = await api_post(client, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_mina_uppgifter_requests_and_the_restriction_lifted_only_after_notice(
    smtp_app, smtp_client, smtp_server, person, moved
):
    me = await register(person, email="vera@example.se", first_name="Vera")
    await deliver(smtp_app, smtp_server)  # the address-confirmation mail: not what this test looks at
    smtp_server.reset()
    restricted = await api_post(person, "/api/v1/me/restriction", {"reason": "Uppgifterna stämmer inte"})
    assert restricted.status_code == 201, restricted.text
    erasure = await api_post(person, "/api/v1/me/erasure-request")
    assert erasure.status_code == 201
    received = await deliver(smtp_app, smtp_server)
    assert sorted(m["Subject"] for m in received) == [
        "Vi har tagit emot din begäran om begränsning",
        "Vi har tagit emot din begäran om radering",
    ]
    for message in received:
        assert f"Vi svarar senast {format_date_long(request_deadline(clock.today()))}." in text_body(message)
    restriction_mail = next(m for m in received if m["Subject"].endswith("begränsning"))
    assert (await press_confirm(person, only_link(restriction_mail, "/bekrafta-begaran?token="))).status_code == 200

    staff = await login_as_staff(smtp_client, "customer_service")
    [case] = [r["id"] for r in (await smtp_client.get("/api/v1/support/requests")).json() if r["type"] == "restriction"]
    page = f"/kundtjanst/arende/{case}"
    text = (await smtp_client.get(page)).text
    assert "Meddela personen att begränsningen hävs" in text and 'id="lift-form"' not in text
    early = await smtp_client.post(f"{page}/hav-begransning", data={"_csrf_token": await csrf_token(smtp_client, page)})
    assert early.status_code == 409 and "Meddela personen först" in early.text

    announced = await smtp_client.post(
        f"{page}/meddela-havning", data={"_csrf_token": await csrf_token(smtp_client, page)}, follow_redirects=False
    )
    assert announced.status_code == 303
    await deliver(smtp_app, smtp_server)
    notice = newest(smtp_server, "vera@example.se")
    lift_on = clock.now() + timedelta(days=LIFT_NOTICE_DAYS)
    assert notice["Subject"] == "Begränsningen av dina uppgifter hävs"
    assert f"tidigast {format_date_long(lift_on)}" in text_body(notice) and "artikel 18.3" in text_body(notice)
    too_soon = await smtp_client.post(
        f"{page}/hav-begransning", data={"_csrf_token": await csrf_token(smtp_client, page)}
    )
    assert too_soon.status_code == 409 and "tidigast" in too_soon.text

    moved(timedelta(days=LIFT_NOTICE_DAYS, minutes=1))
    await login(smtp_client, "customer_service@balansekonomi.se")
    lifted = await smtp_client.post(
        f"{page}/hav-begransning", data={"_csrf_token": await csrf_token(smtp_client, page)}, follow_redirects=False
    )
    assert lifted.status_code == 303
    [privacy] = await AccountPrivacy.select(AccountPrivacy.restricted_at).where(AccountPrivacy.account == me["id"])
    assert privacy["restricted_at"] is None
    assert staff.account_id is not None
