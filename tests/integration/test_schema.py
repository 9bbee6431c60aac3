"""The schema: every column classified in the privacy registry, and no table change without a migration."""

import pytest

from coursesite.db.migrate import pending_table_changes
from coursesite.db.tables import TABLES
from coursesite.privacy.registry import NOT_PERSONAL, PERSONAL_FIELDS, Category, classification


def all_columns():
    return [(table._meta.tablename, column._meta.db_column_name) for table in TABLES for column in table._meta.columns]


@pytest.mark.parametrize("table, column", all_columns())
def test_every_column_is_classified(table, column):
    assert classification(table, column) is not None, (
        f"{table}.{column} is in neither PERSONAL_FIELDS nor NOT_PERSONAL in coursesite/privacy/registry.py"
    )


def test_registry_names_only_real_columns():
    real = set(all_columns())
    stale = [(e.table, e.column) for e in (*PERSONAL_FIELDS, *NOT_PERSONAL) if (e.table, e.column) not in real]
    assert stale == []


def test_contact_details_are_personal():
    for column in ("email", "first_name", "last_name", "mobile"):
        assert classification("account", column).category is Category.CONTACT


async def test_tables_match_the_migrations(monkeypatch):
    monkeypatch.setenv("PICCOLO_CONF", "coursesite.piccolo_conf")
    assert await pending_table_changes() == []


async def test_the_migration_check_notices_a_new_column(monkeypatch):
    from piccolo.columns import Varchar

    from coursesite.db.accounts import Account

    monkeypatch.setenv("PICCOLO_CONF", "coursesite.piccolo_conf")
    column = Varchar(length=20)
    column._meta.name = "nickname"
    column._meta.db_column_name = "nickname"
    column._meta._table = Account
    monkeypatch.setattr(Account._meta, "columns", [*Account._meta.columns, column])
    monkeypatch.setattr(Account._meta, "non_default_columns", [*Account._meta.non_default_columns, column])
    changes = await pending_table_changes()
    assert any("nickname" in statement for statement in changes)
