"""Technical data (policy §3) on both engines: page views recorded in batches, never making a request wait."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from coursesite.core import clock
from coursesite.db.privacy import PageView
from coursesite.privacy import pageviews as pageviews_module
from coursesite.privacy.pageviews import PageViewRecorder, TechnicalDataConfig
from coursesite.privacy.retention import RetentionPolicy, run_retention
from tests.support import TEST_CATALOGUE

RECORDED_COLUMNS = {"path", "viewed_at", "user_agent", "accept_language", "ip_address"}


@pytest.fixture(autouse=True)
def restore_clock():
    yield
    clock.set_now(None)


@pytest.fixture
def recorder(services):
    """The app's recorder, with the background flush slowed down so a test decides when rows are stored."""
    pageviews = services.pageviews
    configured, pageviews.flush_seconds = pageviews.flush_seconds, 3600
    yield pageviews
    pageviews.flush_seconds = configured


async def asgi_get(
    app,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    client: tuple[str, int] | None = ("203.0.113.77", 51000),
) -> int:
    """A GET straight through the app's ASGI callable, with a chosen client address (the test client's is
    'testclient'). Returns the status."""
    raw_headers = [(b"host", b"testserver.local")] + [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in (headers or {}).items()
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": client,
        "server": ("testserver.local", 80),
        "state": {},
    }
    status: list[int] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def stored() -> list[dict]:
    return await PageView.select().order_by(PageView.id)


async def test_clause_technical_data_records_exactly_path_time_user_agent_language_and_ip(app, recorder):
    moment = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
    clock.set_now(lambda: moment)
    headers = {
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
        "accept-language": "sv-SE,sv;q=0.9",
        "cookie": "kurssajten_session=nothing",
        "referer": "https://example.com/?email=anna@example.se",
    }
    assert await asgi_get(app, "/villkor", query="email=anna%40example.se&q=hemligt", headers=headers) == 200

    assert recorder.pending == 1
    await recorder.flush()
    [row] = await stored()
    assert {
        column for column, value in row.items() if value not in (None, False) and column != "id"
    } == RECORDED_COLUMNS
    assert row["path"] == "/villkor"  # the query string (which could carry personal data) is never kept
    assert row["viewed_at"] == moment
    assert row["user_agent"] == headers["user-agent"]
    assert row["accept_language"] == "sv-SE,sv;q=0.9"
    assert row["ip_address"] == "203.0.113.77"
    assert row["ip_truncated"] is False and row["account"] is None  # never tied to an account


async def test_requests_never_wait_on_the_database(recorder, client):
    response = await client.get("/?utm_source=nyhetsbrev", headers={"user-agent": "TestBrowser/1.0"})
    assert response.status_code == 200
    # Answered, and the page view only sits in the buffer: the request made no insert.
    assert recorder.pending == 1
    assert await PageView.count() == 0
    assert await recorder.flush() == 1
    [row] = await stored()
    assert row["path"] == "/" and row["user_agent"] == "TestBrowser/1.0"
    assert row["ip_address"] is None  # the test client's address is 'testclient', not an IP address: not kept


async def test_static_api_health_schema_and_non_pages_are_not_recorded(recorder, client):
    for path in ("/static/htmx.min.js", "/static/nope.css", "/api/v1/terms", "/healthz", "/schema/openapi.json"):
        await client.get(path)
    await client.get("/finns-inte")  # 404: not a page visited
    await client.head("/")
    await client.post("/logga-in", data={})
    await client.get("/logga-in")  # a page
    await recorder.flush()
    assert [row["path"] for row in await stored()] == ["/logga-in"]


async def test_long_or_odd_values_are_bounded(app, recorder):
    status = await asgi_get(app, "/" + "a" * 2000, headers={"user-agent": "x" * 5000, "accept-language": "sv" * 500})
    assert status == 404
    await asgi_get(app, "/", headers={"user-agent": "Bot\x00\x01/1" + "y" * 600, "accept-language": "sv;" * 100})
    await recorder.flush()
    [row] = await stored()
    # The one free-text rule refuses both (control characters; too long): not stored at all, never partly stripped.
    assert row["user_agent"] is None and row["accept_language"] is None


REFUSED_HEADERS = [
    "Bot\x00/1",  # NUL: PostgreSQL would refuse the whole batch
    "Bot\x01/1",
    "Bot\xe2\x80\xae/1",  # a bidi override sent as UTF-8
    "x" * 501,
    "Bot/1 (20000101-2384)",  # a personnummer
]


