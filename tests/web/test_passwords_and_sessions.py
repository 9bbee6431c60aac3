"""Passwords and sessions through the app (issue 11 §3), with real CSRF: changing the password (API and Mina
uppgifter), the sessions list and "Logga ut överallt", logout and an e-mail change ending sessions, the lockout
that does not lock the owner out (device cookies), the client address behind trusted proxies and the registration
rate limit. Each browser is a client of its own, with its own peer address where that matters."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest

from coursesite.db.accounts import Account, LoginAttempt, UserSession
from coursesite.db.mail import OutboxMessage
from tests.conftest import PASSWORD, api_post, csrf_token, make_settings, register
from tests.support import page_text, post_form

NEW_PASSWORD = "ny-vinter-kanelbulle"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36"
)


@asynccontextmanager
async def browser(app, peer: str = "198.51.100.20", user_agent: str = "python-httpx", forwarded: str | None = None):
    """Another browser: its own cookies, its own peer address (the test client's is always "testclient")."""
    headers = {"user-agent": user_agent}
    if forwarded is not None:
        headers["x-forwarded-for"] = forwarded
    transport = httpx.ASGITransport(app=app, client=(peer, 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", headers=headers) as client:
        yield client


async def login(client, email: str = "anna@example.se", password: str = PASSWORD):
    return await api_post(client, "/api/v1/auth/login", {"email": email, "password": password})


async def me_status(client) -> int:
    return (await client.get("/api/v1/me")).status_code


# -- changing the password


async def test_change_password_through_the_api_signs_out_the_other_sessions(app, client):
    me = await register(client)
    async with browser(app) as other:
        assert (await login(other)).status_code == 200
        assert await UserSession.count() == 2

        unprotected = await client.post(
            "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert unprotected.status_code == 403  # no CSRF token

        wrong = await api_post(
            client, "/api/v1/me/password", {"current_password": "fel-lösenord-9", "new_password": NEW_PASSWORD}
        )
        assert wrong.status_code == 400 and wrong.json()["errors"] == {"current_password": "Fel lösenord."}
        assert await LoginAttempt.count() == 3  # a failed login: the address's, the client's and this browser's

        for refused, says in [
            ("1234567890", "vanligaste lösenorden"),
            ("password12", "vanligaste lösenorden"),
            ("kort", "minst 10 tecken"),
            ("andersson-sommar", "namn eller din e-postadress"),
            (PASSWORD, "skilja sig från det nuvarande"),
        ]:
            response = await api_post(
                client, "/api/v1/me/password", {"current_password": PASSWORD, "new_password": refused}
            )
            assert response.status_code == 400, refused
            assert says in response.json()["errors"]["new_password"]
        assert await UserSession.count() == 2  # nothing changed yet

        changed = await api_post(
            client, "/api/v1/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert changed.status_code == 204, changed.text
        assert await me_status(client) == 200  # this session stays
        assert await me_status(other) == 401  # the other one is signed out
        assert await UserSession.count() == 1
        assert await LoginAttempt.count() == 2  # the address's failures are forgotten; the client's and device's stay

        assert (await login(other, password=PASSWORD)).status_code == 401
        assert (await login(other, password=NEW_PASSWORD)).status_code == 200
    row = (await Account.select(Account.password_hash).where(Account.id == me["id"]))[0]
    assert NEW_PASSWORD not in row["password_hash"]


async def test_change_password_on_mina_uppgifter(client):
    await register(client)
    page = await client.get("/mina-uppgifter")
    assert 'action="/mina-uppgifter/losenord"' in page.text and 'autocomplete="new-password"' in page.text

    wrong = await post_form(
        client,
        "/mina-uppgifter/losenord",
        {"password_current": "fel-lösenord-9", "password_new": NEW_PASSWORD},
        page="/mina-uppgifter",
    )
    assert wrong.status_code == 400 and "Fel lösenord." in page_text(wrong)
    weak = await post_form(
        client,
        "/mina-uppgifter/losenord",
        {"password_current": PASSWORD, "password_new": "password12"},
        page="/mina-uppgifter",
    )
    assert weak.status_code == 400 and "ett av de vanligaste lösenorden" in page_text(weak)
    assert NEW_PASSWORD not in weak.text and PASSWORD not in weak.text  # passwords are never shown again

    done = await post_form(
        client,
        "/mina-uppgifter/losenord",
        {"password_current": PASSWORD, "password_new": NEW_PASSWORD},
        page="/mina-uppgifter",
    )
    assert done.status_code == 303 and done.headers["location"] == "/mina-uppgifter?klart=losenord"
    assert "Ditt lösenord är bytt" in page_text(await client.get(done.headers["location"]))
    await api_post(client, "/api/v1/auth/logout")
    assert (await login(client, password=NEW_PASSWORD)).status_code == 200


async def test_the_password_form_without_csrf_is_refused(client):
    await register(client)
    response = await client.post(
        "/mina-uppgifter/losenord", data={"password_current": PASSWORD, "password_new": NEW_PASSWORD}
    )
    assert response.status_code == 403
    await api_post(client, "/api/v1/auth/logout")
    assert (await login(client)).status_code == 200  # unchanged


# -- sessions


async def test_mina_uppgifter_lists_the_sessions_and_logs_out_everywhere(app):
    async with browser(app, "198.51.100.1", FIREFOX) as firefox, browser(app, "198.51.100.2", CHROME) as chrome:
        await register(firefox)
        assert (await login(chrome)).status_code == 200

        text = page_text(await firefox.get("/mina-uppgifter"))
        assert "Firefox på Windows (den här enheten)" in text and "Chrome på macOS" in text
        assert "Chrome på macOS (den här enheten)" not in text
        listed = (await chrome.get("/api/v1/me/sessions")).json()
        assert [(s["browser"], s["current"]) for s in listed] == [
            ("Chrome på macOS", True),
            ("Firefox på Windows", False),
        ]
        # the label is stored, never the header
        stored = await UserSession.select(UserSession.client_label)
        assert sorted(row["client_label"] for row in stored) == ["Chrome på macOS", "Firefox på Windows"]

        revoke = await post_form(firefox, "/mina-uppgifter/sessioner/avsluta", {}, page="/mina-uppgifter")
        assert revoke.status_code == 303 and revoke.headers["location"] == "/logga-in?utloggad=overallt"
        assert 'kurssajten_session=""' in revoke.headers["set-cookie"] or "Max-Age=0" in revoke.headers["set-cookie"]
        assert await UserSession.count() == 0
        assert await me_status(firefox) == 401 and await me_status(chrome) == 401
        assert "Du är utloggad på alla enheter" in page_text(await firefox.get(revoke.headers["location"]))


async def test_revoke_through_the_api_ends_every_session(app, client):
    await register(client)
    async with browser(app) as other:
        assert (await login(other)).status_code == 200
        assert (await client.post("/api/v1/me/sessions/revoke")).status_code == 403  # CSRF
        response = await api_post(other, "/api/v1/me/sessions/revoke")
        assert response.status_code == 204
        assert await me_status(other) == 401 and await me_status(client) == 401
        assert await UserSession.count() == 0


async def test_logout_ends_this_session_only(app, client):
    await register(client)
    async with browser(app) as other:
        assert (await login(other)).status_code == 200
        assert (await post_form(client, "/logga-ut", {}, page="/min-kurs")).status_code == 303
        assert await me_status(client) == 401
        assert await me_status(other) == 200
        assert await UserSession.count() == 1


async def confirm_newest_link(client, to: str):
    """Use the link in the newest message to `to` (this app prints its mail; the outbox keeps the body)."""
    [row] = (
        await OutboxMessage.select(OutboxMessage.body_text)
        .where(OutboxMessage.recipient == to)
        .order_by(OutboxMessage.id, ascending=False)
        .limit(1)
    )
    token = row["body_text"].split("/bekrafta-epost?token=")[1].split()[0]
    return await api_post(client, "/api/v1/auth/verify-email", {"token": token})


async def test_an_email_change_signs_out_the_other_sessions_when_it_is_confirmed(app, client):
    await register(client)
    async with browser(app) as other, browser(app, "198.51.100.30") as third:
        assert (await login(other)).status_code == 200
        assert (await login(third)).status_code == 200
        response = await client.patch(
            "/api/v1/me/profile",
            json={"email": "anna.ny@example.se", "current_password": PASSWORD},
            headers={"x-csrftoken": await csrf_token(client)},
        )
        assert response.status_code == 200, response.text
        assert await me_status(other) == 200 and await me_status(third) == 200  # nothing changed yet
        assert (await confirm_newest_link(client, "anna.ny@example.se")).status_code == 204
        assert await me_status(client) == 200
        assert await me_status(other) == 401 and await me_status(third) == 401

        # the page form, from a new session: confirmed there, the other one (this test client) ends
        assert (await login(other, "anna.ny@example.se")).status_code == 200
        form = await post_form(
            other,
            "/mina-uppgifter/epost",
            {"email": "anna.tredje@example.se", "current_password": PASSWORD},
            page="/mina-uppgifter",
        )
        assert form.status_code == 303
        assert await me_status(client) == 200
        assert (await confirm_newest_link(other, "anna.tredje@example.se")).status_code == 204
        assert await me_status(other) == 200 and await me_status(client) == 401


# -- the lockout that does not lock the owner out


async def test_the_owner_with_a_device_cookie_still_logs_in_while_another_client_fails(app, settings):
    owner_address, attacker_address = "198.51.100.10", "203.0.113.66"
    async with browser(app, owner_address) as owner:
        await register(owner)  # this browser has proved the password: it holds a device cookie
        assert owner.cookies.get("kurssajten_device")
        await api_post(owner, "/api/v1/auth/logout")

        async with browser(app, attacker_address) as attacker:
            statuses = [(await login(attacker, password=f"gissning-{n:04d}")).status_code for n in range(20)]
            assert statuses[: settings.login_max_failures] == [401] * settings.login_max_failures
            assert set(statuses[settings.login_max_failures :]) == {429}
            refused = await login(attacker)  # even the right password: the address is locked for this client
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert "För många misslyckade inloggningsförsök" in refused.json()["detail"]

        async with browser(app, "198.51.100.99") as stranger:  # no device cookie, a clean client address
            assert (await login(stranger)).status_code == 429

        assert (await login(owner)).status_code == 200  # the owner's browser is let in
        assert await me_status(owner) == 200


async def test_a_device_cookie_has_limits_of_its_own(app, settings):
    async with browser(app, "198.51.100.10") as owner:
        await register(owner)
        await api_post(owner, "/api/v1/auth/logout")
        for n in range(settings.login_max_failures):
            assert (await login(owner, password=f"fel-{n:04d}-lösen")).status_code == 401
        assert (await login(owner)).status_code == 429  # guessing with a stolen cookie gets nowhere either


async def test_another_accounts_device_cookie_does_not_help(app, settings):
    async with browser(app, "198.51.100.10") as browser_a:
        await register(browser_a, "bo@example.se", "Bo", "Berg")  # a device cookie for Bo's account only
        async with browser(app, "203.0.113.66") as attacker:
            for n in range(settings.login_max_failures):
                await login(attacker, password=f"gissning-{n:04d}")
        assert (await login(browser_a)).status_code == 429  # Anna's address is locked; the cookie is Bo's


async def test_the_client_limit_applies_to_a_trusted_browser_too(app, settings):
    shared = "198.51.100.44"
    async with browser(app, shared) as owner:
        await register(owner)
        await api_post(owner, "/api/v1/auth/logout")
        async with browser(app, shared) as neighbour:  # the same address, no cookie, guessing at many accounts
            for n in range(settings.login_max_failures * 4):
                await login(neighbour, f"person{n}@example.se", "gissning-1234")
        assert (await login(owner)).status_code == 429


# -- the client address behind a proxy


@pytest.fixture
def proxied_app(db, database_url):
    from coursesite.app import create_app

    return create_app(make_settings(database_url, trusted_proxies=("10.0.0.1/32",), registrations_per_hour=2))


async def _register(client, n: int):
    body = {"email": f"p{n}@example.se", "password": PASSWORD, "first_name": "Per", "last_name": "Son"}
    return await api_post(client, "/api/v1/auth/register", body)


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(proxied_app):
    n = iter(range(100))
    async with browser(proxied_app, "10.0.0.1", forwarded="198.51.100.7") as via_proxy:
        assert [(await _register(via_proxy, next(n))).status_code for _ in range(3)] == [201, 201, 429]
    async with browser(proxied_app, "10.0.0.1", forwarded="198.51.100.8") as neighbour:
        assert (await _register(neighbour, next(n))).status_code == 201  # another client behind the same proxy
    # a spoofed chain through the proxy: the address the proxy appended counts, not what the client wrote
    async with browser(proxied_app, "10.0.0.1", forwarded="198.51.100.99, 198.51.100.7") as spoofer:
        assert (await _register(spoofer, next(n))).status_code == 429
    # not from the proxy: the header is ignored, whatever it says
    for attempt, expected in enumerate([201, 201, 429]):
        async with browser(proxied_app, "203.0.113.5", forwarded=f"192.0.2.{attempt}") as direct:
            assert (await _register(direct, next(n))).status_code == expected


# -- the registration rate limit


async def test_registration_is_rate_limited_per_client(db, database_url):
    from coursesite.app import create_app

    app = create_app(make_settings(database_url, registrations_per_hour=2))
    async with browser(app, "198.51.100.5") as client:
        assert (await _register(client, 1)).status_code == 201
        assert (await _register(client, 2)).status_code == 201
        limited = await _register(client, 3)
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 3600
        assert "Många konton har skapats härifrån" in limited.json()["detail"]
        token = await csrf_token(client, "/registrera")
        body = {"email": "p4@example.se", "password": PASSWORD, "first_name": "Per", "last_name": "Son"}
        page = await client.post("/registrera", data={**body, "_csrf_token": token})
        assert page.status_code == 429 and "Många konton har skapats härifrån" in page_text(page)
        assert page.headers["retry-after"]
    async with browser(app, "198.51.100.6") as elsewhere:
        assert (await _register(elsewhere, 5)).status_code == 201
    assert await Account.count() == 3
