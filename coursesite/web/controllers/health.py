from litestar import Request, Response, get

from coursesite.db.accounts import Account
from coursesite.web import guards


@get("/healthz", guards=[guards.public], tags=["ops"])
async def healthz(request: Request) -> Response[dict[str, str]]:
    """200 when the database answers, 503 when it does not."""
    try:
        await Account.raw("SELECT 1")
    except Exception:  # any failure to reach the database is "not healthy"
        return Response({"status": "database unavailable"}, status_code=503)
    return Response({"status": "ok"})


ROUTES = [healthz]
