"""/metrics (issue 16 §5): the Prometheus text format, counters that move, who may read it."""

from __future__ import annotations

import dataclasses
import os

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import api_post, register
from tests.support import correct_response, from_address, open_every_lesson

TOKEN = "metrics-token-for-tests-0123456789"


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition (parsing it proves the format), keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(app, client) -> dict:
    with from_address(app, "127.0.0.1"):
        response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return samples(response.text)


async def test_the_counters_move_after_requests(app, client, course):
    before = await scrape(app, client)
    for _ in range(3):
        assert (await client.get("/")).status_code == 200
    assert (await client.get("/finns-inte/123")).status_code == 404
    assert (await client.request("BREW", "/")).status_code in (404, 405)
    account = await register(client, email="mio@example.se")
    await open_every_lesson(account["id"], course)
    question = course.acts[0].lessons[0].questions[0]
    answer = {"question_id": question.id, "response": correct_response(question)}
    assert (await api_post(client, "/api/v1/answers", answer)).status_code == 201
    after = await scrape(app, client)

    requests = "coursesite_http_requests_total"
    assert value(after, requests, method="GET", route="/", status="200") >= (
        value(before, requests, method="GET", route="/", status="200") + 3
    )
    assert value(after, requests, method="GET", route="(ingen route)", status="404") == (
        value(before, requests, method="GET", route="(ingen route)", status="404") + 1
    )
    latency = "coursesite_http_request_duration_seconds_count"
    assert value(after, latency, method="POST", route="/api/v1/answers", status="201") == (
        value(before, latency, method="POST", route="/api/v1/answers", status="201") + 1
    )
    graded = "coursesite_answers_graded_total"
    assert value(after, graded, question_type=question.type.value, status="graded") == (
        value(before, graded, question_type=question.type.value, status="graded") + 1
    )
    assert (
        value(after, requests, method="OTHER", route="(ingen route)", status="405")
        + value(after, requests, method="OTHER", route="(ingen route)", status="404")
        >= 1
    )  # an invented method is no label of its own
    assert not any(dict(labels).get("method") == "BREW" for (_, labels) in after)
    # the routes are templates: no raw path, no id
    routes = {dict(labels).get("route") for (name, labels) in after if name == requests}
    assert "/finns-inte/123" not in routes
    # read at scrape time: the outbox, the page-view buffer (the pool only on PostgreSQL)
    assert ("coursesite_mail_pending_messages", frozenset()) in after
    assert ("coursesite_mail_failed_messages", frozenset()) in after
    assert ("coursesite_pageview_buffer_rows", frozenset()) in after
    if os.environ.get("COURSESITE_TEST_ENGINE") == "postgres":  # the asyncpg pool; SQLite has none
        assert after[("coursesite_db_pool_max_connections", frozenset())] >= 1
        assert after[("coursesite_db_pool_connections", frozenset())] >= 1


async def test_only_the_allowed_addresses_read_it(app, client):
    with from_address(app, "198.51.100.23"):
        refused = await client.get("/metrics")
        with_a_token_nobody_set = await client.get("/metrics", headers={"authorization": "Bearer "})
    assert refused.status_code == with_a_token_nobody_set.status_code == 404
    assert "coursesite_" not in refused.text
    with from_address(app, "::1"):
        assert (await client.get("/metrics")).status_code == 200
    # the test client's own peer is no address at all
    assert (await client.get("/metrics")).status_code == 404


class TestTheSettingsDecide:
    @pytest.fixture
    def settings(self, settings):
        """A site that lets 203.0.113.0/24 and the bearer of TOKEN read /metrics, and no longer 127.0.0.1."""
        return dataclasses.replace(settings, metrics_allow=("203.0.113.0/24",), metrics_token=TOKEN)

    async def test_the_allow_list_and_the_token(self, app, client):
        with from_address(app, "203.0.113.9"):
            assert (await client.get("/metrics")).status_code == 200
        with from_address(app, "127.0.0.1"):
            assert (await client.get("/metrics")).status_code == 404
        with from_address(app, "198.51.100.23"):
            bearer = {"authorization": f"Bearer {TOKEN}"}
            assert (await client.get("/metrics", headers=bearer)).status_code == 200
            for wrong in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN):
                assert (await client.get("/metrics", headers={"authorization": wrong})).status_code == 404


async def test_it_is_not_in_the_public_schema(client):
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/metrics" not in schema.json()["paths"]
