"""One log line and the request metrics per HTTP request, with a request id sent back as ``X-Request-ID``.

Wraps the whole Litestar ASGI handler (coursesite/app.py: build_app), so a request that matches no route (404, 405)
is counted and logged too, and so is one turned away for want of a turn (:data:`TURNED_AWAY`). The route is Litestar's path template (``/api/v1/finance/invoices/{number:str}``), never
the path with its ids; a request that matched none is logged under :data:`UNMATCHED`.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from typing import Any

from coursesite.core.turns import QUEUED_SCOPE_KEY, TURNED_AWAY_SCOPE_KEY
from coursesite.ops import metrics
from coursesite.ops.logs import REQUEST_LOGGER, current_request_id

REQUEST_ID_HEADER = b"x-request-id"
# Believed from a proxy only in this shape (a UUID, nginx's $request_id): anything else could carry personal data.
REQUEST_ID_PATTERN = re.compile(r"[0-9A-Fa-f-]{16,64}")
REQUEST_ID_SCOPE_KEY = "request_id"
UNMATCHED = "(ingen route)"
TURNED_AWAY = "(avvisad, fullt)"  # a request that got no turn (core/turns.py), whatever route it was for
# A label per method a client can invent would let it grow the metrics without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"

logger = logging.getLogger(REQUEST_LOGGER)


def request_id_from(headers: Any) -> str:
    """The incoming X-Request-ID when it matches :data:`REQUEST_ID_PATTERN`, else a new one."""
    for name, value in headers or ():
        if name.lower() == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            if REQUEST_ID_PATTERN.fullmatch(text):
                return text
            break
    # A correlation id, not a secret (nothing is authorised by it): the Mersenne Twister's 128 bits, in uuid4().hex's
    # shape, at a quarter of uuid4's cost (a system call and a UUID object). `random` reseeds in a forked worker.
    return f"{random.getrandbits(128):032x}"


class RequestObserver:
    """ASGI wrapper: the request id, the request line, the request counter and latency histogram."""

    def __init__(self, app: Any, observe: Any = None) -> None:
        self.app = app
        self.observe = observe  # called after each request (the per-process gauges of ops/metrics.py)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_from(scope.get("headers"))
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        status = 500  # what the client gets when the app raises past its exception handlers

        async def send_with_id(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, request_id.encode("ascii"))]}
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
            queued = scope.get(QUEUED_SCOPE_KEY, 0.0)  # the wait for a turn before the app saw it (core/turns.py)
            seconds = time.perf_counter() - started + queued
            method = scope.get("method") if scope.get("method") in METHODS else OTHER_METHOD
            route = scope.get("path_template") if scope.get("route_handler") is not None else None
            route = route if isinstance(route, str) else TURNED_AWAY if TURNED_AWAY_SCOPE_KEY in scope else UNMATCHED
            metrics.observe_request(method, route, status, seconds, queued)
            if self.observe is not None:
                self.observe()
            if logger.isEnabledFor(logging.INFO):
                # The record built and handled directly: logger.info's path looks up the caller's frame for a
                # file and line no handler here writes. Same record, same handlers, same filters.
                logger.handle(
                    logger.makeRecord(
                        REQUEST_LOGGER,
                        logging.INFO,
                        __file__,
                        0,
                        "%s %s %s",
                        (method, route, status),
                        None,
                        extra={
                            "request_id": request_id,
                            "method": method,
                            "route": route,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 2),
                            "queued_ms": round(queued * 1000, 2),
                            "worker": os.getpid(),
                        },
                    )
                )
