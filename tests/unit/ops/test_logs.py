"""ops/logs.py: JSON lines, the request fields, tracebacks scrubbed the same way."""

from __future__ import annotations

import io
import json
import logging
import threading
import time

from coursesite.ops.logs import (
    QUIET_LOGGERS,
    REQUEST_LOGGER,
    BatchedStderrHandler,
    JsonFormatter,
    flush_logs,
    quiet_libraries,
)


def _record(message, *args, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord("coursesite.test", logging.ERROR, __file__, 1, message, args, exc_info)
    record.__dict__.update(extra)
    return record


def test_a_line_is_one_json_object_with_the_request_fields():
    line = JsonFormatter().format(
        _record("%s %s", "GET", "/kurs/{slug:str}", request_id="ab" * 16, route="/kurs/{slug:str}", status=200)
    )
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "GET /kurs/{slug:str}"
    assert entry["request_id"] == "ab" * 16 and entry["route"] == "/kurs/{slug:str}" and entry["status"] == 200
    assert entry["level"] == "ERROR" and entry["logger"] == "coursesite.test" and isinstance(entry["worker"], int)


def test_the_message_and_the_traceback_are_scrubbed():
    def fails(value: str) -> None:
        int(value)

    # In variables: a traceback shows the source lines, and these are data, not code.
    given, name, address = "anna@example.se 000101-2384", "Zelmira", "203.0.113.7"
    try:
        try:
            fails(given)
        except ValueError as exc:
            raise RuntimeError(f"while reading {name!r} from {address}") from exc
    except RuntimeError:
        import sys

        record = _record("failed for %s", "anna@example.se", exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    text = json.dumps(entry, ensure_ascii=False)
    for secret in ("anna@example.se", "000101-2384", "Zelmira", "203.0.113.7"):
        assert secret not in text
    assert "Traceback (most recent call last)" in entry["exception"]
    assert "in fails" in entry["exception"] and "int(value)" in entry["exception"]  # the frames stay
    assert "ValueError: invalid literal for int() with base 10: [värde]" in entry["exception"]
    assert entry["exception"].rstrip().endswith("RuntimeError: while reading [värde] from [ip]")


def test_the_pdf_libraries_are_quiet():
    quiet_libraries()
    for name in QUIET_LOGGERS:
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)


def _batched(delay: float = 3600.0):
    stream = io.StringIO()
    handler = BatchedStderrHandler(stream, delay=delay)
    handler.setFormatter(JsonFormatter())
    return handler, stream


def test_batched_lines_wait_for_the_flush_and_keep_their_order():
    handler, stream = _batched()
    for number in range(5):
        handler.handle(_record_at(logging.INFO, "line %s", number))
    assert stream.getvalue() == ""  # waiting for the writer (an hour here)
    flush_logs()  # the app's last shutdown hook
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == [f"line {n}" for n in range(5)]
    handler.close()


def test_batched_lines_are_written_by_the_writer_without_a_flush():
    handler, stream = _batched(delay=0.001)
    handler.handle(_record_at(logging.INFO, "soon"))
    for _ in range(2000):  # not a timing assertion: only that it comes
        if stream.getvalue():
            break
        time.sleep(0.005)
    assert json.loads(stream.getvalue())["message"] == "soon"
    handler.close()


def test_an_error_is_written_at_once_after_the_lines_before_it():
    handler, stream = _batched()
    handler.handle(_record_at(logging.INFO, "before"))
    handler.handle(_record_at(logging.ERROR, "the error"))
    handler.handle(_record_at(logging.INFO, "after"))
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["before", "the error"]
    handler.close()


def test_another_logger_s_line_does_not_wait_for_the_delay_and_keeps_the_order():
    handler, stream = _batched()  # a delay of an hour: only the writer's skipping it brings the lines
    handler.handle(_record_at(logging.INFO, "before"))
    handler.handle(_record_at(logging.WARNING, "a warning", name="coursesite.mail"))
    for _ in range(2000):  # not a timing assertion: only that it comes
        if stream.getvalue():
            break
        time.sleep(0.005)
    assert [json.loads(line)["message"] for line in stream.getvalue().splitlines()] == ["before", "a warning"]
    handler.close()


def test_after_the_shutdown_hook_every_line_is_written_at_once():
    handler, stream = _batched()
    handler.handle(_record_at(logging.INFO, "GET / 200"))
    flush_logs()  # the app's last shutdown hook; uvicorn's last lines come after it
    handler.handle(_record_at(logging.INFO, "Application shutdown complete.", name="uvicorn.error"))
    handler.handle(_record_at(logging.INFO, "a late request line"))
    messages = [json.loads(line)["message"] for line in stream.getvalue().splitlines()]
    assert messages == ["GET / 200", "Application shutdown complete.", "a late request line"]
    handler.close()


class _StalledStream:
    """Standard error whose reader has stopped: a write waits until `release` (at most 10 s, so a failure is no hang),
    and the thread of each write is kept."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.writers: list[str] = []
        self.text = io.StringIO()

    def write(self, text: str) -> None:
        self.writers.append(threading.current_thread().name)
        self.release.wait(10)
        self.text.write(text)

    def flush(self) -> None:
        pass


def test_a_stalled_reader_stalls_the_writer_thread_not_the_one_that_logs():
    stream = _StalledStream()
    handler = BatchedStderrHandler(stream, delay=0.001)
    handler.setFormatter(JsonFormatter())
    handler.handle(_record_at(logging.INFO, "GET / 200"))
    handler.handle(_record_at(logging.WARNING, "a warning", name="coursesite.mail"))
    handler.handle(_record_at(logging.INFO, "GET /kurs 200"))
    assert threading.current_thread().name not in stream.writers
    stream.release.set()
    handler.close()
    messages = [json.loads(line)["message"] for line in stream.text.getvalue().splitlines()]
    assert messages == ["GET / 200", "a warning", "GET /kurs 200"]
    assert stream.writers and set(stream.writers) <= {"log-writer", threading.current_thread().name}


def test_batched_lines_are_scrubbed_when_logged_and_written_on_close():
    handler, stream = _batched()
    handler.handle(_record_at(logging.INFO, "mail to %s from %s", "anna@example.se", "203.0.113.7"))
    handler.close()  # what dictConfig and logging.shutdown do
    text = stream.getvalue()
    assert "anna@example.se" not in text and "203.0.113.7" not in text
    assert json.loads(text)["message"] == "mail to [e-post] from [ip]"


def _record_at(level: int, message: str, *args, name: str = REQUEST_LOGGER) -> logging.LogRecord:
    """A request line by default: the only lines that wait for the writer."""
    return logging.LogRecord(name, level, __file__, 1, message, args, None)
