"""What the certificate PDF shows, and its template (templates/certificates/certificate_pdf.html, styled by
certificate_pdf.css). The rendering itself is the app's one `coursesite.pdf.PdfRenderer`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coursesite.pdf import PdfDocument

__all__ = ["CERTIFICATE_STYLESHEET", "CERTIFICATE_TEMPLATE", "CertificatePdf", "certificate_pdf"]

CERTIFICATE_TEMPLATE = "certificates/certificate_pdf.html"
CERTIFICATE_STYLESHEET = "certificates/certificate_pdf.css"


@dataclass(frozen=True)
class CertificatePdf:
    """What the certificate PDF shows. The full name is on the PDF only; the public check never shows it."""

    full_name: str
    course_title: str
    completed_on: date
    code: str
    verify_url: str  # the public check page for this code, absolute
    issuer: str = "Balansekonomi Svenska AB"


def certificate_pdf(cert: CertificatePdf) -> PdfDocument:
    """The certificate to render: `await pdf.render(certificate_pdf(cert))`."""
    # Tagged, so a screen reader reads it in order (WeasyPrint's structure tree, the language from <html lang>).
    return PdfDocument(CERTIFICATE_TEMPLATE, {"cert": cert}, stylesheet=CERTIFICATE_STYLESHEET, tagged=True)
