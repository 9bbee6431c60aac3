"""What no handler ever sees (docs/security.md): requests the app cannot use are answered before any handler runs,
unsafe requests from another origin are refused, and the CSRF token is bound to the session.

- InputGuardMiddleware: a NUL byte in the path or the query string (PostgreSQL refuses NUL in text; a NUL in a body
  field is the text rules' to refuse, naming the field: core/text.py); a body that is not UTF-8; JSON nested deeper
  than MAX_JSON_DEPTH (the decoder recurses); an integer in JSON outside BIGINT; a body above the route's limit
  (413). Each is a Swedish 400 through web/errors.py.
- OriginCheckMiddleware: the Origin (or, without it, the Referer) of an unsafe request must be the site's own.
- SessionCsrfMiddleware: with a session, the CSRF cookie must be the one derived from it (so a token planted by
  another site or read before login is useless); Litestar's CSRF middleware then checks the form or header token
  against that cookie.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import msgspec
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import ClientException, HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import generate_csrf_hash
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_403_FORBIDDEN, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ASGIApp, HTTPRequestEvent, Message, Receive, ReceiveMessage, Scope, Send

from coursesite.web.middleware import SESSION_COOKIE, response_headers, session_token

MAX_JSON_DEPTH = 64
BIGINT_MAX = 2**63 - 1  # the widest integer column (PostgreSQL BIGINT); no input needs more
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_COOKIE = "csrftoken"
EXEMPT_OPT = "exclude_from_csrf"  # bearer-token and one-click routes: no cookies, so nothing to forge

MSG_NUL = "Begäran innehåller ett otillåtet tecken (NUL) i {where}."
MSG_UTF8 = "Begäran är inte giltig UTF-8 ({where})."
MSG_JSON = "Begärans JSON går inte att läsa."
MSG_DEPTH = f"Begärans JSON är för djupt nästlad (högst {MAX_JSON_DEPTH} nivåer)."
MSG_INTEGER = "Ett heltal i begäran är för stort (högst 9 223 372 036 854 775 807)."
MSG_TOO_LARGE = "Begäran är för stor (högst {kib} KiB)."
MSG_MULTIPART = "Begärans formulärdata går inte att läsa."
MSG_ORIGIN = "Begäran kommer från en annan webbplats och har stoppats. Ladda om sidan och försök igen."

# A JSON string (possibly unterminated: the possessive run keeps the scan linear) or a bracket.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)
_LONG_DIGIT_RUN = re.compile(rb"[0-9]{%d}" % len(str(BIGINT_MAX)))


class Refused(HTTPException):
    """A request refused here; its detail is the Swedish message web/errors.py shows (a page, or JSON under /api)."""

    field_errors: dict[str, str] = {}  # noqa: RUF012 (replaced per instance, never mutated)


class BadInput(Refused, ClientException):
    status_code = HTTP_400_BAD_REQUEST

    @classmethod
    def of(cls, problem: Problem) -> BadInput:
        refused = cls(detail=problem.message)
        field = (problem.field or "").replace("\x00", "")[:100]  # the client's own key, bounded, without the NUL
        refused.field_errors = {field: problem.message} if field else {}
        return refused


class TooLarge(Refused):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE


class CrossOrigin(Refused):
    status_code = HTTP_403_FORBIDDEN


# -- pure checks (bytes in, a Swedish message or None out)


class Problem(NamedTuple):
    message: str
    field: str | None = None  # where in a JSON body ("first_name", "lines.0.text"): the API's `errors`


def json_problem(body: bytes, *, strict: bool) -> Problem | None:
    """Why `body` is refused as JSON, or None. `strict`: the body says it is JSON, so unreadable JSON is refused too
    (otherwise the handler decides what a non-JSON body means)."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return Problem(MSG_UTF8.format(where="kroppen"))
    # Fewer opening brackets than the limit (in strings or not) cannot nest deeper: most bodies skip the scan.
    if body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH:
        depth = 0
        for match in _JSON_TOKEN.finditer(body):
            token = match.group()
            if token in (b"[", b"{"):
                depth += 1
                if depth > MAX_JSON_DEPTH:
                    return Problem(MSG_DEPTH)
            elif token in (b"]", b"}"):
                depth -= 1
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return Problem(MSG_JSON) if strict else None
    # An integer outside BIGINT has at least 19 digits (BIGINT_MAX has 19): without such a run, nothing to walk.
    if _LONG_DIGIT_RUN.search(body) is None:
        return None
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:  # iterative: the depth is bounded above, but no recursion is needed at all
        path, item = stack.pop()
        if isinstance(item, str | bool | float) or item is None:
            continue
        if isinstance(item, int):
            if not -BIGINT_MAX - 1 <= item <= BIGINT_MAX:
                return Problem(MSG_INTEGER, path or "body")
        elif isinstance(item, dict):
            stack.extend((f"{path}.{key}" if path else str(key), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}" if path else str(index), child) for index, child in enumerate(item))
    return None


def urlencoded_problem(data: bytes, where: str, *, nul: bool) -> Problem | None:
    """Why a query string or a form body is refused, or None. `nul`: refuse a NUL too (naming its field)."""
    try:
        pairs = parse_qsl(data.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        return Problem(MSG_UTF8.format(where=where))
    for key, value in pairs if nul else ():
        if "\x00" in key or "\x00" in value:
            return Problem(MSG_NUL.format(where=where), key.replace("\x00", "") or None)
    return None


def multipart_problem(body: bytes, boundary: bytes) -> Problem | None:
    """Why a multipart body's text fields are refused, or None. Files are the handlers' to check (they are bytes)."""
    if not boundary:
        return Problem(MSG_MULTIPART)
    for part in body.split(b"--" + boundary):
        head, separator, content = part.partition(b"\r\n\r\n")
        if not separator or b"filename=" in head.lower():
            continue
        content = content.removesuffix(b"\r\n")
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return Problem(MSG_UTF8.format(where="ett formulärfält"))
    return None


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value)
    return None


def _content_type(scope: Scope) -> tuple[str, bytes]:
    """The media type (lower case) and the multipart boundary, if any."""
    raw = _header(scope, b"content-type") or b""
    media, _, params = raw.partition(b";")
    boundary = b""
    for param in params.split(b";"):
        key, _, value = param.strip().partition(b"=")
        if key.lower() == b"boundary":
            boundary = value.strip().strip(b'"')
    return media.strip().lower().decode("latin-1"), boundary


def body_problem(body: bytes, media_type: str, boundary: bytes) -> Problem | None:
    if not body:
        return None
    if media_type == "application/x-www-form-urlencoded":
        return urlencoded_problem(body, "formuläret", nul=False)
    if media_type == "multipart/form-data":
        return multipart_problem(body, boundary)
    is_json = media_type == "application/json" or media_type.endswith("+json")
    return json_problem(body, strict=is_json)


class InputGuardMiddleware(ASGIMiddleware):
    """Reads the body once (up to the route's limit), checks it, and hands the same bytes on."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, default_max_body: int) -> None:
        self.default_max_body = default_max_body

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if "\x00" in scope.get("path", "") or b"%00" in bytes(scope.get("raw_path") or b""):
            raise BadInput(detail=MSG_NUL.format(where="adressen"))
        query = bytes(scope.get("query_string") or b"")
        if query and (problem := urlencoded_problem(query, "adressens frågedel", nul=True)):
            raise BadInput.of(problem)
        if scope.get("method", "GET") in ("GET", "HEAD", "OPTIONS"):
            await next_app(scope, receive, send)
            return
        limit = self._limit(scope)
        body = await _read_body(receive, limit)
        media_type, boundary = _content_type(scope)
        if problem := body_problem(body, media_type, boundary):
            raise BadInput.of(problem)
        await next_app(scope, _replay(body, receive), send)

    def _limit(self, scope: Scope) -> int:
        handler = scope.get("route_handler")
        resolve = getattr(handler, "resolve_request_max_body_size", None)
        limit = resolve() if resolve else None
        return limit if isinstance(limit, int) else self.default_max_body


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: the handler sees what came
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(detail=MSG_TOO_LARGE.format(kib=limit // 1024))
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> ReceiveMessage:
        nonlocal sent
        if not sent:
            sent = True
            return HTTPRequestEvent(type="http.request", body=body, more_body=False)
        return await receive()  # the disconnect, when it comes

    return replay


# -- the origin of unsafe requests


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower case; None for anything else (``null``, a path)."""
    # An Origin is short and the same on most requests: kept. A long Referer (a path, a query) is worked out anew.
    return _origin_of(url) if len(url) <= _ORIGIN_CACHED_LENGTH else _origin_of.__wrapped__(url)


_ORIGIN_CACHED_LENGTH = 256


@functools.lru_cache(maxsize=1024)
def _origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}" + (f":{port}" if port and port != default else "")


