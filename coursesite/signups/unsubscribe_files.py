"""The newsletter services' unsubscribe exports, read (issue 11 §5). Pure: bytes in, addresses and times out.

What comes back is only what a withdrawal needs: the normalised e-mail and when the person unsubscribed. Every other
column (names, campaign, reason, IP, notes) is ignored and never leaves this module.

The formats:

- **Mailchimp**, the *unsubscribed* members export (Audience → Export; `unsubscribed_members_export_….csv` in the zip,
  or a segment of unsubscribed contacts exported to CSV): UTF-8, comma-separated, quoted where needed. Columns
  `"Email Address"`, `"First Name"`, `"Last Name"`, the audience's own fields, then `MEMBER_RATING`, `OPTIN_TIME`, …,
  `UNSUB_TIME`, `UNSUB_CAMPAIGN_TITLE`, `UNSUB_CAMPAIGN_ID`, `UNSUB_REASON`, `UNSUB_REASON_OTHER`, `LEID`, `EUID`,
  `NOTES`, `TAGS`. `UNSUB_TIME` is `YYYY-MM-DD HH:MM:SS` in UTC. The column `UNSUB_TIME` is required: the *subscribed*
  members export has the same first columns but not it, and importing that file by mistake must fail, not withdraw
  everyone. A `;` file (the export opened and saved again by Swedish Excel) is read too.
- **Apsis**: either the Apsis One email event export (`address`, `type`, `event_time` in milliseconds since the Unix
  epoch, among others; only rows of type `UNSUBSCRIBED` and `ABUSE` count, since Apsis opts out a person who reports
  spam, and the other events are skipped), or an opt-out list (Apsis Pro's opt-out list, a profile export of the
  unsubscribed, or a file made for Apsis's own unsubscribe import): an e-mail column (`Email`, `E-post`,
  `Email address`, `E-mail`, `address`) and, when there is one, a date column (`Opt-out date`, `OptOutDate`,
  `Unsubscribed`, `Avregistrerad`, `Date`, `Datum`, `Timestamp`). Delimiters are Apsis's own: `; , \\t |`. A time
  without a zone is Swedish time (Apsis's account time zone here); a date alone means the end of that day.

Either service: a UTF-8 byte order mark is dropped; CRLF, LF or CR line ends; blank lines are skipped; header names
are matched without regard to case, spaces, `_` and `-`; extra columns are ignored; a row shorter than the header
lacks the columns past its end. A file must be UTF-8, hold no NUL byte, be at most :data:`MAX_FILE_BYTES` and at most
:data:`MAX_ROWS` rows.

All or nothing: every problem is collected with its line (the first line of the record, as an editor shows it) and
the column's name as the file spells it, and one :class:`UnsubscribeFileError` lists them all; the caller applies
nothing then. An address listed twice counts once, with its latest time (a row without a time wins: no bound).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from coursesite.accounts.validation import normalise_email

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS",
    "MAX_ROWS",
    "SERVICES",
    "Unsubscribe",
    "UnsubscribeFile",
    "UnsubscribeFileError",
    "parse_unsubscribes",
]

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000  # data rows: far beyond the unsubscribes of one newsletter between two imports
MAX_PROBLEMS = 200  # listed; the rest are counted
SERVICES = ("mailchimp", "apsis")
STOCKHOLM = ZoneInfo("Europe/Stockholm")
APSIS_UNSUBSCRIBE_TYPES = frozenset({"UNSUBSCRIBED", "ABUSE"})
EPOCH_UNKNOWN_BEFORE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Unsubscribe:
    email: str  # normalised: trimmed, NFC, lower-cased
    unsubscribed_at: datetime | None  # aware; None when the file gives no time
    line: int  # where it was (the last row when the address was listed more than once)


@dataclass(frozen=True)
class UnsubscribeFile:
    service: str
    unsubscribes: tuple[Unsubscribe, ...]  # one per address, in the file's order
    rows: int  # data rows read (blank lines not counted)
    skipped: int  # rows that are not unsubscribes (other Apsis events)


class UnsubscribeFileError(ValueError):
    """The file cannot be imported; `problems` are Swedish lines, each naming the line and the column."""

    def __init__(self, problems: Sequence[str], *, more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        listed = "\n".join(self.problems)
        if more:
            listed += f"\n… och {more} fel till."
        super().__init__(listed)

    @property
    def summary(self) -> str:
        count = len(self.problems) + self.more
        if count == 1:
            return "Filen importerades inte: den har ett fel. Ingenting ändrades."
        return f"Filen importerades inte: den har {count} fel. Ingenting ändrades."


@dataclass(frozen=True)
class _Layout:
    delimiters: tuple[str, ...]
    email: tuple[str, ...]  # accepted names of the e-mail column, as shown in messages (first = the usual one)
    time: tuple[str, ...]
    time_required: bool
    naive_zone: tzinfo
    type_column: tuple[str, ...] = ()  # Apsis's event export: only some event types are unsubscribes


LAYOUTS = {
    "mailchimp": _Layout(
        delimiters=(",", ";"),
        email=("Email Address", "E-mail Address", "Email"),
        time=("UNSUB_TIME",),
        time_required=True,
        naive_zone=UTC,
    ),
    "apsis": _Layout(
        delimiters=(";", ",", "\t", "|"),
        email=("Email", "E-post", "E-postadress", "Email address", "E-mail", "address"),
        time=(
            "event_time",
            "Opt-out date",
            "OptOutDate",
            "Unsubscribed",
            "Avregistrerad",
            "Date",
            "Datum",
            "Timestamp",
        ),
        time_required=False,
        naive_zone=STOCKHOLM,
        type_column=("type",),
    ),
}


def _key(name: str) -> str:
    """A header name as matched: case, spaces, `_`, `-` and surrounding quotes do not count."""
    return re.sub(r"[\s_\-]+", "", name.strip().strip('"').casefold())


def _find(header: Sequence[str], names: Sequence[str]) -> int | None:
    wanted = {_key(name) for name in names}
    for index, name in enumerate(header):
        if _key(name) in wanted:
            return index
    return None


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsubscribeFileError(["Filen är sparad som UTF-16. Spara den som CSV med teckenkodningen UTF-8."])
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UnsubscribeFileError([f"Rad {line}: filen innehåller ett NUL-tecken. Det är inte en CSV-fil i UTF-8."])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnsubscribeFileError(
            [f"Rad {line}: filen är inte i UTF-8. Exportera den igen, eller spara den som CSV med UTF-8."]
        ) from None


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its fields); csv.Error becomes a problem on that line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise UnsubscribeFileError(
                [f"Rad {start}: citattecknen stämmer inte (ett fält börjar eller slutar fel)."]
            ) from None
        yield start, row
        start = reader.line_num + 1


def _header(text: str, layout: _Layout) -> tuple[str, list[str], int, int]:
    """The delimiter, the header, its line, and the e-mail column: the first delimiter whose header has it."""
    first_line = 1
    for line in text.splitlines():
        if line.strip():
            break
        first_line += 1
    else:
        raise UnsubscribeFileError(["Filen är tom."])
    for delimiter in layout.delimiters:
        try:
            line_no, row = next((n, r) for n, r in _records(text, delimiter) if any(cell.strip() for cell in r))
        except UnsubscribeFileError:  # quotes that only another delimiter explains
            continue
        index = _find(row, layout.email)
        if index is not None:
            return delimiter, row, line_no, index
    others = " eller ".join(f'"{name}"' for name in layout.email[1:])
    also = f" (eller {others})" if others else ""
    raise UnsubscribeFileError([f'Rad {first_line}: kolumnen "{layout.email[0]}"{also} saknas.'])


def _parse_time(value: str, zone: tzinfo) -> datetime | None:
    """Milliseconds (or seconds) since the Unix epoch, or an ISO 8601 date or time; raises ValueError. An epoch
    time before 2000 is no time: Apsis writes 0, or a time in 1970, when the event came without one."""
    value = value.strip()
    if value.isdigit():
        number = int(value)
        seconds = number / 1000 if number >= 100_000_000_000 else number  # ms since 1973 are more than 10^11
        moment = datetime.fromtimestamp(seconds, UTC)
        return moment if moment >= EPOCH_UNKNOWN_BEFORE else None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        day = date.fromisoformat(value)
        end = datetime.combine(day, time.max)  # a date alone: the whole day is before the unsubscribe
        return end.replace(tzinfo=zone).astimezone(UTC)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?", value):
        raise ValueError(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def parse_unsubscribes(data: bytes, service: str) -> UnsubscribeFile:
    """Read a service's unsubscribe export; UnsubscribeFileError lists every problem (nothing is half-read)."""
    if service not in LAYOUTS:
        raise ValueError(f"unknown newsletter service {service!r}")
    if len(data) > MAX_FILE_BYTES:
        raise UnsubscribeFileError([f"Filen är för stor: högst {MAX_FILE_BYTES // (1024 * 1024)} MB."])
    layout = LAYOUTS[service]
    text = _decode(data)
    delimiter, header, header_line, email_at = _header(text, layout)
    time_at = _find(header, layout.time)
    type_at = _find(header, layout.type_column) if layout.type_column else None
    if time_at is None and layout.time_required:
        raise UnsubscribeFileError(
            [
                f'Rad {header_line}: kolumnen "{layout.time[0]}" saknas. Välj Mailchimps export av avregistrerade '
                "(unsubscribed), inte den av prenumeranter."
            ]
        )
    email_name = header[email_at].strip()
    time_name = header[time_at].strip() if time_at is not None else ""
    type_name = header[type_at].strip() if type_at is not None else ""

    problems: list[str] = []
    more = 0
    found: dict[str, Unsubscribe] = {}
    rows = skipped = 0

    def problem(message: str) -> None:
        nonlocal more
        if len(problems) < MAX_PROBLEMS:
            problems.append(message)
        else:
            more += 1

    for line, row in _records(text, delimiter):
        if line <= header_line or not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise UnsubscribeFileError([f"Filen har fler än {MAX_ROWS:,} rader. Dela upp den.".replace(",", " ")])
        if type_at is not None:
            if type_at >= len(row):
                problem(f'Rad {line}: kolumnen "{type_name}" saknas.')
                continue
            if row[type_at].strip().upper() not in APSIS_UNSUBSCRIBE_TYPES:
                skipped += 1
                continue
        if email_at >= len(row):
            problem(f'Rad {line}: kolumnen "{email_name}" saknas.')
            continue
        raw_email = row[email_at].strip()
        if not raw_email:
            problem(f'Rad {line}: kolumnen "{email_name}" är tom.')
            continue
        try:
            email = normalise_email(raw_email)
        except ValueError:
            problem(f'Rad {line}: kolumnen "{email_name}" är inte en e-postadress.')
            continue
        when: datetime | None = None
        if time_at is not None and time_at >= len(row) and layout.time_required:
            problem(f'Rad {line}: kolumnen "{time_name}" saknas.')
            continue
        if time_at is not None and time_at < len(row) and row[time_at].strip():
            try:
                when = _parse_time(row[time_at], layout.naive_zone)
            except (ValueError, OverflowError, OSError):
                problem(f'Rad {line}: kolumnen "{time_name}" är inte en tidpunkt (till exempel 2025-03-01 14:30:00).')
                continue
        earlier = found.get(email)
        if earlier is not None:
            if earlier.unsubscribed_at is None:
                when = None
            elif when is not None:
                when = max(when, earlier.unsubscribed_at)
        found[email] = Unsubscribe(email, when, line)
    if problems:
        raise UnsubscribeFileError(problems, more=more)
    return UnsubscribeFile(service, tuple(found.values()), rows, skipped)
