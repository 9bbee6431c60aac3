"""Request plumbing: who the client is (core/client_address.py), who is logged in (from the server-side session), the
cookies that say so, and the security headers on every response."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from coursesite.accounts.device import DEVICE_COOKIE, DEVICE_DAYS
from coursesite.accounts.service import AccountService
from coursesite.accounts.user_agent import browser_label
from coursesite.core.client_address import (
    CLIENT_ADDRESS_KEY,
    TrustedProxies,
    scope_client_address,
    stored_client_address,
)
from coursesite.settings import Settings

SESSION_COOKIE = "kurssajten_session"
# A route handler's opt key: its service confirms a cached session itself (accounts/sessions.py).
CACHED_SESSION = "cached_session"

# No third party ever sees a visitor: everything comes from this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "interest-cohort=()",
}
# The same, encoded once: the hook below runs on every response.
_SECURITY_HEADER_BYTES = tuple(
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
)


def _cookie(scope: Scope, wanted: str) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, token = part.strip().partition("=")
                if key == wanted:
                    return token
    return None


def session_token(scope: Scope) -> str | None:
    return _cookie(scope, SESSION_COOKIE)


def device_cookie_of(request: Request) -> str | None:
    """The browser's device cookie (accounts/device.py), unchecked: the account service checks it."""
    return _cookie(request.scope, DEVICE_COOKIE)


def client_address(request: Request) -> str:
    """The client's address, as ClientAddressMiddleware worked it out (the peer, or behind a trusted proxy the
    X-Forwarded-For entry it vouches for). The one answer the rate limits and the page views use."""
    stored = stored_client_address(request.scope)
    return stored if stored is not None else scope_client_address(request.scope, TrustedProxies())


class ClientAddressMiddleware(ASGIMiddleware):
    """Works out the client address once per request (core/client_address.py), before anything needs it."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, trusted: TrustedProxies) -> None:
        self.trusted = trusted

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope[CLIENT_ADDRESS_KEY] = scope_client_address(scope, self.trusted)  # type: ignore[literal-required]
        await next_app(scope, receive, send)


class SessionMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = "exclude_session"  # bearer-token routes (subsidiaries) never read a session

    def __init__(self, accounts: AccountService) -> None:
        self.accounts = accounts

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = session_token(scope)
        if not token:
            scope["user"] = None
        elif scope["route_handler"].opt.get(CACHED_SESSION):
            # The route's service confirms the session in its own first statement (accounts/sessions.py).
            scope["user"] = await self.accounts.cached_principal_for_session(token)
        else:
            scope["user"] = await self.accounts.principal_for_session(token)
        scope["auth"] = token
        await next_app(scope, receive, send)


def response_headers(message: Message) -> list[tuple[bytes, bytes]]:
    """A response start's raw header list, made a list in place (as MutableScopeHeaders.from_message does): the
    before_send hooks read and append to it directly, without a decoding scan per header they look up."""
    start: dict[str, Any] = message  # type: ignore[assignment]
    headers = start.get("headers")
    if not isinstance(headers, list):
        headers = start["headers"] = list(headers or ())
    return headers


async def add_security_headers(message: Message, scope: Scope) -> None:
    """The headers of SECURITY_HEADERS that the response does not set itself."""
    if message["type"] == "http.response.start":
        headers = response_headers(message)
        present = {name.lower() for name, _ in headers}
        headers.extend(header for header in _SECURITY_HEADER_BYTES if header[0] not in present)


def session_cookie(token: str, *, days: int, secure: bool) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def expired_session_cookie(*, secure: bool) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True, samesite="lax", secure=secure, path="/")


def device_cookie(value: str, *, secure: bool) -> Cookie:
    """Long-lived and HttpOnly: a browser that has logged in to the account before (accounts/device.py)."""
    return Cookie(
        key=DEVICE_COOKIE,
        value=value,
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def login_cookies(accounts: AccountService, account_id: int, token: str, *, days: int, secure: bool) -> list[Cookie]:
    """What a browser gets when it logs in or registers: the session, and a fresh device cookie for the account."""
    return [
        session_cookie(token, days=days, secure=secure),
        device_cookie(accounts.device_cookie_value(account_id), secure=secure),
    ]


async def start_login(request: Request, accounts: AccountService, settings: Settings, account_id: int) -> list[Cookie]:
    """A new session for the account (ending the one the browser had) and the cookies that carry it: the session's
    and a fresh device cookie. The session is labelled with the browser ("Firefox på Windows"), not its header."""
    token = await accounts.start_session(
        account_id,
        days=settings.session_days,
        replacing=request.scope.get("auth"),
        client_label=browser_label(request.headers.get("user-agent")),
    )
    return login_cookies(accounts, account_id, token, days=settings.session_days, secure=settings.secure_cookies)