def request_origins(scope: Scope, public_url: str) -> frozenset[str]:
    """The origins a request may come from: the public URL's, and the host it was sent to (development, tests)."""
    host = _header(scope, b"host") or b""
    # One Host on most requests: kept, as origin_of keeps an Origin; a long one is worked out anew.
    origins = _origins if len(host) <= _ORIGIN_CACHED_LENGTH else _origins.__wrapped__
    return origins(public_url, scope.get("scheme", "http"), host)


@functools.lru_cache(maxsize=1024)
def _origins(public_url: str, scheme: str, host_header: bytes) -> frozenset[str]:
    """request_origins for one public URL, scheme and Host header."""
    allowed = {origin for origin in (origin_of(public_url),) if origin}
    host = host_header.decode("latin-1")
    if host:
        own = origin_of(f"{scheme}://{host}")
        if own:
            allowed.add(own)
    return frozenset(allowed)


def origin_allowed(origin: str | None, referer: str | None, allowed: frozenset[str]) -> bool:
    """Origin decides; without it the Referer. Neither: not a browser (a browser sends Origin on every unsafe
    request), so the CSRF token alone decides."""
    if origin is not None:
        return origin_of(origin) in allowed
    if referer is not None:
        return origin_of(referer) in allowed
    return True


class OriginCheckMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = EXEMPT_OPT

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method", "GET") not in SAFE_METHODS:
            origin, referer = _header(scope, b"origin"), _header(scope, b"referer")
            if not origin_allowed(
                origin.decode("latin-1") if origin is not None else None,
                referer.decode("latin-1") if referer is not None else None,
                request_origins(scope, self.public_url),
            ):
                raise CrossOrigin(detail=MSG_ORIGIN)
        await next_app(scope, receive, send)


