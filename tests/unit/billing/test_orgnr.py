"""Organisation numbers and VAT numbers (domain.md §1), and their agreement with the personnummer detector."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursesite.billing.orgnr import (
    MSG_CHECK_DIGIT,
    MSG_MALFORMED,
    MSG_PERSONNUMMER,
    MSG_VAT_GIVEN,
    is_vat_number,
    normalise_org_number,
    vat_number,
)
from coursesite.core.checksums import luhn_check_digit
from coursesite.privacy.pii import find_forbidden


@pytest.mark.parametrize(
    "text",
    [
        "556047-3521",
        "5560473521",
        "16556047-3521",
        "165560473521",
        " 556047-3521\n",
        "556047 3521",
        "556047–3521",
        "556047\u22123521",
    ],
)
def test_accepted_forms_normalise(text):
    assert normalise_org_number(text) == "556047-3521"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("556047-3522", MSG_CHECK_DIGIT),
        ("5560473522", MSG_CHECK_DIGIT),
        ("", MSG_MALFORMED),
        ("556047-352", MSG_MALFORMED),
        ("55604-73521", MSG_MALFORMED),
        ("556047--3521", MSG_MALFORMED),
        ("19556047-3521", MSG_MALFORMED),  # only the 16 prefix makes twelve digits an org number
        ("556047-3521x", MSG_MALFORMED),
        ("５５６０４７-３５２１", MSG_MALFORMED),  # full-width digits
        ("5" * 1000, MSG_MALFORMED),
        ("SE556047352101", MSG_VAT_GIVEN),
        ("SE 5560473521 01", MSG_VAT_GIVEN),
        ("000101-2384", MSG_PERSONNUMMER),  # a personnummer, Luhn-valid
        ("0001012384", MSG_PERSONNUMMER),
        ("701063-2391", MSG_PERSONNUMMER),  # samordningsnummer
        ("121212-1212", MSG_PERSONNUMMER),
        ("000101-2385", MSG_PERSONNUMMER),  # third digit 0 or 1 is refused before the check digit is looked at
        ("501512-0008", MSG_PERSONNUMMER),  # "month" 15: no date, yet not a company's number either
    ],
)
def test_refused_with_a_swedish_message(text, message):
    with pytest.raises(ValueError) as caught:
        normalise_org_number(text)
    assert str(caught.value) == message


def test_messages_never_repeat_the_digits():
    for text in ("000101-2384", "556047-3522"):
        with pytest.raises(ValueError) as caught:
            normalise_org_number(text)
        assert text[:6] not in str(caught.value)


def test_vat_number():
    assert vat_number("556047-3521") == "SE556047352101"
    assert vat_number("16556047-3521") == "SE556047352101"
    with pytest.raises(ValueError):
        vat_number("556047-3522")


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("SE556047352101", True),
        ("SE5560473521", False),  # the 01 is missing
        ("SE556047352201", False),  # check digit
        ("se556047352101", False),
        ("SE 556047352101", False),
        ("SE556047352102", False),
        ("SE000101238401", False),  # a personnummer inside
        ("DK556047352101", False),
        ("", False),
    ],
)
def test_is_vat_number(text, valid):
    assert is_vat_number(text) is valid


def org_digits(nine):
    return nine + str(luhn_check_digit(nine))


companies = st.builds(
    lambda first, third, rest: org_digits(first + third + rest),
    st.text("0123456789", min_size=2, max_size=2),
    st.sampled_from("23456789"),
    st.text("0123456789", min_size=6, max_size=6),
)


@given(companies)
def test_every_company_number_round_trips_and_is_never_taken_for_a_personnummer(digits):
    normalised = normalise_org_number(digits)
    assert normalised == f"{digits[:6]}-{digits[6:]}"
    assert normalise_org_number(normalised) == normalised
    assert is_vat_number(vat_number(normalised))
    assert find_forbidden(normalised) == []
    assert find_forbidden(digits) == []


personnummer = st.builds(
    lambda day, samordning, serial: org_digits(f"{day:%y%m}{day.day + (60 if samordning else 0):02d}{serial:03d}"),
    st.dates(),
    st.booleans(),
    st.integers(0, 999),
)


@given(personnummer)
def test_whatever_pii_flags_as_a_personnummer_is_refused(digits):
    for written in (digits, f"{digits[:6]}-{digits[6:]}"):
        assert find_forbidden(written)  # the detector and this module look at the same numbers
        with pytest.raises(ValueError) as caught:
            normalise_org_number(written)
        assert str(caught.value) == MSG_PERSONNUMMER


@given(companies, st.data())
def test_changing_one_digit_is_caught(digits, data):
    position = data.draw(st.integers(0, 9))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != digits[position]]))
    with pytest.raises(ValueError):
        normalise_org_number(digits[:position] + digit + digits[position + 1 :])
