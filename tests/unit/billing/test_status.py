"""Invoice status and the ledger, as tables of cases."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursesite.billing.status import InvoiceStatus, LedgerEntry, invoice_status, ledger

DUE = date(2026, 12, 26)
BEFORE, AFTER = date(2026, 12, 1), date(2026, 12, 27)
S = InvoiceStatus


@pytest.mark.parametrize(
    ("credited", "paid", "today", "expected"),
    [
        (0, 0, BEFORE, S.UNPAID),
        (0, 0, DUE, S.UNPAID),  # due today is not overdue yet
        (0, 0, AFTER, S.OVERDUE),
        (0, 500, BEFORE, S.PARTLY_PAID),
        (0, 500, AFTER, S.OVERDUE),
        (0, 1000, AFTER, S.PAID),
        (0, 1001, BEFORE, S.OVERPAID),
        (1000, 0, AFTER, S.CREDITED),
        (400, 600, AFTER, S.PAID),  # partly credited, the rest paid
        (400, 0, BEFORE, S.UNPAID),
        (1000, 1000, BEFORE, S.OVERPAID),  # credited after it was paid: a refund is due
    ],
)
def test_status(credited, paid, today, expected):
    assert invoice_status(total_ore=1000, credited_ore=credited, paid_ore=paid, due_date=DUE, today=today) is expected


def test_ledger_orders_by_day_then_kind_and_keeps_a_running_balance():
    rows = ledger(
        [
            LedgerEntry(date(2026, 2, 1), "payment", "2026-00001", -500),
            LedgerEntry(date(2026, 1, 1), "invoice", "2026-00001", 1250),
            LedgerEntry(date(2026, 2, 1), "credit_note", "2026-00002", -250),
        ]
    )
    assert [(r.entry.kind, r.balance_ore) for r in rows] == [("invoice", 1250), ("credit_note", 1000), ("payment", 500)]


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=30))
def test_the_last_balance_is_the_sum(amounts):
    rows = ledger(LedgerEntry(date(2026, 1, 1 + i % 28), "invoice", str(i), a) for i, a in enumerate(amounts))
    assert (rows[-1].balance_ore if rows else 0) == sum(amounts)
