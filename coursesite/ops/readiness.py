"""Readiness (`/readyz`): whether this worker can serve, unlike `/healthz`, which says only that it is alive.

Every check runs on every request, in the worker that answers, so nothing cached in one process can claim another's
state: the database answers, every migration this code carries is applied, the course content is loaded, and this
worker's mail sender loop is running. The mail check counts only where this worker is meant to send: with
COURSESITE_SMTP_URL set and COURSESITE_MAIL_WORKER on. Without SMTP the messages wait in the outbox (printed in
development) and the site is ready without a sender; with the worker off, a cron job (`coursesite mail send-pending`)
sends. The answer holds check names and short reasons only, never data.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from typing import Any

from coursesite.db.accounts import Account
from coursesite.db.migrate import known_migration_ids
from coursesite.ops.backup import APP_NAME

code_migrations = functools.cache(known_migration_ids)  # the code's own: fixed while the process runs
CHECK_SECONDS = 5.0  # a database that does not answer within this is not ready


@dataclass(frozen=True)
class ReadinessBody:
    """`status` is "ready" or "not ready"; `checks` gives each check's "ok" or the reason it failed; `reason` names
    the first failing check ("" when ready)."""

    status: str
    reason: str = ""
    checks: dict[str, str] = field(default_factory=dict)


class Readiness:
    def __init__(self, catalog: Any, mail_sender: Any, *, mail_required: bool, known: list[str] | None = None) -> None:
        self.catalog = catalog
        self.mail_sender = mail_sender
        self.mail_required = mail_required
        self.known = code_migrations() if known is None else known

    async def ping(self) -> None:
        await Account.raw("SELECT 1")

    async def applied_migrations(self) -> set[str]:
        rows = await Account.raw("SELECT name FROM migration WHERE app_name = {}", APP_NAME)
        return {row["name"] for row in rows}

    async def check(self) -> ReadinessBody:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(self.ping(), timeout=CHECK_SECONDS)
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure to reach the database is "not ready"
            checks["database"] = f"not answering ({type(exc).__name__})"
        if checks["database"] != "ok":
            checks["migrations"] = "unknown"
        else:
            try:
                applied = await asyncio.wait_for(self.applied_migrations(), timeout=CHECK_SECONDS)
                missing = [m for m in self.known if m not in applied]
                checks["migrations"] = f"{len(missing)} not applied (run coursesite migrate)" if missing else "ok"
            except Exception:  # noqa: BLE001 - the database answers, but has no migration table
                checks["migrations"] = "none applied (run coursesite migrate)"
        try:
            loaded = bool(self.catalog.course.lessons())
        except Exception:  # noqa: BLE001 - a catalog that cannot give the course is not loaded
            loaded = False
        checks["content"] = "ok" if loaded else "not loaded"
        if not self.mail_required:
            checks["mail"] = "not sent by this worker"
        else:
            checks["mail"] = "ok" if self.mail_sender.running() else "sender not running"
        failing = [name for name, state in checks.items() if state not in ("ok", "not sent by this worker")]
        if failing:
            return ReadinessBody(status="not ready", reason=failing[0], checks=checks)
        return ReadinessBody(status="ready", checks=checks)