@pytest.mark.parametrize("value", REFUSED_HEADERS, ids=["nul", "control", "bidi", "too-long", "personnummer"])
async def test_a_header_the_text_rule_refuses_is_stored_as_null_and_the_page_is_served(app, recorder, value):
    status = await asgi_get(app, "/", headers={"user-agent": value, "accept-language": value})
    assert status == 200
    await asgi_get(app, "/logga-in", headers={"user-agent": "TestBrowser/1.0", "accept-language": "sv-SE,sv;q=0.9"})
    await recorder.flush()
    refused, accepted = await stored()
    assert (refused["path"], refused["user_agent"], refused["accept_language"]) == ("/", None, None)
    assert refused["ip_address"] == "203.0.113.77"
    assert (accepted["user_agent"], accepted["accept_language"]) == ("TestBrowser/1.0", "sv-SE,sv;q=0.9")


async def test_the_background_task_flushes_on_batch_size_and_on_shutdown(db):
    pageviews = PageViewRecorder(TechnicalDataConfig(batch_rows=3, flush_seconds=3600))
    await pageviews.start()
    for n in range(3):
        pageviews.record(path=f"/sida/{n}", user_agent=None, accept_language=None, ip_address="198.51.100.1")
    for _ in range(200):  # the batch wakes the task at once, long before the interval
        if await PageView.count() == 3:
            break
        await asyncio.sleep(0.01)
    assert await PageView.count() == 3 and pageviews.pending == 0
    pageviews.record(path="/sist", user_agent=None, accept_language=None, ip_address=None)
    await pageviews.stop()
    assert await PageView.count() == 4


async def test_the_app_stores_what_is_buffered_when_it_shuts_down(app, recorder):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        assert (await client.get("/villkor")).status_code == 200
        assert await PageView.count() == 0
    assert [row["path"] for row in await stored()] == ["/villkor"]


async def test_a_failed_insert_keeps_the_rows_and_logs_no_data(db, monkeypatch, caplog):
    pageviews = PageViewRecorder()
    pageviews.record(path="/hemlig-sida", user_agent="UA", accept_language=None, ip_address="203.0.113.5")

    async def broken(*args):
        raise RuntimeError("database is down: 203.0.113.5")

    monkeypatch.setattr(pageviews_module, "execute_many", broken)  # SQLite's way
    monkeypatch.setattr(pageviews_module, "fetch", broken)  # PostgreSQL's
    assert await pageviews.flush() == 0
    assert pageviews.pending == 1
    assert "203.0.113.5" not in caplog.text and "/hemlig-sida" not in caplog.text
    monkeypatch.undo()
    assert await pageviews.flush() == 1


async def test_clause_technical_data_ip_truncated_after_7_days_and_deleted_after_13_months(app, db, recorder):
    start = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    clock.set_now(lambda: start)
    await asgi_get(app, "/", client=("203.0.113.77", 1))
    await asgi_get(app, "/villkor", client=("2001:db8:85a3:8d3:1319:8a2e:370:7348", 1))
    await recorder.flush()

    clock.set_now(lambda: start + timedelta(days=7))  # exactly 7 days: not yet
    report = await run_retention(db, RetentionPolicy(), catalogue=TEST_CATALOGUE)
    assert report.get("page_view", "IP addresses truncated") == 0
    assert {row["ip_address"] for row in await stored()} == {"203.0.113.77", "2001:db8:85a3:8d3:1319:8a2e:370:7348"}

    clock.set_now(lambda: start + timedelta(days=7, seconds=1))
    report = await run_retention(db, RetentionPolicy(), catalogue=TEST_CATALOGUE)
    assert report.get("page_view", "IP addresses truncated") == 2
    rows = await stored()
    assert [(row["ip_address"], row["ip_truncated"]) for row in rows] == [
        ("203.0.113.0", True),
        ("2001:db8:85a3::", True),
    ]
    assert [row["path"] for row in rows] == ["/", "/villkor"]  # the rest of the page view stays

    clock.set_now(lambda: datetime(2027, 2, 10, 9, 0, tzinfo=UTC))  # exactly 13 months: still kept
    assert (await run_retention(db, RetentionPolicy(), catalogue=TEST_CATALOGUE)).get("page_view") == 0
    assert await PageView.count() == 2
    clock.set_now(lambda: datetime(2027, 2, 10, 9, 0, 1, tzinfo=UTC))
    assert (await run_retention(db, RetentionPolicy(), catalogue=TEST_CATALOGUE)).get("page_view") == 2
    assert await PageView.count() == 0


async def test_two_clients_of_one_app_each_stop_their_own_flush(app, recorder):
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as first:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as second:  # a loop of its own
            await first.get("/")
            await second.get("/villkor")
        await first.get("/logga-in")
    assert sorted(row["path"] for row in await stored()) == ["/", "/logga-in", "/villkor"]
