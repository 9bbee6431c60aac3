"""Route × role, from the app's own route table (issue 13): every route has an expectation in tests/route_access.py
(a new route fails here until it has one), and every role gets exactly that: through the guard where allowed, 401 (or
the login page) without a login, 403 with the wrong role. And one participant never reaches another's data by id."""

from __future__ import annotations

import pytest

from coursesite.web.errors import CSRF_REFUSED, GUARD_REFUSED, LOGIN_NEEDED
from tests.route_access import EXPECTED, ROLES, SESSION_ENDING, credentials, run_order
from tests.support import concrete, handlers

BEARER_REFUSED = "En giltig nyckel för dotterbolaget krävs"  # subsidiary_api.py
SKIPPED_PREFIXES = ("/static", "/schema")  # Litestar's own: the static files and the OpenAPI document, both public


def _routes(app) -> list[tuple[str, str]]:
    found = []
    for path, handler in handlers(app):
        if path.startswith(SKIPPED_PREFIXES):
            continue
        for method in handler.http_methods - {"HEAD", "OPTIONS"}:
            found.append((method, path))
    return found


def test_every_route_has_an_expectation(app):
    routes = set(_routes(app))
    assert sorted(routes - set(EXPECTED)) == [], "routes without an entry in tests/route_access.py: EXPECTED"
    assert sorted(set(EXPECTED) - routes) == [], "entries in tests/route_access.py for routes that no longer exist"


def _status_class(response) -> str:
    """What the guard said, told apart from a service's own 401/403 (a wrong password, a locked lesson) by its words
    (web/errors.py): "401" (or the login page), "403", or "allowed" (the guard let it through)."""
    location = response.headers.get("location", "")
    if response.status_code in (302, 303) and location.startswith("/logga-in?next="):
        return "401"
    if response.status_code == 401 and (LOGIN_NEEDED in response.text or BEARER_REFUSED in response.text):
        return "401"
    if response.status_code == 403 and GUARD_REFUSED in response.text:
        return "403"
    return "allowed"


async def _call(client, method: str, path: str, headers: dict[str, str]):
    url = concrete(path)
    if method == "GET":
        return await client.get(url, headers=headers, follow_redirects=False)
    if url.startswith("/api/"):
        return await client.request(method, url, json={}, headers=headers, follow_redirects=False)
    return await client.request(method, url, data={}, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_gets_exactly_what_the_table_says(role, app, client, db):
    from litestar.testing import AsyncTestClient

    headers = await credentials(role, client)
    if role == "subsidiary":  # a CSRF token too, so that a refusal here is the guard's, not the CSRF check's
        headers |= await credentials("anonymous", client)
    wrong = []
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as bare:  # sends only `headers`
        for method, path in sorted(_routes(app), key=lambda route: run_order(*route)):
            if (method, path) in SESSION_ENDING and role not in ("anonymous", "subsidiary"):
                headers = await credentials(role, client, again=True)  # the one before may have ended the session
            bare.cookies.clear()
            response = await _call(bare, method, path, headers)
            got = _status_class(response)
            if role in EXPECTED[(method, path)].roles:
                expected = "allowed"
            elif role in ("anonymous", "subsidiary") or path.startswith("/api/v1/subsidiary"):
                expected = "401"
            else:
                expected = "403"
            if got != expected:
                wrong.append(f"{method} {path}: expected {expected}, got {response.status_code}")
    assert wrong == []


async def test_a_missing_csrf_token_is_refused_in_its_own_words(client, participant):
    response = await client.post("/api/v1/answers", json={"question_id": "x", "response": 1})
    assert response.status_code == 403
    assert response.json()["detail"] == CSRF_REFUSED


async def test_participant_b_reaches_nothing_of_participant_a_by_id(app, client, course, db):
    """A's answer, invoice, access export and certificate, asked for by B with A's ids: each a 404 (the same as
    something missing), never A's data; and B's own lists stay empty."""
    from litestar.testing import AsyncTestClient

    from coursesite.certificates.codes import new_certificate_code
    from coursesite.core import clock
    from coursesite.db.billing import Certificate
    from tests.conftest import PASSWORD, api_post, login_as_staff
    from tests.support import IDENTITY_CHECKED, enrol, new_case, participant_answers, wrong_response

    question = course.acts[0].lessons[0].questions[0]
    lesson = course.acts[0].lessons[0]
    answer_id = await participant_answers(
        client, course, "anna@example.se", "Anna", question.id, wrong_response(question)
    )
    anna = (await client.get("/api/v1/me")).json()
    await Certificate.insert(
        Certificate(
            account=anna["id"],
            code=new_certificate_code(),
            completed_on=clock.today(),
            holder_short_name="Anna A.",
            issued_at=clock.now(),
        )
    )
    assert (await client.get("/api/v1/me/certificate.pdf")).status_code == 200  # A's own works
    invoice = (await enrol(client, "karin@example.se", first_name="Karin"))["invoice_number"]
    karin = (await client.get("/api/v1/me")).json()
    assert (await client.get(f"/api/v1/me/invoices/{invoice}.pdf")).status_code == 200  # A's own works
    await login_as_staff(client, "customer_service")
    case = await new_case(client, {"kind": "access", "subject": "Registerutdrag", "account_id": karin["id"]})
    confirmed = await api_post(
        client,
        f"/api/v1/support/requests/{case}/confirm-identity",
        {"method": "id_document_at_office", "note": IDENTITY_CHECKED},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert (await api_post(client, f"/api/v1/support/requests/{case}/complete", {"note": "Klart."})).status_code == 200
    client.cookies.clear()
    assert (
        await api_post(client, "/api/v1/auth/login", {"email": "karin@example.se", "password": PASSWORD})
    ).is_success
    assert (await client.get(f"/api/v1/me/exports/{case}")).status_code == 200  # A's own works

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as bo:
        from tests.conftest import register

        await register(bo, "bo@example.se", "Bo", "Berg")
        token = {"x-csrftoken": bo.cookies["csrftoken"]}
        refused = {
            "flag A's answer": await bo.post(f"/api/v1/answers/{answer_id}/flag", json={"reason": "x"}, headers=token),
            "flag A's answer (page)": await bo.post(
                f"/lektion/{lesson.slug}/svar/{answer_id}/omprova", data={"reason": "x"}, headers=token
            ),
            "A's invoice": await bo.get(f"/api/v1/me/invoices/{invoice}.pdf"),
            "A's invoice (page)": await bo.get(f"/mina-fakturor/{invoice}.pdf"),
            "A's export": await bo.get(f"/api/v1/me/exports/{case}"),
            "A's export as PDF": await bo.get(f"/api/v1/me/exports/{case}?format=pdf"),
        }
        assert {what: r.status_code for what, r in refused.items()} == {what: 404 for what in refused}
        # only A has a certificate: B's is refused (not completed), never A's
        assert (await bo.get("/api/v1/me/certificate.pdf")).status_code == 403
        assert (await bo.get("/api/v1/me/answers")).json() == []
        assert (await bo.get("/api/v1/me/invoices")).json() == []
        assert (await bo.get("/api/v1/me/exports")).json() == []
        assert "karin" not in (await bo.get("/api/v1/me/data")).text.lower()
