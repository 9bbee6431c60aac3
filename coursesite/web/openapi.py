"""What the OpenAPI document (/schema/openapi.json) says beyond each handler's signature, worked out once from the
route table as the app registers it: only the API is in it, and every refusal an operation can give is declared.

- The API is /api/v1/*, /healthz and /readyz. Pages, their form posts and the staff downloads under /larare, /ekonomi,
  /personal and /kundtjanst are for a browser (HTML, redirects, files) and are left out of the document.
- 401 where a guard needs a login or a bearer token; 403 where a guard needs a role, where the CSRF check applies
  (every unsafe method on a cookie route) and where a logged-in route's service refuses (web/errors.py: Forbidden);
  404 where the path names something; 409 and 413 on every write (the state can have moved on; a body can be too
  large); 400 where there is input; 429 where a handler says a rate limit applies (`opt={ERRORS_OPT: (429,)}`;
  likewise any other status a service can raise there).
Every error body is web/errors.py's: `{"status_code", "detail", "errors"?}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec
from litestar import Response
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from coursesite.web import guards

API_PREFIX = "/api/"
API_PATHS = {"/healthz", "/readyz"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The handler's own opt key for statuses a service can answer with beyond the rules above (e.g. 429 for a limit).
ERRORS_OPT = "errors"

DESCRIPTIONS = {
    400: "Ogiltig begäran: `detail` säger vad och `errors` var (fält → meddelande).",
    401: "Inte inloggad (eller, för dotterbolag, ingen giltig nyckel).",
    403: "Inte behörig: fel roll, en CSRF-token som saknas eller inte stämmer, eller en regel som inte tillåter det.",
    404: "Finns inte (eller tillhör någon annan).",
    409: "Går inte i det läge det är i nu (redan gjort, redan avslutat, ändrat samtidigt).",
    413: "Begäran är för stor.",
    429: "För många försök: vänta så många sekunder som `Retry-After` säger.",
}


NO_BODY = "Klart (inget innehåll)."


def _returns_nothing(handler: HTTPRouteHandler) -> bool:
    """`-> None` or `-> Response[None]`: Litestar would declare a JSON `null`; the answer has no body at all."""
    returned = handler.parsed_fn_signature.return_type
    if returned.is_none_type:
        return True
    return returned.is_subclass_of(Response) and bool(returned.inner_types) and returned.inner_types[0].is_none_type


class ErrorOut(msgspec.Struct, omit_defaults=True):
    """The body of every refusal under /api (web/errors.py)."""

    status_code: int
    detail: str
    errors: dict[str, str] | None = None


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path in API_PATHS


def _guards(handler: HTTPRouteHandler) -> list[Any]:
    return [guard for layer in handler.ownership_layers for guard in (layer.guards or ())]


# What Litestar hands a handler by name, none of it from the client's input.
_RESERVED = {"request", "socket", "state", "scope", "headers", "cookies", "query", "body"}


def _takes_input(handler: HTTPRouteHandler) -> bool:
    """A body, a path parameter or a query parameter: something the client sends that can be wrong."""
    names = set(handler.parsed_fn_signature.parameters) - _RESERVED - set(handler.resolve_dependencies())
    return bool(names)


def refusals(path: str, handler: HTTPRouteHandler) -> set[int]:
    """Every error status the operation can answer with, from its guards, its method, its path and its opt."""
    found: set[int] = set()
    unsafe = bool(set(handler.http_methods) & UNSAFE)
    for guard in _guards(handler):
        if guard is guards.logged_in:
            found |= {401, 403}  # a logged-in route's service may still refuse (not enrolled, locked, not yours)
        elif guard.__name__.startswith("roles("):
            found |= {401, 403}
        elif guard is not guards.public:  # a bearer token (subsidiaries)
            found.add(401)
    if unsafe and not handler.opt.get("exclude_from_csrf"):
        found.add(403)
    if unsafe:
        found |= {409, 413}
    if "{" in path:
        found.add(404)
    if _takes_input(handler):
        found.add(400)
    found |= set(handler.opt.get(ERRORS_OPT, ()))
    return found


def error_responses(codes: Iterable[int]) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(data_container=ErrorOut, description=DESCRIPTIONS[code], generate_examples=False)
        for code in sorted(codes)
    }


class ApiDocumentation(ReceiveRoutePlugin):
    """Registered before Litestar's own OpenAPI plugin (app.py), so each route is settled before that one sees it."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not is_api_path(route.path):
                handler.include_in_schema = False
                handler._resolved_include_in_schema = False  # Litestar resolved it when it built the route
                continue
            declared = error_responses(refusals(route.path, handler))
            if handler.status_code == 204 or _returns_nothing(handler):  # no body, whatever the annotation says
                declared[handler.status_code] = ResponseSpec(data_container=None, description=NO_BODY)
            # The handler's own declarations (a body it describes itself) win over the generic ones.
            handler.responses = declared | dict(handler.responses or {})
