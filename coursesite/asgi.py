"""Entry point for uvicorn's --factory: the app is built when a worker starts, from the environment."""

from litestar import Litestar

from coursesite.app import create_app
from coursesite.ops.heap import settle_after_start
from coursesite.settings import Settings


def app_factory() -> Litestar:
    app = create_app(Settings.from_env())
    settle_after_start()  # what start-up loaded is frozen before the first request (ops/heap.py)
    return app
