"""The invoices-and-credit-notes CSV for Swedish Excel. Pure: documents in, text chunks out.

The CSV rules (UTF-8 with BOM, `;`, decimal comma, CRLF, formula neutralising) are `core/excel_csv.py`, shared with
the grade export. This module only says which columns an invoice has.

- Amounts are numbers with two decimals, `-12500,00` on a credit note (its totals are negative), never neutralised:
  Excel must sum them. Every text cell (number, customer, org number, OCR, status) is neutralised.
- The status cell is written as given: the caller passes the Swedish label ("Obetald", "Betald" …) it shows on the
  finance pages, so the label lives in one place.
- The OCR reference is a number to Excel. Ours are 11–12 digits, which Excel keeps exactly (it keeps 15).
- `invoice_csv` yields the header and then one line per document. A service that reads the database in batches writes
  `header_chunk()` once and then `rows_chunk(batch)` per batch, as the grade export does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from coursesite.billing.document import CustomerType, DocumentKind, InvoiceDocument
from coursesite.core import excel_csv
from coursesite.core.excel_csv import fixed_point, iso_date, neutralise

__all__ = ["HEADER", "InvoiceRow", "invoice_cells", "header_chunk", "rows_chunk", "invoice_csv"]

HEADER = (
    "typ",
    "nummer",
    "krediterar",
    "fakturadatum",
    "förfallodatum",
    "kund",
    "kundtyp",
    "organisationsnummer",
    "netto",
    "moms",
    "öresutjämning",
    "att betala",
    "OCR",
    "status",
)

KIND_LABELS = {DocumentKind.INVOICE: "Faktura", DocumentKind.CREDIT_NOTE: "Kreditfaktura"}
CUSTOMER_LABELS = {CustomerType.PRIVATE: "Privatperson", CustomerType.COMPANY: "Företag"}

# A document, or a document with its status label.
InvoiceRow = InvoiceDocument | tuple[InvoiceDocument, str]


def _kronor(ore: int) -> str:
    return fixed_point(ore, 2)


def invoice_cells(row: InvoiceRow) -> list[str]:
    """The cells of one line, in the order of HEADER."""
    doc, status = row if isinstance(row, tuple) else (row, "")
    totals = doc.totals
    return [
        KIND_LABELS[doc.kind],
        neutralise(doc.number),
        neutralise(doc.credited_number or ""),
        iso_date(doc.issue_date),
        iso_date(doc.due_date),
        neutralise(doc.buyer.name),
        CUSTOMER_LABELS[doc.buyer.customer_type],
        neutralise(doc.buyer.org_number or ""),
        _kronor(totals.net_ore),
        _kronor(totals.vat_ore),
        _kronor(totals.rounding_ore),
        _kronor(totals.total_ore),
        neutralise(doc.ocr or ""),  # a credit note may have none
        neutralise(status),
    ]


def header_chunk() -> str:
    """The byte order mark and the header line."""
    return excel_csv.header_chunk(HEADER)


def rows_chunk(rows: Iterable[InvoiceRow]) -> str:
    """Some lines of the file, each ending with CRLF."""
    return excel_csv.rows_chunk(invoice_cells(row) for row in rows)


def invoice_csv(rows: Iterable[InvoiceRow]) -> Iterator[str]:
    """The whole file as text: the header, then one line per document (encode as UTF-8 to send it)."""
    yield header_chunk()
    for row in rows:
        yield rows_chunk((row,))
