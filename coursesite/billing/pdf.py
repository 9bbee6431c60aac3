"""Invoices and credit notes as PDF: the document and what its template (templates/billing/invoice_pdf.html, styled
by invoice_pdf.css) is given. The rendering itself is the app's one `coursesite.pdf.PdfRenderer`."""

from __future__ import annotations

from datetime import UTC, datetime, time

from coursesite.billing.document import CustomerType, DocumentKind, InvoiceDocument
from coursesite.billing.ubl import ubl_invoice
from coursesite.pdf import PDF_A_3B, PdfAttachment, PdfDocument

__all__ = ["INVOICE_STYLESHEET", "INVOICE_TEMPLATE", "invoice_pdf"]

INVOICE_TEMPLATE = "billing/invoice_pdf.html"
INVOICE_STYLESHEET = "billing/invoice_pdf.css"


def ubl_attachment(doc: InvoiceDocument) -> PdfAttachment | None:
    """The document's UBL (Peppol BIS Billing 3.0) to embed, for a company buyer; None for a private person, or
    when billing/ubl.py makes no UBL document for this buyer (it says why in its ValueError)."""
    if doc.buyer.customer_type is not CustomerType.COMPANY:
        return None
    try:
        content = ubl_invoice(doc)
    except ValueError:
        return None
    prefix = "kreditfaktura" if doc.kind is DocumentKind.CREDIT_NOTE else "faktura"
    return PdfAttachment(
        name=f"{prefix}-{doc.number}.xml",
        content=content,
        created=datetime.combine(doc.issue_date, time(), tzinfo=UTC),
        description=f"{'Kreditfakturan' if doc.kind is DocumentKind.CREDIT_NOTE else 'Fakturan'} {doc.number} "
        "som e-faktura (Peppol BIS Billing 3.0, UBL)",
    )


def invoice_pdf(doc: InvoiceDocument) -> PdfDocument:
    """The invoice or credit note to render: `await pdf.render(invoice_pdf(doc))`. Archival (PDF/A-3b) and tagged
    for screen readers; a company buyer's carries its UBL document embedded."""
    ubl = ubl_attachment(doc)
    return PdfDocument(
        INVOICE_TEMPLATE,
        {
            "doc": doc,
            "is_credit": doc.kind is DocumentKind.CREDIT_NOTE,
            "DocumentKind": DocumentKind,
            "CustomerType": CustomerType,
        },
        stylesheet=INVOICE_STYLESHEET,
        variant=PDF_A_3B,
        tagged=True,
        attachments=(ubl,) if ubl else (),
    )
