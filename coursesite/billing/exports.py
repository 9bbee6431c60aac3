"""Exports: the files finance downloads. SIE 4I for the bookkeeping, CSV for Excel (both streamed, in batches read
from the ledger), and one invoice as a Peppol UBL document for a company buyer.

Each export is a staff read of the buyers' data: the method writes its audit row (ids and counts, never values)
before handing back the stream, so every caller is audited. The formats themselves are the pure modules
billing/sie.py, csv_export.py and ubl.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Literal, TypeVar

from coursesite.accounts.service import Principal
from coursesite.billing import csv_export
from coursesite.billing.config import BillingConfig
from coursesite.billing.document import InvoiceDocument
from coursesite.billing.ledger import WHAT_UBL, LedgerService
from coursesite.billing.sie import (
    BasAccounts,
    SieCompany,
    Voucher,
    document_voucher,
    payment_voucher,
    sie_head,
    sie_vouchers,
)
from coursesite.billing.status import STATUS_LABELS_SV
from coursesite.billing.ubl import peppol_refusal, ubl_invoice
from coursesite.core.clock import today
from coursesite.core.errors import Conflict
from coursesite.core.formatting import format_date_long
from coursesite.privacy.audit import AuditLog

T = TypeVar("T")
SIE_SLICE = 200  # vouchers per chunk (about 26 KB) and per yield to other requests
EXPORT_LABELS = {
    "csv": "fakturor.csv (köparens namn, org.nr, belopp)",
    "sie": "SIE 4I (köparens namn i verifikationstexterna, belopp)",
}


def _slices(items: list[T], size: int = 200) -> list[list[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class ExportService:
    def __init__(self, ledger: LedgerService, config: BillingConfig, audit: AuditLog) -> None:
        self.ledger = ledger
        self.config = config
        self.audit = audit

    async def invoice_csv(self, reader: Principal, date_from: date, date_to: date) -> AsyncIterator[bytes]:
        """The invoices and credit notes of the range as CSV for Swedish Excel: audited, then streamed."""
        await self._record_export(reader, "csv", date_from, date_to)
        return self._csv(date_from, date_to)

    async def sie_export(self, reader: Principal, date_from: date, date_to: date) -> AsyncIterator[bytes]:
        """SIE 4I (CP437): audited, then streamed. One voucher per invoice and credit note issued in the range, and one
        per payment placed on an invoice and paid in the range. Payments not yet placed are left out until finance
        places them."""
        await self._record_export(reader, "sie", date_from, date_to)
        return self._sie(date_from, date_to)

    async def ubl(self, reader: Principal, number: str) -> tuple[InvoiceDocument, bytes]:
        """The invoice or credit note and its Peppol BIS Billing 3.0 UBL document: Conflict with the Swedish reason
        when it cannot be one (`ubl.peppol_refusal`: a private buyer, a company without a valid org number, ...).
        Audited once the document is made."""
        doc = await self.ledger.document(number)
        refusal = peppol_refusal(doc)
        if refusal is not None:
            raise Conflict(refusal)
        content = ubl_invoice(doc)
        await self.ledger.record_document_read(reader, number, WHAT_UBL)
        return doc, content

    async def _record_export(self, reader: Principal, kind: Literal["csv", "sie"], first: date, last: date) -> None:
        """One export row naming the export, its range and how many documents and buyers it holds."""
        count = await self.ledger.count_issued(first, last)
        await self.audit.record(
            reader.account_id,
            "export",
            what=f"{EXPORT_LABELS[kind]} {format_date_long(first)} – {format_date_long(last)}: "
            f"{count.documents} dokument, {count.customers} kunder",
            why="Bokföring: export",
        )

    async def _csv(self, date_from: date, date_to: date) -> AsyncIterator[bytes]:
        yield csv_export.header_chunk().encode("utf-8")
        async for batch in self.ledger.documents_issued(date_from, date_to):
            for part in _slices(batch):
                rows = [(doc, STATUS_LABELS_SV[view.status] if view and view.status else "") for doc, view in part]
                yield csv_export.rows_chunk(rows).encode("utf-8")
                await asyncio.sleep(0)  # formatting is CPU work: let other requests in between slices

    async def _sie(self, date_from: date, date_to: date) -> AsyncIterator[bytes]:
        numbers = self.config.accounts
        accounts = BasAccounts(
            receivables=numbers.receivables,
            sales=numbers.sales,
            output_vat=numbers.output_vat,
            bank=numbers.bank,
            rounding=numbers.rounding,
        )

        async def vouchers() -> AsyncIterator[list[Voucher]]:
            async for batch in self.ledger.documents_booked(date_from, date_to):
                for part in _slices(batch, SIE_SLICE):
                    yield [document_voucher(doc, accounts) for doc in part]
            async for payments in self.ledger.payments_placed(date_from, date_to):
                for chunk in _slices(payments, SIE_SLICE):
                    yield [
                        payment_voucher(p.payment_date, p.amount_ore, p.invoice_number or "", accounts, ocr=p.reference)
                        for p in chunk
                        if p.amount_ore
                    ]

        company = SieCompany(org_number=self.config.seller.org_number, name=self.config.seller.name)
        chart = accounts.chart()
        yield sie_head(company, chart, generated=today())
        async for batch in vouchers():
            # The head once, then each batch's #VER records: the bytes of write_sie with every voucher at once.
            yield sie_vouchers(chart, batch)
            await asyncio.sleep(0)  # formatting is CPU work: let other requests in between slices
