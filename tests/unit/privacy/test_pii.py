"""The personnummer / samordningsnummer / card-number detector (domain.md §4) and its refusal messages."""

import random
import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursesite.core.checksums import luhn_check_digit
from coursesite.privacy.pii import (
    CARD_NUMBER,
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    Finding,
    find_forbidden,
    refusal_for,
    refusal_message,
)


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_forbidden(text)]


# --- domain.md §4, verbatim -------------------------------------------------------------------------------------------

DOMAIN_FLAG = [
    ("20000101-2384", PERSONNUMMER),
    ("000101-2384", PERSONNUMMER),
    ("0001012384", PERSONNUMMER),
    ("701063-2391", SAMORDNINGSNUMMER),
    ("4111 1111 1111 1111", CARD_NUMBER),
    ("5555555555554444", CARD_NUMBER),
    ("378282246310005", CARD_NUMBER),
]

DOMAIN_PASS = [
    "20000101-2385",  # check digit
    "200013012384",  # month 13
    "000230-2384",  # 30 February
    "556047-3521",  # org number
    "4111-1111-1111-1112",  # Luhn
]


@pytest.mark.parametrize(("text", "kind"), DOMAIN_FLAG)
def test_domain_vectors_flagged(text: str, kind: str) -> None:
    assert find_forbidden(text) == [Finding(kind, 0, len(text), could_be_phone=text == "0001012384")]


@pytest.mark.parametrize("text", DOMAIN_PASS)
def test_domain_vectors_pass(text: str) -> None:
    assert find_forbidden(text) == []


# --- personnummer and samordningsnummer -------------------------------------------------------------------------------

PNR_FLAG = [
    # 19th and 20th century, 10 and 12 digits, with and without separator
    ("121212-1212", PERSONNUMMER),
    ("1212121212", PERSONNUMMER),
    ("19121212-1212", PERSONNUMMER),
    ("191212121212", PERSONNUMMER),
    ("850709-9805", PERSONNUMMER),
    ("19850709-9805", PERSONNUMMER),
    ("200001012384", PERSONNUMMER),
    ("18850709-9805", PERSONNUMMER),  # century 18 is allowed
    # '+' from the year the person turns 100
    ("121212+1212", PERSONNUMMER),
    ("000101+2384", PERSONNUMMER),
    # DECISION: spaces and typographic dashes as separator
    ("121212 1212", PERSONNUMMER),
    ("19121212 1212", PERSONNUMMER),
    ("121212\u00a01212", PERSONNUMMER),
    ("121212 - 1212", PERSONNUMMER),
    ("121212\u20131212", PERSONNUMMER),  # en dash from a word processor
    ("121212 \u2013 1212", PERSONNUMMER),
    ("121212\u22121212", PERSONNUMMER),  # minus sign
    # leap years
    ("000229-2381", PERSONNUMMER),  # DECISION: 10 digits, YY=00 -> 2000 is a leap year, flagged
    ("20000229-2381", PERSONNUMMER),
    ("040229-2387", PERSONNUMMER),
    ("000131-2388", PERSONNUMMER),  # 31 January
    # samordningsnummer: day + 60
    ("701063-2391", SAMORDNINGSNUMMER),
    ("7010632391", SAMORDNINGSNUMMER),
    ("19701063-2391", SAMORDNINGSNUMMER),
    ("19701063 2391", SAMORDNINGSNUMMER),
    ("000161-2381", SAMORDNINGSNUMMER),  # day 1
    ("000191-2385", SAMORDNINGSNUMMER),  # day 31 of January
    ("000289-2388", SAMORDNINGSNUMMER),  # 29 February 2000
    ("040289-2384", SAMORDNINGSNUMMER),  # 29 February 2004
    # Issue 13: a run of separators is one separator
    ("000101/2384", PERSONNUMMER),
    ("000101.2384", PERSONNUMMER),
    ("000101  2384", PERSONNUMMER),  # two spaces
    # Unicode digits are digits
    ("\uff10\uff10\uff10\uff11\uff10\uff11-\uff12\uff13\uff18\uff14", PERSONNUMMER),  # full-width 000101-2384
]

