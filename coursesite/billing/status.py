"""Invoice status and the customer's ledger. Pure.

An invoice's outstanding amount is its total, less its credit notes, less its payments. Its status:
  credited      fully credited and nothing paid;
  paid          paid exactly what is owed;
  overpaid      paid more than is owed (a refund is due);
  partly_paid   some paid, some still owed, not yet due;
  unpaid        nothing paid, not yet due;
  overdue       something still owed after the due date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


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


def invoice_status(
    *, total_ore: int, credited_ore: int, paid_ore: int, due_date: date | None, today: date
) -> InvoiceStatus:
    owed = owed_ore(total_ore, credited_ore, paid_ore)
    if owed < 0:
        return InvoiceStatus.OVERPAID
    if owed == 0:
        return InvoiceStatus.CREDITED if paid_ore == 0 and credited_ore > 0 else InvoiceStatus.PAID
    if due_date is not None and today > due_date:
        return InvoiceStatus.OVERDUE
    return InvoiceStatus.PARTLY_PAID if paid_ore > 0 else InvoiceStatus.UNPAID


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
