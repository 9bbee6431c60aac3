"""Registration, login, logout, sessions and CSRF through the test client, with real CSRF tokens."""

import pytest

from coursesite.db.accounts import Account, LoginAttempt, UserSession
from tests.conftest import PASSWORD, api_post, csrf_token, register

BODY = {"email": "Anna@Example.se", "password": PASSWORD, "first_name": "Anna", "last_name": "Andersson"}


async def test_register_logs_in_and_stores_an_argon2_hash(client):
    response = await api_post(client, "/api/v1/auth/register", BODY | {"mobile": "070-123 45 67", "source": "En vän"})
    assert response.status_code == 201
    assert response.json()["email"] == "anna@example.se"
    row = (await Account.select().where(Account.email == "anna@example.se"))[0]
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]
    assert row["mobile"] == "+46701234567"
    assert row["role"] == "participant"
    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["first_name"] == "Anna"


async def test_register_taken_email_is_409(client):
    await register(client, "anna@example.se")
    response = await api_post(client, "/api/v1/auth/register", BODY)
    assert response.status_code == 409
    assert "email" in response.json()["errors"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"email": "inte-en-adress"}, "email"),
        ({"password": "kort"}, "password"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "x" * 101}, "last_name"),
        ({"mobile": "08-678 55 00"}, "mobile"),
        ({"first_name": "Anna\x00"}, "first_name"),
        ({"source": "Mitt personnummer är 20000101-2384"}, "source"),
    ],
)
async def test_register_bad_field_is_400_with_a_message_for_that_field(client, change, field):
    response = await api_post(client, "/api/v1/auth/register", BODY | change)
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]
    assert await Account.count() == 0


async def test_register_missing_fields_name_each_field(client):
    response = await api_post(client, "/api/v1/auth/register", {})
    assert response.status_code == 400
    assert {"email", "password", "first_name", "last_name"} <= set(response.json()["errors"])


async def test_unsafe_request_without_csrf_token_is_refused(client):
    await client.get("/registrera")
    response = await client.post("/api/v1/auth/register", json=BODY)
    assert response.status_code == 403
    assert await Account.count() == 0
    response = await client.post("/api/v1/auth/register", json=BODY, headers={"x-csrftoken": "forged"})
    assert response.status_code == 403


async def test_login_rotates_the_session_and_logout_ends_it(client):
    await register(client)
    first_token = client.cookies.get("kurssajten_session")
    assert first_token
    response = await api_post(client, "/api/v1/auth/login", {"email": "anna@example.se", "password": PASSWORD})
    assert response.status_code == 200
    second_token = client.cookies.get("kurssajten_session")
    assert second_token and second_token != first_token
    assert await UserSession.count() == 1  # the old session is gone
    cookie_header = response.headers.get("set-cookie", "")
    assert "HttpOnly" in cookie_header and "SameSite=lax" in cookie_header.replace("Lax", "lax")
    response = await api_post(client, "/api/v1/auth/logout")
    assert response.status_code == 204
    assert await UserSession.count() == 0
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_wrong_password_is_401(client):
    await register(client)
    await api_post(client, "/api/v1/auth/logout")
    response = await api_post(client, "/api/v1/auth/login", {"email": "anna@example.se", "password": "fel-lösenord"})
    assert response.status_code == 401
    response = await api_post(client, "/api/v1/auth/login", {"email": "ingen@example.se", "password": PASSWORD})
    assert response.status_code == 401


async def test_login_is_rate_limited(client, settings):
    await register(client)
    await api_post(client, "/api/v1/auth/logout")
    for _ in range(settings.login_max_failures):
        response = await api_post(
            client, "/api/v1/auth/login", {"email": "anna@example.se", "password": "fel-lösenord"}
        )
        assert response.status_code == 401
    response = await api_post(client, "/api/v1/auth/login", {"email": "anna@example.se", "password": PASSWORD})
    assert response.status_code == 429  # even the right password waits now
    assert int(response.headers["retry-after"]) > 0
    rows = await LoginAttempt.select(LoginAttempt.key_hash)
    assert all("anna" not in row["key_hash"] for row in rows)  # no email in the clear


async def test_secure_cookies_behind_https(db, database_url):
    from litestar.testing import AsyncTestClient

    from coursesite.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(database_url, secure_cookies=True))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as secure_client:
        token = await csrf_token(secure_client, "/registrera")
        response = await secure_client.post("/api/v1/auth/register", json=BODY, headers={"x-csrftoken": token})
        assert response.status_code == 201
        assert "Secure" in response.headers["set-cookie"]


async def test_register_and_login_pages(client):
    token = await csrf_token(client, "/registrera")
    response = await client.post(
        "/registrera",
        data={
            "_csrf_token": token,
            "email": "bo@example.se",
            "password": PASSWORD,
            "first_name": "Bo",
            "last_name": "Ek",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/min-kurs"
    token = await csrf_token(client, "/min-kurs")
    response = await client.post("/logga-ut", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    token = await csrf_token(client, "/logga-in")
    response = await client.post(
        "/logga-in",
        data={"_csrf_token": token, "email": "bo@example.se", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/min-kurs"  # no open redirect


async def test_register_page_shows_field_errors_and_keeps_values(client):
    token = await csrf_token(client, "/registrera")
    response = await client.post(
        "/registrera",
        data={"_csrf_token": token, "email": "fel", "password": "kort", "first_name": "Cia", "last_name": ""},
    )
    assert response.status_code == 400
    assert 'value="Cia"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "kort" not in response.text.split('name="password"')[1].split(">")[0]  # the password is not echoed


async def test_wrong_login_page_says_so(client):
    token = await csrf_token(client, "/logga-in")
    response = await client.post("/logga-in", data={"_csrf_token": token, "email": "x@example.se", "password": "nej"})
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord" in response.text


async def test_create_staff_command(db, settings, monkeypatch):
    from click.testing import CliRunner

    from coursesite.cli import main

    monkeypatch.setenv("COURSESITE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COURSESITE_SECRET_KEY", settings.secret_key)
    runner = CliRunner()
    result = await _in_thread(
        runner.invoke,
        main,
        ["create-staff", "--email", "larare@example.se", "--role", "instructor"]
        + ["--first-name", "Ingrid", "--last-name", "Lärare"],
        input="ett-langt-losenord\n",
    )
    assert result.exit_code == 0, result.output
    row = (await Account.select().where(Account.email == "larare@example.se"))[0]
    assert (row["role"], row["first_name"], row["last_name"]) == ("instructor", "Ingrid", "Lärare")
    names = ["--first-name", "Xena", "--last-name", "Ek"]
    staff = ["create-staff", "--email", "x@example.se", "--role", "instructor", *names]
    result = await _in_thread(runner.invoke, main, [*staff, "--password", "kort"])
    assert result.exit_code == 1 and "minst 10 tecken" in result.output
    result = await _in_thread(runner.invoke, main, [*staff, "--password", "1234567890"])
    assert result.exit_code == 1 and "vanligaste lösenorden" in result.output
    # the names are required: staff pages show them (no "Personal Kurssajten" stand-in)
    nameless = ["create-staff", "--email", "y@example.se", "--role", "finance", "--password", "ett-langt-losenord"]
    result = await _in_thread(runner.invoke, main, nameless)
    assert result.exit_code == 2 and "--first-name" in result.output
    assert await Account.count().where(Account.email.is_in(["x@example.se", "y@example.se"])) == 0


async def _in_thread(func, *args, **kwargs):
    import asyncio

    return await asyncio.to_thread(func, *args, **kwargs)
