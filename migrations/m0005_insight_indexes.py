from coursesite.db.migrate import raw_index_migration

ID = "2026-11-26T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "covering indexes for the question statistics (index-only scans at 100 000 participants)"

# Raw SQL in its own migration, as m0004. The statistics read, per question, every participant's attempts (status,
# score, max, attempt number) and every response key; per lesson, every participant's total. With the columns in the
# index PostgreSQL answers from the index alone, in account order, instead of visiting a heap page per answer
# (docs/performance.md, "Scale"). Each replaces an index of m0004 whose columns are its prefix, so every query that
# used the old one can use the new one.
REPLACED = {
    "answer_question_account": 'CREATE INDEX answer_question_account ON "answer" ("question_id", "account", "score_milli")',
    "answer_question_response": 'CREATE INDEX answer_question_response ON "answer" ("question_id", "response_key")',
    "lesson_progress_lesson": 'CREATE INDEX lesson_progress_lesson ON "lesson_progress" ("lesson_slug", "account")',
}
INDEXES = {
    "answer_question_stats": 'CREATE INDEX answer_question_stats ON "answer" '
    '("question_id", "account", "attempt", "status", "score_milli", "max_score_milli")',
    "answer_question_responses": 'CREATE INDEX answer_question_responses ON "answer" '
    '("question_id", "response_key", "status", "score_milli", "max_score_milli")',
    "lesson_progress_lesson_score": 'CREATE INDEX lesson_progress_lesson_score ON "lesson_progress" '
    '("lesson_slug", "account", "score_milli")',
}


forwards = raw_index_migration(ID, DESCRIPTION, INDEXES, REPLACED)
