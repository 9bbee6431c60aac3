"""Piccolo's own configuration module (PICCOLO_CONF=coursesite.piccolo_conf), used by migrations and the piccolo CLI.

The web app does not import this: create_app binds its own engine to the tables.
"""

import os

from piccolo.conf.apps import AppRegistry

from coursesite.db.engine import build_engine
from coursesite.settings import DEFAULT_DATABASE_URL, DatabaseUrl

DB = build_engine(DatabaseUrl.parse(os.environ.get("COURSESITE_DATABASE_URL") or DEFAULT_DATABASE_URL))
APP_REGISTRY = AppRegistry(apps=["coursesite.piccolo_app"])
