"""The invoices-and-credit-notes CSV for Swedish Excel, and the shared cell rules in core/excel_csv.py."""

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursesite.billing.csv_export import HEADER, header_chunk, invoice_cells, invoice_csv, rows_chunk
from coursesite.core.excel_csv import BOM, fixed_point, iso_date, neutralise
from tests.unit.billing.sample_documents import PRIVATE, credit_note, invoice


def parse(text):
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline=""), delimiter=";"))


@pytest.mark.parametrize(
    ("units", "decimals", "trim", "text"),
    [
        (1_250_000, 2, False, "12500,00"),
        (-1_250_000, 2, False, "-12500,00"),
        (-50, 2, False, "-0,50"),
        (0, 2, False, "0,00"),
        (7, 2, False, "0,07"),
        (None, 2, False, ""),
        (1500, 3, True, "1,5"),
        (2000, 3, True, "2"),
        (-250, 3, True, "-0,25"),
        (12, 0, False, "12"),
    ],
)
def test_numbers_have_a_decimal_comma_and_no_grouping(units, decimals, trim, text):
    assert fixed_point(units, decimals, trim=trim) == text


def test_dates():
    assert iso_date(date(2026, 3, 14)) == "2026-03-14"
    assert iso_date(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)) == "2026-11-27"  # Stockholm's date
    assert iso_date(None) == ""


def test_an_invoice_and_its_credit_note():
    sold = invoice(net_ore=79_960)  # 999,50 → 1000 kr
    credit = credit_note(sold, "2026-00002", date(2026, 4, 15))
    text = "".join(invoice_csv([(sold, "Krediterad"), credit]))
    assert text.count("\r\n") == 3 and "\n" not in text.replace("\r\n", "")
    assert parse(text) == [
        list(HEADER),
        [
            "Faktura",
            "2026-00001",
            "",
            "2026-03-14",
            "2026-04-13",
            "Köparen AB",
            "Företag",
            "556047-3521",
            "799,60",
            "199,90",
            "0,50",
            "1000,00",
            "20260000110",
            "Krediterad",
        ],
        [
            "Kreditfaktura",
            "2026-00002",
            "2026-00001",
            "2026-04-15",
            "",
            "Köparen AB",
            "Företag",
            "556047-3521",
            "-799,60",
            "-199,90",
            "-0,50",
            "-1000,00",
            "20260000219",
            "",
        ],
    ]


def test_the_header_is_swedish_and_utf8_with_bom():
    data = header_chunk().encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    assert "öresutjämning;att betala;OCR;status".encode() in data
    assert HEADER == (
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


def test_a_private_customer():
    cells = invoice_cells(invoice(buyer=PRIVATE, net_ore=123_456))
    assert cells[5:12] == ["Örjan Ärlig", "Privatperson", "", "1234,56", "308,64", "-0,20", "1543,00"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+46701234567", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_cells_are_neutralised_but_amounts_are_not(name):
    doc = invoice()
    doc = replace(doc, buyer=replace(doc.buyer, name=name))
    cells = invoice_cells((credit_note(doc, "2026-00002", date(2026, 4, 1)), name))
    assert cells[5] == "'" + name and cells[13] == "'" + name
    assert cells[8:12] == ["-10000,00", "-2500,00", "0,00", "-12500,00"]


def test_separators_and_quotes_in_text_survive():
    doc = invoice()
    doc = replace(doc, buyer=replace(doc.buyer, name='Bolaget; "Bäst"\r\nAB'))
    assert parse(header_chunk() + rows_chunk([doc]))[1][5] == 'Bolaget; "Bäst"\r\nAB'


def test_the_file_streams_one_line_per_document():
    chunks = invoice_csv(invoice(f"2026-{n:05d}") for n in range(1, 4))
    assert next(chunks) == header_chunk()
    assert [chunk.count("\r\n") for chunk in chunks] == [1, 1, 1]


@given(st.text(max_size=30), st.integers(0, 10**9))
def test_any_customer_name_and_amount_read_back(name, net):
    doc = invoice(net_ore=net, round_to_krona=False)
    doc = replace(doc, buyer=replace(doc.buyer, name=name))
    row = parse("".join(invoice_csv([doc])))[1]
    assert row[5] == neutralise(name)
    assert row[8] == fixed_point(net, 2) and row[11] == fixed_point(doc.totals.total_ore, 2)
    assert row[11].replace(",", "").isdigit()


def test_a_credit_note_without_an_ocr_reference():
    credit = replace(credit_note(invoice(), "2026-00002", date(2026, 4, 15)), ocr=None)
    assert invoice_cells(credit)[12] == ""
