"""The grade export as CSV that Swedish Excel opens directly. Pure: rows in, text out.

The CSV rules (BOM, `;`, decimal comma, CRLF, formula neutralising, dates) live in `core/excel_csv.py`, shared with
the invoice export; this module only says which columns a grade row has.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from coursesite.core import excel_csv
from coursesite.core.excel_csv import BOM, iso_date, neutralise

__all__ = ["BOM", "HEADER", "GradeRow", "header_chunk", "iso_date", "milli_number", "neutralise", "rows_chunk"]

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


def milli_number(milli: int | None) -> str:
    """Thousandths as a Swedish number for Excel: 1500 → "1,5", 2000 → "2", 333 → "0,333", None → ""."""
    return excel_csv.fixed_point(milli, 3, trim=True)


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


def header_chunk(header: Sequence[str] = HEADER) -> str:
    """The start of the file: the byte order mark and the header line."""
    return excel_csv.header_chunk(header)


def rows_chunk(rows: Iterable[GradeRow]) -> str:
    """Some rows of the file, each ending with CRLF."""
    return excel_csv.rows_chunk(row.cells() for row in rows)