PNR_PASS = [
    "121212-1213",  # check digit
    "1212121213",
    "19121212-1213",
    "010229-2380",  # 29 February 2001/1901 does not exist
    "19000229-2381",  # 1900 is not a leap year (the 10-digit form 000229-2381 is flagged)
    "000100-2385",  # day 00
    "000001-2385",  # month 00
    "000132-xxxx",
    "000290-2385",  # samordningsnummer for 30 February
    "000192-2384",  # day 92 (32 + 60)
    "990101-238",  # too short
    "21000101-2384",  # DECISION: century must be 18, 19 or 20
    "170001012384",
    "990001012384",
    # organisation numbers: month >= 20
    "556047-3521",
    "5560473521",
    "16556047-3521",  # 12-digit form with the 16 prefix
    "165560473521",
    "SE556047352101",  # VAT number
    # not a separator ("000101/2384", "000101.2384" and two spaces are, since issue 13: see REFORMATTED below)
    "000101_2384",
    "00 01 01-23 84",  # DECISION: spaces inside the parts are not recognised
    "2000-01-01-2384",  # DECISION: nor a date written with dashes
]


@pytest.mark.parametrize(("text", "kind"), PNR_FLAG)
def test_personnummer_flagged(text: str, kind: str) -> None:
    findings = find_forbidden(text)
    assert [f.kind for f in findings] == [kind]
    assert (findings[0].start, findings[0].end) == (0, len(text))


@pytest.mark.parametrize("text", PNR_PASS)
def test_personnummer_pass(text: str) -> None:
    assert find_forbidden(text) == []


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Mitt personnummer är 000101-2384, tack.", "000101-2384"),
        ("Mitt personnummer är 000101-2384.", "000101-2384"),
        ("(19121212-1212)", "19121212-1212"),
        ("pnr:0001012384.", "0001012384"),
        ("Pnr 121212 1212 och inget mer", "121212 1212"),
        ("\n000101-2384\n", "000101-2384"),
        ("abc000101-2384def", "000101-2384"),  # letters do not protect it
        ("nr 12-000101-2384-5", "000101-2384"),  # nor do dashes around it
        ("Samordningsnummer 701063-2391 i ett svar", "701063-2391"),
    ],
)
def test_personnummer_in_a_sentence(text: str, match: str) -> None:
    [finding] = find_forbidden(text)
    assert text[finding.start : finding.end] == match


@pytest.mark.parametrize(
    "text",
    [
        "10001012384",  # 11 digits: no part of a longer run
        "00010123845",
        "1000101-2384",  # 7 digits before the dash
        "000101-23845",
        "1234000101-2384",
        "2000010123841",
        "9920000101-2384",
        "0,0001012384",  # a decimal number
        "0001012384,5",
        "1.0001012384",
        "0001012384.5",
    ],
)
def test_no_partial_matches_inside_longer_numbers(text: str) -> None:
    assert find_forbidden(text) == []


def test_several_personnummer_in_order() -> None:
    text = "000101-2384 och 19121212-1212 och 701063-2391"
    findings = find_forbidden(text)
    assert [f.kind for f in findings] == [PERSONNUMMER, PERSONNUMMER, SAMORDNINGSNUMMER]
    assert [text[f.start : f.end] for f in findings] == ["000101-2384", "19121212-1212", "701063-2391"]


# --- issue 13: reformatted numbers (NFKC, invisible characters removed, a run of separators is one) ----------------

