from coursesite.db.migrate import raw_index_migration

ID = "2026-11-26T10:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique invoice numbers per series and year, unique counters, and indexes for the finance lists"

# Raw SQL in its own migration: Piccolo runs raw steps before the table operations of the same migration.
INDEXES = {
    "invoice_counter_unique": 'CREATE UNIQUE INDEX invoice_counter_unique ON "invoice_counter" ("series", "year")',
    "invoice_sequence_unique": 'CREATE UNIQUE INDEX invoice_sequence_unique ON "invoice" ("series", "year", "sequence")',
    "invoice_issue_date": 'CREATE INDEX invoice_issue_date ON "invoice" ("issue_date", "id")',
    "invoice_due_date": 'CREATE INDEX invoice_due_date ON "invoice" ("kind", "due_date")',
    "payment_date": 'CREATE INDEX payment_date ON "payment" ("payment_date", "id")',
}


forwards = raw_index_migration(ID, DESCRIPTION, INDEXES)
