from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt, Integer
from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-12-05T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "billing: amount columns BIGINT (payments up to 10^10 öre, invoice and BgMax totals)"

# (table class, table, column): every amount that can pass 2^31 öre (21 474 836,47 kr). The rounding stays INTEGER
# (at most 50 öre either way).
AMOUNTS = (
    ("Invoice", "invoice", "net_ore"),
    ("Invoice", "invoice", "vat_ore"),
    ("Invoice", "invoice", "total_ore"),
    ("BgMaxImport", "bgmax_import", "total_ore"),
    ("Payment", "payment", "amount_ore"),
)


class _Manager(MigrationManager):
    """SQLite's INTEGER already holds 64 bits and it cannot ALTER a column's type: there the change is recorded
    (the migration state) without a statement."""

    async def _run_alter_columns(self, backwards: bool = False):
        if isinstance(engine_finder(), SQLiteEngine):
            return
        await super()._run_alter_columns(backwards=backwards)


async def forwards():
    manager = _Manager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)
    for table_class_name, tablename, column_name in AMOUNTS:
        manager.alter_column(
            table_class_name=table_class_name,
            tablename=tablename,
            column_name=column_name,
            db_column_name=column_name,
            params={},
            old_params={},
            column_class=BigInt,
            old_column_class=Integer,
            schema=None,
        )
    return manager
