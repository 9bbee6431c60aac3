"""Check digits. Pure: no I/O, stdlib only.

Luhn (mod 10) lives here and nowhere else. It is the check digit of
- personnummer and samordningsnummer (over the 10 digits ``YYMMDDNNN`` + C, never the century),
- Swedish organisation numbers (over the 10 digits),
- payment-card numbers (over all digits),
- Bankgiro OCR references (over all digits, the optional length digit included).

The algorithm: from the right, skipping the check digit, weight the digits 2, 1, 2, 1 …; add the *digit sums* of the
products; the check digit is ``(10 - sum mod 10) mod 10``. A number with its check digit appended sums to 0 mod 10.

Only ASCII digits ``0``–``9`` are accepted: ``str.isdigit()`` alone would let through ``'²'`` or Arabic-Indic digits.
"""

from __future__ import annotations

__all__ = ["luhn_check_digit", "luhn_valid", "is_ascii_digits"]

# Digit sum of 2 * d, for d in 0..9.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def is_ascii_digits(value: str) -> bool:
    """True when ``value`` is non-empty and made of ASCII digits only."""
    return bool(value) and value.isascii() and value.isdigit()


def _luhn_sum(digits: str, *, double_rightmost: bool) -> int:
    total = 0
    double = double_rightmost
    for ch in reversed(digits):
        d = ord(ch) - 48
        total += _DOUBLED[d] if double else d
        double = not double
    return total


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to ``digits`` (the payload, *without* a check digit).

    >>> luhn_check_digit("000101238")   # personnummer 000101-2384
    4
    >>> luhn_check_digit("2024000117")  # OCR from domain.md §2
    0

    Raises ``ValueError`` when ``digits`` is empty or holds anything but ASCII digits.
    """
    if not is_ascii_digits(digits):
        raise ValueError("luhn_check_digit needs a non-empty string of ASCII digits")
    # The payload's rightmost digit sits next to the check digit, so it gets weight 2.
    return (10 - _luhn_sum(digits, double_rightmost=True) % 10) % 10


def luhn_valid(digits: str) -> bool:
    """True when the last digit of ``digits`` is the Luhn check digit of the ones before it.

    A predicate, so it never raises: an empty string, a single digit (nothing to check), or anything holding a
    non-ASCII-digit character (spaces and dashes included: strip them first) gives ``False``.
    """
    if len(digits) < 2 or not is_ascii_digits(digits):
        return False
    return _luhn_sum(digits, double_rightmost=False) % 10 == 0
