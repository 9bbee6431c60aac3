"""Consent that can be proven and withdrawn by anyone, over HTTP with real CSRF and the real SMTP server: the form's
confirmation mail is received, parsed and its link followed; the page's button POSTs; the unsubscribe link in the
newsletter export works without a login; a mail client's RFC 8058 one-click POST withdraws too."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlsplit

from coursesite.db.privacy import Consent, ProcessorNotice
from coursesite.mail.message import Mail, MailKind
from tests.conftest import PUBLIC_URL, api_post, csrf_token, login_as_staff
from tests.support import deliver, links, text_body, valid

NORA = "nora@example.se"
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM_ENCODED = {"content-type": "application/x-www-form-urlencoded"}


async def subscribe_by_page(client) -> None:
    token = await csrf_token(client, "/nyhetsbrev")
    response = await client.post(
        "/nyhetsbrev",
        data={"_csrf_token": token, "email": NORA, "first_name": "Nora", "consent": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/nyhetsbrev?skickat=1&bekrafta=1"
    page = await client.get(response.headers["location"])
    assert "Öppna länken i det och klicka på" in page.text


async def confirm_by_mail(client, message) -> None:
    """Follow the mail's link, see the page, press its button (the GET alone confirms nothing)."""
    [path] = [p for p in links(message, PUBLIC_URL) if p.startswith("/bekrafta-samtycke?token=")]
    page = await client.get(path)
    assert page.status_code == 200
    assert "Ja, jag vill få Balansekonomis nyhetsbrev" in page.text
    assert await Consent.count().where(Consent.confirmed_at.is_not_null()) == 0  # not on GET
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf and token
    response = await client.post(
        "/bekrafta-samtycke", data={"_csrf_token": csrf.group(1), "token": token.group(1)}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/bekrafta-samtycke?klart=1")
    assert "Ditt samtycke är bekräftat" in (await client.get(response.headers["location"])).text


async def export_rows(client) -> list[dict]:
    response = await client.get("/personal/nyhetsbrev/mailchimp.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_the_newsletter_form_mails_a_link_and_counts_only_once_confirmed(smtp_app, smtp_client, smtp_server):
    await subscribe_by_page(smtp_client)
    [message] = await deliver(smtp_app, smtp_server)
    assert message["To"] == NORA
    assert message["Subject"] == "Bekräfta ditt samtycke"
    assert message["List-Unsubscribe"] is None  # the confirmation is transactional, not marketing
    assert "gäller i 7 dagar" in text_body(message)

    await login_as_staff(smtp_client, "customer_service", first_name="Kim")
    assert await export_rows(smtp_client) == []  # pending: not in the export
    smtp_client.cookies.clear()
    await confirm_by_mail(smtp_client, message)
    (consent,) = await Consent.select()
    assert consent["confirmed_via"] == "email_link" and consent["confirmed_at"] is not None

    await login_as_staff(smtp_client, "customer_service", email="kim2@balansekonomi.se", first_name="Kim")
    [row] = await export_rows(smtp_client)
    assert row["Email Address"] == NORA
    assert row["Unsubscribe Link"].startswith(f"{PUBLIC_URL}/avsluta?token=")

    # a used link: the page says so, the API answers 400 in Swedish
    smtp_client.cookies.clear()
    [path] = [p for p in links(message, PUBLIC_URL) if p.startswith("/bekrafta-samtycke")]
    assert (await smtp_client.get(path)).status_code == 400
    response = await api_post(smtp_client, "/api/v1/consents/confirm", {"token": path.partition("token=")[2]})
    assert response.status_code == 400
    assert "redan använd" in response.json()["detail"]


async def test_the_api_confirms_with_204_and_refuses_without_csrf(smtp_app, smtp_client, smtp_server):
    response = await api_post(smtp_client, "/api/v1/forms/newsletter", valid("newsletter", email=NORA))
    assert response.status_code == 201 and response.json()["confirmation_sent"] is True
    [message] = await deliver(smtp_app, smtp_server)
    token = links(message, PUBLIC_URL)[0].partition("token=")[2]
    assert (await smtp_client.post("/api/v1/consents/confirm", json={"token": token})).status_code == 403
    response = await api_post(smtp_client, "/api/v1/consents/confirm", {"token": token})
    assert response.status_code == 204
    for body in ({"token": "x" * 500}, {"token": token, "extra": 1}, {}):
        assert (await api_post(smtp_client, "/api/v1/consents/confirm", body)).status_code == 400


async def unsubscribe_link(smtp_app, smtp_client, smtp_server) -> str:
    """Nora subscribed and confirmed, and was exported to Mailchimp: the link in her export row, as a path."""
    await subscribe_by_page(smtp_client)
    [message] = await deliver(smtp_app, smtp_server)
    await confirm_by_mail(smtp_client, message)
    await login_as_staff(smtp_client, "customer_service", first_name="Kim")
    [row] = await export_rows(smtp_client)
    smtp_client.cookies.clear()  # the person is not logged in
    parts = urlsplit(row["Unsubscribe Link"])
    return f"{parts.path}?{parts.query}"


async def test_the_unsubscribe_page_withdraws_without_a_login(smtp_app, smtp_client, smtp_server):
    path = await unsubscribe_link(smtp_app, smtp_client, smtp_server)
    page = await smtp_client.get(path)
    assert page.status_code == 200 and "Avsluta prenumerationen" in page.text
    assert await Consent.count().where(Consent.withdrawn_at.is_null()) == 1  # not on GET
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert csrf and token
    refused = await smtp_client.post("/avsluta/bekrafta", data={"token": token.group(1)})
    assert refused.status_code == 403  # the page's button carries the CSRF token
    response = await smtp_client.post(
        "/avsluta/bekrafta", data={"_csrf_token": csrf.group(1), "token": token.group(1)}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/avsluta?klart=1")
    assert "Du får inga fler nyhetsbrev" in (await smtp_client.get("/avsluta?klart=1")).text
    (consent,) = await Consent.select()
    assert consent["withdrawn_via"] == "link" and consent["withdrawn_at"] is not None
    assert [n["recipient"] for n in await ProcessorNotice.select()] == ["Mailchimp"]  # told to unsubscribe her there
    await login_as_staff(smtp_client, "customer_service", email="kim2@balansekonomi.se", first_name="Kim")
    assert await export_rows(smtp_client) == []  # the next export leaves her out

    # the API does the same, and a second use is fine
    smtp_client.cookies.clear()
    response = await api_post(smtp_client, "/api/v1/consents/unsubscribe", {"token": token.group(1)})
    assert response.status_code == 204
    assert await ProcessorNotice.count() == 1
    bad = await api_post(smtp_client, "/api/v1/consents/unsubscribe", {"token": token.group(1)[:-2]})
    assert bad.status_code == 400
    assert (await smtp_client.get("/avsluta?token=fel")).status_code == 400


async def test_rfc_8058_one_click_post_to_the_list_unsubscribe_url(smtp_app, smtp_client, smtp_server):
    path = await unsubscribe_link(smtp_app, smtp_client, smtp_server)
    # a mail client sends no cookies and no CSRF token; anything but the exact body is refused
    for body in ("", "List-Unsubscribe=one-click", f"{ONE_CLICK}&token=x", "a=b"):
        response = await smtp_client.post(path, content=body.encode(), headers=FORM_ENCODED)
        assert response.status_code == 400, body
    assert await Consent.count().where(Consent.withdrawn_at.is_null()) == 1
    response = await smtp_client.post(path, content=ONE_CLICK.encode(), headers=FORM_ENCODED)
    assert response.status_code == 200, response.text
    (consent,) = await Consent.select()
    assert consent["withdrawn_via"] == "link"
    # idempotent: again, and as multipart (RFC 8058 prefers it), nothing more happens
    again = await smtp_client.post(path, files={"List-Unsubscribe": (None, "One-Click")})
    assert again.status_code == 200
    assert await ProcessorNotice.count() == 1
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert (await smtp_client.post(forged, content=ONE_CLICK.encode(), headers=FORM_ENCODED)).status_code == 400
    # only that route is exempt from CSRF: the page's own button route is not
    assert (
        await smtp_client.post("/avsluta/bekrafta", content=ONE_CLICK.encode(), headers=FORM_ENCODED)
    ).status_code == 403


async def test_a_marketing_message_carries_the_one_click_link(smtp_app, smtp_client, smtp_server):
    """What a marketing message sent from here looks like: the footer link and RFC 8058's headers, and the header's
    URL takes the one-click POST."""
    await subscribe_by_page(smtp_client)
    await deliver(smtp_app, smtp_server)
    services = smtp_app.state.services
    (consent,) = await Consent.select(Consent.person)
    url = services.consents.unsubscribe_url(person_id=consent["person"])
    await services.outbox.queue(Mail(to=NORA, template="test_message", kind=MailKind.MARKETING, unsubscribe_url=url))
    message = (await deliver(smtp_app, smtp_server))[-1]
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == ONE_CLICK
    assert url in text_body(message)
    parts = urlsplit(url)
    response = await smtp_client.post(f"{parts.path}?{parts.query}", content=ONE_CLICK.encode(), headers=FORM_ENCODED)
    assert response.status_code == 200
    (consent,) = await Consent.select()
    assert consent["withdrawn_via"] == "link"
