"""Entry point for uvicorn's --factory: the app is built when a worker starts, from the environment."""

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler

from coursesite.app import MAX_REQUEST_BODY_BYTES, create_app
from coursesite.core.turns import Admission
from coursesite.ops.heap import settle_after_start
from coursesite.ops.metrics import METRICS_PATH
from coursesite.settings import Settings

# They answer while a worker is full: a load balancer's health check, and the metrics that show why it is full.
UNQUEUED_PATHS = frozenset({"/healthz", "/readyz", METRICS_PATH})


def served(app: Litestar, settings: Settings) -> Litestar | Admission:
    """The app as a worker serves it: its requests take turns (core/turns.py) unless COURSESITE_REQUESTS_AT_ONCE is 0,
    and wait for one at most COURSESITE_TURN_WAIT_MS; the app itself answers those turned away (web/busy.py)."""
    if not settings.requests_at_once:
        return app
    return Admission(
        app,
        settings.requests_at_once,
        body_limit=largest_body(app),
        longest_wait=settings.turn_wait_ms / 1000,
        refuse=app,
        unqueued=UNQUEUED_PATHS,
    )


def event_loop(settings: Settings) -> str:
    """uvicorn's event loop for the workers: uvloop ("auto") on PostgreSQL, where asyncpg is at its fastest on it;
    asyncio's own on SQLite, whose hot reads run on the loop's thread without a single await (db/engine.py:
    read_inline). Under uvloop such requests were served out of turn: a lesson page's p99 of 250–420 ms against
    40–80 ms under asyncio's loop, at the same throughput (docs/performance.md)."""
    return "asyncio" if settings.database.engine == "sqlite" else "auto"


def largest_body(app: Litestar) -> int:
    """The largest request body any route takes (its own request_max_body_size, or the app's)."""
    limits = [
        handler.resolve_request_max_body_size()
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if isinstance(handler, HTTPRouteHandler)
    ]
    return max((limit for limit in limits if limit is not None), default=MAX_REQUEST_BODY_BYTES)


def app_factory() -> Litestar | Admission:
    settings = Settings.from_env()
    app = create_app(settings)
    settle_after_start()  # what start-up loaded is frozen before the first request (ops/heap.py)
    return served(app, settings)
