"""web/deps.py: resolve_in_order resolves a handler's dependencies one after the other, with the same values and the
same first error, and never starts a task group for them."""

from __future__ import annotations

import pytest
from litestar import Litestar, get
from litestar._kwargs import kwargs_model as litestar_kwargs_model
from litestar.di import NamedDependency, Provide
from litestar.testing import TestClient

from coursesite.web.deps import resolve_in_order

CALLS: list[str] = []


def _value(name: str):
    def provide() -> str:
        CALLS.append(name)
        return name

    return Provide(provide, sync_to_thread=False)


async def _derived(first: NamedDependency[str]) -> str:  # depends on another: a second batch
    CALLS.append("derived")
    return f"{first}+derived"


def _broken() -> str:
    raise ValueError("trasigt beroende")


@get("/tre", dependencies={"first": _value("first"), "second": _value("second"), "derived": Provide(_derived)})
async def three(
    first: NamedDependency[str], second: NamedDependency[str], derived: NamedDependency[str]
) -> dict[str, str]:
    return {"first": first, "second": second, "derived": derived}


@get("/trasig", dependencies={"first": _value("first"), "broken": Provide(_broken, sync_to_thread=False)})
async def broken(first: NamedDependency[str], broken: NamedDependency[str]) -> str:
    return broken


def _app() -> Litestar:
    app = Litestar([three, broken], debug=False)
    resolve_in_order(app)
    return app


@pytest.fixture
def no_task_groups(monkeypatch):
    def refuse():
        raise AssertionError("a task group for the dependencies")

    monkeypatch.setattr(litestar_kwargs_model, "create_task_group", refuse)


def test_the_dependencies_come_in_order_with_the_same_values(no_task_groups):
    CALLS.clear()
    with TestClient(_app()) as client:
        response = client.get("/tre")
    assert response.status_code == 200, response.text
    assert response.json() == {"first": "first", "second": "second", "derived": "first+derived"}
    assert CALLS.index("derived") > CALLS.index("first")  # the second batch after the first
    assert sorted(CALLS) == ["derived", "first", "second"]


def test_a_failing_dependency_fails_the_request_as_before(no_task_groups):
    with TestClient(_app()) as client:
        assert client.get("/trasig").status_code == 500


def test_without_it_litestar_starts_a_task_group(no_task_groups):
    """The case resolve_in_order removes: two independent dependencies are one batch, resolved as tasks."""
    with TestClient(Litestar([three], debug=False)) as client:
        assert client.get("/tre").status_code == 500  # the refused task group


async def test_every_route_of_the_app_resolves_in_order(app):
    models = [model for route in app.routes for _, model in getattr(route, "route_handler_map", {}).values()]
    assert models and all(type(model).__name__ == "_InOrder" for model in models)
