"""A worker that is full turns requests away (core/turns.py, web/busy.py): a 503 with Retry-After, as JSON under /api
and as a Swedish page elsewhere, with the headers every response has, logged and counted; nothing of the request is
done or stored. The health checks answer regardless."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest
from prometheus_client import REGISTRY

from coursesite.asgi import served
from coursesite.ops.logs import REQUEST_LOGGER
from coursesite.ops.requests import TURNED_AWAY
from coursesite.web.busy import BUSY_MESSAGE
from tests.conftest import register
from tests.support import correct_response, open_every_lesson

pytestmark = pytest.mark.db


@pytest.fixture
async def full(app, settings):
    """The app as a worker serves it with one turn and a 50 ms bound, and that one turn held by the test."""
    worker = served(app, dataclasses.replace(settings, requests_at_once=1, turn_wait_ms=50))
    await worker.turns.take()
    yield worker
    worker.turns.give_back()


def turned_away_count() -> float:
    total = 0.0
    for method in ("GET", "POST"):
        labels = {"method": method, "route": TURNED_AWAY, "status": "503"}
        total += REGISTRY.get_sample_value("coursesite_http_requests_total", labels) or 0.0
    return total


async def test_a_full_worker_turns_requests_away_and_does_none_of_their_work(client, full, course, services, caplog):
    account = await register(client, email="full@example.se")
    await open_every_lesson(account["id"], course)
    lesson = course.acts[0].lessons[0]
    question = lesson.questions[0]
    counted_before = turned_away_count()
    transport = httpx.ASGITransport(app=full)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", cookies=client.cookies) as c:
        with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
            logged_before = len(caplog.records)
            page = await c.get(f"/lektion/{lesson.slug}")
            answer = await c.post(
                "/api/v1/answers",
                json={"question_id": question.id, "response": correct_response(question)},
                headers={"x-csrftoken": client.cookies["csrftoken"]},
            )
            form = await c.post("/logga-in", data={"email": "full@example.se", "password": "fel"})
            health = await c.get("/healthz")

    assert page.status_code == 503 and page.headers["retry-after"] == "1"  # the 50 ms bound, in whole seconds
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Fullt just nu" in page.text and BUSY_MESSAGE in page.text and "Ladda om sidan" in page.text
    assert "skicka det igen" not in page.text  # a page, not a form: nothing was sent
    for response in (page, answer, form):  # the headers of every response, and no cache of any of it
        assert response.headers["cache-control"] == "private, no-store"
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY" and len(response.headers["x-request-id"]) == 32

    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert answer.json() == {"status_code": 503, "detail": BUSY_MESSAGE}
    assert await services.answers.answers(account["id"]) == []  # nothing graded, nothing stored

    assert form.status_code == 503 and "skicka det igen" in form.text  # a form's sender is told how to send it again
    assert health.status_code == 200 and health.json() == {"status": "ok"}  # takes no turn

    lines = [record for record in caplog.records[logged_before:] if record.name == REQUEST_LOGGER]
    assert [(line.method, line.route, line.status) for line in lines] == [
        ("GET", TURNED_AWAY, 503),
        ("POST", TURNED_AWAY, 503),
        ("POST", TURNED_AWAY, 503),
        ("GET", "/healthz", 200),
    ]
    assert all(line.queued_ms >= 50 for line in lines[:3])
    logged = "".join(record.getMessage() + str(record.__dict__) for record in lines)
    assert "full@example.se" not in logged and lesson.slug not in logged  # the route, never the path
    assert turned_away_count() == counted_before + 3


async def test_once_the_turn_is_free_the_same_requests_are_served(client, app, settings, course):
    account = await register(client, email="free@example.se")
    await open_every_lesson(account["id"], course)
    lesson = course.acts[0].lessons[0]
    worker = served(app, dataclasses.replace(settings, requests_at_once=1, turn_wait_ms=50))
    transport = httpx.ASGITransport(app=worker)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", cookies=client.cookies) as c:
        page = await c.get(f"/lektion/{lesson.slug}")
    assert page.status_code == 200 and lesson.title in page.text
    assert worker.turns.in_progress == 0 and not worker.turns.waiting
