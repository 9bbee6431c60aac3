"""The catalogue loader (signups/catalogue.py): the shipped file, a good file, and each kind of bad value named by
file, entry and key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coursesite.settings import REPO_ROOT
from coursesite.signups.catalogue import STOCKHOLM, CatalogueError, load_catalogue, parse_catalogue

GOOD = """
[[webinar]]
slug = "budget-pa-en-timme"
title = "Budget på en timme"
starts = 2027-02-10T18:00:00
capacity = 2
open = true

[[webinar]]
slug = "stangt"
title = "Stängt"
starts = 2027-03-10T18:00:00
open = false

[[event]]
slug = "konferens"
title = "Konferensen"
starts = 2027-07-01
open = true

[[ebook]]
slug = "hushallsbudgeten"
title = "Hushållsbudgeten"
open = true
"""


def test_the_shipped_catalogue_loads():
    shipped = load_catalogue(REPO_ROOT / "lessons" / "catalogue.toml")
    assert shipped.of("webinar") and shipped.of("event") and shipped.of("ebook")
    assert all(entry.starts is not None for entry in shipped.entries if entry.kind != "ebook")


def test_a_good_file():
    found = parse_catalogue(GOOD)
    webinar = found.get("webinar", "budget-pa-en-timme")
    assert webinar is not None
    assert webinar.title == "Budget på en timme" and webinar.capacity == 2 and webinar.open
    assert webinar.starts == datetime(2027, 2, 10, 18, tzinfo=STOCKHOLM)
    assert webinar.starts.utcoffset().total_seconds() == 3600  # winter time in Stockholm
    assert found.held_on("event", "konferens").isoformat() == "2027-07-01"  # a date alone: the day's start
    assert found.get("ebook", "hushallsbudgeten").starts is None
    assert found.held_on("webinar", "finns-inte") is None


def test_only_open_and_upcoming_entries_are_offered():
    found = parse_catalogue(GOOD)
    before = datetime(2027, 2, 10, 16, 59, tzinfo=UTC)  # 17:59 in Stockholm
    at_start = datetime(2027, 2, 10, 17, 0, tzinfo=UTC)  # 18:00 in Stockholm: it has started, closed by itself
    assert list(found.offered("webinar", before)) == ["budget-pa-en-timme"]  # "stangt" is closed in the file
    assert list(found.offered("webinar", at_start)) == []
    assert list(found.offered("ebook", at_start)) == ["hushallsbudgeten"]


def bad(entry: str, kind: str = "webinar") -> str:
    return f"[[{kind}]]\n{entry}\n"


BASE = 'slug = "w"\ntitle = "W"\nstarts = 2027-02-10T18:00:00\nopen = true\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[webinar]\nslug = 1", "catalogue.toml: not valid TOML"),
        ("[[kurs]]\nslug = 'x'", "catalogue.toml: unknown table [[kurs]]"),
        ("webinar = 1", "catalogue.toml: [[webinar]] must be an array of tables"),
        (bad(BASE.replace('"w"', '"Fel Slug"')), "catalogue.toml: webinar 'Fel Slug': 'slug' must be a-z"),
        (bad(BASE.replace('slug = "w"\n', "")), "catalogue.toml: webinar no. 1: 'slug' must be"),
        (bad(BASE.replace('title = "W"', 'title = ""')), "catalogue.toml: webinar 'w': 'title' must be a text"),
        (bad(BASE.replace("open = true", 'open = "ja"')), "catalogue.toml: webinar 'w': 'open' must be true or false"),
        (bad(BASE.replace("open = true\n", "")), "catalogue.toml: webinar 'w': 'open' must be true or false"),
        (bad(BASE.replace("starts = 2027-02-10T18:00:00\n", "")), "catalogue.toml: webinar 'w': 'starts' is missing"),
        (bad(BASE.replace("2027-02-10T18:00:00", '"i morgon"')), "'starts' must be a local date-time"),
        (bad(BASE.replace("2027-02-10T18:00:00", "2027-02-10T18:00:00+01:00")), "'starts' must be Swedish local"),
        (bad(BASE + "capacity = 0"), "catalogue.toml: webinar 'w': 'capacity' must be a whole number"),
        (bad(BASE + "capacity = 2.5"), "'capacity' must be a whole number"),
        (bad(BASE + "capacity = true"), "'capacity' must be a whole number"),
        (bad(BASE + 'plats = "Zoom"'), "catalogue.toml: webinar 'w': 'plats' is not a key of this entry"),
        (bad('slug = "e"\ntitle = "E"\nopen = true\ncapacity = 5', "ebook"), "ebook 'e': 'capacity' is not a key"),
        (bad(BASE) + bad(BASE), "catalogue.toml: webinar 'w': the slug is used twice"),
    ],
)
def test_a_bad_file_names_the_file_the_entry_and_the_key(text, expected):
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(text)
    assert expected in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CatalogueError, match="catalogue.toml: cannot be read"):
        load_catalogue(tmp_path / "catalogue.toml")
