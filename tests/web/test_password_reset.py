"""The password reset and the security notices (issue 11 §3, §6), through the client with real CSRF and the real SMTP
server: the same answer whether or not the address has an account, a link that works once within the hour, the one
password rule, every session ended, a locked-out owner back in; notices for a changed password and a new browser."""

from __future__ import annotations

from datetime import timedelta

from litestar.testing import AsyncTestClient

from coursesite.core import clock
from coursesite.db.mail import OutboxMessage
from tests.conftest import PASSWORD, PUBLIC_URL, api_post, csrf_token, register
from tests.support import deliver, links, text_body

NEW_PASSWORD = "blå-cykel-sju-moln"


async def ask(client, email: str):
    return await api_post(client, "/api/v1/auth/password-reset", {"email": email})


async def reset_token(app, server, to: str) -> str:
    await deliver(app, server)
    [message] = [m for m in server.to(to) if m["Subject"] == "Välj ett nytt lösenord"][-1:]
    [path] = [p for p in links(message, PUBLIC_URL) if p.startswith("/nytt-losenord?token=")]
    return path.split("=", 1)[1]


async def login(client, email: str, password: str):
    return await api_post(client, "/api/v1/auth/login", {"email": email, "password": password})


async def test_the_same_answer_whether_or_not_the_address_has_an_account(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="anna@example.se")
    smtp_client.cookies.clear()
    known, unknown = await ask(smtp_client, "anna@example.se"), await ask(smtp_client, "ingen@example.se")
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content and known.headers.get("content-type") == unknown.headers.get("content-type")
    await deliver(smtp_app, smtp_server)
    assert [m["To"] for m in smtp_server.messages if "lösenord" in m["Subject"]] == ["anna@example.se"]
    assert await OutboxMessage.count().where(OutboxMessage.recipient == "ingen@example.se") == 0
    bad = await ask(smtp_client, "inte en adress")
    assert bad.status_code == 400 and "email" in bad.json()["errors"]


