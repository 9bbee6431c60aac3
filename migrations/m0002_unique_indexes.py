from coursesite.db.migrate import raw_index_migration

ID = "2026-11-26T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes on answer attempts and lesson progress"

# Unique indexes rather than Piccolo constraints: SQLite cannot ALTER TABLE ... ADD CONSTRAINT.
INDEXES = {
    "answer_unique_attempt": 'CREATE UNIQUE INDEX answer_unique_attempt ON "answer" ("account", "question_id", "attempt")',
    "lesson_progress_unique_lesson": 'CREATE UNIQUE INDEX lesson_progress_unique_lesson ON "lesson_progress" ("account", "lesson_slug")',
}


forwards = raw_index_migration(ID, DESCRIPTION, INDEXES)
