"""BgMax: every record type read, every problem reported with its line, a write→parse round trip, and matching."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursesite.billing import ocr as ocr_module
from coursesite.billing.bgmax import (
    BgMaxError,
    BgMaxFile,
    Deposit,
    ExtraReference,
    Payer,
    Payment,
    ReferenceCode,
    match_payments,
    normalise_reference,
    parse_bgmax,
    write_bgmax,
)
from coursesite.core.checksums import luhn_check_digit, luhn_valid

DATA = Path(__file__).resolve().parents[2] / "data" / "bgmax"
CREATED = datetime(2026, 3, 2, 6, 15, 0, 123456)


def ocr(payload: str) -> str:
    """An OCR number with length digit and check digit (domain.md §2), from the one Luhn in the codebase."""
    with_length = payload + str((len(payload) + 2) % 10)
    return with_length + str(luhn_check_digit(with_length))


def valid_ocr(reference: str) -> bool:
    return 2 <= len(reference) <= 25 and luhn_valid(reference) and int(reference[-2]) == len(reference) % 10


def test_ocr_helper_matches_domain_vectors() -> None:
    assert ocr("12345") == "1234574"
    assert ocr("1234567890") == "123456789023"
    assert all(valid_ocr(v) for v in ("1636976", "03368912618", "1018966492531", "18108401345678778"))
    assert not valid_ocr("123455") and not valid_ocr("1234567890")


OCR_A, OCR_B, OCR_C = ocr("202600001"), ocr("202600002"), ocr("202600003")


def payment(amount_ore: int, reference: str = OCR_A, **kw) -> Payment:
    defaults: dict[str, Any] = dict(
        reference_code=ReferenceCode.OCR, bgc_serial=1000 + amount_ore % 997, payer_bankgiro="378-3511", channel=1
    )
    defaults.update(kw)
    return Payment(amount_ore=amount_ore, reference=reference, **defaults)


def deposit(*payments: Payment, serial: int = 1, on: date = date(2026, 3, 2)) -> Deposit:
    return Deposit(
        payee_bankgiro="5050-1055", date=on, serial=serial, payments=payments, payee_account="58410000010098"
    )


def bgmax(*deposits: Deposit, test: bool = False) -> BgMaxFile:
    return BgMaxFile(created_at=CREATED, deposits=deposits, test=test)


FULL = bgmax(
    deposit(
        payment(
            1250000,
            OCR_A,
            payer=Payer(
                name="Kalles Plåt AB",
                extra_name="Ekonomi",
                street="Storgatan 2",
                postal_code="12345",
                city="Storåker",
                country="Sverige",
                country_code="SE",
                org_number="5560473521",
            ),
            information=("Faktura 2026-00001",),
            has_image=False,
            bgc_serial=210000000001,
        ),
        payment(
            -50000,
            "89853",
            reference_code=ReferenceCode.SEVERAL,
            deduction=True,
            deduction_code="1",
            channel=2,
            bgc_serial=230000000111,
        ),
        payment(
            140000,
            "657866 658765",
            reference_code=ReferenceCode.SEVERAL,
            channel=3,
            has_image=True,
            bgc_serial=14,
            extra_references=(
                ExtraReference(OCR_B, ReferenceCode.OCR, 100000),
                ExtraReference(OCR_C, ReferenceCode.OCR, 90000),
                ExtraReference("7445", ReferenceCode.ONE, -50000),
            ),
        ),
        serial=56,
    ),
    deposit(payment(99950, "", reference_code=ReferenceCode.BLANK, payer_bankgiro=""), serial=57),
)


def lines_of(f: BgMaxFile) -> list[str]:
    return write_bgmax(f, newline="\n").decode("latin-1").splitlines()


def join(lines: list[str], newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode("latin-1")


def problems(data: bytes, **kw) -> list[str]:
    with pytest.raises(BgMaxError) as caught:
        parse_bgmax(data, **kw)
    return [str(p) for p in caught.value.problems]


# --- reading every record type ------------------------------------------------------------------------------------

READ_CASES = [
    ("start: timestamp", lambda f: f.created_at, CREATED),
    ("start: production", lambda f: f.test, False),
    ("opening: payee bankgiro", lambda f: f.deposits[0].payee_bankgiro, "5050-1055"),
    ("opening: currency", lambda f: f.deposits[0].currency, "SEK"),
    ("payment: amount", lambda f: f.deposits[0].payments[0].amount_ore, 1250000),
    ("payment: OCR reference (right-aligned in the file)", lambda f: f.deposits[0].payments[0].reference, OCR_A),
    ("payment: reference code", lambda f: f.deposits[0].payments[0].reference_code, ReferenceCode.OCR),
    ("payment: payer bankgiro", lambda f: f.deposits[0].payments[0].payer_bankgiro, "378-3511"),
    ("payment: BGC serial", lambda f: f.deposits[0].payments[0].bgc_serial, 210000000001),
    ("payment: channel", lambda f: f.deposits[0].payments[0].channel, 1),
    ("payment: no image", lambda f: f.deposits[0].payments[0].has_image, False),
    ("deduction: negative", lambda f: f.deposits[0].payments[1].amount_ore, -50000),
    ("deduction: flagged", lambda f: f.deposits[0].payments[1].deduction, True),
    ("deduction: code", lambda f: f.deposits[0].payments[1].deduction_code, "1"),
    ("deduction: free reference (left-aligned)", lambda f: f.deposits[0].payments[1].reference, "89853"),
    ("extra reference 22", lambda f: f.deposits[0].payments[2].extra_references[0].reference, OCR_B),
    ("extra reference 22 amount", lambda f: f.deposits[0].payments[2].extra_references[1].amount_ore, 90000),
    ("extra reference 23 is negative", lambda f: f.deposits[0].payments[2].extra_references[2].amount_ore, -50000),
    ("payment: image marker", lambda f: f.deposits[0].payments[2].has_image, True),
    ("payment: several references", lambda f: f.deposits[0].payments[2].reference, "657866 658765"),
    ("information 25", lambda f: f.deposits[0].payments[0].information, ("Faktura 2026-00001",)),
    ("name 26", lambda f: f.deposits[0].payments[0].payer_name, "Kalles Plåt AB"),
    ("name 26: extra name", lambda f: f.deposits[0].payments[0].payer.extra_name, "Ekonomi"),
    (
        "address 27",
        lambda f: (f.deposits[0].payments[0].payer.street, f.deposits[0].payments[0].payer.postal_code),
        ("Storgatan 2", "12345"),
    ),
    (
        "address 28",
        lambda f: (f.deposits[0].payments[0].payer.city, f.deposits[0].payments[0].payer.country_code),
        ("Storåker", "SE"),
    ),
    ("org number 29", lambda f: f.deposits[0].payments[0].payer.org_number, "5560473521"),
    ("deposit: date", lambda f: f.deposits[0].date, date(2026, 3, 2)),
    ("deposit: serial", lambda f: f.deposits[0].serial, 56),
    ("deposit: account", lambda f: f.deposits[0].payee_account, "58410000010098"),
    ("deposit: total is payments less deductions", lambda f: f.deposits[0].total_ore, 1250000 - 50000 + 140000),
    ("deposit: count includes deductions", lambda f: f.deposits[0].count, 3),
    ("second deposit", lambda f: f.deposits[1].serial, 57),
    (
        "payment without reference or payer bankgiro",
        lambda f: (f.deposits[1].payments[0].reference, f.deposits[1].payments[0].payer_bankgiro),
        ("", ""),
    ),
    ("all payments", lambda f: len(f.payments), 4),
]


@pytest.mark.parametrize(("what", "get", "expected"), READ_CASES, ids=[c[0] for c in READ_CASES])
def test_reads_every_record(what, get, expected) -> None:
    assert get(parse_bgmax(write_bgmax(FULL))) == expected


def test_layout_positions_are_the_manuals() -> None:
    """Pinned by hand against the manual's positions, so writer and parser cannot drift together."""
    lines = lines_of(FULL)
    assert all(len(line) == 80 for line in lines)
    assert lines[0] == "01BGMAX               0120260302061500123456P".ljust(80)
    assert lines[1] == "05" + "0050501055" + " " * 10 + "SEK".ljust(58)
    assert lines[2] == "200003783511" + OCR_A.rjust(25) + "000000000001250000" + "21" + "210000000001" + "0".ljust(11)
    deduction = next(line for line in lines if line.startswith("21"))
    assert (
        deduction == "210003783511" + "89853".ljust(25) + "000000000000050000" + "32" + "230000000111" + "01" + " " * 9
    )
    closing = next(line for line in lines if line.startswith("15"))
    assert (
        closing == "15" + "58410000010098".zfill(35) + "20260302" + "00056" + "000000000001340000" + "SEK" + "00000003 "
    )
    assert lines[-1] == "70" + "00000003" + "00000001" + "00000003" + "00000002" + " " * 46


