"""Readiness (`/readyz`, ops/readiness.py): 200 only when the database answers, every migration is applied, the
course is loaded and, where this worker sends mail, its sender runs; 503 naming the failing check otherwise. Each
503 reason is produced for real where it can be (a missing migration, a stopped sender) and by a stand-in where the
site cannot be broken from a test (a database that does not answer, a course without lessons)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from litestar.testing import AsyncTestClient

from coursesite.mail.sender import MailSender
from coursesite.ops.readiness import Readiness, code_migrations


async def test_ready_answers_200_with_every_check(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "reason": "",
        "checks": {"database": "ok", "migrations": "ok", "content": "ok", "mail": "not sent by this worker"},
    }
    assert response.headers["cache-control"] == "no-store"
    assert (await client.get("/healthz")).json() == {"status": "ok"}  # liveness unchanged


async def test_ready_with_the_mail_sender_running(smtp_settings, sites, db):
    settings = dataclasses.replace(smtp_settings, mail_worker=True)
    app = sites.get(settings)[1]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        response = await client.get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["mail"] == "ok"


async def test_the_schema_describes_readyz(client):
    operation = (await client.get("/schema/openapi.json")).json()["paths"]["/readyz"]["get"]
    assert {"200", "503"} <= set(operation["responses"])


async def test_not_ready_when_a_migration_is_missing(services):
    readiness = Readiness(services.catalog, services.mail_sender, mail_required=False, known=[*code_migrations(), "9"])
    body = await readiness.check()
    assert (body.status, body.reason) == ("not ready", "migrations")
    assert body.checks["migrations"] == "1 not applied (run coursesite migrate)"


async def test_not_ready_when_the_database_does_not_answer(services):
    class Unreachable(Readiness):
        async def ping(self) -> None:
            raise ConnectionRefusedError("no database")

    body = await Unreachable(services.catalog, services.mail_sender, mail_required=False).check()
    assert (body.status, body.reason) == ("not ready", "database")
    assert body.checks["database"] == "not answering (ConnectionRefusedError)"
    assert body.checks["migrations"] == "unknown"


async def test_not_ready_on_a_database_never_migrated(tmp_path, settings):
    """A real empty database: it answers, but has no migration table."""
    from coursesite.app import create_app
    from coursesite.db.engine import build_engine
    from coursesite.db.tables import bind_tables

    app = create_app(dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'empty.sqlite'}"))
    try:
        async with AsyncTestClient(app=app) as empty_client:
            response = await empty_client.get("/readyz")
    finally:
        app_engine = build_engine(settings.database)
        bind_tables(app_engine)  # the tables back on the run's database
    assert response.status_code == 503
    assert response.json()["reason"] == "migrations"
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["migrations"] == "none applied (run coursesite migrate)"


async def test_not_ready_without_course_content(services):
    empty = SimpleNamespace(course=SimpleNamespace(lessons=lambda: []))
    body = await Readiness(empty, services.mail_sender, mail_required=False).check()
    assert (body.status, body.reason) == ("not ready", "content")


async def test_not_ready_when_the_mail_sender_is_not_running(services):
    sender = MailSender(services.mail_sender.engine, transport=object(), mail_from=("K", "k@example.se"))  # type: ignore[arg-type]
    body = await Readiness(services.catalog, sender, mail_required=True).check()
    assert (body.status, body.reason, body.checks["mail"]) == ("not ready", "mail", "sender not running")


async def test_readyz_answers_503_with_the_reason(client, monkeypatch):
    async def no_migrations(self) -> set[str]:
        return set()

    monkeypatch.setattr(Readiness, "applied_migrations", no_migrations)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "migrations" and response.json()["status"] == "not ready"
