"""Requests take turns (core/turns.py): at most `limit` in progress, the rest in arrival order; a turn is given back
when the response starts, when the request fails, when it steps aside for a long wait elsewhere, and when a waiting
client goes away."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar

from coursesite.asgi import largest_body, served
from coursesite.core.turns import Admission, Turns, step_aside
from coursesite.settings import DEFAULT_REQUESTS_AT_ONCE, ConfigError, Settings


class Recorder:
    """An ASGI app whose requests wait for the test to release them, one gate per path."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.gates: dict[str, asyncio.Event] = {}

    def gate(self, path: str) -> asyncio.Event:
        return self.gates.setdefault(path, asyncio.Event())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            self.started.append("lifespan")
            return
        path = scope["path"]
        self.started.append(path)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            if path.startswith("/stream"):
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await self.gate(path).wait()
                await send({"type": "http.response.body", "body": b"end"})
                return
            if path.startswith("/aside"):
                async with step_aside():
                    await self.gate(path).wait()
                self.started.append(path + " back")
                return
            await self.gate(path).wait()
            if path.startswith("/fail"):
                raise RuntimeError("handler failed")
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.running -= 1


async def sent(message: dict[str, Any]) -> None:
    return None


async def nothing() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


def request(admission: Admission, path: str) -> asyncio.Task[None]:
    return asyncio.create_task(admission({"type": "http", "path": path}, nothing, sent))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_at_most_the_limit_run_and_the_rest_start_in_arrival_order():
    app = Recorder()
    admission = Admission(app, limit=2, body_limit=100)
    tasks = [request(admission, f"/p{i}") for i in range(5)]
    await settle()
    assert app.started == ["/p0", "/p1"] and len(admission.turns.waiting) == 3
    for i in (1, 0, 2, 3, 4):  # out of order: whoever finishes, the longest waiting goes next
        app.gate(f"/p{i}").set()
        await settle()
    await asyncio.gather(*tasks)
    assert app.started == ["/p0", "/p1", "/p2", "/p3", "/p4"] and app.most_at_once == 2
    assert admission.turns.in_progress == 0 and not admission.turns.waiting


async def test_a_request_gives_its_turn_back_when_its_response_starts():
    app = Recorder()
    admission = Admission(app, limit=1, body_limit=100)
    stream, after = request(admission, "/stream"), request(admission, "/after")
    await settle()
    assert app.started == ["/stream", "/after"]  # the stream's body is still to come
    app.gate("/after").set()
    await after
    app.gate("/stream").set()
    await stream
    assert admission.turns.in_progress == 0


async def test_a_failing_request_gives_its_turn_back():
    app = Recorder()
    admission = Admission(app, limit=1, body_limit=100)
    failing, next_one = request(admission, "/fail"), request(admission, "/next")
    app.gate("/fail").set()
    app.gate("/next").set()
    with pytest.raises(RuntimeError, match="handler failed"):
        await failing
    await next_one
    assert app.started == ["/fail", "/next"] and admission.turns.in_progress == 0


async def test_a_request_that_steps_aside_lets_the_next_run_and_queues_to_come_back():
    app = Recorder()
    admission = Admission(app, limit=1, body_limit=100)
    aside, second, third = request(admission, "/aside"), request(admission, "/second"), request(admission, "/third")
    await settle()
    assert app.started == ["/aside", "/second"]  # /aside waits elsewhere; /second has its turn
    app.gate("/aside").set()
    await settle()
    assert "/aside back" not in app.started  # back in the queue, behind /third
    app.gate("/second").set()
    app.gate("/third").set()
    await asyncio.gather(aside, second, third)
    assert app.started == ["/aside", "/second", "/third", "/aside back"]
    assert app.most_at_once == 2 and admission.turns.in_progress == 0  # two in the app, one of them aside


async def test_a_client_that_goes_away_while_waiting_leaves_the_queue():
    app = Recorder()
    admission = Admission(app, limit=1, body_limit=100)
    first, gone, last = request(admission, "/first"), request(admission, "/gone"), request(admission, "/last")
    await settle()
    gone.cancel()
    await settle()
    assert len(admission.turns.waiting) == 1
    app.gate("/first").set()
    app.gate("/last").set()
    await asyncio.gather(first, last)
    assert app.started == ["/first", "/last"] and admission.turns.in_progress == 0


async def test_a_turn_handed_to_a_request_cancelled_in_the_same_moment_passes_on():
    turns = Turns(limit=1)
    await turns.take()
    waiting = asyncio.create_task(turns.take())
    behind = asyncio.create_task(turns.take())
    await settle()
    turns.give_back()  # hands the turn to `waiting`...
    waiting.cancel()  # ...which is cancelled before it runs
    await settle()
    assert waiting.cancelled() and behind.done() and turns.in_progress == 1 and not turns.waiting
    turns.give_back()
    assert turns.in_progress == 0


