"""The grade export as CSV that Swedish Excel opens directly. Pure: rows in, text out.

- UTF-8 with a byte order mark (Excel reads åäö right only with it), `;` between fields (Excel's list separator in
  Swedish), a decimal comma, CRLF line ends, quotes only where a field needs them.
- Numbers are written here, not with Babel (`core.formatting`): that module is for people and groups thousands with
  no-break spaces, which Excel reads as text. `1234,5` is what Swedish Excel reads as a number.
- A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by a
  spreadsheet ("CSV injection"): it gets a leading apostrophe, which Excel shows as text. Our own numbers are never
  negative and never pass through that rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from coursesite.core.formatting import to_stockholm

BOM = "\ufeff"
SEPARATOR = ";"
LINE_END = "\r\n"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = (
    "deltagare-id",
    "förnamn",
    "efternamn",
    "e-post",
    "akt",
    "lektion",
    "lektionens namn",
    "besvarade",
    "frågor",
    "poäng",
    "maxpoäng",
    "procent",
    "klar",
    "klar datum",
)


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def milli_number(milli: int | None) -> str:
    """Thousandths as a Swedish number for Excel: 1500 → "1,5", 2000 → "2", 333 → "0,333", None → ""."""
    if milli is None:
        return ""
    sign = "-" if milli < 0 else ""
    whole, part = divmod(abs(milli), 1000)
    if part == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole},{part:03d}".rstrip("0")


def iso_date(moment: datetime | None) -> str:
    """The date in Stockholm as YYYY-MM-DD, which Excel reads as a date in any locale."""
    return "" if moment is None else to_stockholm(moment).date().isoformat()


@dataclass(frozen=True)
class GradeRow:
    account_id: int
    first_name: str
    last_name: str
    email: str
    act: int
    lesson_slug: str
    lesson_title: str
    answered: int
    question_count: int
    score_milli: int | None  # None: not started
    max_score_milli: int | None
    percent: int | None
    completed_at: datetime | None

    def cells(self) -> list[str]:
        return [
            str(self.account_id),
            neutralise(self.first_name),
            neutralise(self.last_name),
            neutralise(self.email),
            str(self.act),
            neutralise(self.lesson_slug),
            neutralise(self.lesson_title),
            str(self.answered),
            str(self.question_count),
            milli_number(self.score_milli),
            milli_number(self.max_score_milli),
            "" if self.percent is None else str(self.percent),
            "ja" if self.completed_at is not None else "nej",
            iso_date(self.completed_at),
        ]


def _writer(buffer: io.StringIO):
    return csv.writer(buffer, delimiter=SEPARATOR, lineterminator=LINE_END, quoting=csv.QUOTE_MINIMAL)


def header_chunk(header: Sequence[str] = HEADER) -> str:
    """The start of the file: the byte order mark and the header line."""
    buffer = io.StringIO()
    buffer.write(BOM)
    _writer(buffer).writerow([neutralise(cell) for cell in header])
    return buffer.getvalue()


def rows_chunk(rows: Iterable[GradeRow]) -> str:
    """Some rows of the file, each ending with CRLF."""
    buffer = io.StringIO()
    _writer(buffer).writerows(row.cells() for row in rows)
    return buffer.getvalue()
