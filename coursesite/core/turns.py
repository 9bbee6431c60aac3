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
"""

from __future__ import annotations

import asyncio
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

_turn: ContextVar[_Turn | None] = ContextVar("admission_turn", default=None)


@dataclass
class Turns:
    """The turns of one worker: ``limit`` requests in progress, a first-come queue for the rest."""

    limit: int
    in_progress: int = 0
    waiting: deque[asyncio.Future[None]] = field(default_factory=deque)

    async def take(self) -> None:
        if self.in_progress < self.limit and not self.waiting:
            self.in_progress += 1
            return
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append(ticket)
        try:
            await ticket
        except asyncio.CancelledError:
            if ticket.done() and not ticket.cancelled():
                self.give_back()  # the turn was handed over as the wait was cancelled: pass it on
            elif ticket in self.waiting:  # give_back may already have passed over the cancelled ticket
                self.waiting.remove(ticket)
            raise

    def give_back(self) -> None:
        """Hands the turn to the longest waiting request, if any; the count in progress stays as it is then."""
        while self.waiting:
            ticket = self.waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.in_progress -= 1


@dataclass
class _Turn:
    turns: Turns
    held: bool = False

    async def take(self) -> None:
        await self.turns.take()
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self.turns.give_back()


class Admission:
    """The ASGI app around the site's: HTTP requests take turns (``Turns``); lifespan and the rest pass straight on."""

    def __init__(self, app: ASGIApp, limit: int, body_limit: int) -> None:
        self.app = app
        self.turns = Turns(limit)
        self.body_limit = body_limit  # the largest body any route takes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The body first, outside a turn: a client that sends it slowly keeps nobody else waiting.
        arrived = await _body_so_far(receive, self.body_limit)
        turn = _Turn(self.turns)
        arrived_at = time.perf_counter()
        await turn.take()
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
        await turn.take()
