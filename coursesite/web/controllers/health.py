"""Liveness (`/healthz`: the database answers) and readiness (`/readyz`: ops/readiness.py)."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from coursesite.accounts.service import AccountService
from coursesite.course.catalog import CourseCatalog
from coursesite.mail.sender import MailSender
from coursesite.ops.readiness import Readiness, ReadinessBody
from coursesite.settings import Settings
from coursesite.web import guards


@get("/healthz", guards=[guards.public], tags=["ops"])
async def healthz(accounts: NamedDependency[AccountService]) -> Response[dict[str, str]]:
    """200 when the database answers, 503 when it does not."""
    try:
        await accounts.ping()
    except Exception:  # any failure to reach the database is "not healthy"
        return Response({"status": "database unavailable"}, status_code=503)
    return Response({"status": "ok"})


@get(
    "/readyz",
    guards=[guards.public],
    tags=["ops"],
    responses={503: ResponseSpec(data_container=ReadinessBody, description="Not ready: `reason` names the check")},
)
async def readyz(
    settings: NamedDependency[Settings],
    catalog: NamedDependency[CourseCatalog],
    mail_sender: NamedDependency[MailSender],
) -> Response[ReadinessBody]:
    """200 when this worker can serve: the database answers, every migration is applied, the course is loaded and,
    where this worker sends mail (SMTP configured, COURSESITE_MAIL_WORKER on), its sender runs. 503 otherwise, with
    the failing check in `reason`. Names and states only, no data."""
    readiness = Readiness(catalog, mail_sender, mail_required=bool(settings.smtp_url) and settings.mail_worker)
    body = await readiness.check()
    return Response(body, status_code=200 if body.status == "ready" else 503, headers={"Cache-Control": "no-store"})


ROUTES = [healthz, readyz]