async def test_a_wait_cancelled_just_before_a_turn_comes_free_is_passed_over():
    turns = Turns(limit=1)
    await turns.take()
    gone = asyncio.create_task(turns.take())
    behind = asyncio.create_task(turns.take())
    await settle()
    gone.cancel()  # its ticket is cancelled at once, its task leaves the queue only when it next runs...
    turns.give_back()  # ...and the turn freed meanwhile passes over the cancelled ticket to the next
    await settle()
    assert gone.cancelled() and behind.done() and turns.in_progress == 1 and not turns.waiting
    turns.give_back()
    assert turns.in_progress == 0


async def test_lifespan_and_steps_aside_outside_a_request_pass_straight_through():
    app = Recorder()
    admission = Admission(app, limit=1, body_limit=100)
    await admission({"type": "lifespan"}, nothing, sent)
    async with step_aside():  # no request, no turn: nothing to give back
        pass
    assert app.started == ["lifespan"] and admission.turns.in_progress == 0


class Body:
    """A client's body, sent in chunks when the test says so."""

    def __init__(self, *chunks: bytes) -> None:
        self.chunks = list(chunks)
        self.ready = asyncio.Queue[dict[str, Any]]()

    def send_next(self) -> None:
        chunk = self.chunks.pop(0)
        self.ready.put_nowait({"type": "http.request", "body": chunk, "more_body": bool(self.chunks)})

    async def receive(self) -> dict[str, Any]:
        return await self.ready.get()


async def read_all(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def test_a_body_sent_slowly_holds_no_turn_and_arrives_whole():
    bodies: list[bytes] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        bodies.append(await read_all(receive))

    admission = Admission(app, limit=1, body_limit=100)
    slow = Body(b"a=1", b"&b=2")
    slow_request = asyncio.create_task(admission({"type": "http", "path": "/slow"}, slow.receive, sent))
    slow.send_next()
    await settle()
    quick = Body(b"c=3")
    quick.send_next()
    await admission({"type": "http", "path": "/quick"}, quick.receive, sent)  # not behind the slow body
    assert bodies == [b"c=3"] and admission.turns.in_progress == 0
    slow.send_next()
    await slow_request
    assert bodies == [b"c=3", b"a=1&b=2"]


async def test_a_body_past_the_limit_goes_to_the_app_which_refuses_it_without_the_rest():
    seen: list[bytes] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append((await receive())["body"])
        seen.append((await receive())["body"])  # the app's own limit would have refused here

    admission = Admission(app, limit=1, body_limit=4)
    big = Body(b"12345", b"67890", b"never sent")
    big.send_next()
    big.send_next()
    await admission({"type": "http", "path": "/big"}, big.receive, sent)
    assert seen == [b"12345", b"67890"] and big.chunks == [b"never sent"]


async def test_the_largest_body_is_that_of_the_route_that_takes_most(tmp_path):
    from coursesite.app import MAX_REQUEST_BODY_BYTES, create_app
    from coursesite.web.controllers.finance import MAX_BGMAX_BYTES
    from coursesite.web.controllers.newsletter_unsubscribes import BODY_MAX

    site = create_app(Settings(secret_key="x" * 32, database_url=f"sqlite:///{tmp_path / 'site.sqlite'}"))
    assert largest_body(site) == max(MAX_REQUEST_BODY_BYTES, MAX_BGMAX_BYTES + 64 * 1024, BODY_MAX)


def test_the_served_app_takes_turns_unless_the_setting_is_zero():
    app = Litestar()
    assert Settings.from_env({"COURSESITE_SECRET_KEY": "x" * 32}).requests_at_once == DEFAULT_REQUESTS_AT_ONCE == 16
    wrapped = served(app, Settings(requests_at_once=8))
    assert isinstance(wrapped, Admission) and wrapped.app is app and wrapped.turns.limit == 8
    assert served(app, Settings(requests_at_once=0)) is app
    with pytest.raises(ConfigError, match="COURSESITE_REQUESTS_AT_ONCE"):
        Settings.from_env({"COURSESITE_SECRET_KEY": "x" * 32, "COURSESITE_REQUESTS_AT_ONCE": "-1"})


async def test_the_request_line_and_the_metrics_count_the_wait_for_a_turn(caplog):
    import logging

    from prometheus_client import REGISTRY

    from coursesite.ops.logs import REQUEST_LOGGER
    from coursesite.ops.requests import RequestObserver

    app = Recorder()
    admission = Admission(RequestObserver(app), limit=1, body_limit=100)  # as served: the observer inside Litestar
    waits_before = REGISTRY.get_sample_value("coursesite_http_request_queue_seconds_count") or 0
    with caplog.at_level(logging.INFO, logger=REQUEST_LOGGER):
        first, second = request(admission, "/first"), request(admission, "/second")
        await settle()
        await asyncio.sleep(0.05)  # /second waits this long for its turn
        app.gate("/first").set()
        app.gate("/second").set()
        await asyncio.gather(first, second)
    by_order = [record for record in caplog.records if record.name == REQUEST_LOGGER]
    assert [record.queued_ms < 5 for record in by_order] == [True, False]
    assert by_order[1].queued_ms >= 50 and by_order[1].duration_ms >= by_order[1].queued_ms
    assert REGISTRY.get_sample_value("coursesite_http_request_queue_seconds_count") == waits_before + 2
