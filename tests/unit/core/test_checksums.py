"""Luhn (mod 10): the one implementation used by personnummer, org numbers, card numbers and OCR references."""

import pytest

from coursesite.core.checksums import is_ascii_digits, luhn_check_digit, luhn_valid

# (payload without check digit, check digit), from domain.md and well-known test numbers.
CHECK_DIGITS = [
    ("000101238", 4),  # personnummer 000101-2384 (domain.md §4)
    ("701063239", 1),  # samordningsnummer 701063-2391
    ("121212121", 2),  # Skatteverket's example 121212-1212
    ("556047352", 1),  # org number 556047-3521 (domain.md §1)
    ("2024000117", 0),  # OCR, check digit only (domain.md §2)
    ("123457", 4),  # OCR 12345 + length digit 7 -> 1234574
    ("12345678902", 3),  # OCR 1234567890 + length digit 2 -> 123456789023
    ("411111111111111", 1),  # Visa test card
    ("555555555555444", 4),  # Mastercard test card
    ("37828224631000", 5),  # Amex test card
    ("0", 0),
    ("9", 1),
    ("00000", 0),
]

VALID = [
    "0001012384",
    "7010632391",
    "5560473521",
    "20240001170",
    "1234574",
    "123456789023",
    "1636976",  # domain.md §2, valid with length digit
    "03368912618",
    "1018966492531",
    "18108401345678778",
    "123455",  # passes the check digit (its length digit is wrong, which is OCR's business)
    "4111111111111111",
    "5555555555554444",
    "378282246310005",
    "00",
    "18",
]

INVALID = [
    "0001012385",  # domain.md §4: wrong check digit
    "5560473522",  # domain.md §1
    "1234567890",  # domain.md §2
    "4111111111111112",
    "79927398710",
    "79927398712",
]


@pytest.mark.parametrize(("payload", "check"), CHECK_DIGITS)
def test_check_digit(payload: str, check: int) -> None:
    assert luhn_check_digit(payload) == check
    assert luhn_valid(payload + str(check))


@pytest.mark.parametrize("number", VALID)
def test_valid(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", INVALID)
def test_invalid(number: str) -> None:
    assert not luhn_valid(number)


def test_classic_example() -> None:
    # The textbook example: 7992739871 has check digit 3.
    assert luhn_check_digit("7992739871") == 3
    assert luhn_valid("79927398713")
    assert not any(luhn_valid("7992739871" + str(d)) for d in range(10) if d != 3)


@pytest.mark.parametrize("payload", ["12345", "000101238", "4111111111111111"])
def test_exactly_one_check_digit_is_valid(payload: str) -> None:
    assert [d for d in range(10) if luhn_valid(payload + str(d))] == [luhn_check_digit(payload)]


def test_single_digit_error_is_always_caught() -> None:
    number = "4111111111111111"
    for i in range(len(number)):
        for d in "0123456789":
            if d != number[i]:
                assert not luhn_valid(number[:i] + d + number[i + 1 :])


@pytest.mark.parametrize("bad", ["", "12a4", "1234 5678", "123-4", "١٢٣", "12²", "+123", " 123"])
def test_check_digit_rejects_non_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        luhn_check_digit(bad)


@pytest.mark.parametrize("bad", ["", "0", "5", "0001012384 ", "000101-2384", "４１１１", "a0", "٠٠"])
def test_valid_is_false_for_non_numbers_and_too_short(bad: str) -> None:
    assert luhn_valid(bad) is False


def test_is_ascii_digits() -> None:
    assert is_ascii_digits("0123456789")
    assert not is_ascii_digits("")
    assert not is_ascii_digits("１２")
    assert not is_ascii_digits("1.2")
