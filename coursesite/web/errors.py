"""Errors mapped to responses once: JSON under /api, a Swedish page everywhere else."""

from __future__ import annotations

from urllib.parse import quote

import msgspec
from asyncpg.exceptions import CharacterNotInRepertoireError, UntranslatableCharacterError  # type: ignore[import-untyped]
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from coursesite.core.errors import (
    Busy,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    TryLater,
    Unauthenticated,
)
from coursesite.web.hardening import Refused

STATUS_FOR = {
    Invalid: HTTP_400_BAD_REQUEST,
    Unauthenticated: HTTP_401_UNAUTHORIZED,
    Forbidden: HTTP_403_FORBIDDEN,
    NotFound: HTTP_404_NOT_FOUND,
    Conflict: HTTP_409_CONFLICT,
    RateLimited: HTTP_429_TOO_MANY_REQUESTS,
    Busy: HTTP_503_SERVICE_UNAVAILABLE,
}

GUARD_REFUSED = "Du har inte behörighet till det här."
CSRF_REFUSED = "Formuläret har gått ut. Ladda om sidan och försök igen."
LOGIN_NEEDED = "Du måste vara inloggad."

PAGE_TITLES = {
    400: "Något stämmer inte",
    401: "Logga in",
    403: "Ingen åtkomst",
    404: "Sidan finns inte",
    405: "Det går inte att göra så",
    409: "Det finns redan",
    413: "För stor begäran",
    429: "För många försök",
    503: "Fullt just nu",
    500: "Något gick fel hos oss",
}


def is_api(request: Request) -> bool:
    return is_api_path(request.url.path)


def is_api_path(path: str) -> bool:
    """The paths whose errors are JSON; every other path's are a Swedish page."""
    return path.startswith("/api/") or path in ("/healthz", "/readyz")


def _respond(request: Request, status: int, message: str, field_errors: dict[str, str] | None = None, headers=None):
    if is_api(request):
        body: dict = {"status_code": status, "detail": message}
        if field_errors:
            body["errors"] = field_errors
        return Response(body, status_code=status, headers=headers)
    return Template(
        "errors/error.html",
        context={"status": status, "title": PAGE_TITLES.get(status, "Fel"), "message": message},
        status_code=status,
        headers=headers,
    )


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    return _respond(request, status_for(exc), exc.message, exc.field_errors, retry_after(exc))


def status_for(exc: DomainError) -> int:
    return next((code for cls, code in STATUS_FOR.items() if isinstance(exc, cls)), HTTP_400_BAD_REQUEST)


def retry_after(exc: DomainError) -> dict[str, str]:
    """The Retry-After header of an error that passes with time (too many attempts, a full site); else none."""
    return {"retry-after": str(exc.retry_after_seconds)} if isinstance(exc, TryLater) else {}


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    field_errors: dict[str, str] = {}
    for item in exc.extra or []:
        if isinstance(item, dict):
            key = str(item.get("key") or "body")
            field_errors[key] = str(item.get("message", "ogiltigt värde"))
    return _respond(request, HTTP_400_BAD_REQUEST, "Ogiltig begäran: " + str(exc.detail), field_errors)


def not_authorized_handler(request: Request, exc: NotAuthorizedException) -> Response:
    if not is_api(request) and request.method == "GET":
        return Redirect(f"/logga-in?next={quote(request.url.path)}")
    return _respond(request, HTTP_401_UNAUTHORIZED, LOGIN_NEEDED)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    if isinstance(exc, Refused):
        message = str(exc.detail)
    elif exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        message = "Begäran är för stor."
    elif exc.status_code == HTTP_403_FORBIDDEN and "CSRF" in str(exc.detail):  # before: it is a PermissionDenied
        message = CSRF_REFUSED
    elif isinstance(exc, PermissionDeniedException):
        message = GUARD_REFUSED
    elif isinstance(exc, NotFoundException):
        message = "Det du letar efter finns inte."
    else:
        message = str(exc.detail) if exc.status_code < 500 else "Ett oväntat fel inträffade."
    field_errors = exc.field_errors if isinstance(exc, Refused) else None
    return _respond(request, exc.status_code, message, field_errors, headers=getattr(exc, "headers", None))


def undecodable_handler(request: Request, exc: Exception) -> Response:
    """A body or a value the decoder cannot read is the client's error: a 400, and nothing in the log."""
    return _respond(
        request, HTTP_400_BAD_REQUEST, "Begäran går inte att läsa (ogiltig JSON, UTF-8 eller formulärdata)."
    )


def unstorable_text_handler(request: Request, exc: Exception) -> Response:
    """PostgreSQL refuses a NUL in text (SQLite stores it). The text rules (core/text.py) refuse it first, naming the
    field; this is the net under every field they do not cover: a 400, and nothing in the log."""
    return _respond(request, HTTP_400_BAD_REQUEST, "Begäran innehåller otillåtna tecken (NUL).")


def internal_error_handler(request: Request, exc: Exception) -> Response:
    # The traceback is logged by Litestar's logging config; the visitor gets a message without internals.
    request.logger.exception("unhandled error on %s %s", request.method, request.scope.get("route_handler"))
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, "Ett oväntat fel inträffade. Försök igen om en stund.")


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    NotAuthorizedException: not_authorized_handler,
    HTTPException: http_error_handler,
    UnicodeDecodeError: undecodable_handler,
    msgspec.DecodeError: undecodable_handler,
    CharacterNotInRepertoireError: unstorable_text_handler,
    UntranslatableCharacterError: unstorable_text_handler,
    Exception: internal_error_handler,
}
