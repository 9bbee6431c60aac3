"""An issued invoice or credit note as plain data: what the PDF, the UBL document, the CSV and SIE exports read.
Pure. Built by the billing service from the stored rows; nothing here is recomputed when rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from coursesite.billing.money import Line, Totals


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class CustomerType(StrEnum):
    PRIVATE = "private"
    COMPANY = "company"


@dataclass(frozen=True)
class Seller:
    name: str
    address_line: str
    postal_code: str  # "NNN NN"
    city: str
    org_number: str  # "NNNNNN-NNNN"
    vat_number: str  # "SE" + 10 digits + "01"
    bankgiro: str  # "NNN-NNNN" or "NNNN-NNNN"
    f_tax: bool = True  # "Godkänd för F-skatt"
    email: str = ""
    phone: str = ""
    country: str = "SE"
    # The board's seat (styrelsens säte, a municipality): aktiebolagslagen (2005:551) wants it on every invoice.
    # Empty in the snapshots of documents issued before it was configured; those are never edited.
    registered_office: str = ""


@dataclass(frozen=True)
class Buyer:
    customer_type: CustomerType
    name: str  # the company name for a company, else the person's name
    contact_name: str  # the person who enrolled
    address_line: str
    postal_code: str
    city: str
    email: str
    org_number: str | None = None  # companies only, optional
    reference: str | None = None  # companies only, optional ("Er referens")
    country: str = "SE"


@dataclass(frozen=True)
class InvoiceDocument:
    kind: DocumentKind
    number: str  # "2026-00001": year and sequence within the series
    ocr: str  # digits, length digit and check digit (billing/ocr.py)
    issue_date: date
    supply_date: date  # the date of supply (the course is made available at enrolment)
    due_date: date | None  # None on a credit note
    seller: Seller
    buyer: Buyer
    lines: tuple[Line, ...]
    totals: Totals
    currency: str = "SEK"
    payment_terms_days: int = 30
    credited_number: str | None = None  # a credit note refers to the invoice it corrects
    reason: str | None = None  # why a credit note was issued
