from coursesite.db.migrate import raw_index_migration

ID = "2026-11-26T10:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the review queue, question statistics, the comment bank and question versions"

# Raw SQL in its own migration: Piccolo runs raw steps before the table operations of the same migration.
INDEXES = {
    "question_version_unique": 'CREATE UNIQUE INDEX question_version_unique ON "question_version" ("question_id", "version")',
    "comment_bank_unique": 'CREATE UNIQUE INDEX comment_bank_unique ON "comment_bank_entry" ("owner", "text")',
    # The review queue: pending answers oldest first, and open flags oldest first.
    "answer_status_created": 'CREATE INDEX answer_status_created ON "answer" ("status", "created_at")',
    "answer_flag_open": 'CREATE INDEX answer_flag_open ON "answer_flag" ("resolved_at", "created_at")',
    # Question statistics: one question's attempts, and its response distribution.
    "answer_question_account": 'CREATE INDEX answer_question_account ON "answer" ("question_id", "account", "score_milli")',
    "answer_question_response": 'CREATE INDEX answer_question_response ON "answer" ("question_id", "response_key")',
    "lesson_progress_lesson": 'CREATE INDEX lesson_progress_lesson ON "lesson_progress" ("lesson_slug", "account")',
}


forwards = raw_index_migration(ID, DESCRIPTION, INDEXES)
