"""Certificate codes and the short name the public check shows. Pure: nothing here touches the database."""

from __future__ import annotations

import re
import secrets

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CODE_MAX_INPUT",
    "SHORT_NAME_MAX",
    "new_certificate_code",
    "normalise_code",
    "short_name",
]

# No look-alikes (no 0/O, 1/I/L), so a code read aloud or typed from paper comes out right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
CODE_MAX_INPUT = 40  # what a visitor may type, spaces and dashes included; anything longer is not a code
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
SHORT_NAME_MAX = 110  # the column's length


def new_certificate_code() -> str:
    """Ten characters of an alphabet without look-alikes, grouped for reading aloud: "ABCDE-FGHJK"."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str) -> str | None:
    """A typed code in its stored form, or None when it cannot be one. Case, spaces and the dash do not matter:
    "abcde fghjk", "ABCDEFGHJK" and "abcde-fghjk" are the same code."""
    if not text or len(text) > CODE_MAX_INPUT:
        return None
    raw = "".join(ch for ch in text.upper() if ch not in " -\u2010\u2011\u2012\u2013\u2014\t")
    if not _CODE.fullmatch(raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def short_name(first_name: str, last_name: str) -> str:
    """ "Anna A.": the first name and the initial of the last name, all the public check shows of a person."""
    first = " ".join(first_name.split())
    initial = next((ch for ch in last_name if ch.isalpha()), "")
    name = f"{first} {initial.upper()}." if initial else first
    return name[:SHORT_NAME_MAX]