def test_fixture_file_in_latin1() -> None:
    f = parse_bgmax((DATA / "two_deposits.txt").read_bytes())
    assert [d.total_ore for d in f.deposits] == [1250000 + 99950, 800000 - 50000]
    assert f.deposits[0].payments[1].payer_name == "Åsa Öberg Konsult AB"


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_line_endings(newline) -> None:
    assert parse_bgmax(write_bgmax(FULL, newline=newline)) == FULL


def test_trailing_blanks_may_be_missing_or_extra() -> None:
    lines = lines_of(FULL)
    trimmed = [line.rstrip() for line in lines]
    assert parse_bgmax(join(trimmed)) == FULL
    padded = [line + "   " for line in lines]
    assert parse_bgmax(join(padded, "\r\n") + b"\r\n\r\n") == FULL


def test_unknown_numeric_record_is_skipped_and_listed() -> None:
    lines = lines_of(FULL)
    lines.insert(3, "24" + "framtida post".ljust(78))
    f = parse_bgmax(join(lines))
    assert f == FULL and f.ignored_lines == (4,)


def test_test_file_is_refused_unless_allowed() -> None:
    data = write_bgmax(bgmax(*FULL.deposits, test=True))
    assert problems(data) == [
        "Rad 1: filen är en testfil (T) från Bankgirot och läses inte in som riktiga betalningar."
    ]
    assert parse_bgmax(data, allow_test=True).test is True