# -- the CSRF token bound to the session


def session_csrf_token(session: str, secret: str) -> str:
    """The one CSRF token a session accepts, in the form Litestar's CSRF middleware checks (random part + its HMAC).
    Two HMACs, the same for every request of the session: kept for the latest sessions, keyed by a hash of the
    session and the secret, so the cache never holds a session token (as accounts/sessions.py's does not)."""
    key = hashlib.sha256(f"{secret}\x00{session}".encode()).digest()
    token = _SESSION_CSRF.get(key)
    if token is None:
        token = _session_csrf_token(session, secret)
        if len(_SESSION_CSRF) >= _SESSION_CSRF_CAP:
            del _SESSION_CSRF[next(iter(_SESSION_CSRF))]  # the oldest
        _SESSION_CSRF[key] = token
    return token


_SESSION_CSRF: dict[bytes, str] = {}
_SESSION_CSRF_CAP = 8192


def _session_csrf_token(session: str, secret: str) -> str:
    random_part = hmac.new(secret.encode(), b"csrf-session:" + session.encode(), hashlib.sha256).hexdigest()
    return random_part + generate_csrf_hash(random_part, secret)


class SessionCsrfMiddleware(ASGIMiddleware):
    """With a session cookie, the CSRF cookie is replaced by the session's token on the way in (so Litestar's CSRF
    middleware compares the submitted token with it), and set on the way out whenever it differs or a response
    starts a new session."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = EXEMPT_OPT

    def __init__(self, secret: str, *, secure: bool) -> None:
        self.secret = secret
        self.secure = secure

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session = session_token(scope)
        current = _cookie_value(scope, CSRF_COOKIE)
        bound = session_csrf_token(session, self.secret) if session else None
        if bound is not None and current != bound:
            _replace_cookie(scope, CSRF_COOKIE, bound)

        async def send_bound(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                started = _started_session(headers.getall("set-cookie", []))
                wanted = session_csrf_token(started, self.secret) if started else bound
                if wanted is not None and wanted != current:
                    headers.add("set-cookie", self._cookie(wanted))
            await send(message)

        await next_app(scope, receive, send_bound)

    def _cookie(self, token: str) -> str:
        cookie = Cookie(key=CSRF_COOKIE, value=token, path="/", secure=self.secure, httponly=False, samesite="lax")
        return cookie.to_header(header="")


def _cookie_value(scope: Scope, wanted: str) -> str | None:
    raw = _header(scope, b"cookie")
    for part in (raw or b"").decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == wanted:
            return value
    return None


def _replace_cookie(scope: Scope, name: str, value: str) -> None:
    others = [
        part.strip()
        for part in (_header(scope, b"cookie") or b"").decode("latin-1").split(";")
        if part.strip() and part.strip().partition("=")[0] != name
    ]
    cookie = "; ".join([*others, f"{name}={value}"]).encode("latin-1")
    scope["headers"] = [(k, v) for k, v in scope.get("headers", ()) if k != b"cookie"] + [(b"cookie", cookie)]


def _started_session(set_cookies: list[str]) -> str | None:
    """The session a response starts (its Set-Cookie), if any; an expired one (logout) starts none."""
    for header in set_cookies:
        key, _, rest = header.partition("=")
        if key.strip() == SESSION_COOKIE:
            value = rest.partition(";")[0].strip().strip('"')
            return value or None
    return None


# -- response headers


HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "private, no-store"
_HSTS_BYTES = HSTS.encode("latin-1")
_NO_STORE_BYTES = NO_STORE.encode("latin-1")


def _set_header(headers: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    """`name: value`, replacing every earlier value (MutableScopeHeaders' item assignment, on the raw list)."""
    kept: list[tuple[bytes, bytes]] = []
    placed = False
    for header in headers:
        if header[0].lower() != name:
            kept.append(header)
        elif not placed:  # where the first one was
            kept.append((name, value))
            placed = True
    if not placed:
        kept.append((name, value))
    headers[:] = kept


def hardening_headers(*, hsts: bool) -> Callable[[Message, Scope], Coroutine[Any, Any, None]]:
    """A before_send hook: HSTS in production; `private, no-store` on every response but the static files (the
    pages and the API carry personal data, and a shared or back-button cache must keep none of it)."""

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = response_headers(message)
        if hsts:
            _set_header(headers, b"strict-transport-security", _HSTS_BYTES)
        if not scope.get("path", "").startswith("/static/"):
            cache_control = next((value for name, value in headers if name.lower() == b"cache-control"), b"")
            if b"no-store" not in cache_control:
                _set_header(headers, b"cache-control", _NO_STORE_BYTES)

    return add
