"""Every route names a guard: who may call it. Guards are plain (connection, handler) coroutine functions: Litestar
runs a synchronous guard in a worker thread, a thread hop on every request for a check of one attribute."""

from __future__ import annotations

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
