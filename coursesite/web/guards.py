"""Every route names a guard: who may call it. Guards are plain (connection, handler) functions."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from coursesite.accounts.roles import Role


def public(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Open to anyone. Stated, so that a route without a guard stands out in the route test."""


def logged_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException("Logga in först.")


def roles(*allowed: Role):
    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        logged_in(connection, handler)
        if connection.scope["user"].role not in allowed:
            raise PermissionDeniedException("Du har inte behörighet till den här sidan.")

    guard.__name__ = f"roles({', '.join(allowed)})"
    return guard
