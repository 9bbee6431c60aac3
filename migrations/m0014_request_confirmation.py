from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Text, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Account(Table, tablename="account", schema=None):
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


class RawSQL(Table, tablename="migrations"):
    pass


ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "support: a request's identity confirmation (method, when, by whom, note) replaces the identity_verified "
    "checkbox; a completed access request's export and how long the person can download it"
)

# Raw steps run before the table operations: the old checkbox is kept as a note on the cases it was ticked on, then
# the column is dropped.
KEEP_OLD_CHECKBOX = (
    'INSERT INTO case_note ("case", author, text, created_at) '
    "SELECT id, completed_by, 'Identiteten markerades som kontrollerad (före bekräftelsen av begäranden).', "
    "COALESCE(completed_at, created_at) FROM support_case WHERE identity_verified"
)


def _column(manager, name, column_class, params):
    base = {
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
    manager.add_column(
        table_class_name="SupportCase",
        tablename="support_case",
        column_name=name,
        db_column_name=name,
        column_class_name=column_class.__name__,
        column_class=column_class,
        params=base | params,
        schema=None,
    )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)

    async def keep_old_checkbox():
        await RawSQL.raw(KEEP_OLD_CHECKBOX)

    manager.add_raw(keep_old_checkbox)

    _column(manager, "identity_method", Varchar, {"length": 30})
    _column(manager, "identity_confirmed_at", Timestamptz, {})
    _column(
        manager,
        "identity_confirmed_by",
        ForeignKey,
        {"references": Account, "on_delete": OnDelete.set_null, "on_update": OnUpdate.cascade, "target_column": None},
    )
    _column(manager, "identity_note", Text, {})
    _column(manager, "export_ready_at", Timestamptz, {})
    _column(manager, "export_available_until", Timestamptz, {})
    manager.drop_column(
        table_class_name="SupportCase",
        tablename="support_case",
        column_name="identity_verified",
        db_column_name="identity_verified",
        schema=None,
    )
    return manager
