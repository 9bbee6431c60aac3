"""Swedish display formats (locale sv_SE) via Babel. Pure: stdlib + babel.

For people, not machines: the output uses no-break spaces (U+00A0) for grouping and before ``kr`` and ``%``, and a
comma as decimal mark. Machine formats (SIE, UBL, BgMax, the JSON API and the machine-readable JSON access export)
keep their own standards and do not belong here. web/templating.py registers these as Jinja filters.

**One style for a date and one for a moment, for people** (issue 15, point 12). Every page, every PDF (invoice,
credit note, certificate, access-export letter, record of processing), every mail, and Swedish text built in Python
(case notes, errors) write

- a date as ``format_date_long``: ``'3 december 2026'`` (the ``date`` filter), and
- a moment as ``format_datetime_long``: ``'3 december 2026 07:53'``, the date as above and the time as 24-hour
  ``HH:MM`` in Stockholm time (summer or winter time as it was then), no seconds, no offset (the ``datetime`` filter).

No template and no Swedish sentence formats a date itself (``isoformat``, ``strftime``, a date printed raw);
tests/web/test_readable_dates.py reads every page type, PDF, CSV and mail each role sees for ISO timestamps, UTC
offsets, microseconds and English month names.

**CSV files for people** (core/excel_csv.py: the grade export, the invoice export) are opened in Swedish Excel, which
reads a date only in the numeric form: a date is ``format_date_numeric`` (``'2026-12-03'``, Babel's sv_SE short date)
and a moment ``format_datetime_numeric`` (``'2026-12-03 07:53'``, Stockholm time, no seconds, no offset); numbers
carry ``DECIMAL_MARK`` (``','``) and no grouping (excel_csv.fixed_point).

Outputs as Babel 2.18 (CLDR 47) gives them, checked in tests/unit/core/test_formatting.py:

============================================  =====================================
``format_money_ore(1250000)``                 ``'12\\xa0500,00\\xa0kr'``
``format_money_ore(-50)``                     ``'-0,50\\xa0kr'`` (ASCII hyphen-minus)
``format_decimal_sv(Decimal('1234.5'))``      ``'1\\xa0234,5'``
``format_percent_sv(67)``                     ``'67\\xa0%'``
``format_date_long(date(2026, 11, 26))``      ``'26 november 2026'`` (``'6 maj 2026'``, ``'1 juni 2026'``)
``format_datetime_long(<13:05 UTC>)``         ``'26 november 2026 14:05'`` (Stockholm time)
``format_date_numeric(date(2026, 11, 26))``   ``'2026-11-26'`` (CSV)
``format_datetime_numeric(<13:05 UTC>)``      ``'2026-11-26 14:05'`` (CSV, Stockholm time)
``format_mobile_sv('+46701234567')``          ``'070-123 45 67'``
============================================  =====================================

Decisions:

- Money comes in as integer öre, never float (``TypeError`` otherwise; ``bool`` is refused too).
- Rounding for display is half up (``67.5`` -> ``68 %``, ``66.5`` -> ``67 %``), as people expect; Babel alone would
  round half to even.
- Naive datetimes are taken to be UTC (the project stores UTC). Aware ones are converted to Europe/Stockholm, so
  summer and winter time come out right. A ``datetime`` given to the date formatters is converted the same way first.
- A mobile number is stored in E.164 (accounts/validation.normalise_mobile) and shown grouped the Swedish way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol

__all__ = [
    "LOCALE",
    "STOCKHOLM",
    "to_stockholm",
    "format_money_ore",
    "format_decimal_sv",
    "format_percent_sv",
    "format_rate_sv",
    "format_date_long",
    "format_datetime_long",
    "format_date_numeric",
    "format_datetime_numeric",
    "format_mobile_sv",
    "try_again_sv",
    "DECIMAL_MARK",
]

LOCALE = "sv_SE"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DECIMAL_MARK = get_decimal_symbol(LOCALE)  # ",": what Swedish Excel reads as a number's decimal mark


def _to_decimal(value: Decimal | int | float) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (Decimal, Real)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if isinstance(value, float):
        return Decimal(repr(value))  # 0.1 -> Decimal('0.1'), not 0.1000000000000000055…
    return Decimal(value)


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_money_ore(ore: int) -> str:
    """Integer öre as Swedish kronor: ``1250000`` -> ``'12\\xa0500,00\\xa0kr'``."""
    if isinstance(ore, bool) or not isinstance(ore, int):
        raise TypeError(f"money is integer öre, got {type(ore).__name__}")
    return format_currency(Decimal(ore).scaleb(-2), "SEK", locale=LOCALE)


def format_decimal_sv(value: Decimal | int | float, decimals: int | None = None) -> str:
    """A number with Swedish grouping and decimal comma: ``Decimal('1234.5')`` -> ``'1\\xa0234,5'``.

    ``decimals=None`` shows the value's own decimals (trailing zeros dropped: ``1234.50`` -> ``'1\\xa0234,5'``);
    a number rounds half up to exactly that many decimals (``decimals=2``: ``'1\\xa0234,50'``).
    """
    d = _to_decimal(value)
    if decimals is None:
        return format_decimal(d, locale=LOCALE, decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(_round(d, decimals), format=pattern, locale=LOCALE)


def format_percent_sv(value: Decimal | int | float, decimals: int = 0) -> str:
    """Percentage *points* in, Swedish percent out: ``67`` -> ``'67\\xa0%'``, ``(12.5, 1)`` -> ``'12,5\\xa0%'``.

    Rounded half up to ``decimals`` decimals.
    """
    d = _round(_to_decimal(value), decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "\u00a0%"
    return format_percent(d.scaleb(-2), format=pattern, locale=LOCALE)


def format_rate_sv(rate: Decimal | int | float) -> str:
    """A rate as a fraction, shown as percent with its own decimals: ``Decimal('0.25')`` -> ``'25\xa0%'``,
    ``Decimal('0.125')`` -> ``'12,5\xa0%'`` (the VAT rate as an invoice prints it; nothing rounded away)."""
    points = (_to_decimal(rate) * 100).normalize()
    if points == points.to_integral_value():
        points = points.quantize(Decimal(1))  # normalize() writes 100 as 1E+2
    return format_decimal_sv(points) + "\u00a0%"


def to_stockholm(dt: datetime) -> datetime:
    """``dt`` in Europe/Stockholm time. A naive ``dt`` is taken to be UTC."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(STOCKHOLM)


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        return to_stockholm(value).date()
    return value


