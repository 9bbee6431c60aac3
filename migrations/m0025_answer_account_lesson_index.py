from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey, Varchar
from piccolo.table import Table

ID = "2026-12-06T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "answers: one index on (account, lesson_slug), where every read of an account's answers starts, instead of one "
    "on account and one on lesson_slug (issue 14: a few distinct lessons made the second a poor path, which the "
    "planner took without statistics, and each index is written on every answer)"
)

INDEX_NAME = "answer_account_lesson"
CREATE_INDEX = f'CREATE INDEX {INDEX_NAME} ON "answer" ("account", "lesson_slug")'


class _RawSQL(Table, tablename="answer"):
    pass


async def _create_index():
    await _RawSQL.raw(CREATE_INDEX)


async def _drop_index():
    await _RawSQL.raw(f"DROP INDEX IF EXISTS {INDEX_NAME}")


async def forwards():
    # Piccolo runs the raw step before the column changes: the new index exists before the old ones go.
    manager = MigrationManager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)
    manager.add_raw(_create_index)
    manager.add_raw_backwards(_drop_index)
    for column_name, column_class in (("account", ForeignKey), ("lesson_slug", Varchar)):
        manager.alter_column(
            table_class_name="Answer",
            tablename="answer",
            column_name=column_name,
            db_column_name=column_name,
            params={"index": False},
            old_params={"index": True},
            column_class=column_class,
            old_column_class=column_class,
            schema=None,
        )
    return manager
