"""The invoice and credit-note PDF (WeasyPrint): every field ML ch. 17 asks for is in the text, in Swedish; nothing is
fetched from another host; the process pool renders the same document. The renderer is the app's one
(coursesite/pdf.py), with the app's Jinja environment (web/templating.build_environment)."""

from __future__ import annotations

import io
import socket
from dataclasses import replace
from datetime import date

import pypdf
import pytest
from jinja2 import StrictUndefined

from coursesite.billing.document import InvoiceDocument
from coursesite.billing.pdf import INVOICE_STYLESHEET, invoice_pdf
from coursesite.certificates.document import CertificatePdf, certificate_pdf
from coursesite.pdf import TEMPLATES_DIR, LocalOnlyFetcher, PdfDocument, PdfJob, PdfRenderer, write_pdf
from coursesite.web.templating import build_environment
from tests.unit.billing.sample_documents import COMPANY, COURSE, PRIVATE, credit_note
from tests.unit.billing.sample_documents import invoice as sample_invoice

ISSUED = date(2026, 11, 26)
INVOICE_CSS = TEMPLATES_DIR / INVOICE_STYLESHEET
ENVIRONMENT = build_environment(company_name="Balansekonomi Svenska AB")
RENDERER = PdfRenderer(ENVIRONMENT, workers=1)  # render_now only: its pool is never started


def render_document_pdf(doc: InvoiceDocument) -> bytes:
    return RENDERER.render_now(invoice_pdf(doc))


def render_certificate_pdf(cert: CertificatePdf) -> bytes:
    return RENDERER.render_now(certificate_pdf(cert))


def invoice(net_ore: int = 1_000_000, buyer=PRIVATE, number: str = "2026-00001"):
    # Supplied the day before it was issued, so the test can tell the two dates apart.
    return replace(sample_invoice(number, net_ore, buyer, ISSUED), supply_date=date(2026, 11, 25))


