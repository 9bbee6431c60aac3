"""The subsidiary API over HTTP: bearer tokens only (no session, no CSRF), exactly the allow-list, restricted people
absent, 401 with `WWW-Authenticate: Bearer` for a missing, wrong or revoked token, notices acknowledged, and the
OpenAPI document describing the bearer scheme."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from coursesite.db.privacy import AccountPrivacy, Disclosure, DisclosureSubject, Person, RecipientNotice
from coursesite.privacy.sharing import allowed_fields
from coursesite.subsidiaries import service as subsidiaries
from coursesite.web.controllers import subsidiary_api
from tests.conftest import api_post, login_as_staff, register
from tests.support import confirmation_tokens, enrol, post_form

PARTICIPANTS = "/api/v1/subsidiary/participants"
NOTICES = "/api/v1/subsidiary/notices"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class Program:
    """The test client without any cookie (no session, no CSRF token), as a subsidiary's program calls."""

    def __init__(self, client) -> None:
        self.client = client

    async def request(self, method: str, path: str, **kwargs):
        self.client.cookies.clear()
        return await self.client.request(method, path, **kwargs)

    async def get(self, path: str, **kwargs):
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs):
        return await self.request("POST", path, **kwargs)


@pytest.fixture
def program(client):
    return Program(client)


@pytest.fixture
async def token(db):
    return (await subsidiaries.add_subsidiary("Kursplattformen AB", "course_site"))[1]


async def test_clause_subsidiaries_receive_exactly_the_allow_list(client, program, token):
    anna = await register(client, "anna@example.se", "Anna")
    bo = await register(client, "bo@example.se", "Bo", enrolled=False)
    response = await program.get(PARTICIPANTS, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"participants", "next_after"} and body["next_after"] is None
    assert [set(item) for item in body["participants"]] == [set(allowed_fields("course_site"))]
    assert body["participants"][0] == {
        "account.id": anna["id"],
        "account.first_name": "Anna",
        "account.email": "anna@example.se",
        "enrollment.status": "enrolled",
        "lesson_progress.course_percent": 0,
    }
    assert bo["id"] not in [item["account.id"] for item in body["participants"]]  # never enrolled: by need
    assert "Andersson" not in response.text  # the last name is not on the course-site list


async def test_clause_a_participant_credited_in_full_leaves_the_course_platform(client, program, token):
    anna = await enrol(client, "anna@example.se")  # the real enrolment, with its invoice
    bo = await enrol(client, "bo@example.se", first_name="Bo")
    cecilia = await enrol(client, "cecilia@example.se", first_name="Cecilia")
    await register(client, "david@example.se", "David", enrolled=False)  # an account, never enrolled
    await login_as_staff(client, "finance")
    whole = await post_form(
        client, f"/ekonomi/faktura/{bo['invoice_number']}/kreditera", {"mode": "whole", "reason": "Avbokad i tid"}
    )
    assert whole.status_code == 303
    part = await api_post(
        client,
        f"/api/v1/finance/invoices/{cecilia['invoice_number']}/credit",
        {"amount_ore": 10_000, "reason": "Rabatt"},
    )
    assert part.status_code in (200, 201), part.text

    body = (await program.get(PARTICIPANTS, headers=bearer(token))).json()

    names = [item["account.first_name"] for item in body["participants"]]
    assert names == ["Anna", "Cecilia"]  # Bo credited in full and David never enrolled are out
    assert anna["invoice_number"] != bo["invoice_number"]


async def test_a_restricted_person_is_absent_and_the_disclosure_is_logged(client, program, token):
    anna = await register(client, "anna@example.se", "Anna")
    bo = await register(client, "bo@example.se", "Bo")
    await AccountPrivacy.insert(AccountPrivacy(account=bo["id"], restricted_at=NOW, updated_at=NOW))
    body = (await program.get(PARTICIPANTS, headers=bearer(token))).json()
    assert [item["account.id"] for item in body["participants"]] == [anna["id"]]
    [disclosure] = await Disclosure.select(Disclosure.recipient, Disclosure.people, Disclosure.purpose)
    assert disclosure == {"recipient": "Kursplattformen AB", "people": 1, "purpose": "course_site"}
    assert [row["account"] for row in await DisclosureSubject.select(DisclosureSubject.account)] == [anna["id"]]


async def test_the_webinar_token_gets_webinar_registrants_with_its_allow_list(client, program, db):
    await register(client, "anna@example.se", "Anna")  # a participant without a registration is not shared
    registered = await api_post(
        client,
        "/api/v1/forms/webinar",
        {
            "first_name": "Wilma",
            "last_name": "Webb",
            "email": "wilma@example.se",
            "mobile": "070-123 45 67",
            "webinar": "budget-pa-en-timme",
        },
    )
    assert registered.status_code == 201, registered.text
    (token,) = await confirmation_tokens("wilma@example.se")  # the link in the confirmation mail (double opt-in)
    assert (await api_post(client, "/api/v1/consents/confirm", {"token": token})).status_code == 204
    [wilma] = await Person.select(Person.id).where(Person.email == "wilma@example.se")
    _, webinar_token = await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar")
    response = await program.get(PARTICIPANTS, headers=bearer(webinar_token))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "participants": [
            {
                "person.id": wilma["id"],
                "person.first_name": "Wilma",
                "person.last_name": "Webb",
                "person.email": "wilma@example.se",
                "person.mobile": "+46701234567",
                "form_submission.details": ["budget-pa-en-timme"],
            }
        ],
        "next_after": None,
    }
    assert [row["person"] for row in await DisclosureSubject.select(DisclosureSubject.person)] == [wilma["id"]]


