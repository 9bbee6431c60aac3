"""Technical data (policy §3): page views — path, time, user agent, accept-language and IP address.

Requests never wait on the database: `PageViewMiddleware` only appends a row to an in-process buffer
(`PageViewRecorder.record`, synchronous, no await), and a background task stores the buffer with one multi-row insert
every `flush_seconds`, or sooner when `batch_rows` rows are waiting, and once more on shutdown. Each worker process has
its own buffer; a crash loses at most one interval of page views, which is acceptable for technical data.

What is recorded, on purpose:
- only GET requests for pages: responses with status 200 and an HTML content type, outside /static, /api, /healthz, /readyz
  and /schema (assets, the API and health checks are not page views; error pages and redirects are not pages visited);
- the path without the query string (a query string could carry personal data: a search, an email in a link);
- the IP address only when the client address parses as one (core/client_address.py: the peer, or behind a proxy
  listed in COURSESITE_TRUSTED_PROXIES the X-Forwarded-For entry it vouches for; the web layer's middleware works
  it out once per request);
- the User-Agent and Accept-Language headers only as the one free-text rule (core/text.py) accepts them: a value it
  refuses (NUL, control or bidi characters, longer than the column, a personnummer or card number) is not stored at
  all (NULL), never partly stripped; the request itself is served as always;
- the path bounded to its column and stripped of control characters (PostgreSQL refuses NUL);
- never the account: technical data is not tied to a person's account.

The data is never logged. A failed insert is logged as a count and the exception's type only.
The retention job (privacy/retention.py) truncates the addresses and deletes the rows after the periods in the
settings (settings.py: `page_view_ip_days`, `page_view_retention_months`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from dataclasses import dataclass

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from piccolo.engine.postgres import PostgresEngine

from coursesite.core import clock
from coursesite.core.client_address import stored_client_address
from coursesite.core.text import TextRefused, TextRule, clean_text
from coursesite.db.engine import write_transaction
from coursesite.db.fastsql import Statement, execute_many, fetch
from coursesite.db.privacy import PageView

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 5.0
BATCH_ROWS = 500
MAX_BUFFERED_ROWS = 20_000  # beyond this (the database is down) new page views are dropped and counted

PATH_MAX = 500  # page_view.path
USER_AGENT_MAX = 500  # page_view.user_agent
ACCEPT_LANGUAGE_MAX = 200  # page_view.accept_language
INSERT_CHUNK_ROWS = 500  # rows per transaction

EXCLUDED_PREFIXES = ("/static", "/api", "/healthz", "/readyz", "/schema")

# A batch as fixed SQL bound by the driver (PostgreSQL: one INSERT from arrays; SQLite: a row at a time in its own
# thread): building 500 Piccolo rows and their INSERT took tens of milliseconds on the event loop, a stall for every
# request in flight, twice a second at 1,000 page views a second.
_COLUMNS = ("path", "viewed_at", "user_agent", "accept_language", "ip_address")
_INSERT_PAGE_VIEW = Statement.same(
    f"INSERT INTO page_view ({', '.join(_COLUMNS)}, ip_truncated) VALUES ($1, $2, $3, $4, $5, FALSE)", len(_COLUMNS)
)
_INSERT_PAGE_VIEWS = Statement.postgres_only(
    f"INSERT INTO page_view ({', '.join(_COLUMNS)}, ip_truncated) SELECT *, FALSE FROM "
    "unnest($1::varchar[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[])",
    len(_COLUMNS),
)

USER_AGENT_RULE = TextRule(max_chars=USER_AGENT_MAX, subject="User-Agent")
ACCEPT_LANGUAGE_RULE = TextRule(max_chars=ACCEPT_LANGUAGE_MAX, subject="Accept-Language")


@dataclass(frozen=True)
class TechnicalDataConfig:
    """How page views are batched. How long they are kept is in the settings (settings.py)."""

    flush_seconds: float = FLUSH_SECONDS
    batch_rows: int = BATCH_ROWS
    max_buffered_rows: int = MAX_BUFFERED_ROWS


# Header values the rule accepted unchanged, so a browser's next page view skips the rule's scan (about 70 µs for a
# User-Agent, in the request). Only accepted values: a refused one (it may hold a personnummer) is never kept.
ACCEPTED_CACHE_MAX = 1024
_accepted: dict[tuple[TextRule, str], None] = {}  # insertion order: the oldest goes first when full


def stored_header(value: str | None, rule: TextRule) -> str | None:
    """A request header's value as it is stored: as the one free-text rule accepts it, or None (not stored at all)
    when the rule refuses it or it is empty. Never partly stripped."""
    if value and (rule, value) in _accepted:
        return value
    try:
        cleaned = clean_text(value, rule) or None
    except TextRefused:
        return None
    if cleaned is not None and cleaned == value:
        if len(_accepted) >= ACCEPTED_CACHE_MAX:
            del _accepted[next(iter(_accepted))]
        _accepted[(rule, value)] = None
    return cleaned


def _clean(value: str | None, limit: int) -> str | None:
    """The path: printable text within the column's length, or None."""
    if not value:
        return None
    cleaned = "".join(ch for ch in value[: limit * 2] if ch.isprintable())[:limit]
    return cleaned or None


