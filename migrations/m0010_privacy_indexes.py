from coursesite.db.migrate import raw_index_migration

ID = "2026-11-26T11:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "privacy: one token per subsidiary and purpose, and indexes for deadlines, notices and retention"

# Raw SQL in its own migration: Piccolo runs raw steps before the table operations of the same migration.
INDEXES = {
    "subsidiary_name_purpose": 'CREATE UNIQUE INDEX subsidiary_name_purpose ON "subsidiary" ("name", "purpose")',
    "support_case_open": 'CREATE INDEX support_case_open ON "support_case" ("status", "deadline")',
    "recipient_notice_open": 'CREATE INDEX recipient_notice_open ON "recipient_notice" ("subsidiary", "acknowledged_at")',
    "consent_kind": 'CREATE INDEX consent_kind ON "consent" ("kind", "withdrawn_at")',
    "page_view_truncate": 'CREATE INDEX page_view_truncate ON "page_view" ("ip_truncated", "viewed_at")',
}


forwards = raw_index_migration(ID, DESCRIPTION, INDEXES)