REFORMATTED = [
    ("12 12 12-1212", PERSONNUMMER),
    ("121212.1212", PERSONNUMMER),
    ("121212/1212", PERSONNUMMER),
    ("121212\u200b-1212", PERSONNUMMER),  # a zero-width space inside
    ("1212\u200b12-1212", PERSONNUMMER),
    ("12121\u200d21212", PERSONNUMMER),  # a zero-width joiner in the bare form
    ("121212-12\u206012", PERSONNUMMER),  # word joiner
    ("\ufeff121212-1212", PERSONNUMMER),
    (
        "\uff11\uff12\uff11\uff12\uff11\uff12\uff0d\uff11\uff12\uff11\uff12",
        PERSONNUMMER,
    ),  # full-width, full-width hyphen
    ("\uff11\uff12\uff11\uff12\uff11\uff12\u3000\uff11\uff12\uff11\uff12", PERSONNUMMER),  # ideographic space
    ("121212 \u2013 1212", PERSONNUMMER),
    ("121212 - 1212", PERSONNUMMER),
    ("121212  1212", PERSONNUMMER),
    ("121212 / 1212", PERSONNUMMER),
    ("19 12 12 12-1212", PERSONNUMMER),
    ("19121212.1212", PERSONNUMMER),
    ("70 10 63-2391", SAMORDNINGSNUMMER),
    ("4111.1111.1111.1111", CARD_NUMBER),
    ("4111  1111  1111  1111", CARD_NUMBER),  # double spaces
    ("4111 - 1111 - 1111 - 1111", CARD_NUMBER),
    ("4111/1111/1111/1111", CARD_NUMBER),
    ("4111\u200b1111\u200b1111\u200b1111", CARD_NUMBER),
    (
        "\uff14\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11",
        CARD_NUMBER,
    ),
    ("5555\u00a0\u00a05555 5555 4444", CARD_NUMBER),
]


@pytest.mark.parametrize(("text", "kind"), REFORMATTED)
def test_reformatted_numbers_are_flagged_over_the_whole_number(text: str, kind: str) -> None:
    [finding] = find_forbidden(text)
    assert finding.kind == kind
    start = len(text) - len(text.lstrip("\ufeff"))
    assert (finding.start, finding.end) == (start, len(text))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Mitt nummer: 12 12 12-1212, tack.", "12 12 12-1212"),
        ("pnr 121212.1212.", "121212.1212"),
        ("kort 4111.1111.1111.1111 giltigt 12/27", "4111.1111.1111.1111"),
    ],
)
def test_reformatted_numbers_in_a_sentence(text: str, match: str) -> None:
    [finding] = find_forbidden(text)
    assert text[finding.start : finding.end] == match


@pytest.mark.parametrize(
    "text",
    [
        # amounts
        "Summan är 12 500,00 kr och 1 234 567,89 kr.",
        "Beloppet 121212.12 kr",  # two decimals
        "Bokför 1510 12500.00 / 3001 -10000.00 / 2611 -2500.00",
        "1.0001012384",  # still a decimal number
        "0001012384.5",
        "Pris: 3 000 / 3 500 / 4 000 kr",
        # dates and times
        "2000-01-01-2384",  # DECISION: an ISO date, then four digits: not recognised
        "2025-03-10 1430",
        "2025/03/10 14.30",
        "10.03.2025",
        "den 12.12.2012 kl. 12.12",
        # OCR numbers (no issuer prefix, or too short)
        "OCR 1018 9664 9253 1",
        "OCR: 20240001170",
        # phone numbers written as phone numbers
        "070-123 45 02",
        "070 - 123 45 02",
        "070.123.45.02",
        "0701-23 45 02",
        "+46 70 123 45 02",
        "+46 (0)70-123 45 02",
        "08-678 55 00",
        "08 / 678 55 00",
        # org numbers, postal codes, account lists
        "556047.3521",
        "556047 / 3521",
        "114 55 Stockholm",
        "1930, 3001, 2611, 1510",
        "00 01 01-23 84",  # DECISION: the last four split is not recognised
    ],
)
def test_ordinary_numbers_written_with_separators_pass(text: str) -> None:
    assert find_forbidden(text) == []


