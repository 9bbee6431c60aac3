"""Logs as JSON lines on standard error, through the standard logging module, never holding personal data.

Every record goes through :class:`JsonFormatter`: its message and its traceback are run through
privacy/logscrub.py (e-mail addresses, personnummer, IP addresses, tokens; an exception's quoted values). The one
line per request (ops/requests.py) carries the fields in :data:`REQUEST_FIELDS`, none of them personal.

The same configuration (:func:`logging_dict`) is given to uvicorn (coursesite/cli.py: serve) and to Litestar
(coursesite/app.py), so the server's own lines are JSON too. docs/operations.md shows a line. Lines are written by
:class:`BatchedStderrHandler`: formatted (and scrubbed) when logged; request lines written together at most ~20 ms
later.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
import time
import traceback
import weakref
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from coursesite.privacy.logscrub import scrub, scrub_values

# The fields a request line adds to the record (logging's `extra=`): written as they are, never personal.
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms", "queued_ms", "worker")
REQUEST_LOGGER = "coursesite.request"
OWN_LOGGER = "coursesite"  # its children are ours
# The request being served (ops/requests.py sets it): every line logged while serving it carries its id.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# Chatty libraries: WeasyPrint writes ~150 INFO lines per PDF, fontTools as many on subsetting.
QUIET_LOGGERS = ("weasyprint", "weasyprint.progress", "fontTools", "fontTools.subset", "fontTools.ttLib")


def _exception_text(exc_info: Any) -> str:
    """The traceback with each exception's message scrubbed of the values it quotes (the frames hold only code)."""
    _, value, _ = exc_info
    if value is None:
        return ""
    lines: list[str] = []
    seen: set[int] = set()
    chain: list[BaseException] = []
    current: BaseException | None = value
    while current is not None and id(current) not in seen:  # the cause first, as Python prints it
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    for index, exc in enumerate(reversed(chain)):
        if index:
            lines.append("\nThe above exception led to the following exception:\n\n")
        lines.extend(traceback.format_tb(exc.__traceback__))
        message = scrub_values(str(exc))
        name = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
        lines.append(f"{name}: {message}" if message else name)
    return scrub("Traceback (most recent call last):\n" + "".join(lines))


