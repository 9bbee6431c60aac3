"""The instructor's JSON API through the test client with real CSRF: roles, the queue, grades, overrides,
regrades, and the participant's flag."""

from decimal import Decimal

import pytest

from coursesite.accounts.roles import Role
from tests.conftest import api_post, csrf_token, login_as_staff, register
from tests.support import concrete, guard_functions, handlers, open_every_lesson

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"
MONTHLY = "inkomster-och-utgifter.arskostnad-per-manad"


def staff_only_routes(app):
    """Every route whose guard admits instructors and admins only, with its methods."""
    for path, handler in handlers(app):
        names = [getattr(guard, "__name__", "") for guard in guard_functions(handler)]
        if "roles(instructor, admin)" in names:
            for method in sorted(handler.http_methods):
                yield method, path


def test_the_instructor_routes_are_found(app):
    found = {path for _, path in staff_only_routes(app)}
    assert {
        "/api/v1/instructor/review-queue",
        "/api/v1/instructor/answers/{answer_id:int}/grade",
        "/api/v1/instructor/answers/{answer_id:int}/override",
        "/api/v1/instructor/lessons/{slug:str}/regrade",
    } <= found


@pytest.mark.parametrize("role", ["participant", "finance", "customer_service"])
async def test_every_instructor_route_is_403_for_other_roles(app, client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, role)
    token = await csrf_token(client)
    refused = []
    for method, path in staff_only_routes(app):
        response = await client.request(method, concrete(path), headers={"x-csrftoken": token}, json={})
        if response.status_code != 403:
            refused.append((method, path, response.status_code))
    assert refused == []


async def test_grade_an_essay_through_the_api_and_the_participant_sees_it(app, client, course):
    participant = await register(client, "essa@example.se", "Essa")
    await open_every_lesson(participant["id"], course)
    answered = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": "Avgifter kostar."})
    assert answered.status_code == 201 and answered.json()["status"] == "pending_review"
    answer_id = answered.json()["id"]
    participant_cookies = dict(client.cookies)

    await login_as_staff(client, "instructor")
    queue = (await client.get("/api/v1/instructor/review-queue")).json()
    assert [(item["answer_id"], item["reason"], item["participant"]) for item in queue] == [
        (answer_id, "essay", "Essa Andersson")
    ]
    anonymous = (await client.get("/api/v1/instructor/review-queue?anonymous=true")).json()
    assert anonymous[0]["participant"].startswith("Deltagare ") and anonymous[0]["account_id"] is None

    rubric = course.find_question(ESSAY)[1].rubric
    body = {"criteria": {rubric[0].id: 2, rubric[1].id: "1.5", rubric[2].id: 0}, "comment": "Bra början."}
    graded = await api_post(client, f"/api/v1/instructor/answers/{answer_id}/grade", body)
    assert graded.status_code == 200, graded.text
    result = graded.json()
    assert Decimal(str(result["score"])) == Decimal("3.5")
    assert result["status"] == "graded" and result["comment"] == "Bra början."
    assert [(e["kind"], e["new_score"]) for e in result["history"]] == [("manual_grade", "3.5")]
    assert (await client.get("/api/v1/instructor/review-queue")).json() == []

    # Grading it again is an override, with a reason.
    again = await api_post(client, f"/api/v1/instructor/answers/{answer_id}/grade", body)
    assert again.status_code == 409
    no_reason = await api_post(client, f"/api/v1/instructor/answers/{answer_id}/override", {"score": 4, "reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    overridden = await api_post(
        client, f"/api/v1/instructor/answers/{answer_id}/override", {"score": "4", "reason": "Missade ett kriterium."}
    )
    assert overridden.status_code == 200
    assert [e["kind"] for e in overridden.json()["history"]] == ["manual_grade", "override"]
    assert overridden.json()["history"][1]["old_score"] == "3.5"

    client.cookies.clear()
    client.cookies.update(participant_cookies)
    [mine] = (await client.get("/api/v1/me/answers?lesson=indexfonder-och-avgifter")).json()
    assert mine["graded_by_person"] is True and mine["graded_at"]
    assert Decimal(str(mine["score"])) == 4 and mine["comment"] == "Missade ett kriterium."


async def test_the_participant_flags_only_their_own_answer(app, client):
    await register(client, "agare@example.se")
    answered = await api_post(client, "/api/v1/answers", {"question_id": MONTHLY, "response": "6900"})
    answer_id = answered.json()["id"]
    assert (await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": ""})).status_code == 400
    flagged = await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": "Otydlig fråga"})
    assert flagged.status_code == 201 and flagged.json() == {"answer_id": answer_id, "status": "flagged"}
    assert (await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": "Igen"})).status_code == 409
    too_long = await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": "x" * 1001})
    assert too_long.status_code == 400

    client.cookies.clear()
    await register(client, "annan@example.se")
    assert (await api_post(client, f"/api/v1/answers/{answer_id}/flag", {"reason": "Inte min"})).status_code == 404

    await login_as_staff(client, "instructor")
    [item] = (await client.get("/api/v1/instructor/review-queue")).json()
    assert (item["answer_id"], item["reason"], item["flag_reason"]) == (answer_id, "flag", "Otydlig fråga")


async def test_regrade_api_dry_run_and_bad_bodies(app, client):
    await login_as_staff(client, "instructor")
    url = "/api/v1/instructor/lessons/inkomster-och-utgifter/regrade"
    dry = await api_post(client, url, {"mode": "both"})
    assert dry.status_code == 200, dry.text
    assert dry.json() | {"participants": []} == {
        "lesson": "inkomster-och-utgifter",
        "mode": "both",
        "dry_run": True,
        "outdated_attempts": 0,
        "kept_manual": 0,
        "changed_attempts": 0,
        "questions": [],
        "participants": [],
        "regrade_id": None,
    }
    assert (await api_post(client, url, {"mode": "everything"})).status_code == 400
    assert (await api_post(client, url, {"mode": "both", "extra": 1})).status_code == 400
    assert (
        await api_post(client, "/api/v1/instructor/lessons/finns-inte/regrade", {"mode": "both"})
    ).status_code == 404
    assert (await client.get("/api/v1/instructor/review-queue?limit=100000")).status_code == 400


async def test_unsafe_instructor_calls_need_the_csrf_token(client):
    await login_as_staff(client, "instructor")
    response = await client.post("/api/v1/instructor/answers/1/override", json={"score": 1, "reason": "x"})
    assert response.status_code == 403


async def test_admin_may_use_the_instructor_api(client):
    await login_as_staff(client, Role.ADMIN.value)
    assert (await client.get("/api/v1/instructor/review-queue")).status_code == 200
