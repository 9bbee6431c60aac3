"""CSV that Swedish Excel opens directly. Pure: cells in, text out. Used by the grade export (insight/export.py) and
the invoice export (billing/csv_export.py).

- UTF-8 with a byte order mark (Excel reads åäö right only with it), `;` between fields (Excel's list separator in
  Swedish), a decimal comma, CRLF line ends, quotes only where a field needs them.
- Numbers are written here, not with Babel (`core.formatting`): that module is for people and groups thousands with
  no-break spaces, which Excel reads as text. `1234,5` and `-12500,00` are what Swedish Excel reads as numbers.
- A *text* cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula by a
  spreadsheet ("CSV injection"): `neutralise` gives it a leading apostrophe, which Excel shows as text. Numbers from
  `fixed_point` never pass through that rule, so a credit note's `-12500,00` stays a number.
- Dates and the decimal mark come from `core.formatting` (its "CSV files for people"), so a file and the pages agree:
  a date is `YYYY-MM-DD` (`format_date_numeric`, Babel's sv_SE short date, which Excel reads as a date in any
  locale); a datetime is taken as its date in Stockholm. A moment, should a file need one, is
  `format_datetime_numeric` ("2026-12-03 07:53", Stockholm time, no seconds or offset).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from coursesite.core.formatting import DECIMAL_MARK, format_date_numeric

__all__ = [
    "BOM",
    "SEPARATOR",
    "LINE_END",
    "FORMULA_STARTS",
    "neutralise",
    "fixed_point",
    "iso_date",
    "header_chunk",
    "rows_chunk",
]

BOM = "\ufeff"
SEPARATOR = ";"
LINE_END = "\r\n"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def fixed_point(units: int | None, decimals: int, *, trim: bool = False) -> str:
    """An integer count of 10^-decimals as a Swedish number for Excel, no grouping.

    `fixed_point(-1250000, 2)` → "-12500,00"; with `trim=True` trailing zeros go: `fixed_point(1500, 3, trim=True)` →
    "1,5", `(2000, 3)` → "2". None → "".
    """
    if units is None:
        return ""
    sign = "-" if units < 0 else ""
    whole, part = divmod(abs(units), 10**decimals)
    fraction = f"{part:0{decimals}d}" if decimals else ""
    if trim:
        fraction = fraction.rstrip("0")
    return f"{sign}{whole}{DECIMAL_MARK}{fraction}" if fraction else f"{sign}{whole}"


def iso_date(value: date | datetime | None) -> str:
    """YYYY-MM-DD (`format_date_numeric`); a datetime as its date in Stockholm; None → ""."""
    return "" if value is None else format_date_numeric(value)


def _writer(buffer: io.StringIO):
    return csv.writer(buffer, delimiter=SEPARATOR, lineterminator=LINE_END, quoting=csv.QUOTE_MINIMAL)


def header_chunk(header: Sequence[str]) -> str:
    """The start of the file: the byte order mark and the header line."""
    buffer = io.StringIO()
    buffer.write(BOM)
    _writer(buffer).writerow([neutralise(cell) for cell in header])
    return buffer.getvalue()


def rows_chunk(rows: Iterable[Sequence[str]]) -> str:
    """Some rows of cells (already formatted and neutralised), each line ending with CRLF."""
    buffer = io.StringIO()
    _writer(buffer).writerows(rows)
    return buffer.getvalue()
