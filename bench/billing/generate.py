"""Create a year of invoices for 100,000 participants in a PostgreSQL database, for the billing export benchmark
(bench/billing/run.sh).

    .venv/bin/python -m bench.billing.generate --invoices 100000 \
        --database-url postgresql://postgres@127.0.0.1:5432/coursesite_billing_bench

The rows are the ones InvoicingService._issue and the payment flows write, built with the same helpers and the real
billing configuration (coursesite/billing/billing.toml):
- one participant account per invoice, with its customer row (85 % private, 15 % company) and its enrolment;
- invoices of series "A" for --year (default: last year), issue dates spread over the year, numbered 1..N in issue
  order ("2025-00001" … "2025-102000", 5 digits or more), OCR from ocr_for_invoice_number, 30 days to pay,
  10 000 kr + 25 % VAT = 12 500 kr, no öresutjämning;
- credit notes for about 2 % of the invoices, a few days after them, in the same number series: three quarters credit
  the whole invoice (its lines negated), a quarter 2 500 kr of it (InvoicingService._partial_lines);
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
import dataclasses
import hashlib
import json
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
from coursesite.billing.document import Buyer, CustomerType  # noqa: E402
from coursesite.billing.enrolment import TERMS_VERSION  # noqa: E402
from coursesite.billing.money import Line, compute_totals, split_gross  # noqa: E402
from coursesite.billing.ocr import ocr_for_invoice_number  # noqa: E402
from coursesite.billing.records import invoice_number as _number  # noqa: E402
from coursesite.billing.records import lines_data as _lines_data  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/coursesite_billing_bench"
FINANCE_EMAIL = "ekonomi-bench@example.se"
FINANCE_PASSWORD = "billing-bench-ekonomi-lösenord"  # a local benchmark database only; run.sh sets a random one
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
    seller = json.dumps(dataclasses.asdict(config.seller), ensure_ascii=False)
    line = Line(config.description, 1, config.price_ore, config.vat_rate)
    invoice_lines = (line,)
    invoice_totals = compute_totals(invoice_lines, round_to_krona=config.round_to_krona)
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    days = (last_day - first_day).days + 1

    accounts, customers, enrollments = [], [], []
    documents: list[tuple[date, Any, dict[str, Any]]] = []  # (issue_date, order, fields) — numbered afterwards
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
        person = f"{first} {last}"
        company_name = f"{last}s {rng.choice(COMPANIES)} AB" if company else None
        org_number = rng.choice(COMPANY_ORG_NUMBERS) if company and rng.random() < 0.8 else None
        reference = person if company and rng.random() < 0.5 else None
        customer_type = CustomerType.COMPANY if company else CustomerType.PRIVATE
        customers.append(
            (n, n, customer_type.value, company_name, org_number, reference, address, postal, city, created)
        )
        enrollments.append((n, n, TERMS_VERSION, created, created))
        buyer = Buyer(
            customer_type=customer_type,
            name=company_name or person,
            contact_name=person,
            address_line=address,
            postal_code=postal,
            city=city,
            email=email,
            org_number=org_number,
            reference=reference,
        )
        buyer_json = json.dumps(dataclasses.asdict(buyer) | {"customer_type": customer_type.value}, ensure_ascii=False)
        documents.append(
            (
                issued,
                created,
                {
                    "kind": "invoice",
                    "account": n,
                    "buyer": buyer_json,
                    "lines": invoice_lines,
                    "totals": invoice_totals,
                    "participant": n,
                },
            )
        )
        if rng.random() < 0.02:  # a credit note a few days later, in the same series
            credit_day = min(issued + timedelta(days=rng.randint(1, 20)), last_day)
            if rng.random() < 0.75:
                lines = tuple(dataclasses.replace(line, unit_price_ore=-line.unit_price_ore) for line in invoice_lines)
                reason = rng.choice(REASONS_FULL)
            else:
                lines = (
                    Line("Kreditering av faktura {number}", 1, -split_gross(250_000, config.vat_rate), config.vat_rate),
                )
                reason = REASON_PARTIAL
            documents.append(
                (
                    credit_day,
                    max(_at(credit_day, rng), created + timedelta(hours=1)),
                    {
                        "kind": "credit_note",
                        "account": n,
                        "buyer": buyer_json,
                        "lines": lines,
                        "totals": compute_totals(lines, round_to_krona=config.round_to_krona),
                        "reason": reason,
                        "participant": n,
                    },
                )
            )

    documents.sort(key=lambda d: (d[0], d[1]))
    invoices, invoice_of = [], {}  # participant → (id, number, ocr, total, issue date, credited öre)
    for sequence, (issued, created, doc) in enumerate(documents, start=1):
        number = _number(year, sequence)
        is_invoice = doc["kind"] == "invoice"
        credited_id = None
        lines = doc["lines"]
        if is_invoice:
            invoice_of[doc["participant"]] = [
                sequence,
                number,
                ocr_for_invoice_number(number),
                doc["totals"].total_ore,
                issued,
                0,
            ]
        else:
            target = invoice_of[doc["participant"]]
            credited_id = target[0]
            target[5] += -doc["totals"].total_ore
            if lines[0].description.startswith("Kreditering av faktura"):
                lines = (dataclasses.replace(lines[0], description=f"Kreditering av faktura {target[1]}"),)
        totals = doc["totals"]
        invoices.append(
            (
                sequence,
                doc["kind"],
                config.series,
                year,
                sequence,
                number,
                ocr_for_invoice_number(number) if is_invoice else None,
                doc["account"],
                credited_id,
                doc.get("reason"),
                issued,
                issued,
                issued + timedelta(days=config.payment_terms_days) if is_invoice else None,
                doc["buyer"],
                seller,
                _lines_data(lines),
                totals.net_ore,
                totals.vat_ore,
                totals.rounding_ore,
                totals.total_ore,
                "SEK",
                config.payment_terms_days,
                created,
            )
        )

    payments, payment_id = [], 0
    counts = {"paid_in_full": 0, "partly_paid": 0, "paid_in_two": 0, "unpaid": 0, "credited_in_full": 0}
    for participant, (invoice_id, _invoice_number, ocr, total, issued, credited) in invoice_of.items():
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
        name = customers[participant - 1][3] or " ".join(accounts[participant - 1][3:5])
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
                    name[:100] if bgmax else None,
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
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
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
    today = datetime.now(UTC).date()
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
