"""Sessions, headers and limits (issue 13): HSTS in production, `private, no-store` on everything but the static
files, the CSRF token bound to the session, and the Origin (or Referer) of unsafe requests checked."""

import pytest
from litestar.testing import AsyncTestClient

from coursesite.web.hardening import CSRF_COOKIE, session_csrf_token
from tests.conftest import PASSWORD, TEST_SECRET, api_post, csrf_token, login_as_staff, make_settings, register
from tests.support import enrol

BASE = "http://testserver.local"

PARTICIPANT_PATHS = [
    "/min-kurs",
    "/mina-uppgifter",
    "/mina-fakturor",
    "/mitt-intyg",
    "/api/v1/me",
    "/api/v1/me/answers",
    "/api/v1/me/progress",
    "/api/v1/me/invoices",
    "/api/v1/me/data",
    "/lektion/inkomster-och-utgifter",
]
STAFF_PATHS = ["/ekonomi", "/ekonomi/betalningar", "/api/v1/finance/invoices", "/api/v1/finance/exports/invoices.csv"]
PUBLIC_PATHS = ["/", "/logga-in", "/registrera", "/villkor", "/integritetspolicy", "/api/v1/terms"]


def assert_no_store(response, path):
    assert response.status_code < 400, (path, response.status_code)
    assert response.headers.get("cache-control") == "private, no-store", (path, response.headers.get("cache-control"))


async def test_every_personal_page_and_api_response_is_no_store(client, db):
    await enrol(client, "anna@example.se")
    for path in PARTICIPANT_PATHS:
        assert_no_store(await client.get(path), path)
    await login_as_staff(client, "finance")
    for path in STAFF_PATHS:
        assert_no_store(await client.get(path), path)


async def test_public_pages_and_errors_are_no_store_too_but_static_files_are_cacheable(client, db):
    for path in PUBLIC_PATHS:
        assert_no_store(await client.get(path), path)
    missing = await client.get("/api/v1/me")
    assert missing.status_code == 401 and missing.headers["cache-control"] == "private, no-store"
    static = await client.get("/static/css/site.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


async def test_no_hsts_outside_production(client, db):
    assert "strict-transport-security" not in (await client.get("/")).headers


async def test_hsts_in_production(sites, database_url, db):
    settings = make_settings(
        database_url, environment="production", public_url="https://kurs.example.se", secure_cookies=False
    )
    _, app = sites.get(settings)
    async with AsyncTestClient(app=app, base_url=BASE) as production:
        for path in ("/", "/logga-in", "/static/css/site.css", "/api/v1/terms"):
            response = await production.get(path)
            assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", path


# -- the Origin of unsafe requests


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "http://testserver.local.evil.example"},
        {"referer": "https://evil.example/sida"},
        {"origin": "https://evil.example", "referer": f"{BASE}/logga-in"},  # Origin decides
    ],
)
async def test_an_unsafe_request_from_another_origin_is_403(client, db, headers):
    await register(client)
    token = await csrf_token(client, "/mina-uppgifter")
    response = await client.post("/api/v1/auth/logout", headers={"x-csrftoken": token, **headers})
    assert response.status_code == 403
    assert "annan webbplats" in response.json()["detail"]
    assert (await client.get("/api/v1/me")).status_code == 200  # still logged in

    page = await client.post("/logga-ut", data={"_csrf_token": token}, headers=headers)
    assert page.status_code == 403 and "annan webbplats" in page.text


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": BASE},
        {"origin": "HTTP://TESTSERVER.LOCAL:80"},
        {"referer": f"{BASE}/mina-uppgifter"},
        {"origin": "http://127.0.0.1:8000"},  # the public URL (Settings.base_url outside production)
        {},  # no browser: the CSRF token alone decides
    ],
)
async def test_an_unsafe_request_from_the_site_itself_passes(client, db, headers):
    await register(client)
    token = await csrf_token(client, "/mina-uppgifter")
    response = await client.post("/api/v1/auth/logout", headers={"x-csrftoken": token, **headers})
    assert response.status_code == 204, response.text


async def test_the_public_url_is_an_allowed_origin(sites, database_url, db):
    settings = make_settings(database_url, public_url="https://kurs.example.se")
    _, app = sites.get(settings)
    async with AsyncTestClient(app=app, base_url=BASE) as behind_proxy:
        token = await csrf_token(behind_proxy, "/logga-in")
        response = await behind_proxy.post(
            "/api/v1/auth/login",
            json={"email": "nobody@example.se", "password": PASSWORD},
            headers={"x-csrftoken": token, "origin": "https://kurs.example.se"},
        )
        assert response.status_code == 401  # past the origin check: the login itself refuses
        other = await behind_proxy.post(
            "/api/v1/auth/login",
            json={"email": "nobody@example.se", "password": PASSWORD},
            headers={"x-csrftoken": token, "origin": "https://kurs.example.se.evil.example"},
        )
        assert other.status_code == 403


# -- the CSRF token bound to the session


async def test_a_logged_in_client_gets_the_session_bound_token(client, db):
    await register(client)
    session = client.cookies["kurssajten_session"]
    token = await csrf_token(client, "/mina-uppgifter")
    assert token == session_csrf_token(session, TEST_SECRET) == client.cookies[CSRF_COOKIE]


async def test_a_token_from_before_the_login_or_another_session_is_refused(client, db):
    """A token the attacker holds (their own anonymous one, or one planted as a cookie) is no use in a session."""
    anonymous = await csrf_token(client, "/logga-in")
    await register(client)
    session = client.cookies["kurssajten_session"]
    # The old token as both cookie and header (a planted cookie): refused, the session expects its own.
    client.cookies.set(CSRF_COOKIE, anonymous, domain="testserver.local")
    response = await client.post("/api/v1/auth/logout", headers={"x-csrftoken": anonymous})
    assert response.status_code == 403 and "Formuläret har gått ut" in response.json()["detail"]
    # Another session's token: refused too.
    foreign = session_csrf_token("another-session", TEST_SECRET)
    client.cookies.set(CSRF_COOKIE, foreign, domain="testserver.local")
    response = await client.post("/api/v1/auth/logout", headers={"x-csrftoken": foreign})
    assert response.status_code == 403
    assert (await client.get("/api/v1/me")).status_code == 200
    # The session's own token works.
    own = session_csrf_token(session, TEST_SECRET)
    response = await client.post("/api/v1/auth/logout", headers={"x-csrftoken": own})
    assert response.status_code == 204


async def test_logging_in_hands_out_the_new_sessions_token(client, db):
    await register(client, "anna@example.se")
    client.cookies.clear()
    response = await api_post(client, "/api/v1/auth/login", {"email": "anna@example.se", "password": PASSWORD})
    assert response.status_code == 200
    session = client.cookies["kurssajten_session"]
    assert client.cookies[CSRF_COOKIE] == session_csrf_token(session, TEST_SECRET)
