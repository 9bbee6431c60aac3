"""Applying the migrations, and checking that every table change has one."""

from __future__ import annotations

import os
import re
from itertools import chain
from pathlib import Path

from coursesite.settings import Settings

PICCOLO_CONF = "coursesite.piccolo_conf"


def _point_piccolo_at(settings: Settings) -> None:
    # Piccolo finds its engine through PICCOLO_CONF; the config module reads the URL from the environment.
    os.environ["PICCOLO_CONF"] = PICCOLO_CONF
    os.environ["COURSESITE_DATABASE_URL"] = settings.database_url


async def apply_migrations(settings: Settings) -> None:
    _point_piccolo_at(settings)
    from piccolo.apps.migrations.commands.forwards import run_forwards

    response = await run_forwards(app_name="coursesite", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"migrations failed: {response.message}")


async def pending_table_changes() -> list[str]:
    """The statements an auto-migration would still need: empty when the migrations match the tables."""
    from piccolo.apps.migrations.commands.new import AutoMigrationManager

    from coursesite.piccolo_app import APP_CONFIG

    statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    return list(chain.from_iterable(s.statements for s in statements))


def raw_index_migration(
    migration_id: str, description: str, indexes: dict[str, str], replaced: dict[str, str] | None = None
):
    """A migration's `forwards` that creates `indexes` ({name: CREATE statement}) and drops `replaced` (restored when
    run backwards). Raw SQL lives in migrations of its own: Piccolo runs raw steps before the table operations of the
    same migration, and SQLite cannot ALTER TABLE … ADD CONSTRAINT, so uniques are unique indexes."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager
    from piccolo.table import Table

    replaced = replaced or {}

    class RawSQL(Table, tablename="migrations"):
        pass

    async def forwards():
        manager = MigrationManager(migration_id=migration_id, app_name="coursesite", description=description)

        async def create_indexes():
            for statement in indexes.values():
                await RawSQL.raw(statement)
            for name in replaced:
                await RawSQL.raw(f"DROP INDEX IF EXISTS {name}")

        async def drop_indexes():
            for statement in replaced.values():
                await RawSQL.raw(statement)
            for name in indexes:
                await RawSQL.raw(f"DROP INDEX IF EXISTS {name}")

        manager.add_raw(create_indexes)
        manager.add_raw_backwards(drop_indexes)
        return manager

    return forwards


_MIGRATION_ID = re.compile(r'^ID = "([^"]+)"$', re.MULTILINE)


def known_migration_ids() -> list[str]:
    """The IDs of the migrations this code carries, oldest first (Piccolo orders them by ID, as here)."""
    from coursesite.piccolo_app import APP_CONFIG

    ids = []
    for path in Path(APP_CONFIG.migrations_folder_path).glob("m*.py"):
        found = _MIGRATION_ID.search(path.read_text(encoding="utf-8"))
        if found:
            ids.append(found.group(1))
    return sorted(ids)