# --- phone numbers (DECISION: bare 10 digits flagged with a hint, grouped phone numbers pass) -------------------------


def test_bare_phone_number_that_looks_like_a_personnummer_is_flagged_with_a_hint() -> None:
    # 0701234502: 2007-01-23, passes Luhn. It cannot be told apart from a personnummer.
    [finding] = find_forbidden("Ring mig på 0701234502")
    assert finding.kind == PERSONNUMMER
    assert finding.could_be_phone
    assert "telefonnummer" in refusal_message([finding])
    assert "070-123 45 67" in refusal_message([finding])


@pytest.mark.parametrize(
    "text",
    [
        "070-123 45 02",
        "070 123 45 02",
        "070-1234502",
        "0701-23 45 02",
        "+46701234502",
        "+46 70 123 45 02",
        "0046701234502",
        "0046 70 123 45 02",
        "08-678 55 00",
        "031-123 45 67",
        "0701234503",  # fails Luhn
        "0712345678",  # month 12, day 34
    ],
)
def test_phone_numbers_written_as_phone_numbers_pass(text: str) -> None:
    assert find_forbidden(text) == []


def test_personnummer_form_is_not_marked_as_phone() -> None:
    [finding] = find_forbidden("070123-4502")
    assert finding.kind == PERSONNUMMER
    assert not finding.could_be_phone
    [finding] = find_forbidden("121212-1212")
    assert not finding.could_be_phone
    [finding] = find_forbidden("1212121212")  # bare, but no phone number starts with 1
    assert not finding.could_be_phone


# --- card numbers -----------------------------------------------------------------------------------------------------

CARDS = [
    # Visa: 4
    "4111111111111111",
    "4012888888881881",
    "4222222222222",  # 13 digits
    "4000000000000000006",  # 19 digits
    # Mastercard: 51-55, 2221-2720
    "5555555555554444",
    "5105105105105100",
    "5100000000000008",
    "5500000000000004",
    "2221000000000009",
    "2720000000000005",
    # Amex: 34, 37
    "378282246310005",
    "371449635398431",
    "340000000000009",
    # Discover: 6011, 644-649, 65
    "6011111111111117",
    "6011000990139424",
    "6440000000000005",
    "6445644564456445",
    "6490000000000004",
    "6500000000000002",
    # JCB: 3528-3589
    "3530111333300000",
    "3566002020360505",
    "3528000000000007",
    "3589000000000003",
    # Diners: 300-305, 36, 38-39
    "30569309025904",
    "3000000000000004",
    "3050000000000003",
    "36227206271667",
    "38520000023237",
    "3900000000000005",
]


@pytest.mark.parametrize("number", CARDS)
def test_card_numbers_of_every_issuer_are_flagged(number: str) -> None:
    assert find_forbidden(number) == [Finding(CARD_NUMBER, 0, len(number))]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111\u00a01111\u00a01111\u00a01111",
        "4111\u20131111\u20131111\u20131111",
        "4111 1111-1111 1111",  # mixed separators
        "3782 822463 10005",  # Amex grouping
        "3056 930902 5904",  # Diners grouping
        "4222 2222 2222 2",  # 13 digits, short last group
        "5555 5555 5555 4444",
        "2221 0000 0000 0009",
        "6011 1111 1111 1117",
        "3530 1113 3330 0000",
        "41111111 11111111",
    ],
)
def test_grouped_card_numbers_are_flagged(text: str) -> None:
    findings = find_forbidden(text)
    assert [f.kind for f in findings] == [CARD_NUMBER]
    assert (findings[0].start, findings[0].end) == (0, len(text))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Mitt kort: 4111 1111 1111 1111, giltigt till 12/27.", "4111 1111 1111 1111"),
        ("kort 4111 1111 1111 1111 12/27 cvc 123", "4111 1111 1111 1111"),  # a trailing group does not hide it
        ("12 4111 1111 1111 1111", "4111 1111 1111 1111"),
        ("nr:5555555555554444.", "5555555555554444"),
    ],
)
def test_card_number_in_a_sentence(text: str, match: str) -> None:
    [finding] = find_forbidden(text)
    assert finding.kind == CARD_NUMBER
    assert text[finding.start : finding.end] == match


