"""Create a year of invoices for 100,000 participants in a PostgreSQL database, for the billing export benchmark
(bench/billing/run.sh).

    .venv/bin/python -m bench.billing.generate --invoices 100000 \
        --database-url postgresql://postgres@127.0.0.1:5432/coursesite_billing_bench

The rows are the ones InvoicingService and the payment flows write, the invoices and credit notes built with the
same row builders (coursesite/billing/records.py: buyer_of, credit_lines, document_row) and the real billing
configuration (coursesite/billing/billing.toml):
- one participant account per invoice, with its customer row (85 % private, 15 % company) and its enrolment;
- invoices of series "A" for --year (default: last year), issue dates spread over the year, numbered 1..N in issue
  order ("2025-00001" … "2025-102000", 5 digits or more), OCR from ocr_for_invoice_number, 30 days to pay,
  10 000 kr + 25 % VAT = 12 500 kr, no öresutjämning;
- credit notes for about 2 % of the invoices, a few days after them, in the same number series: three quarters credit
  the whole invoice (its lines negated), a quarter 2 500 kr of it (records.credit_lines);
- payments for about 80 % of the rest: most pay in full, some pay part (half of those pay the rest later); 90 % come
  from BgMax files (one file per banking day), 10 % by hand; plus a few unmatched BgMax payments (invoice NULL);
- invoice_counter set to the last sequence of the year, so a later enrolment that year continues the series;
- a finance account (`coursesite create-staff`, the email and password below unless given).

Fast: the rows are computed in Python and loaded with COPY, then VACUUM ANALYZE (about 20 s). The database is
created when missing and migrated first; every table of accounts and billing is emptied. Deterministic per --seed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.scale.generate import FIRST_NAMES, LAST_NAMES, ensure_database, migrate  # noqa: E402
from coursesite.billing.config import load_billing_config  # noqa: E402
from coursesite.billing.document import CustomerType, DocumentKind  # noqa: E402
from coursesite.billing.enrolment import TERMS_VERSION, BillingDetails  # noqa: E402
from coursesite.billing.money import Line  # noqa: E402
from coursesite.billing.records import buyer_of, credit_lines, document_row  # noqa: E402
from coursesite.billing.records import invoice_number as _number  # noqa: E402
from coursesite.core import clock  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/coursesite_billing_bench"
FINANCE_EMAIL = "ekonomi-bench@example.se"
FINANCE_PASSWORD = "Vinter-kassa-lösenord-8813"  # a local benchmark database only; run.sh sets a random one
CITIES = [
    ("111 51", "Stockholm"),
    ("411 03", "Göteborg"),
    ("211 22", "Malmö"),
    ("753 20", "Uppsala"),
    ("581 83", "Linköping"),
    ("903 26", "Umeå"),
    ("972 31", "Luleå"),
    ("831 30", "Östersund"),
    ("551 11", "Jönköping"),
    ("702 10", "Örebro"),
]
STREETS = [
    "Storgatan",
    "Kungsgatan",
    "Drottninggatan",
    "Vasagatan",
    "Skolgatan",
    "Järnvägsgatan",
    "Åsgränd",
    "Östra Långgatan",
    "Björkvägen",
    "Sjövägen",
]
COMPANIES = [
    "Bygg & Måleri",
    "Ekonomikonsult",
    "Redovisningsbyrå",
    "Tandvård",
    "Åkeri",
    "Café Ängen",
    "IT-tjänster",
    "Hälsa och Friskvård",
]
COMPANY_ORG_NUMBERS = ["556036-0793", "556016-0680", "556703-7485", "556056-6258", "559121-8834"]
REASONS_FULL = [
    "Avbokad inom ångerrätten.",
    "Dubbelanmälan, fakturan skickades två gånger.",
    "Deltagaren kunde inte delta; avbokad enligt villkoren.",
]
REASON_PARTIAL = "Rabatt 2 500 kr enligt överenskommelse med kunden."

ACCOUNT_COLUMNS = [
    "id",
    "email",
    "password_hash",
    "first_name",
    "last_name",
    "mobile",
    "source",
    "role",
    "created_at",
    "last_login_at",
]
CUSTOMER_COLUMNS = [
    "id",
    "account",
    "customer_type",
    "company_name",
    "org_number",
    "reference",
    "address_line",
    "postal_code",
    "city",
    "updated_at",
]
ENROLLMENT_COLUMNS = ["id", "account", "terms_version", "terms_accepted_at", "created_at"]
INVOICE_COLUMNS = [
    "id",
    "kind",
    "series",
    "year",
    "sequence",
    "number",
    "ocr",
    "account",
    "credited_invoice",
    "reason",
    "issue_date",
    "supply_date",
    "due_date",
    "buyer",
    "seller",
    "lines",
    "net_ore",
    "vat_ore",
    "rounding_ore",
    "total_ore",
    "currency",
    "payment_terms_days",
    "created_at",
]
PAYMENT_COLUMNS = [
    "id",
    "invoice",
    "amount_ore",
    "payment_date",
    "reference",
    "payer_name",
    "source",
    "bgmax_import",
    "note",
    "registered_by",
    "created_at",
]
BGMAX_COLUMNS = ["id", "file_hash", "filename", "imported_by", "payments", "matched", "total_ore", "created_at"]
TABLES = ("account", "customer", "enrollment", "invoice", "payment", "bgmax_import", "invoice_counter")


def _at(day: date, rng: random.Random) -> datetime:
    """A moment on that day during Swedish office hours, in UTC."""
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 600))


def generate(count: int, year: int, seed: int, password_hash: str, today: date):
    """All rows, as tuples in the COPY column order."""
    rng = random.Random(seed)
    config = load_billing_config()
    invoice_lines = (Line(config.description, 1, config.price_ore, config.vat_rate),)
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    days = (last_day - first_day).days + 1

    accounts, customers, enrollments = [], [], []
    # (issue date, created, kind, participant, buyer, credited öre incl. VAT or None, reason): numbered afterwards
    documents: list[tuple[date, datetime, DocumentKind, int, Any, int | None, str | None]] = []
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        issued = first_day + timedelta(days=rng.randrange(days))
        created = _at(issued, rng)
        email = f"deltagare{n}@example.se"
        accounts.append(
            (n, email, password_hash, first, last, None, None, "participant", created - timedelta(days=1), None)
        )
        postal, city = rng.choice(CITIES)
        address = f"{rng.choice(STREETS)} {rng.randint(1, 120)}"
        company = rng.random() < 0.15
        details = BillingDetails(
            customer_type=CustomerType.COMPANY if company else CustomerType.PRIVATE,
            company_name=f"{last}s {rng.choice(COMPANIES)} AB" if company else None,
            org_number=rng.choice(COMPANY_ORG_NUMBERS) if company and rng.random() < 0.8 else None,
            reference=f"{first} {last}" if company and rng.random() < 0.5 else None,
            address_line=address,
            postal_code=postal,
            city=city,
        )
        customers.append(
            (
                n,
                n,
                details.customer_type.value,
                details.company_name,
                details.org_number,
                details.reference,
                details.address_line,
                postal,
                city,
                created,
            )
        )
        enrollments.append((n, n, TERMS_VERSION, created, created))
        buyer = buyer_of(first, last, email, details)
        documents.append((issued, created, DocumentKind.INVOICE, n, buyer, None, None))
        if rng.random() < 0.02:  # a credit note a few days later, in the same series
            credit_day = min(issued + timedelta(days=rng.randint(1, 20)), last_day)
            whole = rng.random() < 0.75
            reason = rng.choice(REASONS_FULL) if whole else REASON_PARTIAL
            documents.append(
                (
                    credit_day,
                    max(_at(credit_day, rng), created + timedelta(hours=1)),
                    DocumentKind.CREDIT_NOTE,
                    n,
                    buyer,
                    None if whole else 250_000,
                    reason,
                )
            )

    documents.sort(key=lambda d: (d[0], d[1]))
    invoices, invoice_of = [], {}  # participant → [id, number, ocr, total, issue date, credited öre]
    for sequence, (issued, created, kind, participant, buyer, credit_ore, reason) in enumerate(documents, start=1):
        if kind is DocumentKind.INVOICE:
            row = document_row(
                config,
                kind,
                sequence=sequence,
                issued_on=issued,
                account_id=participant,
                buyer=buyer,
                lines=invoice_lines,
                created_at=created,
            )
            invoice_of[participant] = [sequence, row["number"], row["ocr"], row["total_ore"], issued, 0]
        else:
            target = invoice_of[participant]
            row = document_row(
                config,
                kind,
                sequence=sequence,
                issued_on=issued,
                account_id=participant,
                buyer=buyer,
                lines=credit_lines(target[1], invoice_lines, credit_ore),
                created_at=created,
                credited_id=target[0],
                reason=reason,
            )
            target[5] += -row["total_ore"]
        invoices.append((sequence, *(row[column] for column in INVOICE_COLUMNS[1:])))

    payments, payment_id = [], 0
    counts = {"paid_in_full": 0, "partly_paid": 0, "paid_in_two": 0, "unpaid": 0, "credited_in_full": 0}
    for _participant, (invoice_id, _invoice_number, ocr, total, issued, credited) in invoice_of.items():
        owed = total - credited
        if owed <= 0:
            counts["credited_in_full"] += 1
            continue
        if rng.random() >= 0.8:
            counts["unpaid"] += 1
            continue
        first_payment = min(issued + timedelta(days=rng.randint(2, 40)), today)
        amounts = [(owed, first_payment)]
        if rng.random() < 0.1:  # part now; half of them pay the rest later
            part = rng.choice([100_000, 250_000, 500_000, 625_000])
            amounts = [(part, first_payment)]
            if rng.random() < 0.5:
                amounts.append((owed - part, min(first_payment + timedelta(days=rng.randint(5, 30)), today)))
                counts["paid_in_two"] += 1
            else:
                counts["partly_paid"] += 1
        else:
            counts["paid_in_full"] += 1
        for amount, paid_on in amounts:
            payment_id += 1
            bgmax = rng.random() < 0.9
            payments.append(
                [
                    payment_id,
                    invoice_id,
                    amount,
                    paid_on,
                    ocr,
                    None,  # the payer's name from the bank is not stored (docs/billing.md)
                    "bgmax" if bgmax else "manual",
                    None,
                    None,
                    None,
                    _at(paid_on, rng) + timedelta(days=1),
                ]
            )
    for _ in range(max(1, count // 500)):  # unmatched: a wrong or missing reference, waiting for finance
        payment_id += 1
        paid_on = first_day + timedelta(days=rng.randrange(days))
        payments.append(
            [
                payment_id,
                None,
                rng.choice([1_250_000, 625_000, 1_000_000]),
                paid_on,
                str(rng.randint(10**9, 10**12)) if rng.random() < 0.7 else None,
                None,
                "bgmax",
                None,
                "Referensen matchar ingen faktura.",
                None,
                _at(paid_on, rng) + timedelta(days=1),
            ]
        )
    payments.sort(key=lambda p: (p[10], p[0]))  # registered in time order, as the flows insert them
    imports: dict[date, list] = {}
    for new_id, payment in enumerate(payments, start=1):
        payment[0] = new_id
        if payment[6] == "bgmax":
            day = payment[3]
            if day not in imports:
                digest = hashlib.sha256(f"bgmax-{day.isoformat()}".encode()).hexdigest()
                imports[day] = [len(imports) + 1, digest, f"BGMAX_{day:%Y%m%d}.txt", None, 0, 0, 0, payment[10]]
            row = imports[day]
            row[4] += 1
            row[5] += payment[1] is not None
            row[6] += payment[2]
            payment[7] = row[0]
    counts["documents"] = len(invoices)
    counts["invoices"] = len(invoice_of)
    counts["credit_notes"] = len(invoices) - len(invoice_of)
    counts["payments"] = len(payments)
    counts["unmatched_payments"] = sum(1 for p in payments if p[1] is None)
    return (
        {
            "account": (ACCOUNT_COLUMNS, accounts),
            "customer": (CUSTOMER_COLUMNS, customers),
            "enrollment": (ENROLLMENT_COLUMNS, enrollments),
            "invoice": (INVOICE_COLUMNS, invoices),
            "bgmax_import": (BGMAX_COLUMNS, [tuple(r) for r in imports.values()]),
            "payment": (PAYMENT_COLUMNS, [tuple(p) for p in payments]),
        },
        counts,
        config.series,
    )


def create_finance_account(url: str, email: str, password: str) -> str:
    env = dict(
        os.environ,
        COURSESITE_DATABASE_URL=url,
        COURSESITE_ENV="development",
        COURSESITE_SECRET_KEY="bench-generate-" + "x" * 32,
    )
    completed = subprocess.run(
        [
            str(REPO / ".venv/bin/coursesite"),
            "create-staff",
            "--email",
            email,
            "--role",
            "finance",
            "--first-name",
            "Ekonomi",
            "--last-name",
            "Bänk",
        ],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"create-staff failed: {completed.stdout}{completed.stderr}")
    return completed.stdout.strip()


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000, help="participants, one invoice each")
    parser.add_argument("--year", type=int, default=datetime.now(UTC).year - 1)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--finance-email", default=FINANCE_EMAIL)
    parser.add_argument("--finance-password", default=FINANCE_PASSWORD)
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql://"):
        parser.error("the billing benchmark runs on PostgreSQL: --database-url postgresql://…")
    started = time.monotonic()
    await ensure_database(args.database_url)
    await migrate(args.database_url)
    from coursesite.accounts.passwords import hash_password_sync

    password_hash = hash_password_sync("bench-participant-password")  # nobody logs in as a participant here
    today = clock.today()  # the day the app would issue on
    tables, counts, series = generate(args.invoices, args.year, args.seed, password_hash, today)
    print(f"rows computed ({time.monotonic() - started:.0f} s)", flush=True)
    connection = await asyncpg.connect(args.database_url)
    try:
        await connection.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        for table, (columns, records) in tables.items():
            await connection.copy_records_to_table(table, records=records, columns=columns)
            print(f"  {table}: {len(records)} rows ({time.monotonic() - started:.0f} s)", flush=True)
        for table in tables:
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        await connection.execute(
            "INSERT INTO invoice_counter (series, year, last_sequence) VALUES ($1, $2, $3)",
            series,
            args.year,
            counts["documents"],
        )
        await connection.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")
        sizes = await connection.fetchrow(
            "SELECT pg_size_pretty(pg_total_relation_size('invoice')) AS invoice, "
            "pg_size_pretty(pg_total_relation_size('payment')) AS payment, "
            "pg_size_pretty(pg_database_size(current_database())) AS db"
        )
    finally:
        await connection.close()
    print(create_finance_account(args.database_url, args.finance_email, args.finance_password), flush=True)
    print(
        f"done in {time.monotonic() - started:.0f} s: year {args.year}, {counts['invoices']} invoices and "
        f"{counts['credit_notes']} credit notes (numbers {args.year}-00001 … {_number(args.year, counts['documents'])}), "
        f"{counts['payments']} payments ({counts['unmatched_payments']} unmatched); invoices paid in full "
        f"{counts['paid_in_full']}, in two parts {counts['paid_in_two']}, partly {counts['partly_paid']}, unpaid "
        f"{counts['unpaid']}, credited in full {counts['credited_in_full']}; invoice table {sizes['invoice']}, payment "
        f"{sizes['payment']}, database {sizes['db']}"
    )


if __name__ == "__main__":
    asyncio.run(main())
