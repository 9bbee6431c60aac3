"""Enrolment, invoices and credit notes, payments, BgMax imports and certificates.

Invoices and credit notes are accounting records (Bokföringslagen): never updated or deleted once issued. They keep a
snapshot of the buyer and the seller as they were on the invoice, so a later change of address or an erasure of the
account never rewrites an issued invoice.
"""

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from coursesite.db.accounts import Account


class Customer(Table, tablename="customer"):
    """The billing details a participant gave at enrolment (and may correct later). One per account."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    account = ForeignKey(Account, on_delete=OnDelete.cascade, unique=True, index=True)
    customer_type = Varchar(length=10)  # private | company
    company_name = Varchar(length=200, null=True, default=None)
    org_number = Varchar(length=11, null=True, default=None)  # NNNNNN-NNNN
    reference = Varchar(length=100, null=True, default=None)
    address_line = Varchar(length=200)
    postal_code = Varchar(length=6)  # NNN NN
    city = Varchar(length=100)
    updated_at = Timestamptz()


class Enrollment(Table, tablename="enrollment"):
    """A participant's enrolment in the course, with the terms they accepted. One per account."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    account = ForeignKey(Account, on_delete=OnDelete.cascade, unique=True, index=True)
    terms_version = Varchar(length=20)  # a version kept in billing/terms.py, shown by /villkor?version=…
    terms_accepted_at = Timestamptz()
    # Distance Contracts Act 2 kap. 11 §, asked separately at enrolment (m0024): the express consent to start at once,
    # and the acknowledgement that the right of withdrawal is then lost. None: not given (the right stays).
    start_consent_at = Timestamptz(null=True, default=None)
    withdrawal_ack_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


def enrolled_sql(account: str) -> str:
    """SQL for "the account is enrolled", `account` an SQL expression: the one text that billing's access check
    (billing/issuing.py) and the answer's first read (grading/service.py, issue 14) both run."""
    return f"EXISTS (SELECT 1 FROM enrollment WHERE enrollment.account = {account})"


class InvoiceCounter(Table, tablename="invoice_counter"):
    """The last number used per series and year: incremented in the transaction that inserts the invoice, so numbers
    are gap-free (a rolled-back enrolment rolls its number back too). Unique on (series, year): migration m0007."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    series = Varchar(length=3)
    year = Integer()
    last_sequence = Integer(default=0)


class Invoice(Table, tablename="invoice"):
    """An issued invoice or credit note. Unique on (series, year, sequence): migration m0007."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    kind = Varchar(length=12)  # invoice | credit_note
    series = Varchar(length=3)
    year = Integer()
    sequence = Integer()
    number = Varchar(length=20, unique=True, index=True)  # "2026-00001"
    ocr = Varchar(length=25, null=True, default=None, unique=True)  # invoices only
    # Kept for Bokföringslagen's seven years even when the account is erased: the link goes, the record stays.
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    credited_invoice: ForeignKey = ForeignKey("self", null=True, default=None, on_delete=OnDelete.restrict, index=True)
    reason = Text(null=True, default=None)
    issue_date = Date()
    supply_date = Date()
    due_date = Date(null=True, default=None)
    buyer = JSON()  # snapshot: billing.document.Buyer as data
    seller = JSON()  # snapshot: billing.document.Seller as data
    lines = JSON()  # [{description, quantity, unit_price_ore, vat_rate}]
    net_ore = BigInt()
    vat_ore = BigInt()
    rounding_ore = Integer()
    total_ore = BigInt()
    currency = Varchar(length=3, default="SEK")
    payment_terms_days = Integer(default=30)
    created_at = Timestamptz()


class BgMaxImport(Table, tablename="bgmax_import"):
    """One imported BgMax file; the same file (by its SHA-256) is never imported twice."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    file_hash = Varchar(length=64, unique=True)
    filename = Varchar(length=200)
    imported_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    payments = Integer(default=0)
    matched = Integer(default=0)
    total_ore = BigInt(default=0)
    created_at = Timestamptz()


class Payment(Table, tablename="payment"):
    """An incoming payment: matched to an invoice, or waiting for finance to place it (invoice is null)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    invoice = ForeignKey(Invoice, null=True, default=None, on_delete=OnDelete.restrict, index=True)
    amount_ore = BigInt()
    payment_date = Date()
    reference = Varchar(length=25, null=True, default=None)  # OCR or the reference the payer gave
    payer_name = Varchar(length=100, null=True, default=None)
    source = Varchar(length=10)  # manual | bgmax
    bgmax_import = ForeignKey(BgMaxImport, null=True, default=None, on_delete=OnDelete.restrict)
    note = Text(null=True, default=None)  # why it is unmatched, or how finance placed it
    registered_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Certificate(Table, tablename="certificate"):
    """A completion certificate. The public check shows only the course, the date and "Förnamn E."."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    account = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null, unique=True)
    code = Varchar(length=20, unique=True, index=True)
    completed_on = Date()
    holder_short_name = Varchar(length=110)  # "Anna A." — all the public check ever shows of the person
    issued_at = Timestamptz()


class InvoiceReminder(Table, tablename="invoice_reminder"):
    """A payment reminder (påminnelse) sent for an overdue invoice (billing/reminders.py). Unique on (invoice,
    sequence): migration m0020, so two senders at once never record (and mail) the same reminder twice. The fee is
    what the reminder asked for besides the invoice; it is not part of the invoice (docs/billing.md)."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    invoice = ForeignKey(Invoice, on_delete=OnDelete.restrict, index=True)
    sequence = Integer()  # 1 for the first reminder of the invoice, 2 for the second …
    sent_at = Timestamptz()  # when it was queued, in the transaction that recorded it
    fee_ore = Integer(default=0)


__all__ = [
    "BgMaxImport",
    "Certificate",
    "Customer",
    "Enrollment",
    "Invoice",
    "InvoiceCounter",
    "InvoiceReminder",
    "Payment",
]