async def test_the_pages_reset_the_password_and_sign_out_every_session(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="anna@example.se")
    other = AsyncTestClient(app=smtp_app, base_url="http://testserver.local")
    async with other:
        assert (await login(other, "anna@example.se", PASSWORD)).status_code == 200

        login_page = await smtp_client.get("/logga-in")
        assert 'href="/glomt-losenord">Glömt lösenordet?</a>' in login_page.text
        token = await csrf_token(smtp_client, "/glomt-losenord")
        sent = await smtp_client.post("/glomt-losenord", data={"_csrf_token": token, "email": "Anna@Example.se"})
        assert sent.status_code == 202 and "Om det finns ett konto med adressen" in sent.text

        link = await reset_token(smtp_app, smtp_server, "anna@example.se")
        [message] = [m for m in smtp_server.to("anna@example.se") if m["Subject"] == "Välj ett nytt lösenord"]
        assert "en timme" in text_body(message) and "Anna" not in text_body(message)
        page = await smtp_client.get(f"/nytt-losenord?token={link}")
        assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
        form = {"_csrf_token": await csrf_token(smtp_client, f"/nytt-losenord?token={link}"), "token": link}
        refused = await smtp_client.post("/nytt-losenord", data=form | {"password": "password12"})
        assert refused.status_code == 400 and 'id="password-error"' in refused.text
        done = await smtp_client.post("/nytt-losenord", data=form | {"password": NEW_PASSWORD}, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/logga-in?utloggad=nytt-losenord"
        assert "Ditt lösenord är bytt" in (await smtp_client.get(done.headers["location"])).text

        # every session ended, this browser's and the other's
        assert (await other.get("/api/v1/me")).status_code == 401
        assert (await smtp_client.get("/api/v1/me")).status_code == 401
        assert (await login(smtp_client, "anna@example.se", PASSWORD)).status_code == 401
        assert (await login(smtp_client, "anna@example.se", NEW_PASSWORD)).status_code == 200
        # the link is used up
        # (a new session: the CSRF token is bound to it, so the form is fetched again)
        form["_csrf_token"] = await csrf_token(smtp_client, f"/nytt-losenord?token={link}")
        again = await smtp_client.post("/nytt-losenord", data=form | {"password": "ännu-ett-nytt-lösen"})
        assert again.status_code == 400 and "redan använd" in again.text
        await deliver(smtp_app, smtp_server)
        assert "Ditt lösenord är bytt" in [m["Subject"] for m in smtp_server.to("anna@example.se")]


async def test_the_api_refuses_a_bad_token_and_a_bad_password_and_the_link_expires(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="anna@example.se")
    await ask(smtp_client, "anna@example.se")
    link = await reset_token(smtp_app, smtp_server, "anna@example.se")
    bad = await api_post(smtp_client, "/api/v1/auth/password-reset/confirm", {"token": "x" * 43, "password": "a"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"token"}
    weak = await api_post(
        smtp_client, "/api/v1/auth/password-reset/confirm", {"token": link, "password": "anna12345678"}
    )
    assert weak.status_code == 400 and set(weak.json()["errors"]) == {"password"}
    later = clock.now() + timedelta(hours=1, seconds=1)
    clock.set_now(lambda: later)
    try:
        expired = await api_post(
            smtp_client, "/api/v1/auth/password-reset/confirm", {"token": link, "password": NEW_PASSWORD}
        )
    finally:
        clock.set_now(None)
    assert expired.status_code == 400 and set(expired.json()["errors"]) == {"token"}
    # a new request replaces the old link
    await ask(smtp_client, "anna@example.se")
    newer = await reset_token(smtp_app, smtp_server, "anna@example.se")
    ok = await api_post(smtp_client, "/api/v1/auth/password-reset/confirm", {"token": newer, "password": NEW_PASSWORD})
    assert ok.status_code == 204


async def test_a_locked_out_owner_gets_back_in_by_a_reset(smtp_app, smtp_client, smtp_server, settings):
    await register(smtp_client, email="anna@example.se")
    smtp_client.cookies.clear()  # a browser without the device cookie: the address's lock applies to it
    for _ in range(settings.login_max_failures):
        assert (await login(smtp_client, "anna@example.se", "gissning-123456")).status_code == 401
    assert (await login(smtp_client, "anna@example.se", PASSWORD)).status_code == 429
    await ask(smtp_client, "anna@example.se")
    link = await reset_token(smtp_app, smtp_server, "anna@example.se")
    body = {"token": link, "password": NEW_PASSWORD}
    assert (await api_post(smtp_client, "/api/v1/auth/password-reset/confirm", body)).status_code == 204
    assert (await login(smtp_client, "anna@example.se", NEW_PASSWORD)).status_code == 200


async def test_resets_are_limited_per_recipient_silently_and_per_client_openly(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="anna@example.se")
    statuses = [(await ask(smtp_client, "anna@example.se")).status_code for _ in range(4)]
    assert statuses == [202] * 4  # the fourth for the address within the hour is dropped without saying so
    await deliver(smtp_app, smtp_server)
    assert len([m for m in smtp_server.to("anna@example.se") if m["Subject"] == "Välj ett nytt lösenord"]) == 3
    more = [(await ask(smtp_client, f"person{n}@example.se")).status_code for n in range(7)]
    assert more == [202] * 6 + [429]  # ten per hour from one client


async def test_security_notices_for_a_changed_password_and_a_new_browser(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="anna@example.se")
    changed = await api_post(
        smtp_client, "/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204
    # this browser has the device cookie from the registration: logging in again here is no news
    await api_post(smtp_client, "/api/v1/auth/logout")
    assert (await login(smtp_client, "anna@example.se", NEW_PASSWORD)).status_code == 200
    firefox = AsyncTestClient(app=smtp_app, base_url="http://testserver.local")
    firefox.headers["user-agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
    async with firefox:
        assert (await login(firefox, "anna@example.se", NEW_PASSWORD)).status_code == 200
        assert (await login(firefox, "anna@example.se", NEW_PASSWORD)).status_code == 200  # now it has the cookie
    await deliver(smtp_app, smtp_server)
    subjects = [m["Subject"] for m in smtp_server.to("anna@example.se")]
    assert subjects == ["Bekräfta din e-postadress", "Ditt lösenord är bytt", "Ny inloggning på ditt konto"]
    notice = smtp_server.to("anna@example.se")[-1]
    assert "Firefox på Windows" in text_body(notice) and "/glomt-losenord" in text_body(notice)


async def test_no_notice_for_the_first_login_after_registration(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="anna@example.se")
    smtp_client.cookies.clear()  # as if registered through the API by a client that keeps no cookies
    assert (await login(smtp_client, "anna@example.se", PASSWORD)).status_code == 200
    await deliver(smtp_app, smtp_server)
    assert [m["Subject"] for m in smtp_server.to("anna@example.se")] == ["Bekräfta din e-postadress"]