@pytest.mark.parametrize(
    "text",
    [
        # Luhn fails
        "4111-1111-1111-1112",
        "4111111111111112",
        "5555555555554445",
        "378282246310006",
        "4111 1111 1111 1110",
        # Luhn passes, but no known issuer prefix
        "2220000000000000",
        "2721000000000004",
        "5000000000000009",
        "5600000000000003",
        "3527000000000008",
        "3590000000000000",
        "3060000000000001",
        "3500000000000009",
        "3300000000000001",
        "6010000000000005",
        "6430000000000007",
        "6600000000000001",
        "1000000000000008",
        "7000000000000005",
        "8000000000000003",
        "9000000000000001",
        "0000 0000 0000 0000",
        # wrong length
        "400000000002",  # 12 digits
        "40000000000000000002",  # 20 digits
        # no partial match inside a longer run
        "94111111111111111",
        "41111111111111111111",
        "0,4111111111111111",
        "4111111111111111,5",
        # OCR references (domain.md §2): no issuer prefix, or too short
        "20240001170",
        "123456789023",
        "1018966492531",
        "18108401345678778",
        # BAS accounts written as a list
        "1930, 3001, 2611, 1510",
        "4010, 5010, 6110, 3740",
    ],
)
def test_not_card_numbers(text: str) -> None:
    assert find_forbidden(text) == []


def test_ocr_reference_with_an_issuer_prefix_is_flagged() -> None:
    # DECISION: an OCR reference is Luhn-valid by construction; 13-19 digits with an issuer prefix cannot be told
    # apart from a card number, so it is flagged. Our own OCR references should stay out of that space.
    assert kinds("OCR 4000000000000002") == [CARD_NUMBER]


def test_account_list_without_commas_may_be_flagged_and_the_message_says_what_to_do() -> None:
    # DECISION: 4010 5010 6110 3740 happens to be 16 Luhn-valid digits with a Visa prefix.
    findings = find_forbidden("4010 5010 6110 3740")
    assert [f.kind for f in findings] == [CARD_NUMBER]
    assert "kommatecken" in refusal_message(findings)


def test_two_cards_and_overlapping_windows() -> None:
    text = "4111 1111 1111 1111 och 5555-5555-5555-4444"
    assert [(text[f.start : f.end]) for f in find_forbidden(text)] == ["4111 1111 1111 1111", "5555-5555-5555-4444"]
    # Many overlapping Luhn-valid windows are merged into one finding.
    text = "4 " * 40
    [finding] = find_forbidden(text)
    assert finding.kind == CARD_NUMBER


def test_personnummer_and_card_in_the_same_text() -> None:
    text = "Jag heter Anna, 19850709-9805, och betalar med 4111 1111 1111 1111."
    findings = find_forbidden(text)
    assert [f.kind for f in findings] == [PERSONNUMMER, CARD_NUMBER]
    assert [text[f.start : f.end] for f in findings] == ["19850709-9805", "4111 1111 1111 1111"]


# --- ordinary text passes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hej! Jag tycker kursen var bra.",
        "Nettot blir 10 000 kr, momsen 2 500 kr och totalen 12 500 kr.",
        "Bokför 1510 12500.00 / 3001 -10000.00 / 2611 -2500.00",
        "Mötet är 2025-03-10 kl. 14:00.",
        "Fakturanummer 2025-0001, förfallodag 20250410.",
        "Org.nr 556047-3521, momsreg.nr SE556047352101.",
        "Postnummer 114 55 Stockholm, tel 08-678 55 00.",
        "År 1999 och 2000 och 2024.",
        "0,5 % av 1 234 567,89 kr",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert find_forbidden(text) == []