@functools.lru_cache(maxsize=4096)
def _scrubbed_request_line(message: str) -> str:
    """The request line's message, scrubbed like any of ours. It is one of few (method, route template, status:
    ops/requests.py), so the scrub's result is kept rather than run again on every request."""
    return scrub(message)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the request fields or the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the line
            message = str(record.msg)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            # Our own messages quote nothing personal (tests/web/test_logs.py); a library's may quote its input.
            "message": _scrubbed_request_line(message)
            if record.name == REQUEST_LOGGER
            else scrub(message)
            if record.name.split(".")[0] == OWN_LOGGER
            else scrub_values(message),
        }
        for name in REQUEST_FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if "request_id" not in entry and (request_id := current_request_id.get()) is not None:
            entry["request_id"] = request_id
        entry.setdefault("worker", record.process or os.getpid())
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = _exception_text(record.exc_info)
        elif record.exc_text:
            entry["exception"] = scrub(record.exc_text)
        if record.stack_info:
            entry["stack"] = scrub(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class BatchedStderrHandler(logging.Handler):
    """Standard error, one write per batch of request lines instead of one per line (a syscall, and before this a
    thread hop through a queue, on every request). A record is formatted, so scrubbed, when it is logged, on the
    logging thread (its request id is a context variable there). The writer thread writes a request line below ERROR
    at most `delay` seconds later, and any other line below ERROR at once, so that a reader of standard error who
    stalls (a full pipe) stalls that thread, not the event loop. An ERROR and above, and every line once the app has
    shut down (:func:`flush_logs`, its last shutdown hook), are written by the thread that logs them, with everything
    before them: an error right before a crash, or uvicorn's own last lines (it ends a worker by raising SIGTERM
    again, with no time left for a writer). The order is kept throughout; close and exit write what waits."""

    def __init__(self, stream: Any = None, delay: float = 0.02) -> None:
        super().__init__()
        self.stream = stream if stream is not None else sys.stderr  # as logging.StreamHandler: bound when made
        self.delay = delay
        self._lines: list[str] = []
        self._lines_lock = threading.Lock()  # taken last: never while waiting for another lock
        self._write_lock = threading.Lock()  # one batch written at a time, so batches stay in order
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._urgent = False  # a line that is not a request line waits: the writer skips its delay
        self._shut_down = False  # flush_logs has run: from now on every line is written at once
        self._closed = False
        _BATCHED.add(self)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - logging's own rule: a bad record is reported, never raised
            self.handleError(record)
            return
        with self._lines_lock:
            self._lines.append(line)
            first = len(self._lines) == 1
        if record.levelno >= logging.ERROR or self._shut_down or self._closed:
            self.flush()
        elif record.name != REQUEST_LOGGER:
            self._urgent = True
            self._wake_writer()
        elif first:
            self._wake_writer()

    def _wake_writer(self) -> None:
        if self._writer is None:
            self._start_writer()
        self._wake.set()

    def _start_writer(self) -> None:
        self._writer = threading.Thread(target=self._write_batches, name="log-writer", daemon=True)
        self._writer.start()

    def _write_batches(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            if not self._urgent:
                time.sleep(self.delay)  # the lines of the next few ms go in the same write
            self._urgent = False
            self.flush()

    def flush(self) -> None:
        with self._write_lock:
            with self._lines_lock:
                lines, self._lines = self._lines, []
            if not lines:
                return
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except Exception:  # noqa: BLE001 - a closed or full stream must not take the app down
                pass

    def close(self) -> None:
        self._closed = True
        self._wake.set()
        self.flush()
        super().close()

    def _after_fork(self) -> None:
        # A forked worker has the parent's buffer (already the parent's to write) and no writer thread.
        self._lines = []
        self._lines_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._writer = None
        self._urgent = False
        self._shut_down = False


_BATCHED: weakref.WeakSet[BatchedStderrHandler] = weakref.WeakSet()


def flush_logs() -> None:
    """Write every line still waiting in a :class:`BatchedStderrHandler`, and every later line at once (the app's
    last shutdown hook)."""
    for handler in list(_BATCHED):
        handler._shut_down = True  # noqa: SLF001
        handler.flush()


def _after_fork_in_child() -> None:
    for handler in list(_BATCHED):
        handler._after_fork()  # noqa: SLF001


os.register_at_fork(after_in_child=_after_fork_in_child)


def _loggers(level: str) -> dict[str, dict[str, Any]]:
    loggers: dict[str, dict[str, Any]] = {name: {"level": "WARNING"} for name in QUIET_LOGGERS}
    # uvicorn's own loggers: through the same handler (its access log stays off: the request line replaces it).
    loggers["uvicorn"] = {"level": level, "handlers": ["queue_listener"], "propagate": False}
    loggers["uvicorn.error"] = {"level": level, "handlers": [], "propagate": True}
    loggers["uvicorn.access"] = {"level": "WARNING", "handlers": [], "propagate": False}
    loggers["litestar"] = {"level": level, "handlers": ["queue_listener"], "propagate": False}
    return loggers


def logging_dict(level: str = "INFO") -> dict[str, Any]:
    """The dictConfig for uvicorn: JSON on standard error, quiet libraries."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"standard": {"()": JsonFormatter}},
        # The id is the one Litestar's configuration uses (its default is a queue and a thread writing each line).
        "handlers": {"queue_listener": {"()": BatchedStderrHandler, "formatter": "standard"}},
        "loggers": _loggers(level),
        "root": {"handlers": ["queue_listener"], "level": level},
    }


def litestar_logging_config(level: str = "INFO"):
    """The same for Litestar: the batched handler (below ERROR, the loop never waits for a write), the JSON formatter."""
    from litestar.logging import LoggingConfig

    return LoggingConfig(
        formatters={"standard": {"()": JsonFormatter}},
        handlers={"queue_listener": {"()": BatchedStderrHandler, "formatter": "standard"}},
        loggers=_loggers(level),
        root={"handlers": ["queue_listener"], "level": level},
        # Expected errors (400, 403, 404 …) are answers, not incidents: only the 500 handler logs, in web/errors.py.
        log_exceptions="debug",
    )


def quiet_libraries() -> None:
    """For processes that do not run the app's configuration (the PDF workers, coursesite/pdf.py)."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
