"""Reading the newsletter services' unsubscribe exports (signups/unsubscribe_files.py): the real formats in
tests/data/newsletter/, the byte-level variations of a CSV file, and a message per problem naming line and column."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coursesite.signups.unsubscribe_files import (
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    UnsubscribeFileError,
    parse_unsubscribes,
)
from tests.conftest import data_path

NORA, BO, OKAND = "nora.nyhetsbrev@example.se", "bo.bokare@example.se", "okand@example.com"


def read(name: str) -> bytes:
    return data_path(f"newsletter/{name}").read_bytes()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def found(data: bytes, service: str) -> dict[str, datetime | None]:
    return {u.email: u.unsubscribed_at for u in parse_unsubscribes(data, service).unsubscribes}


def problems(data: bytes, service: str) -> list[str]:
    with pytest.raises(UnsubscribeFileError) as caught:
        parse_unsubscribes(data, service)
    return list(caught.value.problems)


# -- the services' files


@pytest.mark.parametrize(
    ("name", "service", "expected", "rows", "skipped"),
    [
        (
            "mailchimp-unsubscribed.csv",
            "mailchimp",
            {NORA: utc(2025, 3, 1, 14, 30), OKAND: utc(2025, 3, 2, 9, 15), BO: utc(2025, 3, 3, 21)},
            3,
            0,
        ),
        (
            "mailchimp-unsubscribed-excel.csv",
            "mailchimp",
            {NORA: utc(2025, 3, 1, 14, 30), BO: utc(2025, 3, 3, 21)},
            2,
            0,
        ),
        # Apsis's event export: ms since the epoch; 0 is no time; SENT, OPENED and BOUNCED are skipped
        (
            "apsis-email-events.csv",
            "apsis",
            {NORA: utc(2025, 3, 1, 15, 30), BO: None, OKAND: utc(2025, 3, 1, 15, 43, 20)},
            6,
            3,
        ),
        # An opt-out list: Swedish local time (UTC+1 in March); a date alone is the end of that day
        (
            "apsis-optout-list.csv",
            "apsis",
            {NORA: utc(2025, 3, 1, 14, 30), BO: utc(2025, 3, 3, 22, 59, 59, 999999), OKAND: None},
            3,
            0,
        ),
    ],
)
def test_the_services_files(name, service, expected, rows, skipped):
    parsed = parse_unsubscribes(read(name), service)
    assert {u.email: u.unsubscribed_at for u in parsed.unsubscribes} == expected
    assert (parsed.rows, parsed.skipped) == (rows, skipped)


def test_the_line_of_a_record_after_a_field_over_two_lines():
    parsed = parse_unsubscribes(read("mailchimp-unsubscribed.csv"), "mailchimp")
    assert [(u.email, u.line) for u in parsed.unsubscribes] == [(NORA, 2), (OKAND, 3), (BO, 5)]


def test_the_subscribed_export_is_refused_naming_the_missing_column():
    assert problems(read("mailchimp-subscribed.csv"), "mailchimp") == [
        'Rad 1: kolumnen "UNSUB_TIME" saknas. Välj Mailchimps export av avregistrerade (unsubscribed), inte den av '
        "prenumeranter."
    ]


def test_every_bad_row_is_listed_with_its_line_and_column():
    assert problems(read("mailchimp-bad-rows.csv"), "mailchimp") == [
        'Rad 3: kolumnen "Email Address" är inte en e-postadress.',
        'Rad 4: kolumnen "Email Address" är tom.',
        'Rad 5: kolumnen "UNSUB_TIME" är inte en tidpunkt (till exempel 2025-03-01 14:30:00).',
        'Rad 6: kolumnen "UNSUB_TIME" saknas.',
    ]


# -- CSV variations, the same content each time

MAILCHIMP = '"Email Address","First Name",UNSUB_TIME\r\n"Nora.Nyhetsbrev@Example.se","Nora","2025-03-01 14:30:00"\r\n'


@pytest.mark.parametrize(
    "data",
    [
        MAILCHIMP.encode(),
        ("\ufeff" + MAILCHIMP).encode(),  # BOM
        MAILCHIMP.replace("\r\n", "\n").encode(),  # LF
        MAILCHIMP.replace("\r\n", "\r").encode(),  # CR
        MAILCHIMP.replace(",", ";").encode(),  # Excel's ';'
        MAILCHIMP.replace('"', "").encode(),  # no quotes
        MAILCHIMP.replace("Email Address", "EMAIL ADDRESS").replace("UNSUB_TIME", "unsub time").encode(),
        ("\r\n\r\n" + MAILCHIMP + "\r\n\r\n,,\r\n").encode(),  # blank lines, an empty row
        MAILCHIMP.replace("UNSUB_TIME", "UNSUB_TIME,NOTES").replace(':00"', ':00","anteckning, med komma"').encode(),
        MAILCHIMP.replace(':00"', ':00",extra,fält').encode(),  # a row longer than the header
    ],
    ids=["plain", "bom", "lf", "cr", "semicolon", "unquoted", "header-case", "blank-lines", "extra-column", "long-row"],
)
def test_csv_variations_read_the_same(data):
    assert found(data, "mailchimp") == {NORA: utc(2025, 3, 1, 14, 30)}


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_apsis_takes_its_four_delimiters(delimiter):
    data = delimiter.join(["E-post", "Datum"]) + "\n" + delimiter.join([NORA, "2025-07-01T10:00:00+02:00"]) + "\n"
    assert found(data.encode(), "apsis") == {NORA: utc(2025, 7, 1, 8)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01 14:30:00", utc(2025, 3, 1, 14, 30)),
        ("2025-03-01T14:30:00Z", utc(2025, 3, 1, 14, 30)),
        ("2025-03-01T16:30:00+02:00", utc(2025, 3, 1, 14, 30)),
        ("2025-03-01 14:30", utc(2025, 3, 1, 14, 30)),
        ("2025-03-01", utc(2025, 3, 1, 23, 59, 59, 999999)),
        ("1740839400", utc(2025, 3, 1, 14, 30)),  # seconds
        ("1740839400000", utc(2025, 3, 1, 14, 30)),  # milliseconds
        ("0", None),
        ("86400000", None),  # a time in 1970: the event came without one
        ("", None),
    ],
)
def test_mailchimp_times_are_utc(value, expected):
    data = f"Email Address,UNSUB_TIME\n{NORA},{value}\n".encode()
    assert found(data, "mailchimp") == {NORA: expected}


def test_an_address_twice_counts_once_with_its_latest_time_and_no_time_wins():
    data = f"Email,Datum\n{NORA},2025-01-01 10:00\n{NORA.upper()},2025-02-01 10:00\n{BO},\n{BO},2025-01-01\n"
    parsed = parse_unsubscribes(data.encode(), "apsis")
    assert [(u.email, u.unsubscribed_at, u.line) for u in parsed.unsubscribes] == [
        (NORA, utc(2025, 2, 1, 9), 3),
        (BO, None, 5),
    ]
    assert parsed.rows == 4


def test_a_file_with_only_a_header_has_no_unsubscribes():
    parsed = parse_unsubscribes(b"Email Address,UNSUB_TIME\r\n", "mailchimp")
    assert (parsed.unsubscribes, parsed.rows) == ((), 0)


# -- refused files


@pytest.mark.parametrize(
    ("data", "service", "expected"),
    [
        (b"", "mailchimp", "Filen är tom."),
        (b"\r\n\r\n", "apsis", "Filen är tom."),
        (
            b"Namn,Tid\nNora,1\n",
            "mailchimp",
            'Rad 1: kolumnen "Email Address" (eller "E-mail Address" eller "Email") saknas.',
        ),
        (b"\nNamn;Tid\n", "apsis", 'Rad 2: kolumnen "Email" (eller'),
        (b"Email Address,UNSUB_TIME\nnora\x00@example.se,\n", "mailchimp", "Rad 2: filen innehåller ett NUL-tecken."),
        (
            "Email Address,UNSUB_TIME\nnöra@example.se,\n".encode("latin-1"),
            "mailchimp",
            "Rad 2: filen är inte i UTF-8.",
        ),
        ("Email,Datum\n".encode("utf-16"), "apsis", "Filen är sparad som UTF-16."),
        (b'Email Address,UNSUB_TIME\n"nora@example.se"x,\n', "mailchimp", "Rad 2: citattecknen stämmer inte"),
        (b'Email Address,UNSUB_TIME\n"nora@example.se,\n', "mailchimp", "Rad 2: citattecknen stämmer inte"),
        (b"address,type,event_time\nnora@example.se\n", "apsis", 'Rad 2: kolumnen "type" saknas.'),
        (b"Email,Datum\nnora@example.se,1 mars\n", "apsis", 'Rad 2: kolumnen "Datum" är inte en tidpunkt'),
        (b"Email,Datum\nnora@example.se,2025-02-30\n", "apsis", 'Rad 2: kolumnen "Datum" är inte en tidpunkt'),
        (b"Email\nnora\xe2\x80\x8b@example.se\n", "apsis", 'Rad 2: kolumnen "Email" är inte en e-postadress.'),
    ],
    ids=[
        "empty",
        "blank",
        "no-email-column",
        "no-email-column-apsis",
        "nul",
        "latin-1",
        "utf-16",
        "stray-quote",
        "open-quote",
        "short-event-row",
        "bad-time",
        "no-such-date",
        "zero-width-space",
    ],
)
def test_refused_files_say_where_and_what(data, service, expected):
    assert problems(data, service)[0].startswith(expected)


def test_a_file_over_the_size_limit_is_refused_before_reading():
    assert problems(b"x" * (MAX_FILE_BYTES + 1), "mailchimp") == ["Filen är för stor: högst 10 MB."]


def test_many_bad_rows_are_listed_up_to_a_limit_and_counted_beyond():
    data = "Email\n" + "".join(f"fel-{n}\n" for n in range(MAX_PROBLEMS + 5))
    with pytest.raises(UnsubscribeFileError) as caught:
        parse_unsubscribes(data.encode(), "apsis")
    assert len(caught.value.problems) == MAX_PROBLEMS and caught.value.more == 5
    assert caught.value.summary == f"Filen importerades inte: den har {MAX_PROBLEMS + 5} fel. Ingenting ändrades."
    assert str(caught.value).endswith("… och 5 fel till.")


def test_an_unknown_service_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown newsletter service"):
        parse_unsubscribes(b"Email\n", "sendgrid")
