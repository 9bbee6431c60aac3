"""Requests take turns: at most ``limit`` requests of a worker are in progress at once, the rest wait in arrival order.

One worker is one thread running an event loop. With every request admitted at once, 32 requests share it in small
slices, one slice per await, and each finishes only after about 32 rounds of everyone's slices: the latency of every
request grows with the number in flight, and the ones that await more often (the database round trips of a page) are
served last. With a few in progress at a time, enough to keep the loop busy while some wait for the database, a
request waits its turn once, at the door, and then runs nearly alone: the same throughput, and a tail close to the
median (docs/performance.md, "Requests take turns"). COURSESITE_REQUESTS_AT_ONCE sets how many.

A request's body is read before it queues, so that a client sending it slowly holds no turn. A request leaves its turn when its response starts (the body that follows is already made, or is a stream that
should not hold a turn while a slow client reads it), and for waits that run elsewhere and take long: a PDF in the
render pool, an Argon2 hash in a thread (``step_aside``). It then comes back at the end of the queue.

A worker that gets more requests than it can serve would make every request wait longer, in order, until clients give
up. So the wait is bounded (COURSESITE_TURN_WAIT_MS): a request that would wait longer is turned away at once, and one
that has waited that long leaves the queue; either gets a 503 with Retry-After from ``refuse`` instead of a turn, so
those that do get a turn are served in time. Whether a newcomer would wait too long is estimated from the queue ahead
of it and how long turns have lately been held. A request coming back after stepping aside is never turned away: it
has done part of its work. The health checks and the metrics take no turn, so they answer while a worker is overloaded.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

# ASGI's callables, spelled out so that this module needs no web framework.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]  # a framework types its own scope and messages more narrowly

# How long the request waited for its turn, in seconds: ops/requests.py logs it and counts it in the latency.
QUEUED_SCOPE_KEY = "queued_seconds"
# Set on a request turned away: the seconds its Retry-After asks the client to wait (``refuse`` reads it).
TURNED_AWAY_SCOPE_KEY = "turned_away_retry_after"
# How fast the estimate of a turn's length follows the latest turns (an exponential moving average).
TURN_AVERAGE_WEIGHT = 0.05

_turn: ContextVar[_Turn | None] = ContextVar("admission_turn", default=None)


class TurnedAway(Exception):
    """No turn for this request within the longest wait."""


@dataclass
class Turns:
    """The turns of one worker: ``limit`` requests in progress, a first-come queue for the rest, and no wait longer than
    ``longest_wait`` seconds (0: no bound)."""

    limit: int
    longest_wait: float = 0.0
    in_progress: int = 0
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)
    turn_seconds: float = 0.0  # how long a turn is held, averaged over the latest turns

    def expected_wait(self) -> float:
        """What a request arriving now would wait: the queue ahead of it, served ``limit`` at a time."""
        return (len(self.waiting) + 1) * self.turn_seconds / self.limit

    async def take(self, *, bounded: bool = True, within: float | None = None) -> None:
        """A turn, at once if one is free and nobody waits, else in arrival order. ``bounded``: TurnedAway when it
        would come after more than ``within`` seconds (by default ``longest_wait``; 0: no bound)."""
        if self.in_progress < self.limit and not self.waiting:
            self.in_progress += 1
            return
        longest_wait = self.longest_wait if within is None else within
        bounded = bounded and longest_wait > 0
        if bounded and self.expected_wait() > longest_wait:
            raise TurnedAway
        loop = asyncio.get_running_loop()
        ticket: asyncio.Future[None] = loop.create_future()
        self.waiting.append(ticket)
        expiry = loop.call_later(longest_wait, _expire, ticket) if bounded else None
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled() and ticket.exception() is None:
                self.give_back()  # the turn was handed over as the wait was cancelled: pass it on
            elif ticket in self.waiting:  # give_back may already have passed over the cancelled ticket
                self.waiting.remove(ticket)
            raise
        except TurnedAway:
            if ticket in self.waiting:  # a turn freed after it expired but before it woke passed over it already
                self.waiting.remove(ticket)
            raise
        finally:
            if expiry is not None:
                expiry.cancel()

    def give_back(self, held_seconds: float | None = None) -> None:
        """Hands the turn to the longest waiting request, if any; the count in progress stays as it is then.
        ``held_seconds``: how long the turn was held, for the estimate of a wait."""
        if held_seconds is not None:
            self.turn_seconds += TURN_AVERAGE_WEIGHT * (held_seconds - self.turn_seconds)
        while self.waiting:
            ticket = self.waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.in_progress -= 1


def _expire(ticket: asyncio.Future[None]) -> None:
    if not ticket.done():
        ticket.set_exception(TurnedAway())


@dataclass
class _Turn:
    turns: Turns
    held: bool = False
    since: float = 0.0

    async def take(self, *, bounded: bool = True) -> None:
        await self.turns.take(bounded=bounded)
        self.held = True
        self.since = time.perf_counter()

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self.turns.give_back(time.perf_counter() - self.since)


class Admission:
    """The ASGI app around the site's: HTTP requests take turns (``Turns``); lifespan and the rest pass straight on.

    ``refuse`` answers a request turned away (its scope carries TURNED_AWAY_SCOPE_KEY); ``unqueued`` are the paths
    that take no turn."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        body_limit: int,
        *,
        longest_wait: float = 0.0,
        refuse: ASGIApp | None = None,
        unqueued: frozenset[str] = frozenset(),
    ) -> None:
        if longest_wait and refuse is None:
            raise ValueError("a bounded wait needs an app that answers the requests turned away")
        self.app = app
        self.turns = Turns(limit, longest_wait=longest_wait)
        self.body_limit = body_limit  # the largest body any route takes
        self.refuse = refuse
        self.unqueued = unqueued
        self.retry_after = max(1, math.ceil(longest_wait))  # by then the queue of now has been served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.unqueued:
            await self.app(scope, receive, send)
            return
        # The body first, outside a turn: a client that sends it slowly keeps nobody else waiting.
        arrived = await _body_so_far(receive, self.body_limit)
        turn = _Turn(self.turns)
        arrived_at = time.perf_counter()
        try:
            await turn.take()
        except TurnedAway:
            assert self.refuse is not None  # the constructor insists on one with a bound
            scope[QUEUED_SCOPE_KEY] = time.perf_counter() - arrived_at
            scope[TURNED_AWAY_SCOPE_KEY] = self.retry_after
            await self.refuse(scope, _replayed(arrived, receive), send)
            return
        scope[QUEUED_SCOPE_KEY] = time.perf_counter() - arrived_at
        token = _turn.set(turn)

        async def send_then_leave(message: Message) -> None:
            if message["type"] == "http.response.start":
                turn.give_back()
            await send(message)

        try:
            await self.app(scope, _replayed(arrived, receive), send_then_leave)
        finally:
            turn.give_back()
            _turn.reset(token)


