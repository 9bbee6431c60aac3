from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T12:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "privacy: where a consent was withdrawn (consent.withdrawn_via: the newsletter service an unsubscribe came from)"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Consent",
        tablename="consent",
        column_name="withdrawn_via",
        db_column_name="withdrawn_via",
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
