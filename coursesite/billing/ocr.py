"""Bankgiro OCR references (domain.md §2). Pure: the Luhn arithmetic is `core.checksums`, not repeated here.

An OCR reference is 2–25 ASCII digits ending in a Luhn check digit over all the digits before it. The references we
issue also carry a length digit just before the check digit: (total length) mod 10, computed before the check digit.
It lets the bank refuse a payment where a digit was left out or typed twice.

Our references are derived from the invoice number: "2026-00001" → payload "202600001" → "20260000110" + check digit.
The year keeps references unique across years even though the sequence restarts.

Nothing here strips spaces or dashes: `is_valid_ocr` and `ocr_problem` judge the text exactly as given, and always
agree (`ocr_problem(text) is None` exactly when `is_valid_ocr(text)`). A form trims surrounding whitespace first.
"""

from __future__ import annotations

import re

from coursesite.core.checksums import is_ascii_digits, luhn_check_digit, luhn_valid

__all__ = ["OCR_MIN_LENGTH", "OCR_MAX_LENGTH", "ocr_reference", "ocr_for_invoice_number", "is_valid_ocr", "ocr_problem"]

OCR_MIN_LENGTH = 2
OCR_MAX_LENGTH = 25

# Year, dash, a sequence of 5 or more digits; 19 at most so that the reference stays within 25 digits.
_INVOICE_NUMBER = re.compile(r"([0-9]{4})-([0-9]{5,19})")


def ocr_reference(payload_digits: str, *, with_length_digit: bool = True) -> str:
    """The payload with the length digit (unless `with_length_digit=False`) and the Luhn check digit appended.

    `"12345"` → `"1234574"`; `("2024000117", with_length_digit=False)` → `"20240001170"`.
    Raises ValueError unless the payload is ASCII digits and the result fits in 25 digits.
    """
    extra = 2 if with_length_digit else 1
    if not is_ascii_digits(payload_digits) or len(payload_digits) + extra > OCR_MAX_LENGTH:
        raise ValueError(f"an OCR payload is 1 to {OCR_MAX_LENGTH - extra} ASCII digits")
    body = payload_digits + (str((len(payload_digits) + 2) % 10) if with_length_digit else "")
    return body + str(luhn_check_digit(body))


def ocr_for_invoice_number(number: str) -> str:
    """The OCR reference of an invoice number such as "2026-00001": the digits "202600001" as the payload."""
    match = _INVOICE_NUMBER.fullmatch(number)
    if match is None:
        raise ValueError("an invoice number is a year, a dash and a sequence of 5 to 19 digits, e.g. 2026-00001")
    return ocr_reference(match[1] + match[2])


def ocr_problem(text: str, *, with_length_digit: bool = True) -> str | None:
    """What is wrong with an OCR reference, in Swedish for the finance form; None when it is valid."""
    if not text:
        return "Ange ett OCR-nummer."
    if not is_ascii_digits(text):
        return "Ett OCR-nummer består bara av siffror (0–9), utan mellanslag, bindestreck eller bokstäver."
    if len(text) < OCR_MIN_LENGTH:
        return f"Ett OCR-nummer har minst {OCR_MIN_LENGTH} siffror."
    if len(text) > OCR_MAX_LENGTH:
        return f"Ett OCR-nummer har högst {OCR_MAX_LENGTH} siffror."
    if not luhn_valid(text):
        return "Kontrollsiffran (den sista siffran) stämmer inte. Kontrollera att OCR-numret är rätt inskrivet."
    if with_length_digit and int(text[-2]) != len(text) % 10:
        return (
            "Längdsiffran (den näst sista siffran) stämmer inte med antalet siffror. "
            "Kontrollera att ingen siffra saknas eller har kommit med två gånger."
        )
    return None


def is_valid_ocr(text: str, *, with_length_digit: bool = True) -> bool:
    """Digits only, 2–25 of them, a right check digit and, when asked, a right length digit."""
    return ocr_problem(text, with_length_digit=with_length_digit) is None
