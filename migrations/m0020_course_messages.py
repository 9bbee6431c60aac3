from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import JSON
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Invoice(Table, tablename="invoice", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-05T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "course messages: attachments by reference on outbox_message, and invoice_reminder (payment reminders, "
    "unique per invoice and sequence)"
)

# Raw SQL runs before Piccolo's table operations; the unique index needs the new table, so it runs after them.
UNIQUE_REMINDER = (
    'CREATE UNIQUE INDEX invoice_reminder_unique ON "invoice_reminder" ("invoice", "sequence")'
)


class _Manager(MigrationManager):
    async def _run_rename_columns(self, backwards: bool = False):
        await super()._run_rename_columns(backwards=backwards)
        if not backwards and not self.preview:

            class RawSQL(Table, tablename="invoice_reminder"):
                pass

            await RawSQL.raw(UNIQUE_REMINDER)


async def forwards():
    manager = _Manager(
        migration_id=ID, app_name="coursesite", description=DESCRIPTION
    )

    manager.add_table(
        class_name="InvoiceReminder",
        tablename="invoice_reminder",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="OutboxMessage",
        tablename="outbox_message",
        column_name="attachments",
        db_column_name="attachments",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
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
        table_class_name="InvoiceReminder",
        tablename="invoice_reminder",
        column_name="invoice",
        db_column_name="invoice",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Invoice,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="InvoiceReminder",
        tablename="invoice_reminder",
        column_name="sequence",
        db_column_name="sequence",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
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
        table_class_name="InvoiceReminder",
        tablename="invoice_reminder",
        column_name="sent_at",
        db_column_name="sent_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
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
        table_class_name="InvoiceReminder",
        tablename="invoice_reminder",
        column_name="fee_ore",
        db_column_name="fee_ore",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
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