def test_a_personnummer_in_the_org_number_record_is_not_kept() -> None:
    f = bgmax(deposit(payment(100, payer=Payer(name="Anna", org_number="197001012384"))))
    assert parse_bgmax(write_bgmax(f)).payments[0].payer.org_number == ""


# --- every problem, with its line -----------------------------------------------------------------------------------


def _set(index: int, start: int, text: str):
    """Overwrite positions start.. (1-based, the manual's) of line `index`."""

    def edit(lines: list[str]) -> list[str]:
        line = lines[index]
        lines[index] = line[: start - 1] + text + line[start - 1 + len(text) :]
        return lines

    return edit


def _insert(index: int, line: str):
    def edit(lines: list[str]) -> list[str]:
        lines.insert(index, line)
        return lines

    return edit


def _delete(index: int):
    def edit(lines: list[str]) -> list[str]:
        del lines[index]
        return lines

    return edit


SIMPLE = bgmax(
    deposit(
        payment(1250000, OCR_A, payer=Payer(name="Kalles Plåt AB")),
        payment(-50000, "89853", reference_code=4, deduction=True, deduction_code="0"),
    )
)
# 0:01  1:05  2:20  3:26  4:21  5:15  6:70

ERROR_CASES = [
    ("not a BgMax file", _set(0, 1, "99"), ["Rad 1: filen börjar inte med en startpost (01)"]),
    ("layout name", _set(0, 3, "BGMIN"), ["Rad 1: layoutnamnet är 'BGMIN', men ska vara BGMAX."]),
    ("version", _set(0, 23, "02"), ["Rad 1: layoutversionen är '02'; bara version 01 kan läsas."]),
    ("timestamp not a time", _set(0, 25, "20261302"), ["Rad 1: tidsstämpeln '20261302061500123456' är ingen giltig"]),
    ("timestamp not digits", _set(0, 25, "2026-03-"), ["Rad 1: tidsstämpeln ska bestå av siffror (position 25–44)"]),
    ("test marker", _set(0, 45, "X"), ["Rad 1: testmarkeringen är 'X', men ska vara T (test) eller P (produktion)."]),
    ("second start record", _insert(1, "01BGMAX".ljust(80)), ["Rad 2: startposten (01) får bara stå först i filen."]),
    ("currency", _set(1, 23, "EUR"), ["Rad 2: valutan är 'EUR'; bara SEK tas emot.", "Rad 6: valutan 'SEK' är inte"]),
    ("payee bankgiro", _set(1, 3, "00505O1055"), ["Rad 2: betalningsmottagarens bankgironummer ska bestå av siffror"]),
    ("payment amount not digits", _set(2, 38, "00000000000125000O"), ["Rad 3: beloppet ska bestå av siffror"]),
    ("payer bankgiro not digits", _set(2, 3, "000378351X"), ["Rad 3: betalarens bankgironummer ska bestå av siffror"]),
    ("reference code", _set(2, 56, " "), ["Rad 3: referenskoden ska bestå av siffror (position 56–56), men är ''."]),
    ("channel", _set(2, 57, "x"), ["Rad 3: betalningskanalkoden ska bestå av siffror"]),
    ("BGC serial", _set(2, 58, "12345678901A"), ["Rad 3: BGC-löpnumret ska bestå av siffror"]),
    ("image marker", _set(2, 70, "7"), ["Rad 3: avibildmarkeringen är '7', men ska vara 0 eller 1."]),
    ("deduction code", _set(4, 71, "-"), ["Rad 5: avdragskoden ska bestå av siffror"]),
    (
        "payment before any opening record",
        _delete(1),
        [
            "Rad 2: betalningsposten (20) står utanför en insättning",
            "Rad 3: namnposten (26) hör inte till någon",
            "Rad 4: avdragsposten (21) står utanför",
            "Rad 5: insättningsposten (15) står utanför en insättning",
        ],
    ),
    (
        "detail record without payment",
        _insert(2, "26Någon".ljust(80)),
        ["Rad 3: namnposten (26) hör inte till någon betalningspost (20) eller avdragspost (21)."],
    ),
    (
        "detail records out of order",
        _insert(4, "25Meddelande".ljust(80)),
        ["Rad 5: informationsposten (25) står i fel ordning efter betalningen på rad 3."],
    ),
    (
        "a payment's name twice",
        _insert(4, "26Någon annan".ljust(80)),
        ["Rad 5: namnposten (26) finns redan för betalningen på rad 3."],
    ),
    (
        "org number not digits",
        _insert(4, "29556047-3521".ljust(80)),
        ["Rad 5: organisationsnumret ska bestå av siffror"],
    ),
    ("deposit date", _set(5, 38, "20260230"), ["Rad 6: betalningsdagen '20260230' är inget giltigt datum."]),
    (
        "deposit total",
        _set(5, 51, "000000000001250000"),
        [
            "Rad 6: insättningens belopp 12\xa0500,00\xa0kr stämmer inte med betalningarna minus avdragen, "
            "12\xa0000,00\xa0kr (från rad 2)."
        ],
    ),
    (
        "deposit count",
        _set(5, 72, "00000001"),
        ["Rad 6: insättningen anger 1 betalningar och avdrag, men innehåller 2 (från rad 2)."],
    ),
    ("deposit serial", _set(5, 46, "0005 "), ["Rad 6: insättningens löpnummer ska bestå av siffror"]),
    (
        "deposit never closed",
        _delete(5),
        [
            "Rad 2: insättningen avslutas aldrig med en insättningspost (15).",
            "Rad 6: slutposten anger 1 insättningsposter (15), men filen innehåller 0.",
        ],
    ),
    (
        "opening record inside a deposit",
        _insert(4, "050050501055          SEK".ljust(80)),
        ["Rad 2: insättningen avslutas aldrig med en insättningspost (15)."],
    ),
    (
        "end: payments",
        _set(6, 3, "00000002"),
        ["Rad 7: slutposten anger 2 betalningsposter (20), men filen innehåller 1."],
    ),
    (
        "end: deductions",
        _set(6, 11, "00000000"),
        ["Rad 7: slutposten anger 0 avdragsposter (21), men filen innehåller 1."],
    ),
    (
        "end: extra references",
        _set(6, 19, "00000004"),
        ["Rad 7: slutposten anger 4 extra referensposter (22, 23), men filen innehåller 0."],
    ),
    (
        "end: deposits",
        _set(6, 27, "00000003"),
        ["Rad 7: slutposten anger 3 insättningsposter (15), men filen innehåller 1."],
    ),
    ("end not digits", _set(6, 3, "0000000A"), ["Rad 7: antalet betalningsposter ska bestå av siffror"]),
    ("no end record", _delete(6), ["Filen saknar slutpost (70); den kan vara avklippt."]),
    ("records after the end", _insert(7, "26Efteråt".ljust(80)), ["Rad 8: poster efter slutposten (rad 7)."]),
    ("blank line inside", _insert(3, ""), ["Rad 4: tom rad mitt i filen."]),
    ("tab", _set(3, 10, "\t"), ["Rad 4: raden innehåller ett otillåtet tecken"]),
    ("line too long", _set(3, 81, "X"), ["Rad 4: raden är 81 tecken lång; en post är högst 80 tecken."]),
    ("unknown record code", _insert(3, "X9".ljust(80)), ["Rad 4: okänd transaktionskod 'X9'."]),
]