async def test_pages_with_limit_and_after(client, program, token):
    people = [await register(client, f"p{n}@example.se", f"P{n}") for n in range(3)]
    first = (await program.get(PARTICIPANTS, params={"limit": 2}, headers=bearer(token))).json()
    assert [p["account.id"] for p in first["participants"]] == [people[0]["id"], people[1]["id"]]
    second = (
        await program.get(PARTICIPANTS, params={"limit": 2, "after": first["next_after"]}, headers=bearer(token))
    ).json()
    assert [p["account.id"] for p in second["participants"]] == [people[2]["id"]] and second["next_after"] is None
    for params in ({"limit": 0}, {"limit": 501}, {"after": -1}, {"after": 2**31}, {"limit": "many"}):
        assert (await program.get(PARTICIPANTS, params=params, headers=bearer(token))).status_code == 400, params


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer"},
        {"authorization": "Bearer fel-nyckel"},
        {"authorization": "Basic a2FsbGU6aGVtbGln"},
        {"authorization": "Bearer " + "x" * 5000},
    ],
)
async def test_401_without_a_valid_token(program, token, headers):
    for method, path in (("GET", PARTICIPANTS), ("GET", NOTICES), ("POST", f"{NOTICES}/1/acknowledge")):
        response = await program.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "participants" not in response.json()


async def test_401_for_a_revoked_token(program, token):
    assert (await program.get(PARTICIPANTS, headers=bearer(token))).status_code == 200
    await subsidiaries.revoke_subsidiary("Kursplattformen AB", "course_site")
    response = await program.get(PARTICIPANTS, headers=bearer(token))
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


async def test_a_logged_in_session_is_not_a_token(client, token):
    """Even an admin's browser session gets nothing here: only the bearer token counts."""
    from tests.conftest import login_as_staff

    await login_as_staff(client, "admin")
    assert (await client.get(PARTICIPANTS)).status_code == 401
    assert (await client.get(NOTICES)).status_code == 401


async def test_notices_are_listed_and_acknowledged_once_without_csrf(program, token):
    mine = (await subsidiaries.list_subsidiaries())[0]
    _, other_token = await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar")
    other = next(s for s in await subsidiaries.list_subsidiaries() if s.purpose == "webinar")
    ids = []
    for subsidiary_id, kind, changes in (
        (mine.id, "rectification", {"account.email": "annie@example.se"}),
        (mine.id, "erasure", []),
        (other.id, "erasure", []),
    ):
        rows = await RecipientNotice.insert(
            RecipientNotice(
                subsidiary=subsidiary_id, kind=kind, subject_ref="7", changes=json.dumps(changes), created_at=NOW
            )
        )
        ids.append(rows[0]["id"])
    body = (await program.get(NOTICES, headers=bearer(token))).json()
    assert [(n["id"], n["kind"], n["subject_ref"], n["changes"]) for n in body["notices"]] == [
        (ids[0], "rectification", "7", {"account.email": "annie@example.se"}),
        (ids[1], "erasure", "7", []),
    ]
    assert all(n["created_at"].startswith("2026-03-02") for n in body["notices"])
    # A program sends no CSRF cookie or header: the bearer token is the proof.
    assert (await program.post(f"{NOTICES}/{ids[0]}/acknowledge", headers=bearer(token))).status_code == 204
    assert (await program.post(f"{NOTICES}/{ids[0]}/acknowledge", headers=bearer(token))).status_code == 204
    assert [n["id"] for n in (await program.get(NOTICES, headers=bearer(token))).json()["notices"]] == [ids[1]]
    assert (await program.post(f"{NOTICES}/{ids[2]}/acknowledge", headers=bearer(token))).status_code == 404
    assert (await program.post(f"{NOTICES}/999999/acknowledge", headers=bearer(token))).status_code == 404
    assert [n["id"] for n in (await program.get(NOTICES, headers=bearer(other_token))).json()["notices"]] == [ids[2]]


def test_every_subsidiary_route_is_guarded_by_the_token(app):
    routes = [
        (route.path, handler)
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if route.path.startswith("/api/v1/subsidiary") and getattr(handler, "http_methods", None) != {"OPTIONS"}
    ]
    assert len(routes) == 3
    for path, handler in routes:
        guards = [guard for layer in handler.ownership_layers for guard in (layer.guards or ())]
        assert guards == [subsidiary_api.subsidiary_token], path


async def test_openapi_describes_the_subsidiary_api_with_a_bearer_scheme(client):
    schema = (await client.get("/schema/openapi.json")).json()
    scheme = schema["components"]["securitySchemes"][subsidiary_api.SECURITY_SCHEME_NAME]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, method in ((PARTICIPANTS, "get"), (NOTICES, "get"), (NOTICES + "/{notice_id}/acknowledge", "post")):
        operation = schema["paths"][path][method]
        assert operation["security"] == [{subsidiary_api.SECURITY_SCHEME_NAME: []}], path
