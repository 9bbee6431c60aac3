"""How an issued invoice or credit note is stored and read back. Pure: the invoice number's format, the buyer, a
credit note's lines, the row as stored (lines as JSON, snapshots of buyer and seller), and the document the PDF,
UBL, CSV and SIE read, rebuilt from a stored row without recomputing anything.

The issuing service writes rows with these helpers; the ledger reads them back with them; the billing benchmark
(bench/billing/generate.py) writes its rows with them too, so its data is what the site would have written.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from coursesite.billing.config import BillingConfig
from coursesite.billing.document import Buyer, CustomerType, DocumentKind, InvoiceDocument, Seller
from coursesite.billing.enrolment import BillingDetails
from coursesite.billing.money import Line, Totals, VatAmount, compute_totals, split_gross
from coursesite.billing.ocr import ocr_for_invoice_number
from coursesite.billing.sie import BookedDocument


def invoice_number(year: int, sequence: int) -> str:
    """The number an invoice or credit note is known by: "2026-00001" (at least five digits of sequence)."""
    return f"{year}-{sequence:05d}"


def lines_data(lines: tuple[Line, ...]) -> str:
    """The lines as the JSON stored in `invoice.lines` (the VAT rate as a decimal string, never a float)."""
    return json.dumps(
        [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price_ore": line.unit_price_ore,
                "vat_rate": str(line.vat_rate),
            }
            for line in lines
        ],
        ensure_ascii=False,
    )


def buyer_of(first_name: str, last_name: str, email: str, details: BillingDetails) -> Buyer:
    """The buyer an enrolment's invoice names: the company when there is one, else the person, who is the contact.
    A private buyer's e-mail is not kept: it is not printed on their invoice and the books do not need it. A
    company's is: the UBL invoice sends it (the electronic address without an org number, and the contact)."""
    person = f"{first_name} {last_name}"
    company = details.customer_type is CustomerType.COMPANY
    return Buyer(
        customer_type=details.customer_type,
        name=details.company_name if company and details.company_name else person,
        contact_name=person,
        address_line=details.address_line,
        postal_code=details.postal_code,
        city=details.city,
        email=email if company else "",
        org_number=details.org_number,
        reference=details.reference,
    )


def credit_lines(number: str, lines: tuple[Line, ...], gross_ore: int | None) -> tuple[Line, ...]:
    """A credit note's lines for invoice `number`: its `lines` negated (the whole invoice, `gross_ore` None), or one
    line of `gross_ore` including VAT at the first line's rate (part of it)."""
    if gross_ore is None:
        return tuple(dataclasses.replace(line, unit_price_ore=-line.unit_price_ore) for line in lines)
    rate = lines[0].vat_rate
    return (Line(f"Kreditering av faktura {number}", 1, -split_gross(gross_ore, rate), rate),)


def document_row(
    config: BillingConfig,
    kind: DocumentKind,
    *,
    sequence: int,
    issued_on: date,
    account_id: int | None,
    buyer: Buyer,
    lines: tuple[Line, ...],
    created_at: datetime,
    credited_id: int | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The columns of one `invoice` row (all but its id): number, OCR and due date (an invoice's only), the buyer and
    seller snapshots, the lines and the totals they make under `config`."""
    number = invoice_number(issued_on.year, sequence)
    totals = compute_totals(lines, round_to_krona=config.round_to_krona)
    is_invoice = kind is DocumentKind.INVOICE
    return {
        "kind": kind.value,
        "series": config.series,
        "year": issued_on.year,
        "sequence": sequence,
        "number": number,
        "ocr": ocr_for_invoice_number(number) if is_invoice else None,
        "account": account_id,
        "credited_invoice": credited_id,
        "reason": reason,
        "issue_date": issued_on,
        "supply_date": issued_on,
        "due_date": issued_on + timedelta(days=config.payment_terms_days) if is_invoice else None,
        "buyer": json.dumps(
            dataclasses.asdict(buyer) | {"customer_type": buyer.customer_type.value}, ensure_ascii=False
        ),
        "seller": json.dumps(dataclasses.asdict(config.seller), ensure_ascii=False),
        "lines": lines_data(lines),
        "net_ore": totals.net_ore,
        "vat_ore": totals.vat_ore,
        "rounding_ore": totals.rounding_ore,
        "total_ore": totals.total_ore,
        "currency": "SEK",
        "payment_terms_days": config.payment_terms_days,
        "created_at": created_at,
    }


def lines_from(data: list[dict[str, Any]]) -> tuple[Line, ...]:
    """The stored lines (read with load_json) back as `Line`s."""
    return tuple(
        Line(d["description"], int(d["quantity"]), int(d["unit_price_ore"]), Decimal(d["vat_rate"])) for d in data
    )


def totals_from(row: Mapping[str, Any], lines: tuple[Line, ...]) -> Totals:
    """The stored amounts, with the VAT per rate from the lines (the same rule that computed them)."""
    by_rate = compute_totals(lines, round_to_krona=False).vat
    return Totals(
        net_ore=row["net_ore"],
        vat=tuple(VatAmount(v.rate, v.taxable_ore, v.vat_ore) for v in by_rate),
        vat_ore=row["vat_ore"],
        gross_ore=row["net_ore"] + row["vat_ore"],
        rounding_ore=row["rounding_ore"],
        total_ore=row["total_ore"],
    )


def buyer_from(data: Mapping[str, Any]) -> Buyer:
    """The stored buyer snapshot back as a `Buyer`."""
    return Buyer(**(dict(data) | {"customer_type": CustomerType(data["customer_type"])}))


def document_from_row(row: Mapping[str, Any], credited_number: str | None = None) -> InvoiceDocument:
    """The stored invoice or credit note as a document for the PDF, UBL, CSV and SIE. `row` read with load_json."""
    lines = lines_from(row["lines"])
    return InvoiceDocument(
        kind=DocumentKind(row["kind"]),
        number=row["number"],
        ocr=row["ocr"] or "",
        issue_date=row["issue_date"],
        supply_date=row["supply_date"],
        due_date=row["due_date"],
        seller=Seller(**row["seller"]),
        buyer=buyer_from(row["buyer"]),
        lines=lines,
        totals=totals_from(row, lines),
        currency=row["currency"],
        payment_terms_days=row["payment_terms_days"],
        credited_number=credited_number,
        reason=row["reason"],
    )


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def booked_from_row(row: Mapping[str, Any], credited_number: str | None = None) -> BookedDocument:
    """What the SIE books of a stored invoice or credit note, from a row read without load_json: only the buyer and
    the lines are decoded (for the name and the number of VAT rates), and the amounts are the stored ones."""
    rates = {Decimal(line["vat_rate"]) for line in _json(row["lines"])}  # as compute_totals groups them
    return BookedDocument(
        kind=DocumentKind(row["kind"]),
        number=row["number"],
        issue_date=row["issue_date"],
        buyer_name=_json(row["buyer"])["name"],
        credited_number=credited_number,
        net_ore=row["net_ore"],
        vat_ore=row["vat_ore"],
        rounding_ore=row["rounding_ore"],
        total_ore=row["total_ore"],
        vat_rates=len(rates),
    )