@pytest.mark.parametrize(("what", "edit", "expected"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_each_problem_is_reported_with_its_line(what, edit, expected) -> None:
    found = problems(join(edit(lines_of(SIMPLE))))
    for fragment in expected:
        assert any(p.startswith(fragment) for p in found), (fragment, found)


def test_every_problem_is_listed_at_once_in_line_order() -> None:
    lines = _set(5, 38, "20261340")(_set(2, 70, "9")(_set(0, 45, "T")(lines_of(SIMPLE))))
    with pytest.raises(BgMaxError) as caught:
        parse_bgmax(join(lines))
    assert [p.line for p in caught.value.problems] == [1, 3, 6]
    assert str(caught.value).startswith("BgMax-filen kan inte läsas in:\nRad 1: filen är en testfil")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Filen är tom."),
        (b"\r\n  \n", "Filen är tom."),
        (b"0" * 101, "Filen är för stor (101 byte; högst 100 byte)."),
    ],
)
def test_empty_or_too_large(data, message) -> None:
    assert problems(data, max_bytes=100) == [message]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (dict(reference="x" * 26), "reference longer than 25"),
        (dict(amount_ore=10**18), "amount beyond 18 digits"),
        (dict(payer=Payer(name="Tab\there")), "control character"),
        (dict(payer=Payer(name="Łukasz")), "outside ISO 8859-1"),
        (dict(amount_ore=-5), "a negative payment that is not a deduction"),
    ],
)
def test_writer_refuses_what_does_not_fit(change, why) -> None:
    with pytest.raises(ValueError):
        write_bgmax(bgmax(deposit(payment(**{"amount_ore": 100, **change}))))


