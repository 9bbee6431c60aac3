from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "billing: enrollment.start_consent_at and enrollment.withdrawal_ack_at (Distance Contracts Act 2 kap. 11 §); "
    "enrolments before it gave neither, so their right of withdrawal stands"
)

_PARAMS = {
    "default": None,
    "null": True,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)

    for column in ("start_consent_at", "withdrawal_ack_at"):
        manager.add_column(
            table_class_name="Enrollment",
            tablename="enrollment",
            column_name=column,
            db_column_name=column,
            column_class_name="Timestamptz",
            column_class=Timestamptz,
            params=dict(_PARAMS),
            schema=None,
        )

    return manager
