"""How the workers are served (coursesite/asgi.py): the event loop per engine."""

from __future__ import annotations

from coursesite.asgi import event_loop
from coursesite.settings import Settings


def test_sqlite_workers_run_asyncios_loop_and_postgresql_workers_uvloop():
    # On SQLite the hot reads run on the loop's own thread (db/engine.py: read_inline), which uvloop served out of turn.
    assert event_loop(Settings(database_url="sqlite:///kurssajten.sqlite3")) == "asyncio"
    assert event_loop(Settings(database_url="postgresql://kurssajten@127.0.0.1:5432/kurssajten")) == "auto"
