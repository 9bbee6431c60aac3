"""The strict SIE reader: it accepts the reference file, refuses every broken rule of domain.md §3, and our booking
of the reference's invoice, payment and credit note comes out as the reference has it."""

from datetime import date
from pathlib import Path

import pytest

from coursesite.billing.document import DocumentKind
from coursesite.billing.ocr import ocr_for_invoice_number
from coursesite.billing.sie import BasAccounts, invoice_voucher, payment_voucher
from coursesite.settings import REPO_ROOT
from tests.unit.billing.sample_documents import credit_note, invoice
from tests.unit.billing.sie_reader import SieError, read_sie

REFERENCE = Path(__file__).parent / "data" / "FAKT-example.SI"  # a copy of shared/conformance/sie/FAKT-example.SI
SHARED = REPO_ROOT.parent / "shared" / "conformance" / "sie" / "FAKT-example.SI"


def test_the_copy_is_the_shared_reference():
    if not SHARED.exists():
        pytest.skip("no shared/ checkout beside this repository")
    assert REFERENCE.read_bytes() == SHARED.read_bytes()


def test_the_reference_file_is_accepted():
    sie = read_sie(REFERENCE.read_bytes())
    assert sie.org_number == "556677-8899"
    assert sie.accounts["1930"] == "Företagskonto/checkkonto/affärskonto"
    assert [sum(a for _, a in v.transactions) for v in sie.vouchers] == [0, 0, 0]


def test_we_book_the_reference_cases_as_the_reference_does():
    reference = read_sie(REFERENCE.read_bytes()).vouchers
    accounts = BasAccounts()
    sold = invoice("2025-000117", issued=date(2025, 3, 14))
    ours = [
        invoice_voucher(sold, accounts),
        payment_voucher(date(2025, 4, 10), 1_250_000, sold.number, accounts, ocr=ocr_for_invoice_number(sold.number)),
        invoice_voucher(credit_note(sold, "2025-000131", date(2025, 4, 15)), accounts),
    ]
    assert credit_note(sold, "2025-000131", date(2025, 4, 15)).kind is DocumentKind.CREDIT_NOTE
    assert [(v.date, v.text, list(v.transactions)) for v in ours] == [
        (v.date, v.text, v.transactions) for v in reference
    ]


GOOD = (
    "#FLAGGA 0",
    '#PROGRAM "Kurssajten" 1.0',
    "#FORMAT PC8",
    "#GEN 20260314",
    "#SIETYP 4",
    "#ORGNR 556047-3521",
    '#FNAMN "Bolaget AB"',
    '#KONTO 1510 "Kundfordringar"',
    '#KONTO 1930 "Företagskonto"',
    '#VER "" "" 20260314 "Betalning"',
    "{",
    "#TRANS 1930 {} 100.50",
    "#TRANS 1510 {} -100.50",
    "}",
)


def build(lines=GOOD, end="\r\n"):
    return "".join(line + end for line in lines).encode("cp437")


def replaced(index, line):
    lines = list(GOOD)
    lines[index] = line
    return build(lines)


def removed(index):
    return build(GOOD[:index] + GOOD[index + 1 :])


def test_the_good_file_is_accepted_with_crlf_or_lf():
    assert read_sie(build()).vouchers[0].transactions == [("1930", 10050), ("1510", -10050)]
    assert read_sie(build(end="\n")).vouchers[0].text == "Betalning"


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"", "empty"),
        (build()[:-2], "no line end"),
        (build().replace(b"\r\n", b"\r", 1), "carriage return"),
        (build(('#PROGRAM "x" 1',) + GOOD), "#FLAGGA must be the first"),
        (replaced(0, "#FLAGGA 1"), "#FLAGGA must be 0"),
        (replaced(2, "#FORMAT PC"), "PC8"),
        (replaced(4, "#SIETYP 1"), "#SIETYP must be 4"),
        (replaced(5, "#ORGNR 5560473521"), "NNNNNN-NNNN"),
        (replaced(3, "#GEN 20260230"), "no such date"),
        (replaced(3, "#GEN 2026-03-14"), "YYYYMMDD"),
        (removed(1), "#PROGRAM is missing"),
        (removed(5), "#ORGNR is missing"),
        (removed(6), "#FNAMN is missing"),
        (build(GOOD[:7] + ('#FNAMN "Igen"',) + GOOD[7:]), "more than once"),
        (build(GOOD[:8] + ('#FNAMN "Sent"',) + GOOD[8:]), "after the chart"),
        (build(GOOD + ('#KONTO 3001 "Sent"',)), "after the vouchers"),
        (replaced(6, "#FNAMN Bolaget AB"), "takes 1 field"),
        (replaced(6, '#FNAMN "Bolaget AB'), "unterminated"),
        (replaced(6, '#FNAMN "Bolaget"AB'), "closing quote"),
        (replaced(6, '#FNAMN Bol"aget'), "quote inside"),
        (replaced(6, '#FNAMN "Bol\x01aget"'), "control character 0x01"),
        (replaced(6, '#FNAMN "Bol\taget"'), "control character 0x09"),
        (replaced(6, '#FNAMN "Bol\x7faget"'), "control character 0x7F"),
        (replaced(8, '#KONTO 1510 "Dubbel"'), "twice"),
        (replaced(8, '#KONTO 19x0 "Fel"'), "not an account number"),
        (replaced(11, "#TRANS 1930 {} +100.50"), "no '+'"),
        (replaced(11, "#TRANS 1930 {} 100,50"), "not a SIE amount"),
        (replaced(11, "#TRANS 1930 {} 100.505"), "at most two decimals"),
        (replaced(11, "#TRANS 1930 {} 1 000.50"), "YYYYMMDD"),  # grouping: "000.50" is read as the date field
        (replaced(11, "#TRANS 1930 {} 100.49"), "does not balance"),
        (replaced(11, "#TRANS 2611 {} 100.50"), "no #KONTO"),
        (replaced(11, "#TRANS 1930 100.50"), "takes 3 field"),
        (replaced(11, "#RTRANS 1930 {} 100.50"), "only #TRANS"),
        (replaced(9, '#VER "" "" 20261301 "Betalning"'), "no such date"),
        (removed(10), "followed by a line '{'"),
        (removed(13), "not closed"),
        (build(GOOD[:10] + ("{", "}")), "without #TRANS"),
        (build(GOOD + ("}",)), "outside a #VER"),
        (build(GOOD + ("#BAL 0 1930 100.00",)), "unknown"),
        (build(GOOD + ("KONTO 1930",)), "not a record label"),
    ],
)
def test_broken_files_are_refused(data, complaint):
    with pytest.raises(SieError) as caught:
        read_sie(data)
    assert complaint in str(caught.value)
