"""Requests take turns (core/turns.py): at most `limit` in progress, the rest in arrival order; a turn is given back
when the response starts, when the request fails, when it steps aside for a long wait elsewhere, and when a waiting
client goes away."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar

from coursesite.asgi import UNQUEUED_PATHS, largest_body, served
from coursesite.core.turns import QUEUED_SCOPE_KEY, TURNED_AWAY_SCOPE_KEY, Admission, TurnedAway, Turns, step_aside
from coursesite.settings import DEFAULT_REQUESTS_AT_ONCE, DEFAULT_TURN_WAIT_MS, ConfigError, Settings


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


class Refuser:
    """The app that answers requests turned away: records their path, Retry-After and wait."""

    def __init__(self) -> None:
        self.refused: list[tuple[str, int, float]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.refused.append((scope["path"], scope[TURNED_AWAY_SCOPE_KEY], scope[QUEUED_SCOPE_KEY]))
        await send({"type": "http.response.start", "status": 503, "headers": []})


def bounded(app: Any, refuser: Refuser, longest_wait: float, limit: int = 1) -> Admission:
    return Admission(
        app, limit=limit, body_limit=100, longest_wait=longest_wait, refuse=refuser, unqueued=UNQUEUED_PATHS
    )


async def test_a_request_that_would_wait_longer_than_the_bound_is_turned_away_at_once():
    app, refuser = Recorder(), Refuser()
    admission = bounded(app, refuser, longest_wait=2.0, limit=2)
    admission.turns.turn_seconds = 1.5  # as learnt from earlier turns: two turns free up every 1.5 s
    first, second, third = request(admission, "/first"), request(admission, "/second"), request(admission, "/third")
    fourth = request(admission, "/fourth")  # the queue ahead: /third; the wait (1 + 1) × 1.5 s / 2 turns = 1.5 s
    fifth = request(admission, "/fifth")  # ahead: /third and /fourth, 2.25 s: past the bound
    await fifth
    assert refuser.refused == [("/fifth", 2, pytest.approx(0, abs=0.05))]  # Retry-After: the bound, rounded up
    assert app.started == ["/first", "/second"] and len(admission.turns.waiting) == 2
    for path in ("/first", "/second", "/third", "/fourth"):
        app.gate(path).set()
    await asyncio.gather(first, second, third, fourth)
    assert app.started == ["/first", "/second", "/third", "/fourth"] and admission.turns.in_progress == 0


async def test_a_request_that_has_waited_as_long_as_the_bound_leaves_the_queue_and_is_turned_away():
    app, refuser = Recorder(), Refuser()
    admission = bounded(app, refuser, longest_wait=0.05)  # no turn lengths learnt yet: nobody is refused at once
    first, second = request(admission, "/first"), request(admission, "/second")
    await second
    [(path, retry_after, waited)] = refuser.refused
    assert (path, retry_after) == ("/second", 1) and waited >= 0.05
    assert app.started == ["/first"] and not admission.turns.waiting and admission.turns.in_progress == 1
    app.gate("/first").set()
    await first
    assert admission.turns.in_progress == 0
    app.gate("/later").set()
    await request(admission, "/later")  # the turn the first gave back is free: no wait
    assert app.started == ["/first", "/later"] and len(refuser.refused) == 1


async def test_a_request_back_from_stepping_aside_is_never_turned_away():
    app, refuser = Recorder(), Refuser()
    admission = bounded(app, refuser, longest_wait=0.05)
    aside, second = request(admission, "/aside"), request(admission, "/second")
    await settle()
    app.gate("/aside").set()  # back from its wait elsewhere, behind /second, which holds the turn
    await asyncio.sleep(0.1)  # twice the bound
    assert "/aside back" not in app.started and not refuser.refused
    app.gate("/second").set()
    await asyncio.gather(aside, second)
    assert app.started == ["/aside", "/second", "/aside back"] and admission.turns.in_progress == 0


async def test_the_health_checks_and_the_metrics_take_no_turn():
    app, refuser = Recorder(), Refuser()
    admission = bounded(app, refuser, longest_wait=0.05)
    busy = request(admission, "/busy")
    await settle()
    for path in sorted(UNQUEUED_PATHS):
        app.gate(path).set()
        await request(admission, path)  # past the request holding the only turn, at once
    assert app.started == ["/busy", "/healthz", "/metrics", "/readyz"] and not refuser.refused
    app.gate("/busy").set()
    await busy


async def test_a_turn_is_estimated_from_the_latest_turns():
    turns = Turns(limit=4, longest_wait=1.0)
    for _ in range(4):
        await turns.take()
    assert turns.expected_wait() == 0  # nothing learnt yet
    turns.give_back(0.2)  # 5 % of the way from 0 to 0.2 s
    assert turns.turn_seconds == pytest.approx(0.01)
    for _ in range(200):
        turns.give_back(0.2)
        await turns.take()
    assert turns.turn_seconds == pytest.approx(0.2, rel=1e-3)
    assert turns.expected_wait() == pytest.approx(0.05, rel=1e-3)  # the next turn of four, each held 0.2 s
    turns.waiting.extend(asyncio.get_running_loop().create_future() for _ in range(19))
    assert turns.expected_wait() == pytest.approx(1.0, rel=1e-3)  # behind 19: five rounds of four turns


async def test_a_wait_cancelled_after_it_expired_hands_no_turn_on():
    turns = Turns(limit=1, longest_wait=10)
    await turns.take()
    waiting = asyncio.create_task(turns.take())
    await settle()
    turns.waiting[0].set_exception(TurnedAway())  # what the expiry does...
    waiting.cancel()  # ...and the client goes away before the wait wakes up
    await settle()
    assert waiting.cancelled() and not turns.waiting and turns.in_progress == 1  # the holder still holds the one turn
    turns.give_back()
    assert turns.in_progress == 0


async def test_a_turn_freed_after_a_wait_expired_but_before_it_woke_goes_to_the_next():
    # Seen under load (bench/course at 335 requests/s): the expired ticket was no longer in the queue when its
    # request woke, and the request ended in a 500 instead of its 503.
    turns = Turns(limit=1, longest_wait=10)
    await turns.take()
    expired, behind = asyncio.create_task(turns.take()), asyncio.create_task(turns.take())
    await settle()
    turns.waiting[0].set_exception(TurnedAway())  # what the expiry does...
    turns.give_back()  # ...and the holder is done before the expired request wakes: the turn passes it over
    await settle()
    with pytest.raises(TurnedAway):
        await expired
    assert behind.done() and not turns.waiting and turns.in_progress == 1
    turns.give_back()
    assert turns.in_progress == 0


def test_a_bounded_wait_needs_an_answer_for_those_turned_away():
    with pytest.raises(ValueError, match="turned away"):
        Admission(Recorder(), limit=1, body_limit=100, longest_wait=1.0)


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
    assert wrapped.refuse is app and wrapped.turns.longest_wait == DEFAULT_TURN_WAIT_MS / 1000 == 3
    assert served(app, Settings(requests_at_once=8, turn_wait_ms=0)).turns.longest_wait == 0  # type: ignore[union-attr]
    assert served(app, Settings(requests_at_once=0)) is app
    with pytest.raises(ConfigError, match="COURSESITE_REQUESTS_AT_ONCE"):
        Settings.from_env({"COURSESITE_SECRET_KEY": "x" * 32, "COURSESITE_REQUESTS_AT_ONCE": "-1"})
    with pytest.raises(ConfigError, match="COURSESITE_TURN_WAIT_MS: must be between 0 and 60000"):
        Settings.from_env({"COURSESITE_SECRET_KEY": "x" * 32, "COURSESITE_TURN_WAIT_MS": "60001"})


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
