from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-06T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = (
    "answers: no index of its own on question_id, which every read by question finds at the head of "
    "answer_question_stats and answer_question_responses (issue 14: each index is written on every answer)"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="coursesite", description=DESCRIPTION)
    manager.alter_column(
        table_class_name="Answer",
        tablename="answer",
        column_name="question_id",
        db_column_name="question_id",
        params={"index": False},
        old_params={"index": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )
    return manager
