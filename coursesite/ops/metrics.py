"""Prometheus metrics (prometheus-client) and the /metrics route.

- Requests and latency per route template and status (ops/requests.py counts them).
- Answers graded per question type and status (grading/service.py counts where the result is returned).
- Pending and failed mail: the outbox, queried when /metrics is scraped, cached for :data:`OUTBOX_CACHE_SECONDS`.
- The page-view buffer (privacy/pageviews.py) and the PostgreSQL pool (asyncpg: size, idle, max) of each worker.
  SQLite has no pool (Piccolo opens a connection per query): no pool series then.

Several workers (``PROMETHEUS_MULTIPROC_DIR`` set; `coursesite serve` sets a fresh directory when it starts more than
one): each process writes its values to files there and /metrics adds them up (prometheus-client's multiprocess
mode). The per-worker gauges are summed over the live workers.

Who may read it: a client address in ``COURSESITE_METRICS_ALLOW`` (default 127.0.0.1, ::1; core/client_address.py
decides the address, as for the rate limits), or ``Authorization: Bearer <COURSESITE_METRICS_TOKEN>``. Anyone else
gets a 404, as for a page that does not exist: the route does not announce itself.
"""

from __future__ import annotations

import functools
import hmac
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar import Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from coursesite.core.client_address import TrustedProxies, parse_address, stored_client_address
from coursesite.settings import DEFAULT_METRICS_ALLOW, Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
OUTBOX_CACHE_SECONDS = 5.0
GAUGE_SECONDS = 1.0  # how stale a worker's own gauges (page-view buffer, pool) may be between its requests
PENDING_STATUSES = ("queued", "sending")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("coursesite_http_requests", "HTTP requests", ("method", "route", "status"))
LATENCY = Histogram(
    "coursesite_http_request_duration_seconds",
    "Time from the request to the end of the response",
    ("method", "route", "status"),
    buckets=LATENCY_BUCKETS,
)
QUEUED = Histogram(
    "coursesite_http_request_queue_seconds",
    "Time a request waited for its turn in the worker (core/turns.py), part of the request's duration",
    buckets=LATENCY_BUCKETS,
)
ANSWERS_GRADED = Counter(
    "coursesite_answers_graded", "Answers graded and stored (not replays)", ("question_type", "status")
)
PAGEVIEW_BUFFER = Gauge(
    "coursesite_pageview_buffer_rows", "Page views waiting to be stored", multiprocess_mode="livesum"
)
PAGEVIEW_DROPPED = Gauge(
    "coursesite_pageview_dropped_rows", "Page views dropped since start (buffer full)", multiprocess_mode="livesum"
)


@functools.cache
def _pool_gauges() -> tuple[Gauge, Gauge, Gauge]:
    """Made on the first scrape or request that finds a pool: an SQLite site has no pool series at all."""
    return (
        Gauge("coursesite_db_pool_connections", "Open connections in the PostgreSQL pool", multiprocess_mode="livesum"),
        Gauge("coursesite_db_pool_idle_connections", "Idle connections in the pool", multiprocess_mode="livesum"),
        Gauge("coursesite_db_pool_max_connections", "The pool's maximum size", multiprocess_mode="livesum"),
    )


# The two series of each (method, route, status) seen: labels() checks and joins its strings and takes a lock on
# every call. Bounded although the keys are (methods, route templates, statuses: ops/requests.py): past the cap,
# labels() is asked every time, as before.
_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}
_SERIES_CAP = 4096


def observe_request(method: str, route: str, status: int, seconds: float, queued: float = 0.0) -> None:
    key = (method, route, status)
    series = _SERIES.get(key)
    if series is None:
        series = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route, str(status)))
        if len(_SERIES) < _SERIES_CAP:
            _SERIES[key] = series
    series[0].inc()
    series[1].observe(seconds)
    QUEUED.observe(queued)


def count_graded(question_type: str, status: str) -> None:
    ANSWERS_GRADED.labels(question_type, status).inc()


# ---------------------------------------------------------------- who may read it


@dataclass(frozen=True)
class MetricsAccess:
    """``COURSESITE_METRICS_ALLOW`` (settings.py checks it at start) and ``COURSESITE_METRICS_TOKEN``."""

    allow: TrustedProxies = field(default_factory=lambda: TrustedProxies.parse(",".join(DEFAULT_METRICS_ALLOW)))
    token: str = field(default="", repr=False)

    def permits(self, address: str | None, authorization: str | None) -> bool:
        if self.token and authorization:
            scheme, _, given = authorization.partition(" ")
            # Constant time: the comparison says nothing about how much of the token was right.
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
                return True
        return parse_address(address) in self.allow