def credit(net_ore: int | None = None):
    return credit_note(
        sample_invoice("2026-00001", buyer=PRIVATE, issued=ISSUED), "2026-00002", date(2026, 11, 28), net_ore
    )


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (no-break spaces too) as one space."""
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def assert_all_in(text: str, expected: list[str]) -> None:
    missing = [item for item in expected if " ".join(item.split()) not in text]
    assert not missing, f"missing {missing} in {text!r}"


SELLER_FIELDS = [
    "Balansekonomi Svenska AB",
    "Drottninggatan 1",
    "111 51 Stockholm",
    "556047-3521",
    "SE556047352101",
    "Godkänd för F-skatt",
]


def test_invoice_has_every_required_field():
    text = pdf_text(render_document_pdf(invoice()))
    assert_all_in(
        text,
        SELLER_FIELDS
        + [
            "Örjan Ärlig",
            "Lillgatan 3",
            "114 55 Malmö",
            "Faktura",
            "Fakturanummer 2026-00001",
            "Fakturadatum 26 november 2026",
            "Förfallodatum 26 december 2026",
            "Leveransdatum 25 november 2026",
            f"{COURSE} 1 st 10 000,00 kr 25 % 10 000,00 kr",
            "Belopp exkl. moms 10 000,00 kr",
            "Moms 25 %",
            "2 500,00 kr",
            "Att betala 12 500,00 kr",
            "Bankgiro 5050-1055",
            "OCR-nummer 20260000110",
            "Betalningsvillkor 30 dagar netto",
        ],
    )
    assert "Kreditfaktura" not in text
    assert "Öresutjämning" not in text  # 12 500,00 kr needs no rounding: no line for it


def test_the_amounts_keep_their_no_break_spaces():
    reader = pypdf.PdfReader(io.BytesIO(render_document_pdf(invoice())))
    raw = reader.pages[0].extract_text()
    assert "12\u00a0500,00\u00a0kr" in raw  # "12 500,00 kr" never breaks across a line


def test_invoice_with_rounding_shows_the_oresutjamning():
    doc = invoice(net_ore=79_960, number="2026-00003")
    assert doc.totals.rounding_ore == 50
    text = pdf_text(render_document_pdf(doc))
    assert_all_in(
        text,
        [
            "Belopp exkl. moms 799,60 kr",
            "Moms 25 % på 799,60 kr 199,90 kr",
            "Öresutjämning 0,50 kr",
            "Att betala 1 000,00 kr",
            "OCR-nummer 20260000318",
        ],
    )


def test_credit_note_refers_to_the_invoice_with_negative_amounts():
    text = pdf_text(render_document_pdf(credit()))
    assert_all_in(
        text,
        SELLER_FIELDS
        + [
            "Kreditfaktura",
            "Kreditfakturanummer 2026-00002",
            "Fakturadatum 28 november 2026",
            "Leveransdatum 28 november 2026",
            "Krediterar faktura 2026-00001",
            "Anledning: Fel pris",
            "Örjan Ärlig",
            "Lillgatan 3",
            "114 55 Malmö",
            f"{COURSE} 1 st -10 000,00 kr 25 % -10 000,00 kr",
            "Belopp exkl. moms -10 000,00 kr",
            "Moms 25 %",
            "-2 500,00 kr",
            "Att betala -12 500,00 kr",
        ],
    )
    assert "OCR" not in text  # nothing to pay in to
    assert "Förfallodatum" not in text


def test_partial_credit_note_shows_its_oresutjamning():
    doc = credit(net_ore=79_960)
    assert doc.totals.rounding_ore == -50
    assert_all_in(pdf_text(render_document_pdf(doc)), ["Öresutjämning -0,50 kr", "Att betala -1 000,00 kr"])


def test_company_invoice_names_the_company_its_org_number_and_reference():
    text = pdf_text(render_document_pdf(invoice(buyer=COMPANY)))
    assert_all_in(text, ["Köparen AB", "Org.nr 556047-3521", "Er referens: Åsa", "Storgatan 2", "114 55 Göteborg"])
    assert "Köparen AB" in text.split("Säljare")[0]  # the buyer block names the company


def test_company_without_a_reference_gets_the_contact_person():
    text = pdf_text(render_document_pdf(invoice(buyer=replace(COMPANY, reference=None, org_number=None))))
    assert "Er referens: Åsa Öberg" in text
    assert "Org.nr 556047-3521" in text  # the seller's, once
    assert text.count("556047-3521") == 1


def test_private_invoice_has_no_reference_line():
    assert "Er referens" not in pdf_text(render_document_pdf(invoice()))


def test_text_from_the_buyer_is_escaped():
    buyer = replace(PRIVATE, name="<b>Eva</b> & Co")
    assert "<b>Eva</b> & Co" in pdf_text(render_document_pdf(invoice(buyer=buyer)))


# -- fetching


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/font.woff2",
        "http://127.0.0.1:8000/static/css/site.css",
        "ftp://example.com/x.css",
        "file://example.com/etc/passwd",
        "file:///etc/passwd",
        INVOICE_CSS.parent.as_uri() + "/../../coursesite/settings.py",
    ],
)
def test_the_fetcher_refuses_anything_but_our_own_files(url):
    with pytest.raises(ValueError):
        LocalOnlyFetcher().fetch(url)


def test_the_fetcher_serves_the_stylesheet():
    response = LocalOnlyFetcher().fetch(INVOICE_CSS.as_uri())
    try:
        assert b"@page" in response.read()
    finally:
        response.close()


def test_rendering_never_opens_a_connection(monkeypatch):
    attempts: list = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = (
        '<link rel="stylesheet" href="https://example.com/evil.css">'
        '<p style="background: url(http://example.com/pixel.png)">Hej</p><img src="https://example.com/logo.png">'
    )
    job = PdfJob(html, INVOICE_CSS.parent.as_uri() + "/", str(INVOICE_CSS))
    assert write_pdf(job).startswith(b"%PDF-")
    assert attempts == []


# -- the certificate and the process pool

CERTIFICATE = CertificatePdf(
    full_name="Anna Andersson",
    course_title=COURSE,
    completed_on=date(2026, 11, 26),
    code="ABCDE-FGHJK",
    verify_url="https://kurs.example.se/intyg/ABCDE-FGHJK",
)


def test_certificate_has_name_course_date_and_code():
    reader = pypdf.PdfReader(io.BytesIO(render_certificate_pdf(CERTIFICATE)))
    assert len(reader.pages) == 1
    text = pdf_text(render_certificate_pdf(CERTIFICATE))
    assert_all_in(
        text,
        [
            "Kursintyg",
            "Anna Andersson",
            COURSE,
            "26 november 2026",
            "ABCDE-FGHJK",
            "https://kurs.example.se/intyg/ABCDE-FGHJK",
        ],
    )


async def test_the_process_pool_renders_invoices_and_certificates(monkeypatch):
    # fontTools stamps each embedded font subset with the time, to the second: one fixed moment for the worker (spawned
    # on the first render, with this environment) and this process, so the bytes compare equal however slow the run.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    renderer = PdfRenderer(ENVIRONMENT, workers=1)
    try:
        invoice_bytes = await renderer.render(invoice_pdf(invoice()))
        certificate_bytes = await renderer.render(certificate_pdf(CERTIFICATE))
    finally:
        renderer.close()
    assert "Att betala 12 500,00 kr" in pdf_text(invoice_bytes)
    assert "ABCDE-FGHJK" in pdf_text(certificate_bytes)
    assert invoice_bytes == render_document_pdf(invoice())  # the same bytes as in this process
    renderer.close()  # twice is fine
    with pytest.raises(RuntimeError):
        await renderer.render(invoice_pdf(invoice()))


def test_the_pool_size_is_at_most_two_by_default():
    assert 1 <= PdfRenderer(ENVIRONMENT).workers <= 2
    with pytest.raises(ValueError):
        PdfRenderer(ENVIRONMENT, workers=0)


@pytest.mark.parametrize(
    "document",
    [invoice_pdf(invoice(buyer=COMPANY)), invoice_pdf(credit()), certificate_pdf(CERTIFICATE)],
    ids=["invoice", "credit note", "certificate"],
)
def test_the_templates_are_given_every_name_they_use(document: PdfDocument):
    """The app's environment prints a missing name as nothing; a strict overlay of it shows none is missing."""
    strict = ENVIRONMENT.overlay(undefined=StrictUndefined)
    assert strict.get_template(document.template).render(document.context) == RENDERER.html(document)


def test_the_base_url_is_the_templates_directory_absolute():
    assert invoice_pdf(invoice()).base_url == (TEMPLATES_DIR / "billing").as_uri() + "/"
    assert invoice_pdf(invoice()).base_url.startswith("file:///")