def format_date_long(value: date) -> str:
    """The one date style for people: ``'26 november 2026'`` (the ``date`` filter)."""
    return format_date(_as_date(value), format="long", locale=LOCALE)


def _time(local: datetime) -> str:
    return format_time(local.time(), format="short", locale=LOCALE)  # "07:53": 24-hour, no seconds


def format_datetime_long(value: datetime) -> str:
    """The one style for a moment, for people: ``'26 november 2026 14:05'``, Stockholm time, the date as
    ``format_date_long`` writes it (the ``datetime`` filter)."""
    local = to_stockholm(value)
    return f"{format_date(local.date(), format='long', locale=LOCALE)} {_time(local)}"


def format_date_numeric(value: date) -> str:
    """A date in a CSV file for Swedish Excel: ``'2026-11-26'`` (Babel's sv_SE short date); a datetime as its date in
    Stockholm."""
    return format_date(_as_date(value), format="short", locale=LOCALE)


def format_datetime_numeric(value: datetime) -> str:
    """A moment in a CSV file for Swedish Excel: ``'2026-11-26 14:05'``, Stockholm time, no seconds, no offset."""
    local = to_stockholm(value)
    return f"{format_date(local.date(), format='short', locale=LOCALE)} {_time(local)}"


def try_again_sv(seconds: int) -> str:
    """How long to wait after being refused for trying too often, rounded up: ``'Vänta 5 minuter och försök igen.'``."""
    minutes = max(1, -(-seconds // 60))
    if minutes == 1:
        return "Vänta en minut och försök igen."
    if minutes < 90:
        return f"Vänta {minutes} minuter och försök igen."
    return f"Vänta {-(-minutes // 60)} timmar och försök igen."


def format_mobile_sv(value: str | None) -> str:
    """A stored Swedish mobile number (E.164, ``+46701234567``) in the national form people write: ``070-123 45 67``.
    Anything else (empty, typed text shown back after an error) is returned as it is."""
    if not value:
        return ""
    if len(value) == 12 and value.startswith("+46") and value[3:].isdigit():
        nsn = value[3:]
        return f"0{nsn[:2]}-{nsn[2:5]} {nsn[5:7]} {nsn[7:]}"
    return value