# ---------------------------------------------------------------- what is read at scrape time


class _Gauges(Collector):
    """Values fetched just before the scrape (the outbox), written as gauges."""

    def __init__(self, values: dict[str, tuple[str, float]]) -> None:
        self.values = values

    def collect(self) -> Iterable[GaugeMetricFamily]:
        for name, (documentation, value) in self.values.items():
            yield GaugeMetricFamily(name, documentation, value=value)


@dataclass
class MetricsSource:
    """What /metrics reads besides the counters: the outbox counts (cached), the page-view recorder, the engine's
    pool. Built once in coursesite/app.py: build_app."""

    outbox_counts: Callable[[], Awaitable[dict[str, int]]]
    pageviews: Any  # privacy/pageviews.py: PageViewRecorder
    engine: Any
    access: MetricsAccess = field(default_factory=MetricsAccess)
    cache_seconds: float = OUTBOX_CACHE_SECONDS
    _cached: tuple[float, dict[str, int]] | None = None
    _gauges_at: float = float("-inf")

    def after_request(self) -> None:
        """This worker's gauges, at most every GAUGE_SECONDS: a scrape refreshes its own worker's anyway, and five
        gauge writes (files of their own with several workers) on every request cost more than a second's staleness
        is worth (docs/performance.md)."""
        if time.monotonic() - self._gauges_at >= GAUGE_SECONDS:
            self.refresh_process_gauges()

    def refresh_process_gauges(self) -> None:
        """This worker's own gauges: after requests (after_request) and at every scrape."""
        self._gauges_at = time.monotonic()
        PAGEVIEW_BUFFER.set(self.pageviews.pending)
        PAGEVIEW_DROPPED.set(self.pageviews.dropped)
        pool = getattr(self.engine, "pool", None)  # PostgresEngine: an asyncpg pool once started; SQLite: none
        if pool is not None and hasattr(pool, "get_size"):
            size, idle, most = _pool_gauges()
            size.set(pool.get_size())
            idle.set(pool.get_idle_size())
            most.set(pool.get_max_size())

    async def outbox(self) -> dict[str, int]:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > self.cache_seconds:
            self._cached = (now, await self.outbox_counts())
        return self._cached[1]

    async def exposition(self) -> bytes:
        self.refresh_process_gauges()
        counts = await self.outbox()
        scraped = _Gauges(
            {
                "coursesite_mail_pending_messages": (
                    "Messages in the outbox waiting to be sent",
                    float(sum(counts.get(status, 0) for status in PENDING_STATUSES)),
                ),
                "coursesite_mail_failed_messages": ("Messages the sender gave up on", float(counts.get("failed", 0))),
            }
        )
        registry = CollectorRegistry()
        if os.environ.get(MULTIPROC_ENV):
            multiprocess.MultiProcessCollector(registry)
        else:
            registry.register(_Forward(REGISTRY))
        registry.register(scraped)
        return generate_latest(registry)


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Any]:
        return self.registry.collect()


def prepare_multiprocess_dir(path: str) -> None:
    """Empty the directory a run's workers write to (a previous run's files would be added up with this one's)."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def process_stopped() -> None:
    """A worker's live gauges leave the sum when it stops (multiprocess mode only)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())


# ---------------------------------------------------------------- the route


def metrics_source(
    settings: Settings, outbox_counts: Callable[[], Awaitable[dict[str, int]]], pageviews: Any, engine: Any
) -> MetricsSource:
    access = MetricsAccess(TrustedProxies.parse(",".join(settings.metrics_allow)), settings.metrics_token)
    return MetricsSource(outbox_counts, pageviews, engine, access=access)


def metrics_route(source: MetricsSource) -> Sequence[Any]:
    """The /metrics handler over `source`, with its guard; not in the OpenAPI schema."""

    async def metrics_access(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # async: no thread hop
        address = stored_client_address(connection.scope)
        if not source.access.permits(address, connection.headers.get("authorization")):
            raise NotFoundException()

    @get(METRICS_PATH, guards=[metrics_access], include_in_schema=False)
    async def metrics_endpoint() -> Response[bytes]:
        return Response(await source.exposition(), media_type=CONTENT_TYPE_LATEST)

    return [metrics_endpoint]
