"""Entry point for uvicorn's --factory: the app is built when a worker starts, from the environment."""

from litestar import Litestar

from coursesite.app import create_app
from coursesite.settings import Settings


def app_factory() -> Litestar:
    return create_app(Settings.from_env())
