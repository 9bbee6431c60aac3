"""How an issued invoice or credit note is stored and read back. Pure: the invoice number's format, the lines as
JSON, and the document the PDF, UBL, CSV and SIE read, rebuilt from a stored row without recomputing anything.

The issuing service writes rows with these helpers; the ledger reads them back with them; the billing benchmark
(bench/billing/generate.py) writes its rows with them too, so its data is what the site would have written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from coursesite.billing.document import Buyer, CustomerType, DocumentKind, InvoiceDocument, Seller
from coursesite.billing.money import Line, Totals, VatAmount, compute_totals


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
