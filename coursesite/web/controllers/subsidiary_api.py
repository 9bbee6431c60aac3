"""The API for subsidiaries (/api/v1/subsidiary): the participants a subsidiary may receive, and the notices of
rectification and erasure queued for it. Stable, in the OpenAPI.

Subsidiaries are programs, not browsers: they authenticate with a bearer token (`coursesite subsidiary add` prints it
once) and use no session and no CSRF token. The routes say so in their `opt` (`exclude_from_csrf` is the CSRF
middleware's opt key), and the guard drops any session principal, so nothing here can act as a logged-in person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Router, get, post
from litestar.connection import ASGIConnection, Request
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme
from litestar.params import PathParameter, QueryParameter
from litestar.status_codes import HTTP_401_UNAUTHORIZED

from coursesite.subsidiaries.service import (
    ID_MAX,
    PAGE_DEFAULT,
    PAGE_MAX,
    SubsidiaryInfo,
    SubsidiaryService,
    authenticate,
)

SECURITY_SCHEME_NAME = "subsidiaryToken"
SECURITY_COMPONENTS = Components(
    security_schemes={
        SECURITY_SCHEME_NAME: SecurityScheme(
            type="http",
            scheme="bearer",
            description="The subsidiary's token from `coursesite subsidiary add` (shown once).",
        )
    }
)
SECURITY: list[SecurityRequirement] = [{SECURITY_SCHEME_NAME: []}]
# Bearer-token clients: no CSRF (the CSRF middleware's opt key) and no session (the guard drops it).
OPT = {"exclude_from_csrf": True, "exclude_session": True}
NO_STORE = CacheControlHeader(no_store=True)


class BearerTokenRequired(HTTPException):
    """401 with `WWW-Authenticate: Bearer` (an HTTPException, so the error handler keeps the header)."""

    status_code = HTTP_401_UNAUTHORIZED


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def subsidiary_token(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Only an active subsidiary's bearer token passes; it is put on the connection state for the handler."""
    connection.scope["user"] = None  # a session cookie, if any, means nothing here
    found = await authenticate(_bearer(connection))
    if found is None:
        raise BearerTokenRequired(
            detail="En giltig nyckel för dotterbolaget krävs (Authorization: Bearer …).",
            headers={"WWW-Authenticate": 'Bearer realm="kurssajten"'},
        )
    connection.state.subsidiary = found


def current_subsidiary(request: Request[Any, Any, Any]) -> SubsidiaryInfo:
    """The subsidiary the guard authenticated (the `subsidiary` dependency of every route here)."""
    found: SubsidiaryInfo = request.state.subsidiary
    return found


class ParticipantsOut(msgspec.Struct):
    participants: list[dict[str, Any]]
    next_after: int | None


class NoticeOut(msgspec.Struct):
    id: int
    kind: str  # rectification | erasure | restriction
    subject_ref: str
    changes: Any
    created_at: datetime


class NoticesOut(msgspec.Struct):
    notices: list[NoticeOut]


@get("/participants")
async def subsidiary_participants(
    subsidiaries: NamedDependency[SubsidiaryService],
    subsidiary: NamedDependency[SubsidiaryInfo],
    limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
    after: Annotated[int, QueryParameter(ge=0, le=ID_MAX, description="next_after of the previous page")] = 0,
) -> ParticipantsOut:
    """The people this subsidiary may receive, `limit` at a time in the order of the id it knows them by: course
    participants by `account.id` (course_site), webinar registrants by `person.id` (webinar). Each item has exactly
    the fields of its purpose's allow-list, by their registry names. Restricted people are never included. Every
    call that returns people is logged as a disclosure. Page on with `after=next_after` until `next_after` is null.
    401 without a valid token."""
    page = await subsidiaries.participants(subsidiary, limit=limit, after=after)
    return ParticipantsOut(participants=page.participants, next_after=page.next_after)


@get("/notices")
async def subsidiary_notices(
    subsidiaries: NamedDependency[SubsidiaryService], subsidiary: NamedDependency[SubsidiaryInfo]
) -> NoticesOut:
    """Unacknowledged notices for this subsidiary, oldest first: `rectification` (with the corrected fields in
    `changes`), `erasure` or `restriction` (stop processing; only store what you hold) of the person it knows by
    `subject_ref`."""
    notices = await subsidiaries.notices(subsidiary)
    return NoticesOut(
        notices=[
            NoticeOut(id=n.id, kind=n.kind, subject_ref=n.subject_ref, changes=n.changes, created_at=n.created_at)
            for n in notices
        ]
    )


@post("/notices/{notice_id:int}/acknowledge", status_code=204)
async def subsidiary_acknowledge(
    subsidiaries: NamedDependency[SubsidiaryService],
    subsidiary: NamedDependency[SubsidiaryInfo],
    notice_id: Annotated[int, PathParameter(ge=1, le=ID_MAX)],
) -> None:
    """The subsidiary has acted on a notice. 204 (also again); 404 for a notice that is not this subsidiary's."""
    await subsidiaries.acknowledge(subsidiary, notice_id)


# The subsidiary API's own authentication, carried once: the bearer-token guard, no CSRF and no session, no caching.
API = Router(
    path="/api/v1/subsidiary",
    route_handlers=[subsidiary_participants, subsidiary_notices, subsidiary_acknowledge],
    guards=[subsidiary_token],
    dependencies={"subsidiary": Provide(current_subsidiary, sync_to_thread=False)},
    security=SECURITY,
    opt=OPT,
    tags=["subsidiary"],
    cache_control=NO_STORE,
)

ROUTES = [API]
