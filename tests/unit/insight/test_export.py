"""The grade export's CSV format: what Swedish Excel opens directly."""

import csv
import io
from datetime import UTC, datetime

import pytest

from coursesite.insight.export import (
    BOM,
    HEADER,
    GradeRow,
    header_chunk,
    iso_date,
    milli_number,
    neutralise,
    rows_chunk,
)


@pytest.mark.parametrize(
    ("milli", "text"),
    [
        (None, ""),
        (0, "0"),
        (1000, "1"),
        (1500, "1,5"),
        (333, "0,333"),
        (2050, "2,05"),
        (1234500, "1234,5"),
        (-250, "-0,25"),
    ],
)
def test_numbers_have_a_decimal_comma_and_no_grouping(milli, text):
    assert milli_number(milli) == text


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+46701234567", "'+46701234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Anna", "Anna"),
        ("anna=b@example.se", "anna=b@example.se"),
        ("", ""),
    ],
)
def test_formulas_are_neutralised(cell, safe):
    assert neutralise(cell) == safe


def test_dates_are_stockholm_dates():
    assert iso_date(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)) == "2026-11-27"
    assert iso_date(None) == ""


def row(**overrides):
    values = dict(
        account_id=7,
        first_name="Åsa",
        last_name='Öberg; "Lilla"',
        email="asa@example.se",
        act=1,
        lesson_slug="budget",
        lesson_title="Budget",
        answered=5,
        question_count=7,
        score_milli=3500,
        max_score_milli=5000,
        percent=70,
        completed_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
    )
    values.update(overrides)
    return GradeRow(**values)


def test_the_file_parses_with_semicolons_and_keeps_every_field():
    text = header_chunk() + rows_chunk(
        [
            row(),
            row(
                account_id=8,
                first_name="=1+1",
                score_milli=None,
                max_score_milli=None,
                percent=None,
                completed_at=None,
                answered=0,
            ),
        ]
    )
    assert text.startswith(BOM)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    parsed = list(csv.reader(io.StringIO(text[len(BOM) :], newline=""), delimiter=";"))
    assert parsed[0] == list(HEADER)
    assert parsed[1] == [
        "7",
        "Åsa",
        'Öberg; "Lilla"',
        "asa@example.se",
        "1",
        "budget",
        "Budget",
        "5",
        "7",
        "3,5",
        "5",
        "70",
        "ja",
        "2026-11-26",
    ]
    assert parsed[2] == [
        "8",
        "'=1+1",
        'Öberg; "Lilla"',
        "asa@example.se",
        "1",
        "budget",
        "Budget",
        "0",
        "7",
        "",
        "",
        "",
        "nej",
        "",
    ]


def test_utf8_with_bom_bytes():
    data = header_chunk().encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert "förnamn".encode() in data
