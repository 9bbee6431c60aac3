from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-04T09:19:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "privacy: double opt-in (consent.confirmed_at, consent.confirmed_via); consents given before it count as before"
)

# Consents recorded before double opt-in counted at once; they keep counting, marked for what they are.
BACKFILL = (
    "UPDATE consent SET confirmed_at = given_at, confirmed_via = 'given_before_double_opt_in' "
    "WHERE confirmed_at IS NULL"
)


class _Manager(MigrationManager):
    """Piccolo runs raw steps before the table operations: the backfill needs the new columns, so it runs after them,
    still inside the migration's transaction."""

    async def _run_rename_columns(self, backwards: bool = False):
        await super()._run_rename_columns(backwards=backwards)
        if not backwards and not self.preview:

            class RawSQL(Table, tablename="consent"):
                pass

            await RawSQL.raw(BACKFILL)


async def forwards():
    manager = _Manager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Consent",
        tablename="consent",
        column_name="confirmed_at",
        db_column_name="confirmed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
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

    manager.add_column(
        table_class_name="Consent",
        tablename="consent",
        column_name="confirmed_via",
        db_column_name="confirmed_via",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 40,
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
