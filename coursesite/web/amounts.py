"""Kronor as typed on a finance form, as integer öre. Pure; never float.

Accepted: "12500", "12 500", "12 500,00", "12500,5", "12500.50", "12.500,00" is NOT accepted (a dot and a comma
together are ambiguous), an optional trailing "kr" and spaces (also no-break and thin spaces) as thousands
separators. At most two decimals; no sign (amounts on these forms are always positive: the form says what it is).
Errors are ValueError whose str() is a Swedish message for the field.
"""

from __future__ import annotations

import re

__all__ = ["parse_kronor", "MAX_KRONOR_INPUT"]

MAX_KRONOR_INPUT = 40  # characters; longer input is refused before parsing
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_AMOUNT = re.compile(r"([0-9]{1,12})(?:[.,]([0-9]{1,2}))?")

MSG_EMPTY = "Ange ett belopp i kronor."
MSG_FORMAT = "Ange beloppet i kronor, till exempel 12 500,00 (högst två decimaler)."
MSG_POSITIVE = "Beloppet måste vara större än 0 kr."


def parse_kronor(text: str | None) -> int:
    """`"12 500,00"` → `1250000`; `"12500.5"` → `1250050`; `"0,50 kr"` → `50`."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError(MSG_EMPTY)
    if len(raw) > MAX_KRONOR_INPUT:
        raise ValueError(MSG_FORMAT)
    if raw.lower().endswith("kr"):
        raw = raw[:-2].rstrip()
    compact = _SPACES.sub("", raw)
    match = _AMOUNT.fullmatch(compact)
    if match is None or not raw[:1].isdigit():
        raise ValueError(MSG_FORMAT)
    kronor, decimals = match[1], (match[2] or "")
    ore = int(kronor) * 100 + int(decimals.ljust(2, "0") or "0")
    if ore <= 0:
        raise ValueError(MSG_POSITIVE)
    return ore