# --- nothing personal in a finding or a message -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["000101-2384", "0701234502", "4111 1111 1111 1111", "378282246310005"])
def test_findings_and_messages_never_contain_the_digits(text: str) -> None:
    findings = find_forbidden(text)
    digits = "".join(ch for ch in text if ch.isdigit())
    message = refusal_message(findings)
    for shown in (repr(findings), str(findings), message):
        assert text not in shown
        assert digits not in shown
        assert digits[-4:] not in shown
    assert not any(hasattr(f, name) for f in findings for name in ("text", "digits", "value", "match"))


# --- messages ---------------------------------------------------------------------------------------------------------


def test_message_for_a_personnummer() -> None:
    assert refusal_message(find_forbidden("000101-2384")) == (
        "Svaret innehåller något som ser ut som ett personnummer. "
        "Vi samlar aldrig in personnummer – ta bort det och skicka igen."
    )


def test_message_for_a_samordningsnummer() -> None:
    assert refusal_message(find_forbidden("701063-2391")) == (
        "Svaret innehåller något som ser ut som ett samordningsnummer. "
        "Vi samlar aldrig in samordningsnummer – ta bort det och skicka igen."
    )


def test_message_for_a_card_number() -> None:
    assert refusal_message(find_forbidden("4111 1111 1111 1111")) == (
        "Svaret innehåller något som ser ut som ett kortnummer. "
        "Vi samlar aldrig in kortnummer eller andra betaluppgifter – ta bort det och skicka igen. "
        "Är det något annat, till exempel flera kontonummer eller belopp i rad? Skilj dem då åt med kommatecken."
    )


def test_message_for_several_kinds() -> None:
    message = refusal_message(find_forbidden("000101-2384 701063-2391 4111 1111 1111 1111"), subject="Texten")
    assert message.startswith(
        "Texten innehåller något som ser ut som ett personnummer, ett samordningsnummer och ett kortnummer. "
        "Vi samlar aldrig in personnummer, samordningsnummer, kortnummer eller andra betaluppgifter "
        "– ta bort dem och skicka igen."
    )


def test_message_needs_findings() -> None:
    with pytest.raises(ValueError):
        refusal_message([])


def test_refusal_for() -> None:
    assert refusal_for("Inget personligt här.") is None
    assert refusal_for("000101-2384") == refusal_message(find_forbidden("000101-2384"))
    assert refusal_for("000101-2384", subject="Anteckningen").startswith("Anteckningen innehåller")


# --- speed: linear, no catastrophic backtracking ----------------------------------------------------------------------


def _timed(text: str) -> tuple[list[Finding], float]:
    start = time.perf_counter()
    findings = find_forbidden(text)
    return findings, time.perf_counter() - start


def test_long_prose_is_fast_and_finds_the_number_at_the_end() -> None:
    rng = random.Random(4)
    words = ["kursen", "moms", "12 500", "kr", "1510", "faktura", "2025-03-10", "och", "0,25", "svar", "%", "OCR"]
    text = " ".join(rng.choice(words) for _ in range(2000))[:9980] + " 000101-2384"
    findings, elapsed = _timed(text)
    assert [text[f.start : f.end] for f in findings] == ["000101-2384"]
    assert elapsed < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "1" * 10_000,
        "4" * 10_000,
        "4 " * 5_000,
        "4-" * 5_000,
        "12 " * 3_333,
        "000101-" * 1_428,
        "000101 " * 1_428,
        "0001012384 " * 900,
        "4111 1111 1111 1111 " * 500,
        "".join(random.Random(1).choice("0123456789 -+,.") for _ in range(10_000)),
    ],
)
def test_adversarial_10000_character_texts_are_fast(text: str) -> None:
    # A guard against catastrophic backtracking (which takes minutes to hours), not a performance figure: these run in
    # milliseconds, and the bound is wide enough for a loaded CI machine.
    _, elapsed = _timed(text)
    assert elapsed < 20.0


