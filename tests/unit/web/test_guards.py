"""web/guards.py: run_in_place gives each guard the handler itself instead of Litestar's copy, and a guarded route
refuses and allows exactly the same people as before."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from litestar import Controller, Litestar, Router, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from coursesite.accounts.roles import Role
from coursesite.web import guards

SEEN: list[BaseRouteHandler] = []


async def remember(_: ASGIConnection, handler: BaseRouteHandler) -> None:
    SEEN.append(handler)


class AsRole(ASGIMiddleware):
    """The session middleware's part here: the X-Role header's role as the user, none without it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        role = dict(scope["headers"]).get(b"x-role")
        scope["user"] = SimpleNamespace(role=Role(role.decode())) if role else None  # type: ignore[typeddict-unknown-key]
        await next_app(scope, receive, send)


@get("/open", guards=[guards.public], sync_to_thread=False)
def open_page() -> str:
    return "open"


@get("/own", guards=[guards.logged_in], sync_to_thread=False)
def own_page() -> str:
    return "own"


@post("/finance", guards=[guards.roles(Role.FINANCE, Role.ADMIN)], sync_to_thread=False)
def finance_action() -> str:
    return "done"


class Staff(Controller):
    path = "/staff"
    guards = [guards.roles(Role.ADMIN)]  # noqa: RUF012 (Litestar's layer attribute)

    @get("/", guards=[remember], sync_to_thread=False)
    def staff_page(self) -> str:
        return "staff"


def _app(*, in_place: bool) -> Litestar:
    app = Litestar(
        [open_page, own_page, finance_action, Router("/", route_handlers=[Staff], guards=[guards.logged_in])],
        middleware=[AsRole()],
    )
    if in_place:
        guards.run_in_place(app)
    return app


CASES = [
    ("GET", "/open", None),
    ("GET", "/own", None),
    ("GET", "/own", Role.PARTICIPANT),
    ("POST", "/finance", None),
    ("POST", "/finance", Role.PARTICIPANT),
    ("POST", "/finance", Role.FINANCE),
    ("POST", "/finance", Role.ADMIN),
    ("GET", "/staff", None),
    ("GET", "/staff", Role.INSTRUCTOR),
    ("GET", "/staff", Role.ADMIN),
    ("OPTIONS", "/finance", None),
]


def _statuses(app: Litestar) -> list[int]:
    with TestClient(app) as client:
        return [
            client.request(method, path, headers={"x-role": role} if role else {}).status_code
            for method, path, role in CASES
        ]


def test_a_guarded_route_refuses_and_allows_the_same_people_in_place():
    in_place = _statuses(_app(in_place=True))
    assert in_place == _statuses(_app(in_place=False))
    assert in_place == [200, 401, 200, 401, 403, 201, 201, 401, 403, 200, 204]


def test_every_guard_gets_the_handler_itself_in_place():
    SEEN.clear()
    app = _app(in_place=True)
    with TestClient(app) as client:
        assert client.get("/staff", headers={"x-role": Role.ADMIN}).status_code == 200
    assert SEEN == [app.route_handler_method_map["/staff"]["GET"]]  # no copy
    SEEN.clear()
    app = _app(in_place=False)
    with TestClient(app) as client:
        assert client.get("/staff", headers={"x-role": Role.ADMIN}).status_code == 200
    assert SEEN and SEEN[0] is not app.route_handler_method_map["/staff"]["GET"]  # Litestar's own: a copy


@pytest.mark.parametrize("in_place", [False, True])
def test_a_refused_request_never_reaches_the_handler(in_place):
    SEEN.clear()
    with TestClient(_app(in_place=in_place)) as client:
        assert client.get("/staff", headers={"x-role": Role.FINANCE}).status_code == 403
    assert SEEN == []  # the controller's role guard stops it before the handler's own guard


def test_run_in_place_twice_changes_nothing_more():
    app = _app(in_place=True)
    handler = app.route_handler_method_map["/own"]["GET"]
    kind = type(handler)
    guards.run_in_place(app)
    assert type(handler) is kind and isinstance(handler, BaseRouteHandler)
