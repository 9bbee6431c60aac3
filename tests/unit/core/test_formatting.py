"""Swedish display formats. The expected strings are what Babel 2.18 (CLDR 47) produces for sv_SE."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import babel
import pytest

from coursesite.core.formatting import (
    DECIMAL_MARK,
    STOCKHOLM,
    format_date_long,
    format_date_numeric,
    format_datetime_long,
    format_datetime_numeric,
    format_decimal_sv,
    format_money_ore,
    format_percent_sv,
    format_rate_sv,
    to_stockholm,
)

NBSP = "\u00a0"


def test_babel_version() -> None:
    # The expected strings below were taken from this version; a CLDR update may change them.
    assert babel.__version__ == "2.18.0"


# --- money ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ore", "expected"),
    [
        (1250000, "12\xa0500,00\xa0kr"),  # domain.md §1
        (99950, "999,50\xa0kr"),
        (154320, "1\xa0543,20\xa0kr"),
        (0, "0,00\xa0kr"),
        (1, "0,01\xa0kr"),
        (50, "0,50\xa0kr"),
        (100, "1,00\xa0kr"),
        (123456789, "1\xa0234\xa0567,89\xa0kr"),
        (-50, "-0,50\xa0kr"),  # ASCII hyphen-minus, not U+2212
        (-1250000, "-12\xa0500,00\xa0kr"),
        (10**15, "10\xa0000\xa0000\xa0000\xa0000,00\xa0kr"),
    ],
)
def test_format_money_ore(ore: int, expected: str) -> None:
    assert format_money_ore(ore) == expected


@pytest.mark.parametrize("bad", [12.5, Decimal("12.50"), "1250", True, None])
def test_money_must_be_integer_ore(bad) -> None:
    with pytest.raises(TypeError):
        format_money_ore(bad)


# --- numbers ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("1234.5"), None, "1\xa0234,5"),
        (Decimal("1234.50"), None, "1\xa0234,5"),
        (Decimal("1234.5678"), None, "1\xa0234,5678"),  # no silent rounding to three decimals
        (Decimal("1234"), None, "1\xa0234"),
        (1234, None, "1\xa0234"),
        (0.1, None, "0,1"),
        (Decimal("-1234.5"), None, "-1\xa0234,5"),
        (Decimal("999"), None, "999"),
        (Decimal("1234567.25"), None, "1\xa0234\xa0567,25"),
        (Decimal("1234.5"), 2, "1\xa0234,50"),
        (Decimal("2.345"), 2, "2,35"),  # half up
        (Decimal("2.335"), 2, "2,34"),  # half up, not half even
        (Decimal("1234.5"), 0, "1\xa0235"),
        (Decimal("0.5"), 0, "1"),
        (7, 1, "7,0"),
    ],
)
def test_format_decimal_sv(value, decimals, expected: str) -> None:
    assert format_decimal_sv(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (67, 0, "67\xa0%"),
        (0, 0, "0\xa0%"),
        (100, 0, "100\xa0%"),
        (25, 0, "25\xa0%"),
        (Decimal("66.5"), 0, "67\xa0%"),  # half up (Babel alone would give 66)
        (Decimal("67.5"), 0, "68\xa0%"),
        (Decimal("66.4"), 0, "66\xa0%"),
        (Decimal("12.5"), 1, "12,5\xa0%"),
        (12.5, 1, "12,5\xa0%"),
        (Decimal("33.333"), 1, "33,3\xa0%"),
        (1234, 0, "1\xa0234\xa0%"),
        (-5, 0, "-5\xa0%"),
        (Decimal("0.25"), 2, "0,25\xa0%"),
    ],
)
def test_format_percent_sv(value, decimals: int, expected: str) -> None:
    assert format_percent_sv(value, decimals) == expected


def test_percent_default_is_whole_percent() -> None:
    assert format_percent_sv(67) == "67" + NBSP + "%"


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (Decimal("0.25"), "25\xa0%"),
        (Decimal("0.125"), "12,5\xa0%"),
        (Decimal("0.06"), "6\xa0%"),
        (1, "100\xa0%"),
        (0, "0\xa0%"),
    ],
)
def test_format_rate_sv_shows_a_rate_with_its_own_decimals(rate, expected: str) -> None:
    assert format_rate_sv(rate) == expected


@pytest.mark.parametrize("bad", ["67", None, True])
def test_numbers_reject_non_numbers(bad) -> None:
    with pytest.raises(TypeError):
        format_decimal_sv(bad)
    with pytest.raises(TypeError):
        format_percent_sv(bad)


# --- dates ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "long", "numeric"),
    [
        (date(2026, 11, 26), "26 november 2026", "2026-11-26"),
        (date(2026, 1, 1), "1 januari 2026", "2026-01-01"),
        (date(2026, 2, 9), "9 februari 2026", "2026-02-09"),
        (date(2026, 3, 10), "10 mars 2026", "2026-03-10"),
        (date(2026, 4, 30), "30 april 2026", "2026-04-30"),
        (date(2026, 5, 6), "6 maj 2026", "2026-05-06"),
        (date(2026, 6, 1), "1 juni 2026", "2026-06-01"),
        (date(2026, 7, 15), "15 juli 2026", "2026-07-15"),
        (date(2026, 8, 31), "31 augusti 2026", "2026-08-31"),
        (date(2026, 9, 1), "1 september 2026", "2026-09-01"),
        (date(2026, 10, 5), "5 oktober 2026", "2026-10-05"),
        (date(2026, 12, 24), "24 december 2026", "2026-12-24"),
    ],
)
def test_dates(value: date, long: str, numeric: str) -> None:
    assert format_date_long(value) == long
    assert format_date_numeric(value) == numeric


def test_a_datetime_given_to_the_date_formatters_is_a_stockholm_date() -> None:
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Stockholm
    assert format_date_long(new_years_eve) == "1 januari 2027"
    assert format_date_numeric(new_years_eve) == "2027-01-01"


# --- date and time in Stockholm ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "long", "numeric"),
    [
        # winter time, UTC+1
        (datetime(2026, 11, 26, 13, 5, tzinfo=UTC), "26 november 2026 14:05", "2026-11-26 14:05"),
        # summer time, UTC+2
        (datetime(2026, 7, 26, 13, 5, tzinfo=UTC), "26 juli 2026 15:05", "2026-07-26 15:05"),
        # the switch to summer time: 2026-03-29 01:00 UTC, the clocks go from 02:00 to 03:00 (02:xx never happens)
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 mars 2026 01:59", "2026-03-29 01:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 mars 2026 03:00", "2026-03-29 03:00"),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "29 mars 2026 00:30", "2026-03-29 00:30"),
        # the switch back: 2026-10-25 01:00 UTC, 02:00-02:59 happens twice
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 oktober 2026 02:30", "2026-10-25 02:30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 oktober 2026 02:30", "2026-10-25 02:30"),
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "25 oktober 2026 03:00", "2026-10-25 03:00"),
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), "25 oktober 2026 00:30", "2026-10-25 00:30"),  # still UTC+2
        # another zone
        (datetime(2026, 11, 26, 9, 5, tzinfo=timezone(timedelta(hours=-5))), "26 november 2026 15:05", None),
        # already Stockholm
        (datetime(2026, 5, 6, 8, 0, tzinfo=STOCKHOLM), "6 maj 2026 08:00", "2026-05-06 08:00"),
        # midnight
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), "1 januari 2027 00:00", "2027-01-01 00:00"),
    ],
)
def test_a_moment_in_stockholm_time(value: datetime, long: str, numeric: str | None) -> None:
    assert format_datetime_long(value) == long
    if numeric is not None:
        assert format_datetime_numeric(value) == numeric


def test_a_moment_shows_neither_seconds_microseconds_nor_an_offset() -> None:
    moment = datetime(2026, 12, 3, 6, 53, 11, 985214, tzinfo=UTC)
    assert format_datetime_long(moment) == "3 december 2026 07:53"
    assert format_datetime_numeric(moment) == "2026-12-03 07:53"


def test_a_date_on_a_dst_switch_day_is_that_day_in_stockholm() -> None:
    # Late on the evening before a switch, UTC is still on the previous day.
    assert format_date_long(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == "29 mars 2026"
    assert format_date_numeric(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)) == "2026-10-25"
    assert format_date_numeric(datetime(2026, 10, 24, 21, 59, tzinfo=UTC)) == "2026-10-24"


def test_the_csv_decimal_mark_is_swedish() -> None:
    assert DECIMAL_MARK == ","


def test_naive_datetimes_are_utc() -> None:
    assert format_datetime_long(datetime(2026, 11, 26, 13, 5)) == "26 november 2026 14:05"
    assert format_datetime_numeric(datetime(2026, 11, 26, 13, 5)) == "2026-11-26 14:05"
    assert to_stockholm(datetime(2026, 7, 1, 12, 0)) == datetime(2026, 7, 1, 14, 0, tzinfo=STOCKHOLM)


def test_does_not_depend_on_the_process_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    if hasattr(time, "tzset"):
        time.tzset()
    try:
        assert format_datetime_long(datetime(2026, 11, 26, 13, 5, tzinfo=UTC)) == "26 november 2026 14:05"
        assert format_datetime_long(datetime(2026, 11, 26, 13, 5)) == "26 november 2026 14:05"
    finally:
        monkeypatch.undo()
        if hasattr(time, "tzset"):
            time.tzset()


def test_a_stored_mobile_number_in_the_national_form():
    from coursesite.core.formatting import format_mobile_sv

    assert format_mobile_sv("+46701234567") == "070-123 45 67"
    assert format_mobile_sv("+46761112233") == "076-111 22 33"
    assert format_mobile_sv(None) == "" and format_mobile_sv("") == ""
    assert format_mobile_sv("070-12") == "070-12"  # typed text shown back after an error stays as typed


def test_how_long_to_wait_is_rounded_up_to_whole_minutes_or_hours():
    from coursesite.core.formatting import try_again_sv

    assert try_again_sv(1) == "Vänta en minut och försök igen."
    assert try_again_sv(61) == "Vänta 2 minuter och försök igen."
    assert try_again_sv(3600) == "Vänta 60 minuter och försök igen."
    assert try_again_sv(86400) == "Vänta 24 timmar och försök igen."


def test_pages_show_moments_in_the_long_style_like_their_dates():
    from coursesite.core.formatting import format_datetime_long

    assert format_datetime_long(datetime(2026, 12, 3, 6, 53, tzinfo=UTC)) == "3 december 2026 07:53"


@pytest.mark.parametrize("typed", ["070-123 45 67", "0701234567", "070 123 45 67", "+46 70 123 45 67", "0046701234567"])
def test_a_typed_mobile_number_is_stored_in_e164_and_shown_grouped_the_swedish_way(typed: str) -> None:
    from coursesite.accounts.validation import normalise_mobile
    from coursesite.core.formatting import format_mobile_sv

    stored = normalise_mobile(typed)
    assert stored == "+46701234567"
    assert format_mobile_sv(stored) == "070-123 45 67"
