"""The SIE 4I writer and the booking rules (domain.md §3), read back by the strict reader."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursesite.billing.sie import (
    CHUNK_BYTES,
    BasAccounts,
    SieCompany,
    Voucher,
    invoice_voucher,
    payment_voucher,
    sie_amount,
    sie_head,
    sie_text,
    sie_vouchers,
    write_sie,
)
from tests.unit.billing.sample_documents import PRIVATE, credit_note, invoice
from tests.unit.billing.sie_reader import read_sie

ACCOUNTS = BasAccounts()
COMPANY = SieCompany(org_number="5560473521", name="Balansekonomi Svenska AB")
GENERATED = date(2026, 3, 31)


def export(vouchers, accounts=None, company=COMPANY):
    chart = ACCOUNTS.chart() if accounts is None else accounts
    return b"".join(write_sie(company, chart, vouchers, generated=GENERATED, program_version="0.1.0"))


def test_the_file_from_start_to_end():
    data = export([invoice_voucher(invoice(), ACCOUNTS)])
    assert data.decode("cp437").split("\r\n") == [
        "#FLAGGA 0",
        '#PROGRAM "Kurssajten" 0.1.0',
        "#FORMAT PC8",
        "#GEN 20260331",
        "#SIETYP 4",
        "#ORGNR 556047-3521",
        '#FNAMN "Balansekonomi Svenska AB"',
        '#KONTO 1510 "Kundfordringar"',
        '#KONTO 1930 "Företagskonto"',
        '#KONTO 2611 "Utgående moms på försäljning inom Sverige 25 %"',
        '#KONTO 3001 "Försäljning inom Sverige 25 % moms"',
        '#KONTO 3740 "Öres- och kronutjämning"',
        '#VER "" "" 20260314 "Faktura 2026-00001 Köparen AB"',
        "{",
        "#TRANS 1510 {} 12500.00",
        "#TRANS 3001 {} -10000.00",
        "#TRANS 2611 {} -2500.00",
        "}",
        "",
    ]


def test_swedish_letters_are_cp437_bytes():
    data = export([Voucher(date(2026, 1, 2), "å ä ö Å Ä Ö", (("1930", 100), ("1510", -100)))])
    line = next(line for line in data.split(b"\r\n") if line.startswith(b"#VER"))
    assert line.endswith(b'"\x86 \x84 \x94 \x8f \x8e \x99"')
    assert "ö".encode("cp437") == b"\x94" and "Ö".encode("cp437") == b"\x99"
    assert b"F\x94retagskonto" in data


def test_our_export_passes_the_strict_reader():
    first = invoice()
    rounded = invoice("2026-00002", net_ore=79_960, buyer=PRIVATE)  # 999,50 → 1000 kr
    vouchers = [
        invoice_voucher(first, ACCOUNTS),
        invoice_voucher(rounded, ACCOUNTS),
        payment_voucher(date(2026, 4, 10), 1_250_000, first.number, ACCOUNTS, ocr=first.ocr),
        invoice_voucher(credit_note(first, "2026-00003", date(2026, 4, 15)), ACCOUNTS),
    ]
    sie = read_sie(export(vouchers))
    assert sie.program == ("Kurssajten", "0.1.0")
    assert sie.org_number == "556047-3521" and sie.company_name == "Balansekonomi Svenska AB"
    assert sie.generated == GENERATED
    assert set(sie.accounts) == {"1510", "3001", "2611", "1930", "3740"}
    assert [(v.date, v.text, v.transactions) for v in sie.vouchers] == [
        (
            date(2026, 3, 14),
            "Faktura 2026-00001 Köparen AB",
            [("1510", 1_250_000), ("3001", -1_000_000), ("2611", -250_000)],
        ),
        (
            date(2026, 3, 14),
            "Faktura 2026-00002 Örjan Ärlig",
            [("1510", 100_000), ("3001", -79_960), ("2611", -19_990), ("3740", -50)],
        ),
        (
            date(2026, 4, 10),
            "Betalning faktura 2026-00001 OCR 20260000110",
            [("1930", 1_250_000), ("1510", -1_250_000)],
        ),
        (
            date(2026, 4, 15),
            "Kreditfaktura 2026-00003 avser faktura 2026-00001",
            [("1510", -1_250_000), ("3001", 1_000_000), ("2611", 250_000)],
        ),
    ]
    assert all((v.series, v.number) == ("", "") for v in sie.vouchers)


@pytest.mark.parametrize(
    ("net", "rounding_line"),
    [(1_000_000, None), (79_960, ("3740", -50)), (123_456, ("3740", 20))],  # domain.md §1 vectors
)
def test_invoice_booking_per_domain_vectors(net, rounding_line):
    doc = invoice(net_ore=net)
    voucher = invoice_voucher(doc, ACCOUNTS)
    t = doc.totals
    expected = [("1510", t.total_ore), ("3001", -net), ("2611", -t.vat_ore)] + (
        [rounding_line] if rounding_line else []
    )
    assert list(voucher.transactions) == expected


def test_a_credit_note_mirrors_its_invoice():
    original = invoice(net_ore=79_960)
    credit = invoice_voucher(credit_note(original, "2026-00009", date(2026, 5, 1)), ACCOUNTS)
    booked = invoice_voucher(original, ACCOUNTS)
    assert credit.transactions == tuple((account, -amount) for account, amount in booked.transactions)
    assert credit.date == date(2026, 5, 1)


def test_a_partial_credit_note_balances():
    voucher = invoice_voucher(credit_note(invoice(), "2026-00010", date(2026, 5, 1), net_ore=400_000), ACCOUNTS)
    assert voucher.transactions == (("1510", -500_000), ("3001", 400_000), ("2611", 100_000))


def test_a_credit_note_must_name_its_invoice_and_have_negative_totals():
    from dataclasses import replace

    note = credit_note(invoice(), "2026-00011", date(2026, 5, 1))
    with pytest.raises(ValueError, match="does not name"):
        invoice_voucher(replace(note, credited_number=None), ACCOUNTS)
    with pytest.raises(ValueError, match="positive total"):
        invoice_voucher(replace(note, totals=invoice().totals), ACCOUNTS)
    with pytest.raises(ValueError, match="negative total"):
        invoice_voucher(replace(invoice(), totals=note.totals), ACCOUNTS)


def test_payment_booking_and_refund():
    assert payment_voucher(date(2026, 4, 10), 1_250_000, "2026-00001", ACCOUNTS).transactions == (
        ("1930", 1_250_000),
        ("1510", -1_250_000),
    )
    assert payment_voucher(date(2026, 4, 10), -100, "2026-00001", ACCOUNTS).transactions == (
        ("1930", -100),
        ("1510", 100),
    )
    with pytest.raises(ValueError):
        payment_voucher(date(2026, 4, 10), 0, "2026-00001", ACCOUNTS)


def test_configured_accounts_and_names_are_used():
    accounts = BasAccounts(receivables="1511", sales="3011", bank="1940", bank_name='Bank "Nord"')
    data = export(
        [invoice_voucher(invoice(), accounts), payment_voucher(date(2026, 4, 1), 1_250_000, "2026-00001", accounts)],
        accounts=accounts.chart(),
    )
    sie = read_sie(data)
    assert sie.accounts["1940"] == 'Bank "Nord"'
    assert b'#KONTO 1940 "Bank \\"Nord\\""' in data
    assert {a for v in sie.vouchers for a, _ in v.transactions} == {"1511", "3011", "2611", "1940"}


@pytest.mark.parametrize(
    "changes",
    [
        dict(sales="1510"),
        dict(bank="193"),
        dict(bank="19300"),
        dict(bank="19a0"),
        dict(rounding_name=""),
        dict(sales_name="x" * 201),
    ],
)
def test_bad_account_configuration_is_refused(changes):
    with pytest.raises(ValueError):
        BasAccounts(**changes)


@pytest.mark.parametrize(
    "transactions",
    [
        (("1930", 100), ("1510", -99)),  # does not balance
        (("1930", 0),),  # one transaction
        (),
        (("1930", 1.0), ("1510", -1.0)),  # float
        (("1930", True), ("1510", -1)),
        (("193", 100), ("1510", -100)),
        (("1930", 10**14), ("1510", -(10**14))),
        tuple(("1930", 0) for _ in range(101)),
    ],
)
def test_vouchers_refuse_what_cannot_be_booked(transactions):
    with pytest.raises(ValueError):
        Voucher(date(2026, 1, 1), "text", transactions)


def test_an_account_outside_the_chart_is_named():
    voucher = Voucher(date(2026, 1, 1), "Ränta", (("8310", -100), ("1930", 100)))
    with pytest.raises(ValueError, match="8310"):
        export([voucher])


def test_several_vat_rates_are_not_booked():
    from dataclasses import replace
    from decimal import Decimal

    from coursesite.billing.money import Line, compute_totals

    lines = (Line("Kurs", 1, 1000, Decimal("0.25")), Line("Bok", 1, 1000, Decimal("0.06")))
    with pytest.raises(ValueError, match="one VAT rate"):
        invoice_voucher(replace(invoice(), lines=lines, totals=compute_totals(lines)), ACCOUNTS)


def test_the_head_once_then_voucher_batches_is_the_whole_file():
    vouchers = [payment_voucher(date(2026, 4, 1), 100 + n, f"2026-{n:05d}", ACCOUNTS) for n in range(1500)]
    credit = credit_note(invoice(), "2026-00002", date(2026, 4, 2))
    vouchers[7:7] = [invoice_voucher(invoice(), ACCOUNTS), invoice_voucher(credit, ACCOUNTS)]
    chart = ACCOUNTS.chart()
    streamed = sie_head(COMPANY, chart, generated=GENERATED) + b"".join(
        sie_vouchers(chart, vouchers[start : start + 200]) for start in range(0, len(vouchers), 200)
    )
    assert streamed == b"".join(write_sie(COMPANY, chart, vouchers, generated=GENERATED))
    assert sie_vouchers(chart, []) == b""
    with pytest.raises(ValueError, match="8310"):
        sie_vouchers(chart, [Voucher(date(2026, 1, 1), "Ränta", (("8310", -100), ("1930", 100)))])


@pytest.mark.parametrize(
    ("ore", "text"),
    [(0, "0.00"), (1, "0.01"), (-50, "-0.50"), (1_250_000, "12500.00"), (-1_000_000, "-10000.00"), (99, "0.99")],
)
def test_amounts(ore, text):
    assert sie_amount(ore) == text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Köparen AB", '"Köparen AB"'),
        ("", '""'),
        ('Bolaget "Bäst" AB', '"Bolaget \\"Bäst\\" AB"'),
        ("a\\b", '"a/b"'),  # no escape is defined for a backslash
        ("rad1\nrad2\r\n\tslut", '"rad1 rad2 slut"'),
        ("noll\x00byte\x7f\x85", '"nollbyte"'),
        ("\u202eevil", '"evil"'),  # bidi override
        ("  många   mellanslag ", '"många mellanslag"'),
        ("12\u00a0500", '"12 500"'),
        ("“Citat” – ‘nu’ … €5", '"\\"Citat\\" - \'nu\' ... EUR5"'),
        ("Škoda Łódź Ștefan", '"Skoda ?ódz Stefan"'),  # ó is in CP437, Ł has no plain letter
        ("Café Müller Ñ", '"Café Müller Ñ"'),  # in CP437 already
        ("A\u030angström", '"Ångström"'),  # decomposed Å is composed first
        ("日本 🙂", '"?? ?"'),
    ],
)
def test_text_fields_are_quoted_clean_cp437(text, field):
    assert sie_text(text) == field
    field.encode("cp437")


def test_a_hostile_text_still_gives_a_readable_file():
    text = '"} {\n#VER "" "" 20260101 "x"\r\n{\\'
    data = export([Voucher(date(2026, 1, 1), text, (("1930", 1), ("1510", -1)))])
    sie = read_sie(data)
    assert len(sie.vouchers) == 1
    assert sie.vouchers[0].text == '"} { #VER "" "" 20260101 "x" {/'


def test_long_texts_and_bad_versions_are_refused():
    with pytest.raises(ValueError):
        Voucher(date(2026, 1, 1), "x" * 201, (("1930", 1), ("1510", -1)))
    with pytest.raises(ValueError):
        SieCompany(org_number="556047-3521", name="x" * 201)
    with pytest.raises(ValueError):
        SieCompany(org_number="000101-2384", name="Person")
    with pytest.raises(ValueError):
        b"".join(write_sie(COMPANY, ACCOUNTS.chart(), [], generated=GENERATED, program_version="1 0"))
    with pytest.raises(ValueError):
        b"".join(write_sie(COMPANY, {}, [], generated=GENERATED))


def test_an_invoice_with_a_very_long_customer_name_is_still_booked():
    from dataclasses import replace

    doc = invoice()
    doc = replace(doc, buyer=replace(doc.buyer, name="B" * 300))
    assert len(invoice_voucher(doc, ACCOUNTS).text) == 200


def test_it_streams_in_chunks():
    vouchers = (payment_voucher(date(2026, 4, 1), 100 + n, f"2026-{n:05d}", ACCOUNTS) for n in range(5000))
    chunks = list(write_sie(COMPANY, ACCOUNTS.chart(), vouchers, generated=GENERATED))
    assert len(chunks) > 3
    assert all(len(chunk) < CHUNK_BYTES + 1024 for chunk in chunks)
    assert len(read_sie(b"".join(chunks)).vouchers) == 5000


def test_the_vouchers_are_read_as_the_file_is_sent():
    consumed = 0

    def vouchers():
        nonlocal consumed
        for n in range(100_000):
            consumed += 1
            yield payment_voucher(date(2026, 4, 1), 100, f"2026-{n:05d}", ACCOUNTS)

    stream = write_sie(COMPANY, ACCOUNTS.chart(), vouchers(), generated=GENERATED)
    assert consumed == 0
    assert next(stream).startswith(b"#FLAGGA 0\r\n")
    assert 0 < consumed < 2_000  # one chunk's worth, not the whole export
    stream.close()


accounts = st.sampled_from(sorted(ACCOUNTS.chart()))
amounts = st.integers(-(10**11), 10**11)


@st.composite
def vouchers(draw):
    legs = draw(st.lists(st.tuples(accounts, amounts), min_size=1, max_size=8))
    balance = (draw(accounts), -sum(amount for _, amount in legs))
    text = draw(st.text(max_size=60))
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
    return Voucher(day, text, (*legs, balance))


@given(st.lists(vouchers(), max_size=20))
def test_random_vouchers_are_read_back_balanced_and_exact(generated):
    sie = read_sie(export(generated))
    assert len(sie.vouchers) == len(generated)
    for read, written in zip(sie.vouchers, generated, strict=True):
        assert read.date == written.date
        assert read.transactions == list(written.transactions)
        assert sum(amount for _, amount in read.transactions) == 0
        assert read.text == sie_text(written.text)[1:-1].replace('\\"', '"')
