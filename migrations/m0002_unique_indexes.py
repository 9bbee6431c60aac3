from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-26T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes on answer attempts and lesson progress"

# Unique indexes rather than Piccolo constraints: SQLite cannot ALTER TABLE ... ADD CONSTRAINT.
UNIQUE_INDEXES = [
    'CREATE UNIQUE INDEX answer_unique_attempt ON "answer" ("account", "question_id", "attempt")',
    'CREATE UNIQUE INDEX lesson_progress_unique_lesson ON "lesson_progress" ("account", "lesson_slug")',
]


class RawSQL(Table, tablename="answer"):
    pass


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)

    async def create_unique_indexes():
        for statement in UNIQUE_INDEXES:
            await RawSQL.raw(statement)

    async def drop_unique_indexes():
        for name in ("answer_unique_attempt", "lesson_progress_unique_lesson"):
            await RawSQL.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_unique_indexes)
    manager.add_raw_backwards(drop_unique_indexes)
    return manager
