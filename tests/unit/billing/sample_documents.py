"""Invoices and credit notes built the way the billing service builds them, for the export tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from coursesite.billing.document import Buyer, CustomerType, DocumentKind, InvoiceDocument, Seller
from coursesite.billing.money import Line, compute_totals
from coursesite.billing.ocr import ocr_for_invoice_number

RATE = Decimal("0.25")
COURSE = "Balansekonomi – utbildningen i tre akter"

SELLER = Seller(
    name="Balansekonomi Svenska AB",
    address_line="Drottninggatan 1",
    postal_code="111 51",
    city="Stockholm",
    org_number="556047-3521",
    vat_number="SE556047352101",
    bankgiro="5050-1055",
    registered_office="Stockholm",
)

COMPANY = Buyer(
    customer_type=CustomerType.COMPANY,
    name="Köparen AB",
    contact_name="Åsa Öberg",
    address_line="Storgatan 2",
    postal_code="114 55",
    city="Göteborg",
    email="asa@example.se",
    org_number="556047-3521",
    reference="Åsa",
)

PRIVATE = Buyer(
    customer_type=CustomerType.PRIVATE,
    name="Örjan Ärlig",
    contact_name="Örjan Ärlig",
    address_line="Lillgatan 3",
    postal_code="114 55",
    city="Malmö",
    email="orjan@example.se",
)


def invoice(
    number: str = "2026-00001",
    net_ore: int = 1_000_000,
    buyer: Buyer = COMPANY,
    issued: date = date(2026, 3, 14),
    round_to_krona: bool = True,
) -> InvoiceDocument:
    lines = (Line(COURSE, 1, net_ore, RATE),)
    return InvoiceDocument(
        kind=DocumentKind.INVOICE,
        number=number,
        ocr=ocr_for_invoice_number(number),
        issue_date=issued,
        supply_date=issued,
        due_date=issued + timedelta(days=30),
        seller=SELLER,
        buyer=buyer,
        lines=lines,
        totals=compute_totals(lines, round_to_krona=round_to_krona),
    )


def credit_note(original: InvoiceDocument, number: str, issued: date, net_ore: int | None = None) -> InvoiceDocument:
    """A full credit note by default, or a partial one of `net_ore` (positive) excluding VAT."""
    lines = tuple(
        replace(line, unit_price_ore=-(net_ore if net_ore is not None else line.unit_price_ore))
        for line in original.lines
    )
    return replace(
        original,
        kind=DocumentKind.CREDIT_NOTE,
        number=number,
        ocr=ocr_for_invoice_number(number),
        issue_date=issued,
        supply_date=issued,
        due_date=None,
        lines=lines,
        totals=compute_totals(lines),
        credited_number=original.number,
        reason="Fel pris",
    )
