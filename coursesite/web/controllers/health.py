"""The health check: whether the database answers."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency

from coursesite.accounts.service import AccountService
from coursesite.web import guards


@get("/healthz", guards=[guards.public], tags=["ops"])
async def healthz(accounts: NamedDependency[AccountService]) -> Response[dict[str, str]]:
    """200 when the database answers, 503 when it does not."""
    try:
        await accounts.ping()
    except Exception:  # any failure to reach the database is "not healthy"
        return Response({"status": "database unavailable"}, status_code=503)
    return Response({"status": "ok"})


ROUTES = [healthz]
