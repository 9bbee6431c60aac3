"""Guards on every route, login required on every protected path, one participant never sees another's data,
security headers, health and the OpenAPI document."""

import pytest

from coursesite.web import guards
from tests.conftest import api_post, register
from tests.support import correct_response, guard_functions, handlers

PUBLIC_PATHS = {
    "/",
    "/registrera",
    "/logga-in",
    "/logga-ut",
    "/healthz",
    "/readyz",
    "/favicon.ico",
    "/static",
    "/schema",
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/villkor",
    "/api/v1/terms",
    "/intyg",
    "/kontakt",
    "/webbinarium",
    "/anmal-intresse",
    "/e-bok",
    "/nyhetsbrev",
    "/api/v1/forms/contact",
    "/api/v1/forms/ebook",
    "/api/v1/forms/newsletter",
    # consents: the mailed links are the proof, no login (issue 11 §5)
    "/bekrafta-samtycke",
    "/avsluta",
    "/avsluta/bekrafta",
    "/api/v1/consents/confirm",
    "/api/v1/consents/unsubscribe",
    "/api/v1/forms/signup",
    "/api/v1/forms/webinar",
    "/integritetspolicy",
    # the links in the account's mail: the token is the permission (tests/web/test_proven_address.py)
    "/bekrafta-epost",
    "/glomt-losenord",
    "/nytt-losenord",
    "/api/v1/auth/verify-email",
    "/api/v1/auth/password-reset",
    "/api/v1/auth/password-reset/confirm",
    "/bekrafta-begaran",  # the link in a data-subject request's mail is the proof (issue 11 §4)
    "/api/v1/support/requests/confirm",
    "/registerutdrag",
}
PROTECTED_GET_PATHS = [
    "/min-kurs",
    "/lektion/inkomster-och-utgifter",
    "/lektion/inkomster-och-utgifter/resultat",
    "/api/v1/course",
    "/api/v1/me",
    "/api/v1/me/answers",
    "/api/v1/me/progress",
    "/larare/granskning",
    "/larare/statistik",
    "/larare/deltagare",
    "/larare/omrattning",
    "/larare/import",
    "/api/v1/instructor/review-queue",
    "/api/v1/instructor/grades.csv",
    "/mitt-intyg",
    "/api/v1/me/certificate.pdf",
    "/mina-fakturor",
    "/anmalan",
    "/ekonomi",
    "/api/v1/me/invoices",
    "/api/v1/finance/invoices",
    "/personal/nyhetsbrev",
    "/mina-uppgifter",
    "/api/v1/me/data",
    "/personal/behandlingsregister",
]


def test_every_route_has_a_guard(app):
    unguarded = [path for path, handler in handlers(app) if not guard_functions(handler)]
    assert unguarded == []


def test_only_the_public_paths_are_public(app):
    public = set()
    for path, handler in handlers(app):
        if guards.public in guard_functions(handler):
            public.add(path.split("/{")[0].removesuffix("/openapi.json"))
    assert public <= PUBLIC_PATHS, public - PUBLIC_PATHS


@pytest.mark.parametrize("path", PROTECTED_GET_PATHS)
async def test_login_required(client, path):
    response = await client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code in (302, 303)
        assert response.headers["location"].startswith("/logga-in?next=")


async def test_a_participant_never_sees_another_participants_answers(client, course, app):
    from litestar.testing import AsyncTestClient

    lesson = course.acts[0].lessons[0]
    question = lesson.questions[0]
    await register(client, "anna@example.se")
    secret_text_question = next((q for q in lesson.questions if q.type.value in ("short_answer", "numeric")), question)
    await api_post(client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)})
    await api_post(
        client,
        "/api/v1/answers",
        {"question_id": secret_text_question.id, "response": correct_response(secret_text_question)},
    )
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as other:
        await register(other, "bo@example.se", "Bo", "Berg")
        assert (await other.get("/api/v1/me/answers")).json() == []
        assert (await other.get(f"/api/v1/me/answers?lesson={lesson.slug}")).json() == []
        progress = (await other.get("/api/v1/me/progress")).json()
        assert progress["lessons_completed"] == 0
        page = await other.get(f"/lektion/{lesson.slug}")
        assert "Rätt!" not in page.text and "försök 1" not in page.text
        results = await other.get(f"/lektion/{lesson.slug}/resultat")
        assert results.text.count("Inte besvarad") == len(lesson.questions)
        # Answering the same question id starts at attempt 1 for Bo: ids name content, never someone's data.
        reply = await api_post(
            other, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
        )
        assert reply.json()["attempt"] == 1
    mine = (await client.get("/api/v1/me/answers")).json()
    assert len(mine) == 2


async def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/api/v1/course", "/static/css/site.css"):
        response = await client.get(path)
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_pages_load_nothing_from_other_hosts(client, participant, course):
    import re

    for path in ("/", "/min-kurs", f"/lektion/{course.acts[0].lessons[0].slug}", "/registrera"):
        html = (await client.get(path)).text
        assert not re.findall(r'(?:src|href)="(?:https?:)?//', html), path


async def test_static_assets_are_served_locally(client):
    assert (await client.get("/static/vendor/htmx-2.0.8.min.js")).status_code == 200
    assert (await client.get("/static/css/site.css")).status_code == 200


async def test_healthz(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_openapi_describes_the_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/course",
        "/api/v1/answers",
        "/api/v1/me/answers",
        "/api/v1/me/progress",
        "/healthz",
    ):
        assert path in paths


async def test_oversized_body_is_refused(client, participant):
    response = await api_post(client, "/api/v1/answers", {"question_id": "x.y", "response": "a" * 400_000})
    assert response.status_code == 413


async def test_unknown_page_is_a_swedish_404(client):
    response = await client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.text


def test_the_app_refuses_to_start_on_broken_content(tmp_path, settings):
    import dataclasses
    import shutil

    from coursesite.app import create_app
    from coursesite.course.loader import ContentError
    from coursesite.settings import REPO_ROOT

    lessons = tmp_path / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", lessons)
    lesson_file = sorted((lessons / "akt-1").glob("*.md"))[0]
    lesson_file.write_text(lesson_file.read_text(encoding="utf-8").replace("type = ", "typ = ", 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        create_app(dataclasses.replace(settings, lessons_dir=lessons))
    assert lesson_file.name in str(error.value)


async def test_start_up_creates_no_tables(tmp_path, settings):
    """Only `coursesite migrate` makes tables: an app on an empty database starts, and the database stays empty."""
    import dataclasses
    import sqlite3

    from litestar.testing import AsyncTestClient

    from coursesite.app import create_app

    database = tmp_path / "empty.sqlite"
    app = create_app(dataclasses.replace(settings, database_url=f"sqlite:///{database}"))
    try:
        async with AsyncTestClient(app=app) as empty_client:
            assert (await empty_client.get("/healthz")).status_code == 200
        tables = sqlite3.connect(database).execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        assert tables == []
    finally:
        from coursesite.db.engine import build_engine
        from coursesite.db.tables import bind_tables

        bind_tables(build_engine(settings.database))  # give the tables back to the test database
