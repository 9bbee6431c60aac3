"""Swedish organisation numbers and VAT numbers (domain.md §1). Pure; Luhn is `core.checksums`.

An organisation number is ten digits, written `NNNNNN-NNNN`, the last a Luhn check digit over the ten. Its third
digit is 2 or more (a "month" of 20+), which is what tells it apart from a personnummer.

Decisions:

- Accepted input: `5560473521`, `556047-3521`, the same with a space or a typographic dash (‐ ‑ – — −) as the
  separator, and the twelve-digit form with the `16` prefix Skatteverket uses (`16556047-3521`, `165560473521`).
  Surrounding whitespace is ignored. Anything else is malformed, a VAT number included (it gets its own hint).
- A personnummer is Luhn-valid on ten digits too, and a sole trader's org number *is* the owner's personnummer. The
  course never collects personnummer (privacy policy), so a third digit of 0 or 1 is refused with a message saying so
  and pointing a sole trader to "privatperson". Every number accepted here therefore has a "month" of 20 or more,
  which `privacy.pii` never flags; every personnummer it flags is refused here (tests/unit/billing/test_orgnr.py).
- Messages never repeat the digits, like `privacy.pii`'s.
- A VAT number (momsregistreringsnummer) is exactly `SE` + the ten digits of a valid org number + `01`: fourteen
  characters, upper-case, no spaces. A sole trader's VAT number (a personnummer inside) is not one we accept.
"""

from __future__ import annotations

import re

from coursesite.core.checksums import luhn_valid

__all__ = ["normalise_org_number", "vat_number", "is_vat_number", "ORG_NUMBER_MAX_INPUT"]

ORG_NUMBER_MAX_INPUT = 40  # characters; anything longer is refused before any parsing

_ORG = re.compile(r"(?:16)?([0-9]{6})[ \-\u2010\u2011\u2013\u2014\u2212]?([0-9]{4})")
_VAT = re.compile(r"SE([0-9]{10})01")
_VAT_LIKE = re.compile(r"[Ss][Ee][ ]?[0-9]{10}[ ]?[0-9]{2}")

MSG_MALFORMED = "Ange organisationsnumret med tio siffror, till exempel 556047-3521."
MSG_VAT_GIVEN = (
    "Det ser ut som ett momsregistreringsnummer. Ange organisationsnumret, de tio siffrorna i mitten, "
    "till exempel 556047-3521."
)
MSG_PERSONNUMMER = (
    "Det ser ut som ett personnummer. Vi tar inte emot personnummer, bara ett företags organisationsnummer. "
    "Har du enskild firma, välj privatperson i stället."
)
MSG_CHECK_DIGIT = "Organisationsnumret stämmer inte (fel kontrollsiffra). Kontrollera att det är rätt inskrivet."


def _digits_problem(digits: str) -> str | None:
    """Why ten digits are not an organisation number, or None."""
    if digits[2] in "01":
        return MSG_PERSONNUMMER
    if not luhn_valid(digits):
        return MSG_CHECK_DIGIT
    return None


def normalise_org_number(text: str) -> str:
    """`"5560473521"`, `"556047-3521"`, `"16556047-3521"` → `"556047-3521"`.

    Raises ValueError whose str() is a Swedish message for the form: malformed, a personnummer, or a wrong check digit.
    """
    text = text.strip() if len(text) <= ORG_NUMBER_MAX_INPUT else ""
    match = _ORG.fullmatch(text)
    if match is None:
        raise ValueError(MSG_VAT_GIVEN if _VAT_LIKE.fullmatch(text) else MSG_MALFORMED)
    digits = match[1] + match[2]
    problem = _digits_problem(digits)
    if problem is not None:
        raise ValueError(problem)
    return f"{match[1]}-{match[2]}"


def vat_number(org_number: str) -> str:
    """The Swedish VAT number of an organisation: `"556047-3521"` → `"SE556047352101"` (any form accepted above)."""
    return "SE" + normalise_org_number(org_number).replace("-", "") + "01"


def is_vat_number(text: str) -> bool:
    """`SE` + a valid ten-digit org number + `01`, exactly: `"SE556047352101"` yes, `"SE5560473521"` no."""
    match = _VAT.fullmatch(text)
    return match is not None and _digits_problem(match[1]) is None
