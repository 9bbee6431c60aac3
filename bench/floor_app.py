"""The answer route and the lesson page with no framework at all: the floors under issue 14's P1 and P2
(docs/performance.md, "How far a path without the framework could go"). Bench only; never part of the product, and it
keeps none of the house rules.

A bare ASGI callable on the product's own services: POST /api/v1/answers reads the session cookie, takes the
principal from the worker's session cache (AccountService.cached_principal_for_session), parses the JSON body, calls
AnswerService.submit (the grading and the same four round trips as the product) and writes the product's JSON answer.
GET /lektion/{slug} takes the principal the same way, reads the lesson's state (AnswerService.lesson_state: the
page's one statement) and renders the product's template with the handler's context (web/controllers/course.py),
a stand-in request (the path, the principal) and the CSRF token it was sent.

No routing table, no middlewares (no client address, input guard, origin or CSRF check, page views, security headers,
request line or metrics), no guards, no dependency injection, no turns. Whatever the product spends beyond this
server's CPU per request is the framework's and the house rules' share; this server's CPU is what a request path that
kept the work and dropped everything else would still spend.

    BENCH_AB_BASE=floor bash bench/ab.sh                         # against the product and the raw insert
    BENCH_AB_BASE=floor BENCH_AB_ROUTE=lesson bash bench/ab.sh   # against the product and the raw 20-row page

Environment: the product's (COURSESITE_DATABASE_URL, COURSESITE_SECRET_KEY, COURSESITE_DB_POOL_SIZE, ...).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import msgspec
from markupsafe import Markup, escape

from coursesite.app import build_services
from coursesite.core.errors import DomainError, NotFound
from coursesite.db.engine import build_engine, close_connections
from coursesite.db.tables import bind_tables
from coursesite.settings import Settings
from coursesite.web.controllers.api import _answer
from coursesite.web.controllers.course import _lesson, _lesson_context, _outline
from coursesite.web.deps import Services
from coursesite.web.middleware import _cookie, session_token

JSON_HEADERS = [(b"content-type", b"application/json")]
HTML_HEADERS = [(b"content-type", b"text/html; charset=utf-8")]
LESSON_PREFIX = "/lektion/"


def app_factory() -> Any:
    """uvicorn's factory: the settings from the environment, the product's engine and services."""
    settings = Settings.from_env()
    settings.validate()
    engine = build_engine(settings.database)
    bind_tables(engine)
    return bare_app(settings, engine, build_services(settings, engine))


def bare_app(settings: Settings, engine: Any, services: Services) -> Any:
    """The bare callable on `services` (bench/lesson_layers.py passes the ones its variants share)."""
    lesson_template = services.pdf.environment.get_template("course/lesson.html")

    async def respond(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] = JSON_HEADERS) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def lifespan(receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if settings.database.engine == "postgres" and settings.db_pool_size:
                    await engine.start_connection_pool(max_size=settings.db_pool_size)  # type: ignore[attr-defined]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if settings.database.engine == "postgres" and settings.db_pool_size:
                    await engine.close_connection_pool()  # type: ignore[attr-defined]
                await close_connections(engine)
                services.pdf.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["path"] == "/healthz":
            await respond(send, 200, b'{"status":"ok"}')
            return
        if scope["path"].startswith(LESSON_PREFIX) and scope["method"] == "GET":
            await lesson_page(scope, send)
            return
        if scope["path"] != "/api/v1/answers" or scope["method"] != "POST":
            await respond(send, 404, b'{"detail":"not found"}')
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        principal = await services.accounts.cached_principal_for_session(session_token(scope))
        if principal is None:
            await respond(send, 401, b'{"detail":"not logged in"}')
            return
        data = json.loads(b"".join(chunks))
        try:
            answer = await services.answers.submit(principal, data["question_id"], data["response"])
        except DomainError as exc:
            await respond(send, 400, msgspec.json.encode({"detail": str(exc)}))
            return
        await respond(send, 201, msgspec.json.encode(_answer(answer)))

    async def lesson_page(scope: Any, send: Any) -> None:
        principal = await services.accounts.cached_principal_for_session(session_token(scope))
        if principal is None:
            await respond(send, 401, b'{"detail":"not logged in"}')
            return
        course = services.catalog.edition.course
        try:
            lesson = _lesson(course, scope["path"].removeprefix(LESSON_PREFIX))  # as the handler finds it
        except NotFound:
            await respond(send, 404, b'{"detail":"not found"}')
            return
        state = await services.answers.lesson_state(principal.account_id, lesson, principal=principal, course=course)
        token = _cookie(scope, "csrftoken") or ""
        request = SimpleNamespace(url=SimpleNamespace(path=scope["path"]), scope={"user": principal})
        context = _lesson_context(course, state) | _outline(course, state)
        html = lesson_template.render(
            context,
            request=request,
            csrf_token=lambda: token,  # what Litestar's Jinja engine gives a template, without its request
            csrf_input=Markup(f'<input type="hidden" name="_csrf_token" value="{escape(token)}" />'),
        )
        await respond(send, 200, html.encode(), HTML_HEADERS)

    return app
