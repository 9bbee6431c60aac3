"""Changing the login address from Mina uppgifter (art. 16), through the test client with real CSRF: the password is
asked again, a wrong one counts as a failed login, an address another account has is refused, and afterwards only the
new address logs in."""

from __future__ import annotations

from coursesite.db.accounts import Account, LoginAttempt
from coursesite.db.privacy import Person
from tests.conftest import PASSWORD, api_post, csrf_token, register


async def patch(client, body: dict):
    token = await csrf_token(client)
    return await client.patch("/api/v1/me/profile", json=body, headers={"x-csrftoken": token})


async def login(client, email: str, password: str = PASSWORD):
    client.cookies.clear()
    return await api_post(client, "/api/v1/auth/login", {"email": email, "password": password})


async def test_a_new_address_through_the_api(client):
    me = await register(client, email="maja@example.se", first_name="Maja")
    assert (
        await api_post(client, "/api/v1/forms/newsletter", {"email": "maja@example.se", "consent": True})
    ).status_code == 201

    missing = await patch(client, {"email": "maja.ny@example.se"})
    assert missing.status_code == 400 and set(missing.json()["errors"]) == {"current_password"}
    wrong = await patch(client, {"email": "maja.ny@example.se", "current_password": "fel-lösenord-123"})
    assert wrong.status_code == 400 and wrong.json()["errors"] == {"current_password": "Fel lösenord."}
    # counted like a failed login: the e-mail's key, the client's and this browser's (its device cookie)
    assert await LoginAttempt.count() == 3
    invalid = await patch(client, {"email": "inte en adress", "current_password": PASSWORD})
    assert invalid.status_code == 400 and "email" in invalid.json()["errors"]

    done = await patch(client, {"email": " Maja.Ny@Example.se ", "current_password": PASSWORD})
    assert done.status_code == 200, done.text
    assert done.json()["changed"] == ["account.email"]
    assert (await Account.select(Account.email).where(Account.id == me["id"]))[0]["email"] == "maja.ny@example.se"
    # the newsletter sign-up made with the old address follows, linked to the account
    (person,) = await Person.select(Person.email, Person.account)
    assert person == {"email": "maja.ny@example.se", "account": me["id"]}

    # the same address again needs no password and changes nothing
    same = await patch(client, {"email": "maja.ny@example.se"})
    assert same.status_code == 200 and same.json()["changed"] == []

    assert (await login(client, "maja@example.se")).status_code == 401
    assert (await login(client, "maja.ny@example.se")).status_code == 200


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
    assert "Din e-postadress är ändrad." in (await client.get(done.headers["location"])).text