# --- properties -------------------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 -+.,/\u00a0\u2013abc\n"), max_size=300))
def test_any_text_gives_sorted_findings_within_bounds(text: str) -> None:
    findings = find_forbidden(text)
    assert findings == sorted(findings, key=lambda f: (f.start, f.end))
    for f in findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start].isdigit() and text[f.end - 1].isdigit()


@settings(max_examples=300, deadline=None)
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)),
    serial=st.integers(min_value=0, max_value=999),
    coordination=st.booleans(),
    form=st.sampled_from(["short-", "short", "long-", "long", "short+"]),
    before=st.text(alphabet="abc åäö:(", max_size=10),
    after=st.text(alphabet="abc åäö.,)", max_size=10),
)
def test_every_valid_personnummer_is_flagged(born, serial, coordination, form, before, after) -> None:
    day = born.day + (60 if coordination else 0)
    payload = f"{born:%y%m}{day:02d}{serial:03d}"
    tail = payload[6:] + str(luhn_check_digit(payload))
    head = payload[:6] if form.startswith("short") else f"{born.year // 100}{payload[:6]}"
    sep = "-" if form.endswith("-") else "+" if form.endswith("+") else ""
    number = head + sep + tail
    text = before + number + after
    [finding] = find_forbidden(text)
    assert finding.kind == (SAMORDNINGSNUMMER if coordination else PERSONNUMMER)
    assert text[finding.start : finding.end] == number


@settings(max_examples=200, deadline=None)
@given(born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), serial=st.integers(0, 999))
def test_a_wrong_check_digit_is_never_flagged(born, serial) -> None:
    payload = f"{born:%y%m%d}{serial:03d}"
    wrong = (luhn_check_digit(payload) + 1) % 10
    assert find_forbidden(f"{payload[:6]}-{payload[6:]}{wrong}") == []


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(
        [
            "4",
            "51",
            "55",
            "2221",
            "2720",
            "34",
            "37",
            "6011",
            "644",
            "649",
            "65",
            "3528",
            "3589",
            "300",
            "305",
            "36",
            "38",
            "39",
        ]
    ),
    length=st.integers(13, 19),
    data=st.data(),
    sep=st.sampled_from(["", " ", "-"]),
)
def test_every_valid_card_number_is_flagged(prefix: str, length: int, data, sep: str) -> None:
    size = length - 1 - len(prefix)
    body = data.draw(st.text(alphabet="0123456789", min_size=size, max_size=size))
    payload = prefix + body
    number = payload + str(luhn_check_digit(payload))
    grouped = sep.join(number[i : i + 4] for i in range(0, len(number), 4))
    text = f"Kort: {grouped}."
    findings = find_forbidden(text)
    assert CARD_NUMBER in [f.kind for f in findings]
    [card] = [f for f in findings if f.kind == CARD_NUMBER]
    assert text[card.start : card.end] == grouped


# --- the digit count that lets most texts through without taking their runs apart --------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789012345678901234567890123456789 -./+,abc\u2009\uff11"), max_size=40))
def test_the_digit_count_shortcut_finds_what_the_full_scan_finds(text: str) -> None:
    """find_forbidden returns [] at once below ten digits (a personnummer's fewest); the full scan agrees."""
    from coursesite.privacy import pii

    with_shortcut = find_forbidden(text)
    fewest, pii._FEWEST_DIGITS = pii._FEWEST_DIGITS, 0
    try:
        assert find_forbidden(text) == with_shortcut
    finally:
        pii._FEWEST_DIGITS = fewest


def test_the_shortest_personnummer_is_still_found_and_nine_digits_are_not_looked_at() -> None:
    assert kinds("Mitt nummer: 0001012384.") == [PERSONNUMMER]  # ten digits, the fewest one has
    assert kinds("Svar 000101-238 och 4111 1111 1") == []  # nine digits in each run and more in all: scanned, none
    assert kinds("Kontonummer 123456789") == []