async def _body_so_far(receive: Receive, limit: int) -> list[Message]:
    """The request's messages up to its whole body, a disconnect, or just past ``limit`` bytes (more than any route
    takes: the app refuses it at once, without waiting for the rest)."""
    arrived: list[Message] = []
    size = 0
    while True:
        message = await receive()
        arrived.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return arrived
        size += len(message.get("body", b""))
        if size > limit:
            return arrived


def _replayed(arrived: list[Message], receive: Receive) -> Receive:
    pending = deque(arrived)

    async def replay() -> Message:
        return pending.popleft() if pending else await receive()

    return replay


def wait_bound() -> float:
    """The longest wait for a turn of the request being served (0: no bound, or outside a request): what its work
    may wait elsewhere, too (a password hash's turn, accounts/passwords.py)."""
    turn = _turn.get()
    return turn.turns.longest_wait if turn is not None else 0.0


@asynccontextmanager
async def step_aside() -> AsyncIterator[None]:
    """For a long wait on work that runs elsewhere: gives this request's turn to the next one meanwhile, and queues
    for a turn again after. Outside a request that holds a turn (a test, a CLI command) it does nothing."""
    turn = _turn.get()
    if turn is None or not turn.held:
        yield
        return
    turn.give_back()
    try:
        yield
    finally:
        await turn.take(bounded=False)  # part of its work is done: never turned away now
