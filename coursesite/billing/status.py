"""Invoice status and the customer's ledger. Pure.

An invoice's outstanding amount is its total, less its credit notes, less its payments. Its status:
  credited      fully credited and nothing paid;
  paid          paid exactly what is owed;
  overpaid      paid more than is owed (a refund is due);
  partly_paid   some paid, some still owed, not yet due;
  unpaid        nothing paid, not yet due;
  overdue       something still owed after the due date.

The rule is written once, as data (`STATUS_RULE`): the first case whose comparisons all hold gives the status, else
`unpaid`. `invoice_status` evaluates it in Python; `status_sql` writes the same rule as an SQL `CASE`, so that the
ledger service filters by status in the database (over every invoice, not only a recent page of them).
`tests/integration/test_billing_status_sql.py` runs both forms over a table of cases on each engine.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal


class InvoiceStatus(StrEnum):
    UNPAID = "unpaid"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERPAID = "overpaid"
    CREDITED = "credited"
    OVERDUE = "overdue"


STATUS_LABELS_SV = {
    InvoiceStatus.UNPAID: "Obetald",
    InvoiceStatus.PARTLY_PAID: "Delvis betald",
    InvoiceStatus.PAID: "Betald",
    InvoiceStatus.OVERPAID: "Överbetald",
    InvoiceStatus.CREDITED: "Krediterad",
    InvoiceStatus.OVERDUE: "Förfallen",
}


def owed_ore(total_ore: int, credited_ore: int, paid_ore: int) -> int:
    """What is still owed; negative when too much was paid. `credited_ore` is positive: the credited amount."""
    return total_ore - credited_ore - paid_ore


def creditable_ore(total_ore: int, credited_ore: int) -> int:
    """What credit notes may still take off an invoice: never more than its total in all."""
    return total_ore - credited_ore


Quantity = Literal["owed", "paid", "credited", "due_date", "today"]
Op = Literal["<", "=", ">"]


@dataclass(frozen=True)
class Compare:
    """One comparison of a status case: a quantity against another quantity or a whole number of öre. A comparison
    with a missing value (an invoice without a due date) does not hold, in Python as in SQL."""

    left: Quantity
    op: Op
    right: Quantity | int


# The rule, once. Order matters: the first case that holds wins; nothing holds: UNPAID.
STATUS_RULE: tuple[tuple[InvoiceStatus, tuple[Compare, ...]], ...] = (
    (InvoiceStatus.OVERPAID, (Compare("owed", "<", 0),)),
    (InvoiceStatus.CREDITED, (Compare("owed", "=", 0), Compare("paid", "=", 0), Compare("credited", ">", 0))),
    (InvoiceStatus.PAID, (Compare("owed", "=", 0),)),
    (InvoiceStatus.OVERDUE, (Compare("today", ">", "due_date"),)),
    (InvoiceStatus.PARTLY_PAID, (Compare("paid", ">", 0),)),
)
OTHERWISE = InvoiceStatus.UNPAID

_PYTHON_OPS: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "=": operator.eq, ">": operator.gt}


def invoice_status(
    *, total_ore: int, credited_ore: int, paid_ore: int, due_date: date | None, today: date
) -> InvoiceStatus:
    values: dict[str, Any] = {
        "owed": owed_ore(total_ore, credited_ore, paid_ore),
        "paid": paid_ore,
        "credited": credited_ore,
        "due_date": due_date,
        "today": today,
    }

    def holds(test: Compare) -> bool:
        left = values[test.left]
        right = test.right if isinstance(test.right, int) else values[test.right]
        return left is not None and right is not None and _PYTHON_OPS[test.op](left, right)

    for status, tests in STATUS_RULE:
        if all(holds(test) for test in tests):
            return status
    return OTHERWISE


def status_sql(*, total: str, credited: str, paid: str, due_date: str, today: date) -> str:
    """The rule as an SQL expression giving the status's value. The arguments are SQL expressions (column names or
    sums, never user input) for an invoice's total, its credited amount (positive) and what was paid; `today` is
    written as a date literal. Works on PostgreSQL and SQLite."""
    if not isinstance(today, date):  # the literal below is safe only for a real date
        raise TypeError("today must be a date")
    quantities: Mapping[str, str] = {
        "owed": f"({total} - {credited} - {paid})",
        "paid": paid,
        "credited": credited,
        "due_date": due_date,
        "today": f"'{today.isoformat()}'",
    }

    def operand(value: str | int) -> str:
        return str(int(value)) if isinstance(value, int) else quantities[value]

    cases = " ".join(
        f"WHEN {' AND '.join(f'{operand(t.left)} {t.op} {operand(t.right)}' for t in tests)} THEN '{status.value}'"
        for status, tests in STATUS_RULE
    )
    return f"(CASE {cases} ELSE '{OTHERWISE.value}' END)"


@dataclass(frozen=True)
class LedgerEntry:
    day: date
    kind: str  # invoice | credit_note | payment
    reference: str  # the invoice or credit note number, or the paid invoice's number
    amount_ore: int  # + what the customer owes more (an invoice), − what reduces it (a credit note, a payment)
    order: int = 0  # ties on the same day: invoices first, then credit notes, then payments


@dataclass(frozen=True)
class LedgerRow:
    entry: LedgerEntry
    balance_ore: int  # after this entry; positive: the customer owes us


_ORDER = {"invoice": 0, "credit_note": 1, "payment": 2}


def ledger(entries: Iterable[LedgerEntry]) -> list[LedgerRow]:
    """The entries in date order with a running balance."""
    rows, balance = [], 0
    for entry in sorted(entries, key=lambda e: (e.day, _ORDER.get(e.kind, 3), e.order, e.reference)):
        balance += entry.amount_ore
        rows.append(LedgerRow(entry, balance))
    return rows
