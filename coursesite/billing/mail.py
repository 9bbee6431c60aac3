"""The billing messages (issue 11 §6): the enrolment's confirmation with its invoice, a credit note, a payment
reminder. Each is queued in the transaction that issues the document or records the reminder (docs/mail.md); the
PDF is attached by reference (the document's number) and rendered by the sender when it delivers
(`InvoicePdfSource`), so no document's bytes sit in the outbox.

The messages say what the document is and how to pay, never more of the buyer's data than that: the first name, the
amounts, the number, the OCR, the bankgiro and the dates (privacy/registry.py: account.first_name, invoice.number,
ocr, total_ore, due_date). They go to the account's login address; a document whose account was erased gets none.
"""

from __future__ import annotations

from datetime import date

from coursesite.billing.config import BillingConfig
from coursesite.billing.document import DocumentKind
from coursesite.billing.ledger import LedgerService
from coursesite.billing.pdf import invoice_pdf
from coursesite.mail.message import Attachment, AttachmentRef
from coursesite.mail.outbox import MailOutbox
from coursesite.pdf import PdfRenderer

INVOICE_PDF = "invoice_pdf"  # the attachment source of invoices and credit notes (mail/build.py)
MY_INVOICES_PATH = "/mina-fakturor"
FILE_PREFIX_SV = {DocumentKind.INVOICE: "faktura", DocumentKind.CREDIT_NOTE: "kreditfaktura"}


class InvoicePdfSource:
    """Renders an invoice or credit note by its number when the sender delivers the message, through the app's one
    PdfRenderer: WeasyPrint lays it out in the renderer's worker processes, never on the event loop."""

    def __init__(self, ledger: LedgerService, pdf: PdfRenderer) -> None:
        self.ledger = ledger
        self.pdf = pdf

    async def __call__(self, number: str) -> Attachment:
        doc = await self.ledger.document(number)
        data = await self.pdf.render(invoice_pdf(doc))
        return Attachment(f"{FILE_PREFIX_SV[doc.kind]}-{doc.number}.pdf", "application/pdf", data)


def _attached(number: str) -> tuple[AttachmentRef, ...]:
    return (AttachmentRef(INVOICE_PDF, number),)


class BillingMail:
    """Built once in create_app; InvoicingService and ReminderService queue through it, in their transactions."""

    def __init__(self, outbox: MailOutbox, config: BillingConfig) -> None:
        self.outbox = outbox
        self.config = config

    def _payment(self) -> dict[str, object]:
        return {
            "bankgiro": self.config.seller.bankgiro,
            "contact": self.config.seller.email,
            "invoices_link": self.outbox.link(MY_INVOICES_PATH),
        }

    async def invoice_issued(
        self, account_id: int, *, number: str, ocr: str | None, total_ore: int, due_date: date | None
    ) -> bool:
        """The enrolment's confirmation, with the invoice attached."""
        context = {
            "course": self.config.description,
            "number": number,
            "ocr": ocr,
            "total_ore": total_ore,
            "due_date": due_date,
            "course_link": self.outbox.link("/min-kurs"),
            **self._payment(),
        }
        return await self.outbox.to_account(account_id, "billing/enrolled", context, attachments=_attached(number))

    async def credit_issued(self, account_id: int | None, *, number: str, credited_number: str, total_ore: int) -> bool:
        """A credit note, with its PDF attached."""
        context = {
            "number": number,
            "credited_number": credited_number,
            "credited_ore": -total_ore,
            **self._payment(),
        }
        return await self.outbox.to_account(account_id, "billing/credit_note", context, attachments=_attached(number))

    async def reminder(
        self,
        account_id: int | None,
        *,
        number: str,
        ocr: str | None,
        owed_ore: int,
        due_date: date | None,
        sequence: int,
        fee_ore: int,
        pay_by: date,
    ) -> bool:
        """A payment reminder, with the invoice attached again."""
        context = {
            "number": number,
            "ocr": ocr,
            "owed_ore": owed_ore,
            "due_date": due_date,
            "sequence": sequence,
            "fee_ore": fee_ore,
            "pay_by": pay_by,
            **self._payment(),
        }
        return await self.outbox.to_account(account_id, "billing/reminder", context, attachments=_attached(number))