# --- round trip ------------------------------------------------------------------------------------------------------

_LATIN1 = st.characters(codec="latin-1", exclude_categories=("Cc", "Zs", "Zl", "Zp"))


def _text(size: int) -> st.SearchStrategy[str]:
    """Text as the parser returns it: no surrounding blanks, inner single blanks allowed."""
    return st.lists(st.text(_LATIN1, min_size=1, max_size=8), max_size=4).map(" ".join).filter(lambda t: len(t) <= size)


_bankgiro = st.integers(1_000_000, 99_999_999).map(lambda n: f"{str(n)[:-4]}-{str(n)[-4:]}")
_org = st.integers(0, 999_999).map(lambda n: f"5560{n:06d}")  # an org number: 20+ in the "month"
_payers = st.builds(
    Payer,
    name=_text(35),
    extra_name=_text(35),
    street=_text(35),
    postal_code=_text(9),
    city=_text(35),
    country=_text(35),
    country_code=_text(2),
    org_number=st.one_of(st.just(""), _org),
)
_references = st.one_of(
    st.builds(lambda n: (ocr(str(n)), ReferenceCode.OCR), st.integers(1, 10**20)),
    st.tuples(
        _text(25),
        st.sampled_from([ReferenceCode.NONE, ReferenceCode.SEVERAL, ReferenceCode.ONE, ReferenceCode.INCORRECT]),
    ),
)
_extras = st.builds(
    lambda ref, amount, negative: ExtraReference(ref[0], ref[1], -amount if negative else amount),
    _references,
    st.integers(0, 10**9),
    st.booleans(),
)


