"""Every route names a guard: who may call it. Guards are plain (connection, handler) coroutine functions: Litestar
runs a synchronous guard in a worker thread, a thread hop on every request for a check of one attribute."""

from __future__ import annotations

import warnings
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from coursesite.accounts.roles import Role


async def public(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Open to anyone. Stated, so that a route without a guard stands out in the route test."""


def _require_login(connection: ASGIConnection) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException("Logga in först.")


async def logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require_login(connection)


def roles(*allowed: Role):
    async def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        _require_login(connection)
        if connection.scope["user"].role not in allowed:
            raise PermissionDeniedException("Du har inte behörighet till den här sidan.")

    guard.__name__ = f"roles({', '.join(allowed)})"
    return guard


_IN_PLACE: dict[type, type] = {}


def _in_place(cls: type[BaseRouteHandler]) -> type[BaseRouteHandler]:
    """`cls` with guards given the handler itself. Litestar hands each guard a `copy()` of the handler (so that a
    guard could change its copy); none of ours changes or even reads it, and the copy of a handler with all its
    slots cost more than the check it is passed to."""
    if cls not in _IN_PLACE:

        async def authorize_connection(self: BaseRouteHandler, connection: ASGIConnection) -> None:
            for guard in self.resolve_guards():
                await guard(connection, self)  # type: ignore[misc]

        # __slots__ = (): the same layout, so an existing handler can take the class. Litestar warns on any subclass
        # of `get`, `post` … (they become functions in Litestar 3, where this must be looked at again).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            _IN_PLACE[cls] = type(
                cls.__name__,
                (cls,),
                {"__slots__": (), "authorize_connection": authorize_connection, "__module__": __name__},
            )
    return _IN_PLACE[cls]


def run_in_place(app: Litestar) -> None:
    """Every route handler of `app` runs its guards (the same ones, in the same order) without copying itself."""
    for route in app.routes:
        handlers: list[Any] = [getattr(route, "route_handler", None), *getattr(route, "route_handlers", ())]
        handlers += [handler for handler, _ in getattr(route, "route_handler_map", {}).values()]
        for handler in handlers:
            if handler is not None and type(handler) not in _IN_PLACE.values():
                handler.__class__ = _in_place(type(handler))