def valid_ip(host: str | None) -> str | None:
    """The client address in its canonical form, or None when it is not an IP address (a unix socket, a test)."""
    if not host or len(host) > 64:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def is_page_path(path: str) -> bool:
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in EXCLUDED_PREFIXES)


class PageViewRecorder:
    """An in-process buffer of page views, stored in batches by a background task.

    `record` is synchronous and never awaits, so it is safe to call from any coroutine on the event loop; `flush`
    takes the whole buffer in one step (no await in between), so two flushes never store the same row twice.
    """

    def __init__(self, config: TechnicalDataConfig | None = None) -> None:
        self.config = config or TechnicalDataConfig()
        self.flush_seconds = self.config.flush_seconds
        self._rows: list[dict] = []
        # One background flush per event loop that started the app: normally one; the test client runs each client
        # (and its lifespan) on a loop of its own.
        self._flushers: dict[asyncio.AbstractEventLoop, _Flusher] = {}
        self.dropped = 0

    @property
    def pending(self) -> int:
        return len(self._rows)

    def record(self, *, path: str, user_agent: str | None, accept_language: str | None, ip_address: str | None) -> None:
        if len(self._rows) >= self.config.max_buffered_rows:
            self.dropped += 1
            return
        self._rows.append(
            {
                "path": _clean(path, PATH_MAX) or "/",
                "viewed_at": clock.now(),
                "user_agent": stored_header(user_agent, USER_AGENT_RULE),
                "accept_language": stored_header(accept_language, ACCEPT_LANGUAGE_RULE),
                "ip_address": valid_ip(ip_address),
            }
        )
        if len(self._rows) >= self.config.batch_rows:
            loop = _running_loop()
            flusher = self._flushers.get(loop) if loop is not None else None
            if flusher is not None:
                flusher.wake.set()

    async def flush(self) -> int:
        """Store what is buffered; returns the number of rows stored. On a database error the rows go back to the
        buffer (as far as there is room) and the error is logged without any of the data."""
        rows, self._rows = self._rows, []
        stored = 0
        try:
            for start in range(0, len(rows), INSERT_CHUNK_ROWS):
                chunk = rows[start : start + INSERT_CHUNK_ROWS]
                engine = PageView._meta.db
                async with write_transaction(engine):
                    if isinstance(engine, PostgresEngine):  # one statement of arrays: one execution, not 500
                        await fetch(engine, _INSERT_PAGE_VIEWS, *([row[name] for row in chunk] for name in _COLUMNS))
                    else:  # in SQLite's own thread, row by row
                        await execute_many(
                            engine, _INSERT_PAGE_VIEW, [[row[name] for name in _COLUMNS] for row in chunk]
                        )
                stored += len(chunk)
        except Exception as exc:  # noqa: BLE001 - technical data must never break the site
            unsaved = rows[stored:]
            room = max(0, self.config.max_buffered_rows - len(self._rows))
            self._rows[:0] = unsaved[:room]
            self.dropped += max(0, len(unsaved) - room)
            logger.warning("page views: %d rows not stored yet (%s)", len(unsaved), type(exc).__name__)
        return stored

    async def start(self) -> None:
        """Start the background flush on this event loop (an on_startup hook)."""
        loop = asyncio.get_running_loop()
        if loop not in self._flushers:
            flusher = _Flusher(asyncio.Event())
            flusher.task = asyncio.create_task(self._run(flusher), name="page-view-flush")
            self._flushers[loop] = flusher

    async def stop(self) -> None:
        """Stop this loop's background flush and store what is left (an on_shutdown hook)."""
        flusher = self._flushers.pop(asyncio.get_running_loop(), None)
        if flusher is not None and flusher.task is not None:
            flusher.stopping = True
            flusher.wake.set()
            await flusher.task
        await self.flush()

    async def _run(self, flusher: _Flusher) -> None:
        while not flusher.stopping:
            try:
                await asyncio.wait_for(flusher.wake.wait(), timeout=self.flush_seconds)
            except TimeoutError:
                pass
            flusher.wake.clear()
            if not flusher.stopping:
                await self.flush()


@dataclass
class _Flusher:
    wake: asyncio.Event
    stopping: bool = False
    task: asyncio.Task | None = None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class PageViewMiddleware(ASGIMiddleware):
    """Records a page view when a page GET is answered with 200 and HTML. Adds no await to the request."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, recorder: PageViewRecorder) -> None:
        self.recorder = recorder

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope.get("path", "")
        if scope.get("method") != "GET" or not is_page_path(path):
            await next_app(scope, receive, send)
            return

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                headers = dict(_headers(message.get("headers", ())))
                if headers.get("content-type", "").startswith("text/html"):
                    request_headers = dict(_headers(scope.get("headers", ())))
                    client = scope.get("client")
                    self.recorder.record(
                        path=path,
                        user_agent=request_headers.get("user-agent"),
                        accept_language=request_headers.get("accept-language"),
                        ip_address=stored_client_address(scope) or (client[0] if client else None),
                    )
            await send(message)

        await next_app(scope, receive, send_and_record)


def _headers(raw) -> list[tuple[str, str]]:
    return [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw]
