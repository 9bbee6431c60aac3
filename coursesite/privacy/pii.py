"""Find what the company never collects: personnummer, samordningsnummer and payment-card numbers.

Pure: stdlib only. Rules from domain.md §4. Every free-text input (answers, forms, case notes) is run through
:func:`find_forbidden`; when it finds anything the submission is refused with :func:`refusal_message` and nothing of it
is stored.

A :class:`Finding` holds the kind and the offsets of the match, never the digits, so it can be logged; the message
never repeats the digits either.

When in doubt this module flags: a false positive costs the participant a rewrite guided by the message, a false
negative would store personal data the policy says we never collect. Each deliberate choice is marked DECISION below.

Personnummer / samordningsnummer
--------------------------------
Accepted shapes (``S`` = separator):

- ``YYMMDD-NNNC``, ``YYMMDD+NNNC`` (``+`` once the person turns 100), ``YYMMDDNNNC``;
- ``YYYYMMDD-NNNC``, ``YYYYMMDDNNNC`` (and ``+``).

C is the Luhn check digit over the ten digits ``YYMMDDNNN`` (never the century). The date must exist;
samordningsnummer add 60 to the day (61–91).

- Normalising first (issue 13): the text is NFKC-normalised (full-width digits and hyphens become ASCII) and
  zero-width characters (U+200B..U+200D, U+2060, U+FEFF, soft hyphen) are removed; findings still point into the
  original text.
- DECISION (separators): any *run* of spaces, dots, slashes, dashes (``-`` and the dashes word processors produce:
  ‐ ‑ ‒ – — −) and ``+`` counts as one separator: ``121212-1212``, ``121212 - 1212``, ``121212.1212``,
  ``121212/1212``, ``121212  1212``. The date may also be written in groups of two digits (``12 12 12-1212``,
  ``19 12 12 12-1212``); the last four are never split (``00 01 01-23 84`` passes, as do phone numbers grouped like
  ``0701-23 45 02``), and an ISO date followed by four digits (``2000-01-01-2384``) is not recognised. A lone ``.``
  or ``,`` that joins the number to more digits makes it a decimal number (``1.0001012384``).
- DECISION (century, 10-digit forms): the date is valid when it exists in 19YY *or* 20YY (the separator is not used to
  pick the century). Only 29 February of YY = 00 differs (2000 is a leap year, 1900 is not), so ``000229-NNNC`` is
  flagged. 18YY never adds a date that 19YY/20YY lack.
- DECISION (century, 12-digit forms): the century must be 18, 19 or 20; other 12-digit numbers are not personnummer.
  Dates in the future are *not* rejected (conservative).
- DECISION (organisation numbers): their "month" is ≥ 20, so they are not a valid date and pass
  (``556047-3521``). Twelve-digit org numbers with the ``16`` prefix fail the century rule and pass as well.
- DECISION (phone numbers): ``0701234502`` is a valid date (2007-01-23) that passes Luhn. Written *bare* like that it
  cannot be told apart from a personnummer, so it is flagged; the finding gets ``could_be_phone=True`` (a bare
  10-digit run starting with 0 – every Swedish phone number does) and the message tells the participant to write a phone
  number grouped, e.g. ``070-123 45 02``, which is never flagged (no date part followed by a group of four).

Card numbers
------------
13–19 digits, bare or grouped, passing Luhn, with a known issuer prefix: Visa 4; Mastercard 51–55 and 2221–2720;
Amex 34, 37; Discover 6011, 644–649, 65; JCB 3528–3589; Diners 300–305, 36, 38–39.

- DECISION (grouping): groups of any size, separated by a run of separators as above (``4111.1111.1111.1111``,
  ``4111  1111 …``, ``4111 - 1111 …``); a ``+`` ends the number.
  Inside a longer run of such groups (``4111 1111 1111 1111 12/27``) every stretch of *whole* groups totalling 13–19
  digits is checked; a group is never split.
- DECISION (issuer lengths): any length 13–19 counts for every issuer (the rule in domain.md); per-issuer lengths
  (Amex 15, Mastercard 16 …) are not enforced, which flags more.
- DECISION (OCR references): an OCR reference is Luhn-valid by construction, so one of 13–19 digits that begins with an
  issuer prefix is flagged as a card number – it cannot be told apart. OCR references shorter than 13 digits, longer
  than 19, or beginning with 0, 1, 7, 8, 9 (or 2 outside 2221–2720, or 3 outside the prefixes above) pass.
- DECISION (lists of numbers): ``4010 5010 6110 3740`` (BAS accounts) is 16 grouped digits with a Visa prefix; in one
  case out of ten it passes Luhn and is flagged. The card message asks for commas between numbers in a list.

Both
----
- DECISION (boundaries): a match never starts or ends inside a longer digit run, nor next to a decimal mark followed
  or preceded by a digit (``0,0001012384`` is a decimal number, not a personnummer). Letters, punctuation and other
  separators around a number do not stop it being flagged (``pnr:000101-2384.`` is flagged).
- Unicode decimal digits (full-width, Arabic-Indic …) are treated like ASCII digits.
- Speed: the regular expressions have no nested quantifiers over the same characters, so they are linear; the card
  window search is bounded by 19 groups per start. An ordinary 10 000-character text takes a few milliseconds, a
  hostile one (``"4 " * 5000``: thousands of overlapping Luhn checks) under 0.1 s.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from coursesite.core.checksums import luhn_valid

__all__ = [
    "Finding",
    "Kind",
    "PERSONNUMMER",
    "SAMORDNINGSNUMMER",
    "CARD_NUMBER",
    "find_forbidden",
    "refusal_message",
    "refusal_for",
]

Kind = Literal["personnummer", "samordningsnummer", "card_number"]
PERSONNUMMER: Kind = "personnummer"
SAMORDNINGSNUMMER: Kind = "samordningsnummer"
CARD_NUMBER: Kind = "card_number"


@dataclass(frozen=True, slots=True)
class Finding:
    """Where something forbidden was found: ``text[start:end]``. Holds no digits, so it is safe to log.

    ``could_be_phone``: a bare 10-digit run starting with 0, which may be a phone number (the message then says how
    to write one).
    """

    kind: Kind
    start: int
    end: int
    could_be_phone: bool = False


# --- normalising -----------------------------------------------------------------------------------------------------

# Invisible characters that split a number without showing: zero-width space, non-joiner, joiner, word joiner, BOM,
# soft hyphen. Removed before detecting.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """``text`` NFKC-normalised (full-width digits and hyphens become ASCII, no-break spaces spaces) with the invisible
    characters removed, and for each character of the result the index of the character it came from in ``text``
    (None: the same text, nothing moved). Character by character, so a finding maps back to the original."""
    if text.isascii():
        return text, None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        for c in unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch:
            out.append(c)
            where.append(i)
    return "".join(out), where


# --- patterns ---------------------------------------------------------------------------------------------------------

# After NFKC. DECISION (separators): any run of spaces, dots, slashes and dashes (and "+") between digit groups counts
# as one separator: "12 12 12-1212", "121212.1212", "121212/1212", "4111.1111.1111.1111", "4111  1111", "4111 - 1111".
_SPACES = " \u2009\u202f"  # space; thin and narrow no-break spaces (NFKC makes most others a space)
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen-minus, hyphen, nb-hyphen, figure, en, em, minus
_SEPARATORS = f"{_SPACES}{_DASHES}./+"
_SEP_RUN = f"[{_SEPARATORS}]+"

# A run of digit groups joined by separator runs. Separators are never digits, so this cannot backtrack badly: every
# way of matching a run is the same run.
_RUN_RE = re.compile(rf"\d+(?:{_SEP_RUN}\d+)*")
_GROUP_RE = re.compile(r"\d+")

_CARD_MIN, _CARD_MAX = 13, 19
# The fewest digits any finding has: a personnummer's 6 + 4 (a card number has _CARD_MIN).
_FEWEST_DIGITS = 10


def _ascii_digits(s: str) -> str:
    """Map any Unicode decimal digits to ASCII ('٠' -> '0')."""
    if s.isascii():
        return s
    return "".join(str(unicodedata.decimal(c)) for c in s)


def _date_exists(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Run:
    """One run of digit groups: the groups' ASCII digits, their offsets, the separators between them, and whether a
    decimal mark and digit stand right before or after the run (``0,0001012384``)."""

    digits: list[str]
    starts: list[int]
    ends: list[int]
    seps: list[str]  # seps[i]: between group i and i + 1
    after_decimal: bool
    before_decimal: bool

    def decimal_edge(self, first: int, last: int) -> bool:
        """A window of groups first..last that a lone "." or "," continues as a decimal number (``1.0001012384``,
        ``0001012384.5``): not a number of its own."""
        if first == 0 and self.after_decimal or first > 0 and self.seps[first - 1] == ".":
            return True
        last_group = len(self.digits) - 1
        return last == last_group and self.before_decimal or last < last_group and self.seps[last] == "."


def _runs(text: str) -> Iterable[_Run]:
    n = len(text)
    for run in _RUN_RE.finditer(text):
        run_start, run_end = run.start(), run.end()
        groups = list(_GROUP_RE.finditer(text, run_start, run_end))
        yield _Run(
            digits=[_ascii_digits(g.group()) for g in groups],
            starts=[g.start() for g in groups],
            ends=[g.end() for g in groups],
            seps=[text[a.end() : b.start()] for a, b in zip(groups, groups[1:], strict=False)],
            after_decimal=run_start >= 2 and text[run_start - 1] in ".," and text[run_start - 2].isdecimal(),
            before_decimal=run_end + 1 < n and text[run_end] in ".," and text[run_end + 1].isdecimal(),
        )


# --- personnummer -----------------------------------------------------------------------------------------------------


def _classify_pnr(date_part: str, tail: str) -> Kind | None:
    if len(date_part) == 8:
        century = date_part[:2]
        if century not in ("18", "19", "20"):
            return None
        yymmdd = date_part[2:]
        years: tuple[int, ...] = (int(date_part[:4]),)
    else:
        yymmdd = date_part
        yy = int(yymmdd[:2])
        years = (2000 + yy, 1900 + yy)  # DECISION: either century will do (see module docstring)
    if not luhn_valid(yymmdd + tail):
        return None
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    kind: Kind = PERSONNUMMER
    if 61 <= day <= 91:
        kind, day = SAMORDNINGSNUMMER, day - 60
    if not any(_date_exists(y, month, day) for y in years):
        return None  # month 13, 30 February, org numbers (month >= 20) …
    return kind


def _date_starts(run: _Run, tail: int) -> Iterable[int]:
    """The first groups of the date parts that may stand before group ``tail``: the group right before it when it has
    6 or 8 digits, or 3 or 4 groups of exactly two digits ("12 12 12", "19 12 12 12") joined without "+"."""
    before = tail - 1
    if len(run.digits[before]) in (6, 8):
        yield before
        return
    first, found = before, []
    while first >= 0 and len(run.digits[first]) == 2 and before - first < 4:
        if first < before and "+" in run.seps[first]:
            break
        if before - first + 1 in (3, 4):
            found.append(first)
        first -= 1
    yield from reversed(found)  # the longest first: "19 12 12 12-1212" is one number, not "12 12 12-1212"


def _find_personnummer(text: str) -> Iterable[Finding]:
    for run in _runs(text):
        for i, digits in enumerate(run.digits):
            if len(digits) in (10, 12):  # written without a separator
                if run.decimal_edge(i, i):
                    continue
                kind = _classify_pnr(digits[:-4], digits[-4:])
                if kind is not None:
                    # DECISION: a bare 10-digit run starting with 0 may be a phone number; flagged, with a hint.
                    yield Finding(kind, run.starts[i], run.ends[i], len(digits) == 10 and digits[0] == "0")
            elif len(digits) == 4 and i > 0:  # the last four, after a separator
                for first in _date_starts(run, i):
                    if run.decimal_edge(first, i):
                        continue
                    kind = _classify_pnr("".join(run.digits[first:i]), digits)
                    if kind is not None:
                        yield Finding(kind, run.starts[first], run.ends[i])
                        break


# --- card numbers -----------------------------------------------------------------------------------------------------


def _has_issuer_prefix(d: str) -> bool:
    """``d``: the first four digits (or more) of a candidate card number."""
    first = d[0]
    if first == "4":  # Visa
        return True
    p2 = int(d[:2])
    if first == "5":
        return 51 <= p2 <= 55  # Mastercard
    if first == "2":
        return 2221 <= int(d[:4]) <= 2720  # Mastercard 2-series
    if first == "3":
        if p2 in (34, 37):  # Amex
            return True
        if p2 in (36, 38, 39):  # Diners
            return True
        if 300 <= int(d[:3]) <= 305:  # Diners
            return True
        return 3528 <= int(d[:4]) <= 3589  # JCB
    if first == "6":
        if p2 == 65 or d[:4] == "6011":  # Discover
            return True
        return 644 <= int(d[:3]) <= 649  # Discover
    return False


def _find_cards(text: str) -> Iterable[Finding]:
    for run in _runs(text):
        if run.ends[-1] - run.starts[0] < _CARD_MIN:
            continue  # too short even without separators
        # cut[i]: where group i starts in the run's digits.
        cut = [0]
        for d in run.digits:
            cut.append(cut[-1] + len(d))
        digits = "".join(run.digits)
        for i in range(len(run.digits)):
            if cut[-1] - cut[i] < _CARD_MIN:
                break  # not enough digits left in the run
            if not _has_issuer_prefix(digits[cut[i] : cut[i] + 4]):
                continue
            for j in range(i, len(run.digits)):
                count = cut[j + 1] - cut[i]
                if count > _CARD_MAX or j > i and "+" in run.seps[j - 1]:
                    break
                if count < _CARD_MIN or run.decimal_edge(i, j):
                    continue
                if luhn_valid(digits[cut[i] : cut[j + 1]]):
                    yield Finding(CARD_NUMBER, run.starts[i], run.ends[j])


# --- public API -------------------------------------------------------------------------------------------------------


def _merge(findings: list[Finding]) -> list[Finding]:
    """Sort by position and merge overlapping findings of the same kind (overlapping card windows, say)."""
    findings.sort(key=lambda f: (f.start, f.end))
    merged: list[Finding] = []
    last_of_kind: dict[str, int] = {}  # kind -> index in ``merged`` of its latest finding
    for f in findings:
        k = last_of_kind.get(f.kind)
        if k is not None and f.start < merged[k].end:
            m = merged[k]
            merged[k] = Finding(m.kind, m.start, max(m.end, f.end), m.could_be_phone or f.could_be_phone)
        else:
            last_of_kind[f.kind] = len(merged)
            merged.append(f)
    return merged


def find_forbidden(text: str) -> list[Finding]:
    """Every personnummer, samordningsnummer and card number in ``text``, in order of position.

    An empty list means the text may be stored. Overlapping findings of the same kind are merged into one.
    """
    if not text:
        return []
    normal, where = _normalise(text)
    if sum(map(len, _GROUP_RE.findall(normal))) < _FEWEST_DIGITS:
        return []  # most texts: too few digits for any of them, so no run needs taking apart
    findings = list(_find_personnummer(normal))
    findings.extend(_find_cards(normal))
    if where is not None:  # back to offsets in ``text``
        findings = [replace(f, start=where[f.start], end=where[f.end - 1] + 1) for f in findings]
    return _merge(findings)


_NOUN = {PERSONNUMMER: "personnummer", SAMORDNINGSNUMMER: "samordningsnummer", CARD_NUMBER: "kortnummer"}
_ORDER = (PERSONNUMMER, SAMORDNINGSNUMMER, CARD_NUMBER)


def _join(words: list[str], conjunction: str) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def refusal_message(findings: Iterable[Finding], subject: str = "Svaret") -> str:
    """A clear Swedish message for the participant. It never repeats the digits.

    ``subject`` starts the message: "Svaret" for answers, "Texten" or "Anteckningen" elsewhere.
    Raises ``ValueError`` for an empty ``findings`` (there is nothing to refuse).
    """
    findings = list(findings)
    if not findings:
        raise ValueError("refusal_message needs at least one finding")
    kinds = [k for k in _ORDER if any(f.kind == k for f in findings)]
    nouns = [_NOUN[k] for k in kinds]
    collected = nouns + (["andra betaluppgifter"] if CARD_NUMBER in kinds else [])
    it = "det" if len(findings) == 1 else "dem"
    parts = [
        f"{subject} innehåller något som ser ut som {_join(['ett ' + n for n in nouns], 'och')}.",
        f"Vi samlar aldrig in {_join(collected, 'eller')} – ta bort {it} och skicka igen.",
    ]
    if any(f.could_be_phone for f in findings):
        parts.append(
            "Är det ett telefonnummer? Skriv det då med mellanslag eller bindestreck, till exempel 070-123 45 67."
        )
    if CARD_NUMBER in kinds:
        parts.append(
            "Är det något annat, till exempel flera kontonummer eller belopp i rad? Skilj dem då åt med kommatecken."
        )
    return " ".join(parts)


def refusal_for(text: str, subject: str = "Svaret") -> str | None:
    """``refusal_message(find_forbidden(text))``, or ``None`` when the text may be stored."""
    findings = find_forbidden(text)
    return refusal_message(findings, subject) if findings else None
