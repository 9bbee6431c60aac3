from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T11:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "answers: the client's Idempotency-Key (answer.idempotency_key), unique per account"

# A unique index rather than a constraint: SQLite cannot ALTER TABLE ... ADD CONSTRAINT. NULLs never collide, so
# answers sent without a key are unaffected.
INDEX_NAME = "answer_unique_idempotency_key"
CREATE_INDEX = f'CREATE UNIQUE INDEX {INDEX_NAME} ON "answer" ("account", "idempotency_key")'


class _RawSQL(Table, tablename="answer"):
    pass


class _Manager(MigrationManager):
    """Piccolo runs raw steps before the table operations: the index needs the new column, so it is made after them,
    still inside the migration's transaction."""

    async def _run_rename_columns(self, backwards: bool = False):
        await super()._run_rename_columns(backwards=backwards)
        if not backwards and not self.preview:
            await _RawSQL.raw(CREATE_INDEX)


async def _drop_index():
    await _RawSQL.raw(f"DROP INDEX IF EXISTS {INDEX_NAME}")


async def forwards():
    manager = _Manager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)
    manager.add_raw_backwards(_drop_index)  # runs before the column is dropped

    manager.add_column(
        table_class_name="Answer",
        tablename="answer",
        column_name="idempotency_key",
        db_column_name="idempotency_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
