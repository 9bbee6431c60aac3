"""Invoices and credit notes are archival PDFs (PDF/A-3b, ISO 19005-3) with the UBL document embedded for a company
buyer, tagged so a screen reader reads them, and name the company's registered office (styrelsens säte); the
certificate is tagged too. Checked in the files themselves: the XMP metadata, the catalog, the embedded files
(pypdf), and the structure (qpdf --check). veraPDF is not installable here (see docs/billing.md)."""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from coursesite.billing.money import Line, compute_totals
from coursesite.billing.pdf import invoice_pdf
from coursesite.billing.ubl import NS, ubl_invoice
from coursesite.certificates.document import CertificatePdf, certificate_pdf
from coursesite.pdf import PdfRenderer
from coursesite.web.templating import build_environment
from tests.unit.billing.sample_documents import COMPANY, PRIVATE, credit_note, invoice

RENDERER = PdfRenderer(build_environment(company_name="Balansekonomi Svenska AB"), workers=1)  # render_now only
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
ISSUED = date(2026, 11, 26)
COMPANY_INVOICE = invoice("2026-00001", buyer=COMPANY, issued=ISSUED)
PRIVATE_INVOICE = invoice("2026-00002", buyer=PRIVATE, issued=ISSUED)
COMPANY_CREDIT = credit_note(COMPANY_INVOICE, "2026-00003", date(2026, 11, 28))
CERTIFICATE = CertificatePdf(
    full_name="Anna Andersson",
    course_title="Balansekonomi – utbildningen i tre akter",
    completed_on=ISSUED,
    code="ABCDE-FGHJK",
    verify_url="https://kurs.example.se/intyg/ABCDE-FGHJK",
)


@pytest.fixture(scope="module")
def pdfs() -> dict[str, bytes]:
    """Each document rendered once for the module (a render takes about a second)."""
    return {
        "company": RENDERER.render_now(invoice_pdf(COMPANY_INVOICE)),
        "private": RENDERER.render_now(invoice_pdf(PRIVATE_INVOICE)),
        "credit": RENDERER.render_now(invoice_pdf(COMPANY_CREDIT)),
        "certificate": RENDERER.render_now(certificate_pdf(CERTIFICATE)),
    }


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def pdfa_identification(pdf: bytes) -> dict[str, str]:
    """pdfaid:part and pdfaid:conformance from the XMP metadata, written as attributes or as elements."""
    xmp = reader(pdf).trailer["/Root"]["/Metadata"].get_object().get_data()
    found: dict[str, str] = {}
    for element in ET.fromstring(xmp).iter():
        for key, value in element.attrib.items():
            if key.startswith(f"{{{PDFAID}}}"):
                found[key.split("}")[1]] = value
        if element.tag.startswith(f"{{{PDFAID}}}") and element.text:
            found[element.tag.split("}")[1]] = element.text.strip()
    return found


def assert_tagged(pdf: bytes) -> None:
    root = reader(pdf).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    tree = root["/StructTreeRoot"].get_object()
    assert tree["/Type"] == "/StructTreeRoot" and tree["/K"], "an empty structure tree reads as nothing"
    assert root["/Lang"] == "sv"  # from <html lang="sv">: the reader speaks Swedish
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])


def text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in reader(pdf).pages).split())


@pytest.mark.parametrize("name", ["company", "private", "credit"])
def test_invoices_and_credit_notes_are_pdf_a_3b(pdfs, name):
    assert pdfa_identification(pdfs[name]) == {"part": "3", "conformance": "B"}
    intents = reader(pdfs[name]).trailer["/Root"]["/OutputIntents"]
    assert [intent.get_object()["/S"] for intent in intents] == ["/GTS_PDFA1"]  # the sRGB profile colours refer to


@pytest.mark.parametrize("name", ["company", "private", "credit", "certificate"])
def test_every_document_is_tagged_for_screen_readers(pdfs, name):
    assert_tagged(pdfs[name])


@pytest.mark.parametrize(
    ("name", "doc", "root"), [("company", COMPANY_INVOICE, "Invoice"), ("credit", COMPANY_CREDIT, "CreditNote")]
)
def test_a_company_buyer_gets_its_ubl_embedded(pdfs, name, doc, root):
    pdf = reader(pdfs[name])
    prefix = "kreditfaktura" if root == "CreditNote" else "faktura"
    assert list(pdf.attachments) == [f"{prefix}-{doc.number}.xml"]
    (content,) = pdf.attachments[f"{prefix}-{doc.number}.xml"]
    assert content == ubl_invoice(doc)  # the very document finance downloads as XML
    assert ET.fromstring(content).tag == f"{{{NS[root]}}}{root}"
    # PDF/A-3 (6.8): each embedded file is associated with the document (AF) and says how it relates to it.
    associated = [spec.get_object() for spec in pdf.trailer["/Root"]["/AF"]]
    assert {spec["/UF"] for spec in associated} == {f"{prefix}-{doc.number}.xml"}
    assert {spec["/AFRelationship"] for spec in associated} == {"/Alternative"}
    embedded = associated[0]["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] in ("/application#2fxml", "/text#2fxml", "/application/xml", "/text/xml")


def test_a_private_person_gets_no_embedded_file(pdfs):
    pdf = reader(pdfs["private"])
    assert list(pdf.attachments) == []
    assert "/AF" not in pdf.trailer["/Root"]


def test_a_company_without_a_ubl_document_gets_a_plain_archival_pdf():
    """billing/ubl.py makes no UBL for some documents (here a VAT rate outside SE-R-006): the PDF is made all the
    same, archival and without an embedded file."""
    lines = (Line("Kurs", 1, 100_000, Decimal("0.10")),)
    doc = replace(COMPANY_INVOICE, lines=lines, totals=compute_totals(lines, round_to_krona=True))
    with pytest.raises(ValueError):
        ubl_invoice(doc)
    pdf = RENDERER.render_now(invoice_pdf(doc))
    assert list(reader(pdf).attachments) == [] and pdfa_identification(pdf) == {"part": "3", "conformance": "B"}


@pytest.mark.parametrize("name", ["company", "private", "credit"])
def test_the_registered_office_is_on_every_invoice_and_credit_note(pdfs, name):
    assert "Styrelsens säte: Stockholm" in text(pdfs[name])


def test_a_document_issued_before_the_seat_was_configured_is_shown_as_issued():
    """A stored snapshot without it (issued earlier) renders without the line, never with today's configuration."""
    doc = replace(PRIVATE_INVOICE, seller=replace(PRIVATE_INVOICE.seller, registered_office=""))
    assert "säte" not in text(RENDERER.render_now(invoice_pdf(doc)))


@pytest.mark.parametrize("name", ["company", "private", "credit", "certificate"])
def test_qpdf_finds_no_structural_error(pdfs, name, tmp_path):
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is missing: `make debs-test` installs it (Debian package qpdf)"
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdfs[name])
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout
