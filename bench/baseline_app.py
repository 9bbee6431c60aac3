"""The benchmark's baseline: a raw Litestar app with two routes on a small Piccolo table: POST /insert inserts one row
(the answers' baseline, P1/P3), GET /rows renders a Jinja template of 20 rows (the lesson page's baseline, P2). No
sessions, no CSRF, no grading, no middleware. Bench only; never part of the product.

It uses the product's own engine factory (coursesite.db.engine.build_engine: on SQLite the same per-connection
engine with WAL and a busy timeout; on PostgreSQL the same asyncpg pool size), so the product/baseline ratio
measures what the product does per request, not a different database set-up.

    BENCH_DATABASE_URL=sqlite:////tmp/x.sqlite .venv/bin/uvicorn --app-dir bench baseline_app:app_factory --factory

Environment: BENCH_DATABASE_URL (as COURSESITE_DATABASE_URL), BENCH_DB_POOL_SIZE (PostgreSQL pool, default 10),
BENCH_BASELINE_SQLITE ("product", the default: the product's engine; "piccolo": Piccolo's own SQLiteEngine, a
connection per query with the same busy timeout, WAL already set on the file by the migration; issue 14's P3
compares with this one).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get, post
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from coursesite.db.engine import SQLITE_BUSY_TIMEOUT_SECONDS, build_engine, close_connections
from coursesite.settings import DatabaseUrl

# The 20-row page: a page shell, a loop and escaped values, as a template of the product's does.
ROWS_TEMPLATE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>Rader</title></head><body>
<main><h1>Rader</h1><table><thead><tr><th>Nr</th><th>Etikett</th><th>Värde</th><th>Skapad</th></tr></thead><tbody>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.label }}</td><td>{{ row.value }}</td>
<td>{{ row.created_at }}</td></tr>
{% endfor %}</tbody></table></main></body></html>
"""


class BenchRow(Table, tablename="bench_baseline_row"):
    label = Varchar(length=80)
    value = Integer()
    created_at = Timestamptz()


def app_factory() -> Litestar:
    url = DatabaseUrl.parse(os.environ["BENCH_DATABASE_URL"])
    pool_size = int(os.environ.get("BENCH_DB_POOL_SIZE", "10"))
    if url.engine == "sqlite" and os.environ.get("BENCH_BASELINE_SQLITE", "product") == "piccolo":
        engine = SQLiteEngine(path=str(url.sqlite_path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    else:
        engine = build_engine(url)
    BenchRow._meta.db = engine

    async def startup() -> None:
        # Fine for a bench-only table; the product's tables come from migrations only.
        await BenchRow.create_table(if_not_exists=True)
        if await BenchRow.count() < 20:  # GET /rows shows 20
            now = datetime.now(UTC)
            await BenchRow.insert(*(BenchRow(label=f"rad {i}", value=i, created_at=now) for i in range(20)))
        if url.engine == "postgres" and pool_size:
            await engine.start_connection_pool(max_size=pool_size)

    async def shutdown() -> None:
        if url.engine == "postgres" and pool_size:
            await engine.close_connection_pool()
        await close_connections(engine)

    @get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @post("/insert", status_code=201)
    async def insert(data: dict[str, object]) -> dict[str, int]:
        rows = await BenchRow.insert(
            BenchRow(
                label=str(data.get("label", ""))[:80],
                value=int(data.get("value", 0) or 0),
                created_at=datetime.now(UTC),
            )
        ).returning(BenchRow.id)
        return {"id": rows[0]["id"]}

    @get("/rows")
    async def rows() -> Template:
        found = await BenchRow.select(BenchRow.id, BenchRow.label, BenchRow.value, BenchRow.created_at).limit(20)
        return Template("rows.html", context={"rows": found})

    environment = Environment(loader=DictLoader({"rows.html": ROWS_TEMPLATE}), autoescape=select_autoescape())
    return Litestar(
        route_handlers=[healthz, insert, rows],
        on_startup=[startup],
        on_shutdown=[shutdown],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
    )
