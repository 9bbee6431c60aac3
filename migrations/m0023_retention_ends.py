import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-05T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "privacy: retention that ends (account.inactivity_warned_at); a private buyer's e-mail blanked in the invoice "
    "snapshots (not printed on their invoice, not needed by the books); the bank's payer names dropped"
)


async def _blank_private_buyer_emails() -> None:
    """The buyer snapshot of a private buyer keeps name and address only. Read and written in Python: the JSON
    functions differ between SQLite and PostgreSQL (a `json` column there)."""

    class RawSQL(Table, tablename="invoice"):
        pass

    for row in await RawSQL.raw("SELECT id, buyer FROM invoice"):
        buyer = row["buyer"]
        if isinstance(buyer, str):
            buyer = json.loads(buyer)
        if not isinstance(buyer, dict) or buyer.get("customer_type") != "private" or not buyer.get("email"):
            continue
        buyer["email"] = ""
        await RawSQL.raw(
            "UPDATE invoice SET buyer = {} WHERE id = {}", json.dumps(buyer, ensure_ascii=False), row["id"]
        )
    # Payments are matched by OCR or reference; the payer's name from the bank's file was never needed (billing.md).
    await RawSQL.raw("UPDATE payment SET payer_name = NULL WHERE payer_name IS NOT NULL")


class _Manager(MigrationManager):
    """Piccolo runs raw steps before the table operations: the data steps run after them, still inside the
    migration's transaction (as in m0019)."""

    async def _run_rename_columns(self, backwards: bool = False):
        await super()._run_rename_columns(backwards=backwards)
        if not backwards and not self.preview:
            await _blank_private_buyer_emails()


async def forwards():
    manager = _Manager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Account",
        tablename="account",
        column_name="inactivity_warned_at",
        db_column_name="inactivity_warned_at",
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

    return manager