@st.composite
def _payments(draw) -> Payment:
    deduction = draw(st.booleans())
    amount = draw(st.integers(0, 10**12))
    reference, code = draw(_references)
    return Payment(
        amount_ore=-amount if deduction else amount,
        reference=reference,
        reference_code=code,
        bgc_serial=draw(st.integers(0, 10**12 - 1)),
        payer_bankgiro=draw(st.one_of(st.just(""), _bankgiro)),
        channel=draw(st.integers(1, 4)),
        has_image=draw(st.booleans()),
        deduction=deduction,
        deduction_code=draw(st.sampled_from("0123")) if deduction else "",
        extra_references=tuple(draw(st.lists(_extras, max_size=3))),
        information=tuple(draw(st.lists(_text(50).filter(bool), max_size=3))),
        payer=draw(_payers),
    )


_deposits = st.builds(
    Deposit,
    payee_bankgiro=_bankgiro,
    date=st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    serial=st.integers(0, 99999),
    payments=st.lists(_payments(), max_size=5).map(tuple),
    payee_account=st.integers(1, 10**20).map(str),
    deposit_type=st.sampled_from(["", "K", "D", "S"]),
).filter(lambda d: d.total_ore >= 0)
_files = st.builds(
    BgMaxFile,
    created_at=st.datetimes(datetime(1990, 1, 1), datetime(2099, 12, 31)),
    deposits=st.lists(_deposits, max_size=3).map(tuple),
    test=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(_files, st.sampled_from(["\r\n", "\n"]))
def test_round_trip(f: BgMaxFile, newline: str) -> None:
    data = write_bgmax(f, newline=newline)
    assert all(len(line) == 80 for line in data.decode("latin-1").split(newline)[:-1])
    assert parse_bgmax(data, allow_test=True) == f


# --- matching -------------------------------------------------------------------------------------------------------

INVOICES = {OCR_A: "2026-00001", OCR_B: "2026-00002", " " + OCR_C + " ": "2026-00003"}
ZERO_LED = ocr("0" + "42")  # a (foreign) OCR number that starts with a zero


MATCH_CASES = [
    ("paid in full", payment(1250000, OCR_A), "2026-00001"),
    ("partial payment still matches", payment(600000, OCR_B), "2026-00002"),
    ("overpayment still matches", payment(2000000, OCR_B), "2026-00002"),
    ("invoice key with blanks is normalised", payment(1000, OCR_C), "2026-00003"),
    ("reference with surrounding blanks", payment(1000, f"  {OCR_A}"), "2026-00001"),
    ("free-form reference that is our OCR", payment(1000, OCR_A, reference_code=ReferenceCode.ONE), "2026-00001"),
    (
        "no reference",
        payment(1000, "", reference_code=ReferenceCode.BLANK),
        "Betalningen på 10,00\xa0kr saknar referens.",
    ),
    (
        "not an OCR number",
        payment(1000, "Faktura 1", reference_code=ReferenceCode.ONE),
        "Referensen 'Faktura 1' är inget giltigt OCR-nummer.",
    ),
    (
        "check digit wrong",
        payment(1000, OCR_A[:-1] + str((int(OCR_A[-1]) + 1) % 10), reference_code=5),
        f"Referensen '{OCR_A[:-1]}{(int(OCR_A[-1]) + 1) % 10}' är inget giltigt OCR-nummer. "
        "Bankgirot har markerat den som felaktig.",
    ),
    ("valid OCR of no invoice", payment(1000, ocr("999")), f"Ingen faktura har OCR-numret {ocr('999')}."),
    ("leading zero is significant", payment(1000, ZERO_LED), f"Ingen faktura har OCR-numret {ZERO_LED}."),
    (
        "deduction",
        payment(-50000, OCR_A, deduction=True, deduction_code="0"),
        f"Avdrag på 500,00\xa0kr (referens '{OCR_A}'): hanteras manuellt.",
    ),
    (
        "several references",
        payment(
            5000,
            "x",
            reference_code=ReferenceCode.SEVERAL,
            extra_references=(ExtraReference(OCR_A, 2, 0), ExtraReference(OCR_B, 2, 0)),
        ),
        f"Betalningen på 50,00\xa0kr avser flera referenser ({OCR_A}, {OCR_B}): fördela beloppet manuellt.",
    ),
]


@pytest.mark.parametrize(("what", "paid", "expected"), MATCH_CASES, ids=[c[0] for c in MATCH_CASES])
def test_matching(what, paid, expected) -> None:
    matched, unmatched = match_payments([paid], INVOICES, is_valid_ocr=valid_ocr)
    if expected.startswith("2026-"):
        assert [(m.invoice, m.payment) for m in matched] == [(expected, paid)] and not unmatched
    else:
        assert [(u.reason, u.payment) for u in unmatched] == [(expected, paid)] and not matched


def test_leading_zero_ocr_matches_itself_only() -> None:
    assert valid_ocr(ZERO_LED) and normalise_reference(ZERO_LED) == ZERO_LED
    matched, _ = match_payments([payment(100, ZERO_LED)], {ZERO_LED: "x"}, is_valid_ocr=valid_ocr)
    assert [m.ocr for m in matched] == [ZERO_LED]


def test_two_invoices_with_one_ocr_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        match_payments([], {OCR_A: 1, f" {OCR_A}": 2}, is_valid_ocr=valid_ocr)


def test_a_day_of_payments_from_a_file() -> None:
    """Matched, unmatched and partial payments and a deduction, over two deposits, read from a written file."""
    day = bgmax(
        deposit(
            payment(1250000, OCR_A, bgc_serial=1),
            payment(500000, OCR_B, bgc_serial=2),  # full, partial
            payment(99950, ocr("31337"), bgc_serial=3),
            serial=1,
        ),  # nobody's OCR
        deposit(
            payment(750000, OCR_B, bgc_serial=4),  # the rest of B
            payment(10000, "Kurs Anna", reference_code=ReferenceCode.ONE, bgc_serial=5),
            payment(-10000, OCR_C, deduction=True, deduction_code="0", bgc_serial=6),
            serial=2,
        ),
    )
    parsed = parse_bgmax(write_bgmax(day))
    matched, unmatched = match_payments(parsed.payments, INVOICES, is_valid_ocr=valid_ocr)
    paid: dict[str, int] = {}
    for m in matched:
        paid[m.invoice] = paid.get(m.invoice, 0) + m.payment.amount_ore
    assert paid == {"2026-00001": 1250000, "2026-00002": 1250000}
    assert [u.payment.bgc_serial for u in unmatched] == [3, 5, 6]
    assert sum(d.total_ore for d in parsed.deposits) == 1250000 + 500000 + 99950 + 750000 + 10000 - 10000


def test_default_validator_is_billing_ocr() -> None:
    references = [OCR_A, ZERO_LED, "123455", "1234567890", "Faktura 1", OCR_A[:-1] + "x"]
    assert [ocr_module.is_valid_ocr(r) for r in references] == [valid_ocr(r) for r in references]
    matched, unmatched = match_payments([payment(100, OCR_A), payment(100, "123455")], INVOICES)
    assert [m.invoice for m in matched] == ["2026-00001"] and len(unmatched) == 1
