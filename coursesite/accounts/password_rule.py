"""The password rule, in one place: registration, a change, a reset and `coursesite create-staff` all call
:func:`check_password`. Pure: the standard library and the common-password list that zxcvbn ships.

- 10 to 128 characters, no control, bidi or invisible characters (the one free-text rule's character check), not one
  character repeated.
- Not among the commonly used passwords: zxcvbn's list of the 30,000 most used (from leaked password sets), loaded
  once into a frozenset. Compared case-insensitively, and also with trailing digits and punctuation taken off
  ("Password2024!" is "password" with a year), when what is left is at least 4 characters.
- Not containing the e-mail's local part or the person's first or last name (or a part of one: "anna.berg",
  "Lind-Ek"), case-insensitively. Parts shorter than 4 characters are ignored: "Bo", "Eva" and "Li" are inside too
  many ordinary words to refuse them.

The password itself is returned exactly as typed: the hash is of what the login form sends.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from coursesite.core.text import has_forbidden_characters

PASSWORD_MIN = 10
PASSWORD_MAX = 128
PERSONAL_PART_MIN = 4  # shorter name or address parts are not looked for in the password
COMMON_BASE_MIN = 4  # "abc1234567" is not refused for "abc"; "dragon123456" is, for "dragon"

MSG_MISSING = "Välj ett lösenord."
MSG_CHARACTERS = "Lösenordet innehåller otillåtna tecken (till exempel radbrytningar eller styrtecken)."
MSG_TOO_SHORT = (
    f"Lösenordet måste vara minst {PASSWORD_MIN} tecken. Tips: några ord i en följd blir långt och lätt att minnas."
)
MSG_TOO_LONG = f"Lösenordet får vara högst {PASSWORD_MAX} tecken."
MSG_REPEATED = "Lösenordet får inte bestå av ett och samma tecken. Välj ett som är svårt att gissa."
MSG_COMMON = (
    "Lösenordet är ett av de vanligaste lösenorden och gissas lätt. Välj ett annat, till exempel några ord som inte "
    "hör ihop."
)
MSG_PERSONAL = (
    "Lösenordet får inte innehålla ditt namn eller din e-postadress. Välj ett som inte går att gissa från dem."
)


class PasswordRefused(ValueError):
    """The password breaks the rule; ``str()`` is the Swedish message saying what to do."""


@functools.cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's most used passwords, lower-case. Loaded on the first call (about 0.3 s: the module holds all of
    zxcvbn's word lists), then a set lookup."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


_TRAILING_NOISE = re.compile(r"[\d\W_]+$")
_PART_SEPARATORS = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def is_common(password: str) -> bool:
    folded = _fold(password)
    common = common_passwords()
    if folded in common:
        return True
    base = _TRAILING_NOISE.sub("", folded)
    return len(base) >= COMMON_BASE_MIN and base in common


def personal_parts(email: str | None, first_name: str | None, last_name: str | None) -> set[str]:
    """What the password must not contain: the address's local part and the names, whole and split at dots,
    hyphens, spaces and the like, each at least PERSONAL_PART_MIN characters."""
    parts: set[str] = set()
    local = (email or "").rpartition("@")[0] if "@" in (email or "") else (email or "")
    for value in (local, first_name or "", last_name or ""):
        folded = _fold(value.strip())
        candidates = {folded, *_PART_SEPARATORS.split(folded)}
        parts.update(part for part in candidates if len(part) >= PERSONAL_PART_MIN)
    return parts


def check_password(
    password: str | None,
    *,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> str:
    """The password, unchanged, when it follows the rule; PasswordRefused with what to do otherwise."""
    value = "" if password is None else str(password)
    if not value:
        raise PasswordRefused(MSG_MISSING)
    if has_forbidden_characters(value):
        raise PasswordRefused(MSG_CHARACTERS)
    if len(value) < PASSWORD_MIN:
        raise PasswordRefused(MSG_TOO_SHORT)
    if len(value) > PASSWORD_MAX:
        raise PasswordRefused(MSG_TOO_LONG)
    if len(set(value)) == 1:
        raise PasswordRefused(MSG_REPEATED)
    if is_common(value):
        raise PasswordRefused(MSG_COMMON)
    folded = _fold(value)
    if any(part in folded for part in personal_parts(email, first_name, last_name)):
        raise PasswordRefused(MSG_PERSONAL)
    return value
