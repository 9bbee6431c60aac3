"""Changing the login address from Mina uppgifter (art. 16), through the test client with real CSRF and the real SMTP
server: the password is asked again, a wrong one counts as a failed login, an address another account has is refused;
the change waits for the link sent to the new address, then the other sessions end, the old address is told, and only
the new address logs in."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from coursesite.db.accounts import Account, LoginAttempt
from coursesite.db.privacy import Person
from tests.conftest import PASSWORD, PUBLIC_URL, api_post, csrf_token, register
from tests.support import deliver, links, text_body


async def patch(client, body: dict):
    token = await csrf_token(client)
    return await client.patch("/api/v1/me/profile", json=body, headers={"x-csrftoken": token})


async def login(client, email: str, password: str = PASSWORD):
    client.cookies.clear()
    return await api_post(client, "/api/v1/auth/login", {"email": email, "password": password})


async def test_a_new_address_takes_effect_when_the_new_address_confirms_it(smtp_app, smtp_client, smtp_server):
    me = await register(smtp_client, email="maja@example.se", first_name="Maja")
    assert (
        await api_post(smtp_client, "/api/v1/forms/newsletter", {"email": "maja@example.se", "consent": True})
    ).status_code == 201
    # another browser logged in to the same account
    other = AsyncTestClient(app=smtp_app, base_url="http://testserver.local")
    async with other:
        assert (await login(other, "maja@example.se")).status_code == 200

        missing = await patch(smtp_client, {"email": "maja.ny@example.se"})
        assert missing.status_code == 400 and set(missing.json()["errors"]) == {"current_password"}
        wrong = await patch(smtp_client, {"email": "maja.ny@example.se", "current_password": "fel-lösenord-123"})
        assert wrong.status_code == 400 and wrong.json()["errors"] == {"current_password": "Fel lösenord."}
        # counted like a failed login: the e-mail's key, the client's and this browser's (its device cookie)
        assert await LoginAttempt.count() == 3
        invalid = await patch(smtp_client, {"email": "inte en adress", "current_password": PASSWORD})
        assert invalid.status_code == 400 and "email" in invalid.json()["errors"]

        asked = await patch(smtp_client, {"email": " Maja.Ny@Example.se ", "current_password": PASSWORD})
        assert asked.status_code == 200, asked.text
        assert asked.json() == {"changed": [], "notified": [], "pending_email": "maja.ny@example.se"}
        # nothing has changed yet: the old address still logs in, the other browser is still logged in
        assert (await Account.select(Account.email))[0]["email"] == "maja@example.se"
        assert (await other.get("/api/v1/me")).status_code == 200
        assert "Väntar på bekräftelse av maja.ny@example.se" in (await smtp_client.get("/mina-uppgifter")).text

        await deliver(smtp_app, smtp_server)
        [message] = smtp_server.to("maja.ny@example.se")
        assert message["Subject"] == "Bekräfta din nya e-postadress"
        [path] = [p for p in links(message, PUBLIC_URL) if p.startswith("/bekrafta-epost?token=")]
        opened = await smtp_client.get(path)
        assert opened.status_code == 200 and "maja.ny@example.se" in opened.text
        token = await csrf_token(smtp_client, path)
        done = await smtp_client.post("/bekrafta-epost", data={"_csrf_token": token, "token": path.split("=")[1]})
        assert done.status_code == 200 and "loggar nu in med maja.ny@example.se" in done.text

        assert (await Account.select(Account.email))[0]["email"] == "maja.ny@example.se"
        # the newsletter sign-up made with the old address follows, linked to the account
        (person,) = await Person.select(Person.email, Person.account)
        assert person == {"email": "maja.ny@example.se", "account": me["id"]}
        # the other browser's session ended; this one stays
        assert (await other.get("/api/v1/me")).status_code == 401
        assert (await smtp_client.get("/api/v1/me")).json()["email"] == "maja.ny@example.se"
        # the old address is told
        await deliver(smtp_app, smtp_server)
        [notice] = smtp_server.to("maja@example.se")[-1:]
        assert notice["Subject"] == "Ditt konto har en ny e-postadress"
        assert "maja.ny" not in text_body(notice)  # no more than it needs

    # the same address again needs no password and changes nothing
    same = await patch(smtp_client, {"email": "maja.ny@example.se"})
    assert same.status_code == 200 and same.json()["pending_email"] is None

    assert (await login(smtp_client, "maja@example.se")).status_code == 401
    assert (await login(smtp_client, "maja.ny@example.se")).status_code == 200


async def test_an_address_with_someone_elses_form_rows_links_them_once_it_is_confirmed(
    smtp_app, smtp_client, smtp_server
):
    body = {"email": "vera@example.se", "consent": True}
    assert (await api_post(smtp_client, "/api/v1/forms/newsletter", body)).status_code == 201
    smtp_client.cookies.clear()
    me = await register(smtp_client, email="maja@example.se", first_name="Maja")
    asked = await patch(smtp_client, {"email": "vera@example.se", "current_password": PASSWORD})
    assert asked.status_code == 200 and asked.json()["pending_email"] == "vera@example.se"
    assert (await smtp_client.get("/api/v1/me/consents")).json() == []  # not yet hers to see
    await deliver(smtp_app, smtp_server)
    mail = smtp_server.to("vera@example.se")  # the newsletter's own confirmation, then the change of address
    [path] = [p for m in mail for p in links(m, PUBLIC_URL) if p.startswith("/bekrafta-epost?token=")]
    confirmed = await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": path.split("=")[1]})
    assert confirmed.status_code == 204
    assert [c["kind"] for c in (await smtp_client.get("/api/v1/me/consents")).json()] == ["newsletter"]
    assert (await Person.select(Person.account))[0]["account"] == me["id"]


async def test_a_confirmed_change_is_refused_when_another_account_took_the_address(smtp_app, smtp_client, smtp_server):
    await register(smtp_client, email="maja@example.se", first_name="Maja")
    assert (await patch(smtp_client, {"email": "bo@example.se", "current_password": PASSWORD})).status_code == 200
    await deliver(smtp_app, smtp_server)
    [path] = [p for p in links(smtp_server.to("bo@example.se")[0], PUBLIC_URL) if "token=" in p]
    maja = dict(smtp_client.cookies)
    await register(smtp_client, email="bo@example.se", first_name="Bo")
    smtp_client.cookies.clear()
    smtp_client.cookies.update(maja)
    taken = await api_post(smtp_client, "/api/v1/auth/verify-email", {"token": path.split("=")[1]})
    assert taken.status_code == 409
    assert await Account.count().where(Account.email == "maja@example.se") == 1


async def test_an_address_another_account_has_is_refused(client):
    await register(client, email="bo@example.se", first_name="Bo")
    await register(client, email="maja@example.se", first_name="Maja")
    taken = await patch(client, {"email": "BO@example.se", "current_password": PASSWORD})
    assert taken.status_code == 409 and "email" in taken.json()["errors"]
    assert await Account.count().where(Account.email == "maja@example.se") == 1


async def test_too_many_wrong_passwords_are_refused_like_logins(client, settings):
    await register(client, email="maja@example.se", first_name="Maja")
    statuses = []
    for _ in range(settings.login_max_failures + 1):
        statuses.append(
            (await patch(client, {"email": "ny@example.se", "current_password": "gissning-123456"})).status_code
        )
    assert statuses[:-1] == [400] * settings.login_max_failures and statuses[-1] == 429
    # the right password is refused too while the limit holds
    assert (await patch(client, {"email": "ny@example.se", "current_password": PASSWORD})).status_code == 429


async def test_the_page_form(client):
    await register(client, email="maja@example.se", first_name="Maja")
    page = await client.get("/mina-uppgifter")
    assert 'id="email-form"' in page.text and 'autocomplete="current-password"' in page.text
    token = await csrf_token(client, "/mina-uppgifter")
    wrong = await client.post(
        "/mina-uppgifter/epost",
        data={"_csrf_token": token, "email": "maja.ny@example.se", "current_password": "fel"},
        follow_redirects=False,
    )
    assert wrong.status_code == 400 and "Fel lösenord." in wrong.text and 'value="maja.ny@example.se"' in wrong.text
    assert wrong.text.count("Fel lösenord.") == 1  # once, at the password field, not again at the top
    assert 'id="current_password-error">Fel lösenord.' in wrong.text
    # the profile form on the same page still shows the current data
    assert 'value="Maja"' in wrong.text
    no_token = await client.post("/mina-uppgifter/epost", data={"email": "x@example.se", "current_password": PASSWORD})
    assert no_token.status_code == 403
    token = await csrf_token(client, "/mina-uppgifter")
    done = await client.post(
        "/mina-uppgifter/epost",
        data={"_csrf_token": token, "email": "maja.ny@example.se", "current_password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/mina-uppgifter?klart=epost"
    page = (await client.get(done.headers["location"])).text
    assert "Vi har skickat en länk till den nya adressen." in page
    assert "Väntar på bekräftelse av maja.ny@example.se" in page
