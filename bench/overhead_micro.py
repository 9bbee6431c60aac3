"""CPU per request of the pieces branch `hotpath` changed, the code before (copied here) and after alternating in one
process, 5 rounds, medians (docs/performance.md, "Per-request overhead"). Not part of `make bench`:

    .venv/bin/python bench/overhead_micro.py
    .venv/bin/python bench/overhead_micro.py --stack   # the whole path of the request line (branch p1http)

- guard: Litestar's authorize_connection with a synchronous guard (run in a worker thread) and with ours (async);
- headers: the two before_send hooks on one response start, through MutableScopeHeaders and on the raw list;
- log: the request line's JSON record, with the scrub run each time and with it kept per message;
- page view: a page view's User-Agent and Accept-Language through the free-text rule each time, and as kept.

--stack (branch `p1http`): the request line from the call to the write, writer threads' CPU included (process time),
into /dev/null: logger.info through Litestar's default queue handler (a listener thread, one write per line), and
makeRecord + handle through ops/logs.py's BatchedStderrHandler (one write per batch); and the other request-layer
pieces of that branch, old (as in the code before it) and new.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import asyncio
import logging
import os
import time
import uuid

import msgspec
from litestar import Litestar, Request, get
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException

from coursesite.core.text import clean_text
from coursesite.ops.logs import JsonFormatter
from coursesite.privacy.logscrub import scrub
from coursesite.privacy.pageviews import ACCEPT_LANGUAGE_RULE, USER_AGENT_RULE, stored_header
from coursesite.web import guards
from coursesite.web.hardening import NO_STORE, hardening_headers
from coursesite.web.middleware import SECURITY_HEADERS, add_security_headers

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
LANGUAGES = "sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"


def old_logged_in(connection, _):
    if connection.scope.get("user") is None:
        raise NotAuthorizedException("x")


async def old_add_security_headers(message, scope):
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            if name not in headers:
                headers[name] = value


async def old_hardening(message, scope):
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    if not scope.get("path", "").startswith("/static/") and "no-store" not in (headers.get("cache-control") or ""):
        headers["cache-control"] = NO_STORE


def make_record():
    r = logging.LogRecord("coursesite.request", 20, "x", 1, "%s %s %s", ("POST", "/api/v1/answers", 201), None)
    r.__dict__.update(
        request_id="a" * 32, method="POST", route="/api/v1/answers", status=201, duration_ms=1.2, worker=1
    )
    return r


async def main():
    @get("/x", guards=[old_logged_in], sync_to_thread=False)
    def h_old() -> None: ...
    @get("/y", guards=[guards.logged_in], sync_to_thread=False)
    def h_new() -> None: ...

    app = Litestar([h_old, h_new])
    scope = {
        "type": "http",
        "user": object(),
        "app": app,
        "headers": [],
        "path": "/x",
        "method": "GET",
        "query_string": b"",
        "path_params": {},
        "state": {},
    }
    conn = ASGIConnection(scope)
    handlers = {"old": app.route_handler_method_map["/x"]["GET"], "new": app.route_handler_method_map["/y"]["GET"]}
    results = {
        k: []
        for k in (
            "guard old",
            "guard new",
            "headers old",
            "headers new",
            "log old",
            "log new",
            "pageview old",
            "pageview new",
        )
    }
    hard_new = hardening_headers(hsts=False)

    def start():
        return {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"123"),
                (b"set-cookie", b"csrftoken=abc; Path=/"),
                (b"x-request-id", b"0" * 32),
            ],
        }

    fmt = JsonFormatter()
    for _ in range(5):
        for side in ("old", "new"):
            h = handlers[side]
            t = time.process_time()
            for _ in range(3000):
                await h.authorize_connection(conn)
            results[f"guard {side}"].append((time.process_time() - t) / 3000 * 1e6)
            hooks = (old_add_security_headers, old_hardening) if side == "old" else (add_security_headers, hard_new)
            t = time.process_time()
            for _ in range(20000):
                m = start()
                for hook in hooks:
                    await hook(m, scope)
            results[f"headers {side}"].append((time.process_time() - t) / 20000 * 1e6)
            rec = make_record()
            t = time.process_time()
            if side == "old":
                for _ in range(20000):
                    scrub(rec.getMessage())
                    fmt.format(rec)  # old: scrub ran on every record
            else:
                for _ in range(20000):
                    fmt.format(rec)
            results[f"log {side}"].append((time.process_time() - t) / 20000 * 1e6)
            t = time.process_time()
            if side == "old":
                for _ in range(2000):
                    clean_text(UA, USER_AGENT_RULE)
                    clean_text(LANGUAGES, ACCEPT_LANGUAGE_RULE)
            else:
                for _ in range(2000):
                    stored_header(UA, USER_AGENT_RULE)
                    stored_header(LANGUAGES, ACCEPT_LANGUAGE_RULE)
            results[f"pageview {side}"].append((time.process_time() - t) / 2000 * 1e6)
    for k, v in results.items():
        v.sort()
        print(f"{k:20s} median {v[len(v) // 2]:7.1f} us  (min {v[0]:.1f}, max {v[-1]:.1f})")


def old_json_problem(body: bytes) -> object:
    """web/hardening.py's json_problem before p1http: the depth scan and the integer walk on every body."""
    from coursesite.web.hardening import _JSON_TOKEN, BIGINT_MAX, MAX_JSON_DEPTH

    body.decode("utf-8")
    depth = 0
    for match in _JSON_TOKEN.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return "depth"
        elif token in (b"]", b"}"):
            depth -= 1
    value = msgspec.json.decode(body)
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str | bool | float) or item is None:
            continue
        if isinstance(item, int):
            if not -BIGINT_MAX - 1 <= item <= BIGINT_MAX:
                return "integer"
        elif isinstance(item, dict):
            stack.extend((f"{path}.{key}" if path else str(key), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}" if path else str(index), child) for index, child in enumerate(item))
    return None


def stack() -> None:
    from litestar.logging.standard import QueueListenerHandler
    from litestar.plugins.htmx import HTMXRequest

    from coursesite.ops import metrics
    from coursesite.ops.logs import REQUEST_LOGGER, BatchedStderrHandler
    from coursesite.ops.requests import request_id_from

    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    old_out = logging.StreamHandler(sink)
    old_handler = QueueListenerHandler([old_out])
    old_handler.setFormatter(JsonFormatter())
    new_handler = BatchedStderrHandler(sink)
    new_handler.setFormatter(JsonFormatter())
    log = logging.getLogger(REQUEST_LOGGER)  # the request line's own (its message's scrub is kept per message)
    log.propagate = False
    log.setLevel(logging.INFO)
    extra = {"request_id": "a" * 32, "method": "POST", "route": "/api/v1/answers", "status": 201, "worker": 1}
    results: dict[str, list[float]] = {
        "log path old": [],
        "log info+batch": [],
        "log path new": [],
        "request id old": [],
        "request id new": [],
        "guard old": [],
        "guard new": [],
        "request obj old": [],
        "request obj new": [],
        "metrics old": [],
        "metrics new": [],
        "addr+origin+csrf old": [],
        "addr+origin+csrf new": [],
        "input guard old": [],
        "input guard new": [],
    }
    from coursesite.web.hardening import json_problem

    answer = b'{"question_id": "akt1-lektion2-fraga3", "response": {"choices": ["a", "c"]}}'
    from coursesite.core import client_address
    from coursesite.web import hardening

    scope = {
        "client": ("127.0.0.1", 5555),
        "scheme": "http",
        "headers": [(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000")],
    }
    session, secret = "s" * 43, "k" * 32

    def pieces(parse, origin_of, csrf) -> None:  # what the middlewares work out per request, as in the code
        address = parse(scope["client"][0])
        str(address)
        allowed = {origin_of("http://localhost:8000"), origin_of("http://localhost:8000")}
        assert origin_of("http://localhost:8000") in allowed
        csrf(session, secret)

    uncached = (
        client_address._parsed_address.__wrapped__,
        hardening._origin_of.__wrapped__,
        hardening._session_csrf_token,
    )
    cached = (client_address.parse_address, hardening.origin_of, hardening.session_csrf_token)
    guarded = {}
    for side in ("old", "new"):

        @get("/x", guards=[guards.logged_in], sync_to_thread=False)
        def handler() -> None: ...

        app = Litestar([handler])
        if side == "new":
            guards.run_in_place(app)
        guarded[side] = app.route_handler_method_map["/x"]["GET"]
    conn = ASGIConnection({"type": "http", "user": object(), "headers": [], "path": "/x", "method": "GET"})  # type: ignore[typeddict-item]

    async def authorize(side: str, times: int) -> None:
        for _ in range(times):
            await guarded[side].authorize_connection(conn)

    n = 20000
    for _ in range(5):
        log.handlers = [old_handler]
        t = time.process_time()
        for _ in range(n):
            log.info("%s %s %s", "POST", "/api/v1/answers", 201, extra={**extra, "duration_ms": 1.2})
        old_handler.queue.join()  # type: ignore[attr-defined] # the listener's writes counted too
        results["log path old"].append((time.process_time() - t) / n * 1e6)
        log.handlers = [new_handler]
        t = time.process_time()
        for _ in range(n):  # the handler alone: logger.info into the batched handler
            log.info("%s %s %s", "POST", "/api/v1/answers", 201, extra={**extra, "duration_ms": 1.2})
        new_handler.flush()
        results["log info+batch"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):
            if log.isEnabledFor(logging.INFO):
                log.handle(
                    log.makeRecord(
                        log.name,
                        logging.INFO,
                        __file__,
                        0,
                        "%s %s %s",
                        ("POST", "/api/v1/answers", 201),
                        None,
                        extra={**extra, "duration_ms": 1.2},
                    )
                )
        new_handler.flush()
        results["log path new"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):
            uuid.uuid4().hex  # noqa: B018
        results["request id old"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):
            request_id_from(())
        results["request id new"].append((time.process_time() - t) / n * 1e6)
        for side in ("old", "new"):
            t = time.process_time()
            asyncio.run(authorize(side, n))
            results[f"guard {side}"].append((time.process_time() - t) / n * 1e6)
        # The request object Litestar builds per request (the cycle collector on, as in the app): HTMXRequest, once
        # the class of every request, refers to itself through request.htmx.
        for side, kind in (("old", HTMXRequest), ("new", Request)):
            t = time.process_time()
            for _ in range(n):
                kind(conn.scope)
            results[f"request obj {side}"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):  # old: the series looked up by its labels on every request
            metrics.REQUESTS.labels("POST", "/api/v1/answers", "201").inc()
            metrics.LATENCY.labels("POST", "/api/v1/answers", "201").observe(0.002)
        results["metrics old"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):
            metrics.observe_request("POST", "/api/v1/answers", 201, 0.002)
        results["metrics new"].append((time.process_time() - t) / n * 1e6)
        for side, functions in (("old", uncached), ("new", cached)):
            t = time.process_time()
            for _ in range(n):
                pieces(*functions)
            results[f"addr+origin+csrf {side}"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):
            old_json_problem(answer)
        results["input guard old"].append((time.process_time() - t) / n * 1e6)
        t = time.process_time()
        for _ in range(n):
            json_problem(answer, strict=True)
        results["input guard new"].append((time.process_time() - t) / n * 1e6)
    for k, v in results.items():
        v.sort()
        print(f"{k:20s} median {v[len(v) // 2]:7.1f} us  (min {v[0]:.1f}, max {v[-1]:.1f})")


if "--stack" in sys.argv:
    stack()
else:
    asyncio.run(main())
