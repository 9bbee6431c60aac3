"""Invoice status in SQL (billing/status.py: status_sql) agrees with the status in Python, on each engine, and the
lists that filter by status reach every invoice: an overdue invoice older than the newest 10,000 documents is on the
overdue list, in the status filter, and in its customer's ledger (issue 10: they used to stop at the newest 10,000)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from coursesite.accounts.roles import Role
from coursesite.billing.ledger import LedgerService
from coursesite.billing.status import InvoiceStatus
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.db.billing import Invoice, Payment
from coursesite.privacy.audit import AuditLog
from tests.conftest import accounts

S = InvoiceStatus
BUYER = json.dumps({"customer_type": "private", "name": "Anna Berg"})


@pytest.fixture
def ledger(db):
    return LedgerService(AuditLog())


async def person(email: str, role: Role = Role.PARTICIPANT):
    return await accounts.register(
        email=email, password="ett-bra-losenord", first_name="Anna", last_name="Berg", role=role
    )


async def insert_document(
    sequence: int,
    *,
    total_ore: int,
    account: int | None = None,
    due_in_days: int | None = 30,
    credited_invoice: int | None = None,
) -> int:
    """One stored invoice (or, with `credited_invoice`, credit note) row, as the issuing service writes it."""
    on = today()
    rows = await Invoice.insert(
        Invoice(
            kind="credit_note" if credited_invoice else "invoice",
            series="T",
            year=2020,
            sequence=sequence,
            number=f"2020-{sequence:05d}",
            account=account,
            credited_invoice=credited_invoice,
            issue_date=on,
            supply_date=on,
            due_date=on + timedelta(days=due_in_days) if due_in_days is not None else None,
            buyer=BUYER,
            seller="{}",
            lines="[]",
            net_ore=total_ore,
            vat_ore=0,
            rounding_ore=0,
            total_ore=total_ore,
            created_at=clock.now(),
        )
    ).returning(Invoice.id)
    return rows[0]["id"]


async def pay(invoice_id: int, amount_ore: int) -> None:
    await Payment.insert(
        Payment(
            invoice=invoice_id, amount_ore=amount_ore, payment_date=today(), source="manual", created_at=clock.now()
        )
    )


# (credited, paid, days until due, expected) for an invoice of 1000 öre: the table of tests/unit/billing/test_status.py
CASES = [
    (0, 0, 25, S.UNPAID),
    (0, 0, 0, S.UNPAID),  # due today is not overdue yet
    (0, 0, -1, S.OVERDUE),
    (0, 500, 25, S.PARTLY_PAID),
    (0, 500, -1, S.OVERDUE),
    (0, 1000, -1, S.PAID),
    (0, 1001, 25, S.OVERPAID),
    (1000, 0, -1, S.CREDITED),
    (400, 600, -1, S.PAID),
    (400, 0, 25, S.UNPAID),
    (1000, 1000, 25, S.OVERPAID),
    (400, 100, -400, S.OVERDUE),
    (0, 2000, -1, S.OVERPAID),
    (1000, 0, 25, S.CREDITED),
]


async def test_the_status_in_sql_is_the_status_in_python(ledger):
    expected: dict[int, InvoiceStatus] = {}
    sequence = 0
    for credited, paid, due_in_days, status in CASES:
        sequence += 1
        invoice_id = await insert_document(sequence, total_ore=1000, due_in_days=due_in_days)
        if credited:
            sequence += 1
            await insert_document(sequence, total_ore=-credited, due_in_days=None, credited_invoice=invoice_id)
        if paid:
            await pay(invoice_id, paid // 2)
            await pay(invoice_id, paid - paid // 2)  # two payments: the sum counts
        expected[invoice_id] = status
    in_python = {v.id: v.status for v in await ledger.invoices(limit=None) if v.status is not None}
    assert in_python == expected
    in_sql = {v.id: status for status in InvoiceStatus for v in await ledger.invoices(status=status, limit=None)}
    assert in_sql == expected
    assert {v.status for v in await ledger.invoices(status=S.OVERDUE)} == {S.OVERDUE}


BULK = 10_000


async def test_an_overdue_invoice_beyond_the_newest_ten_thousand_documents_is_listed(ledger):
    customer = await person("anna@example.se")
    finance = await person("ekonomi@example.se", Role.FINANCE)
    oldest = await insert_document(1, total_ore=1_250_000, account=customer.account_id, due_in_days=-10)
    await pay(oldest, 250_000)
    template = await insert_document(2, total_ore=1_250_000, account=customer.account_id, due_in_days=30)
    # Ten thousand newer invoices of the same customer, not yet due, copied from one row in a single statement.
    columns = [c._meta.db_column_name for c in Invoice._meta.columns if c._meta.name != "id"]
    varying = {"sequence": "2 + n", "number": "'2020-' || (100002 + n)"}
    await Invoice.raw(
        f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {BULK}) "
        f"INSERT INTO invoice ({', '.join(columns)}) "
        f"SELECT {', '.join(varying.get(c, c) for c in columns)} FROM invoice, s WHERE invoice.id = {{}}",
        template,
    )
    assert await Invoice.count() == BULK + 2

    overdue = await ledger.overdue(finance)
    assert [(v.id, v.status, v.paid_ore, v.owed_ore) for v in overdue] == [(oldest, S.OVERDUE, 250_000, 1_000_000)]
    assert [v.id for v in await ledger.invoices(status=S.OVERDUE)] == [oldest]
    assert [v.id for v in await ledger.invoice_list(finance, status=S.OVERDUE)] == [oldest]
    unpaid = await ledger.invoices(status=S.UNPAID, limit=3)
    assert [v.status for v in unpaid] == [S.UNPAID] * 3 and unpaid[0].id > unpaid[1].id > unpaid[2].id

    rows = await ledger.ledger(customer.account_id)
    assert len(rows) == BULK + 3  # every invoice and the payment
    assert rows[0].entry.reference == "2020-00001" and rows[-1].balance_ore == (BULK + 2) * 1_250_000 - 250_000
    account = await ledger.customer_account(finance, customer.account_id)
    assert len(account.ledger) == BULK + 3 and account.ledger[-1].balance_ore == rows[-1].balance_ore
