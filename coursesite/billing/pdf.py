"""Invoices and credit notes as PDF: the document and what its template (templates/billing/invoice_pdf.html, styled
by invoice_pdf.css) is given. The rendering itself is the app's one `coursesite.pdf.PdfRenderer`."""

from __future__ import annotations

from coursesite.billing.document import CustomerType, DocumentKind, InvoiceDocument
from coursesite.pdf import PdfDocument

__all__ = ["INVOICE_STYLESHEET", "INVOICE_TEMPLATE", "invoice_pdf"]

INVOICE_TEMPLATE = "billing/invoice_pdf.html"
INVOICE_STYLESHEET = "billing/invoice_pdf.css"


def invoice_pdf(doc: InvoiceDocument) -> PdfDocument:
    """The invoice or credit note to render: `await pdf.render(invoice_pdf(doc))`."""
    return PdfDocument(
        INVOICE_TEMPLATE,
        {
            "doc": doc,
            "is_credit": doc.kind is DocumentKind.CREDIT_NOTE,
            "DocumentKind": DocumentKind,
            "CustomerType": CustomerType,
        },
        stylesheet=INVOICE_STYLESHEET,
    )
