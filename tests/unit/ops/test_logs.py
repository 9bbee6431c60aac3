"""ops/logs.py: JSON lines, the request fields, tracebacks scrubbed the same way."""

from __future__ import annotations

import json
import logging

from coursesite.ops.logs import QUIET_LOGGERS, JsonFormatter, quiet_libraries


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
