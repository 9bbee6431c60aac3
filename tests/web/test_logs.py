"""Logs without personal data (issue 16 §4): a busy scenario with every logger at DEBUG, and everything written
scanned for the personal data it used; every request line carries a request id and a route template."""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager

from coursesite.ops.logs import REQUEST_LOGGER, BatchedStderrHandler, JsonFormatter, flush_logs
from coursesite.ops.requests import UNMATCHED
from coursesite.web.middleware import SESSION_COOKIE
from tests.conftest import PASSWORD, PUBLIC_URL, api_post, csrf_token
from tests.support import PRIVATE, correct_response, deliver, from_address, links, open_every_lesson

CLIENT_IP = "198.51.100.23"
PERSON = {
    "email": "zelmira.quistgaard@example.se",
    "first_name": "Zelmira",
    "last_name": "Quistgaard",
    "mobile": "070-987 65 43",
}
PERSONNUMMER = "000101-2384"


class Captured(logging.Handler):
    """Every record, as the site's own handler writes it (ops/logs.py: JsonFormatter)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def everything_logged():
    """Every logger at DEBUG, each one that stops propagation with the capture handler too."""
    handler = Captured()
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        if logger is root or not logger.propagate:
            logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, level in saved:
            logger.setLevel(level)
            logger.removeHandler(handler)


def request_lines(lines: list[str]) -> list[dict]:
    return [entry for entry in map(json.loads, lines) if entry["logger"] == REQUEST_LOGGER]


async def test_a_busy_scenario_logs_no_personal_data(smtp_app, smtp_client, smtp_server, smtp_services, course):
    client = smtp_client
    with from_address(smtp_app, CLIENT_IP), everything_logged() as captured:
        assert (await client.get("/")).status_code == 200
        registered = await api_post(client, "/api/v1/auth/register", {**PERSON, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
        session = client.cookies[SESSION_COOKIE]
        # confirm the address with the mail's link
        await deliver(smtp_app, smtp_server)
        [message] = [m for m in smtp_server.to(PERSON["email"]) if m["Subject"] == "Bekräfta din e-postadress"]
        [path] = [p for p in links(message, PUBLIC_URL) if p.startswith("/bekrafta-epost?token=")]
        confirmation = path.split("=", 1)[1]
        assert (await api_post(client, "/api/v1/auth/verify-email", {"token": confirmation})).status_code == 204
        # enrol, answer (one refused for the personnummer in it), read the progress
        assert (await api_post(client, "/api/v1/enrollments", PRIVATE)).status_code == 201
        await open_every_lesson(registered.json()["id"], course)
        question = course.acts[0].lessons[0].questions[0]
        answered = await api_post(
            client, "/api/v1/answers", {"question_id": question.id, "response": correct_response(question)}
        )
        assert answered.status_code == 201, answered.text
        essay = next(q for lesson in course.lessons() for q in lesson.questions if q.type.value == "essay")
        refused = await api_post(
            client, "/api/v1/answers", {"question_id": essay.id, "response": f"Mitt personnummer är {PERSONNUMMER}"}
        )
        assert refused.status_code == 400
        # a wrong password, a path with an address in it, the data export, the erasure request
        wrong = await client.post(
            "/api/v1/auth/login",
            json={"email": PERSON["email"], "password": "fel-" + PASSWORD},
            headers={"x-csrftoken": await csrf_token(client)},
        )
        assert wrong.status_code in (400, 401)
        assert (await client.get(f"/finns-inte/{PERSON['email']}")).status_code == 404
        export = await client.get("/api/v1/me/data")
        assert export.status_code == 200 and PERSON["last_name"] in export.text
        assert (await api_post(client, "/api/v1/me/erasure-request")).status_code == 201
        # an error nobody expected, whose message quotes the person: the traceback stays, the data does not
        original = smtp_services.answers.progress

        async def broken(account_id):
            raise ValueError(f"no progress for {PERSON['email']!r} ({PERSON['first_name']!r}, {PERSONNUMMER})")

        smtp_services.answers.progress = broken
        try:
            failed = await client.get("/api/v1/me/progress")
        finally:
            smtp_services.answers.progress = original
        assert failed.status_code == 500

    written = "\n".join(captured.lines)
    secrets = [
        *PERSON.values(),
        PERSON["mobile"].replace(" ", "").replace("-", ""),
        CLIENT_IP,
        session,
        confirmation,
        PASSWORD,
        PERSONNUMMER,
    ]
    found = [secret for secret in secrets if secret.lower() in written.lower()]
    assert found == [], f"personal data in the logs: {found}"

    lines = request_lines(captured.lines)
    assert len(lines) >= 12
    for entry in lines:
        assert re.fullmatch(r"[0-9a-f]{32}", entry["request_id"]), entry
        assert entry["route"] == UNMATCHED or entry["route"].startswith("/"), entry
        assert {"method", "status", "duration_ms", "worker"} <= set(entry)
    routes = {entry["route"] for entry in lines}
    assert "/api/v1/answers" in routes and "/api/v1/me/erasure-request" in routes and UNMATCHED in routes
    assert not any(str(registered.json()["id"]) in route.split("/") for route in routes)
    # the 500 kept its traceback, scrubbed
    errors = [entry for entry in map(json.loads, captured.lines) if "exception" in entry]
    [error] = [entry for entry in errors if "in broken" in entry["exception"]]
    assert "ValueError: no progress for" in error["exception"]
    assert error["request_id"] == failed.headers["x-request-id"]  # the error line names its request
    # the id a response carries is the one its request line carries
    assert failed.headers["x-request-id"] in {entry["request_id"] for entry in lines}


async def test_a_request_id_is_taken_only_in_a_strict_shape(client):
    given = "0f8fad5b-d9cb-469f-a165-70867728950e"
    with everything_logged() as captured:
        kept = await client.get("/", headers={"x-request-id": given})
        replaced = await client.get("/", headers={"x-request-id": "anna@example.se"})
    assert kept.headers["x-request-id"] == given
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    ids = [entry["request_id"] for entry in request_lines(captured.lines)]
    assert ids == [given, replaced.headers["x-request-id"]]
    assert "anna@example.se" not in "\n".join(captured.lines)


async def test_the_site_keeps_weasyprint_quiet(app):
    """About 150 INFO lines per PDF otherwise; the PDF workers do the same (coursesite/pdf.py: _warm_up)."""
    for name in ("weasyprint", "fontTools"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
    assert logging.getLogger(REQUEST_LOGGER).isEnabledFor(logging.INFO)


async def test_the_lines_still_waiting_are_written_on_shutdown(app):
    assert app.on_shutdown[-1] is flush_logs  # last: the other hooks' own lines go out too
    assert any(isinstance(handler, BatchedStderrHandler) for handler in logging.getLogger().handlers)
