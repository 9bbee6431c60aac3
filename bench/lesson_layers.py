"""The lesson page's per-request layers, each taken away in turn (docs/performance.md, "How far a path without the
framework could go"). Not part of `make bench`; a tool for reading where the framework's share goes:

    COURSESITE_SECRET_KEY=… .venv/bin/python bench/lesson_layers.py --database-url postgresql://…/db   # migrated

One process and thread, one request at a time, called straight through ASGI (no HTTP server, no client library);
the figure is the process CPU per page (time.process_time), medians over alternating rounds. Variants, each an app
built by coursesite.app.build_app on the same services with one thing left out: `full`; `no_observer` (the request
observer and the 503 responder around the app); `no_hooks` (the two before_send hooks: security headers);
`no_csrf` (Litestar's CSRF middleware); `no_pageviews` (the page-view record); `session_only` (only the session
middleware: no other middleware, hooks or CSRF); and `floor`, bench/floor_app.py's bare callable on the same
services. Differences of a few hundredths of a millisecond are within this tool's noise; run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import httpx  # noqa: E402
from litestar import Litestar  # noqa: E402

import coursesite.app as app_module  # noqa: E402
from coursesite.db.engine import build_engine  # noqa: E402
from coursesite.db.tables import bind_tables  # noqa: E402
from coursesite.privacy.pageviews import PageViewMiddleware  # noqa: E402
from coursesite.settings import Settings  # noqa: E402
from coursesite.web.middleware import SESSION_COOKIE, SessionMiddleware  # noqa: E402
from tests.support import correct_response  # noqa: E402

CSRF_COOKIE = "csrftoken"
VARIANTS = ("full", "no_observer", "no_hooks", "no_csrf", "no_pageviews", "session_only")


def litestar_without(variant: str) -> Callable[..., Litestar]:
    """Litestar(...) as build_app calls it, with what `variant` leaves out taken from its arguments."""

    def build(**kwargs: Any) -> Litestar:
        middleware = kwargs["middleware"]
        if variant == "no_csrf":
            kwargs["csrf_config"] = None
        elif variant == "no_pageviews":
            kwargs["middleware"] = [m for m in middleware if not isinstance(m, PageViewMiddleware)]
        elif variant == "no_hooks":
            kwargs["before_send"] = []
        elif variant == "session_only":
            kwargs["middleware"] = [m for m in middleware if isinstance(m, SessionMiddleware)]
            kwargs["before_send"] = []
            kwargs["csrf_config"] = None
        return Litestar(**kwargs)

    return build


async def get(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)  # a GET has no body; the app never waits for a disconnect here
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "state": {},
    }
    await app(scope, receive, send)
    return status, b"".join(chunks)


async def participant(client: httpx.AsyncClient, index: int, run_id: str, bodies: list[dict]) -> tuple[str, str]:
    """Registered, enrolled and with answers in the lesson, through the API: the session and CSRF tokens."""
    from prepare import ENROLMENT, PASSWORD

    client.cookies.clear()
    await client.get("/registrera")
    csrf = client.cookies.get(CSRF_COOKIE) or ""
    body = {
        "email": f"layers-{run_id}-{index}@example.se",
        "password": PASSWORD,
        "first_name": "Lager",
        "last_name": "Mätning",
    }
    registered = await client.post("/api/v1/auth/register", json=body, headers={"x-csrftoken": csrf})
    if registered.status_code != 201:
        raise SystemExit(f"registering: HTTP {registered.status_code} {registered.text[:300]}")
    csrf = client.cookies.get(CSRF_COOKIE) or csrf
    enrolled = await client.post("/api/v1/enrollments", json=ENROLMENT, headers={"x-csrftoken": csrf})
    if enrolled.status_code != 201:
        raise SystemExit(f"enrolling: HTTP {enrolled.status_code} {enrolled.text[:300]}")
    for answer in bodies:
        response = await client.post("/api/v1/answers", json=answer, headers={"x-csrftoken": csrf})
        if response.status_code not in (200, 201):
            raise SystemExit(f"answering: HTTP {response.status_code} {response.text[:300]}")
    return client.cookies.get(SESSION_COOKIE) or "", csrf


async def run(args: argparse.Namespace) -> None:
    import floor_app

    settings = Settings(
        database_url=args.database_url, secret_key="layers-" + secrets.token_urlsafe(24), registrations_per_hour=100_000
    )
    settings.validate()
    engine = build_engine(settings.database)
    bind_tables(engine)
    services = app_module.build_services(settings, engine)
    apps: dict[str, Any] = {}
    original = app_module.Litestar
    try:
        for variant in VARIANTS:
            app_module.Litestar = litestar_without(variant)  # type: ignore[assignment]
            apps[variant] = app_module.build_app(services, engine)
    finally:
        app_module.Litestar = original  # type: ignore[misc]
    unobserved = apps["no_observer"]
    unobserved.asgi_handler = unobserved.asgi_handler.app.app  # what RequestObserver(BusyResponder(...)) wraps
    apps["floor"] = floor_app.bare_app(settings, engine, services)  # the same services, not a second set
    course = services.catalog.edition.course
    lesson = course.acts[0].lessons[0]
    bodies = [{"question_id": q.id, "response": correct_response(q)} for q in lesson.questions]
    path = f"/lektion/{lesson.slug}"
    results: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    async with apps["full"].lifespan():
        transport = httpx.ASGITransport(app=apps["full"])
        async with httpx.AsyncClient(transport=transport, base_url="http://layers") as client:
            run_id = secrets.token_hex(4)
            people = [await participant(client, i, run_id, bodies) for i in range(args.participants)]
        headers = [
            [
                (b"host", b"127.0.0.1:8000"),
                (b"cookie", f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={csrf}".encode()),
                (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"),
                (b"accept-language", b"sv-SE,sv;q=0.9"),
            ]
            for token, csrf in people
        ]

        def view(name: str, app: Any) -> Callable[[int], Awaitable[None]]:
            async def one(i: int) -> None:
                status, page = await get(app, path, headers[i % len(headers)])
                if status != 200:
                    raise SystemExit(f"{name}: HTTP {status} {page[:300]!r}")
                sizes[name] = len(page)

            return one

        layers = [(name, view(name, app)) for name, app in apps.items()]
        for _name, one in layers:  # templates compiled, sessions cached
            for i in range(2 * len(people)):
                await one(i)
        for round_no in range(args.rounds):
            for name, one in layers if round_no % 2 == 0 else list(reversed(layers)):
                started = time.process_time()
                for i in range(args.requests):
                    await one(i)
                results.setdefault(name, []).append((time.process_time() - started) / args.requests * 1000)
    print(f"CPU per lesson page, ms (median of {args.rounds} rounds of {args.requests}; range; page bytes):")
    for name, values in results.items():
        print(f"  {name:14} {statistics.median(values):.3f}  ({min(values):.3f}–{max(values):.3f})  {sizes[name]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=400, help="pages per variant per round")
    parser.add_argument("--participants", type=int, default=40)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the request lines: their cost counts, the terminal's would not
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
