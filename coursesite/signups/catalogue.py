"""The catalogue of webinars, events (courses, conferences) and e-books as content: `lessons/catalogue.toml`
(docs/content.md). Pure: reads and validates the file, and says what is offered now.

- Each entry has a slug, a Swedish title and whether it is ``open``; a webinar or event also has the local time it
  starts (``starts``, a TOML local date-time read in Europe/Stockholm) and may have a ``capacity``.
- Offered: open, and (webinars and events) not yet started. A past one closes by itself; its registrations stay.
- A bad file is refused whole, naming the file, the entry and the key (:class:`CatalogueError`): the start stops,
  nothing stored is touched.
- Loaded once, from COURSESITE_LESSONS_DIR, by app.build_services (and by the CLI's jobs), and handed to what
  reads it: the public forms (signups/forms.py: PublicForms.catalogue), the subsidiaries' sharing
  (SubsidiaryService) and the retention job (run_retention(catalogue=...)). No module holds one of its own.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "CATALOGUE_FILE",
    "KINDS",
    "Catalogue",
    "CatalogueError",
    "Entry",
    "load_catalogue",
    "parse_catalogue",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CATALOGUE_FILE = "catalogue.toml"
KINDS = ("webinar", "event", "ebook")
DATED = frozenset({"webinar", "event"})
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 60
TITLE_MAX = 200
CAPACITY_MAX = 100_000
KEYS = {"slug", "title", "open", "starts", "capacity"}


class CatalogueError(ValueError):
    """The catalogue file is wrong; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Entry:
    kind: str  # webinar, event, ebook
    slug: str
    title: str
    open: bool
    starts: datetime | None = None  # aware, Europe/Stockholm; webinars and events only
    capacity: int | None = None  # None: no limit

    @property
    def held_on(self) -> date | None:
        """The day (in Stockholm) it is held: retention and sharing run from it (privacy/ends.py)."""
        return self.starts.date() if self.starts else None

    def is_offered(self, now: datetime) -> bool:
        return self.open and (self.starts is None or now < self.starts)


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]

    def of(self, kind: str) -> dict[str, Entry]:
        return {e.slug: e for e in self.entries if e.kind == kind}

    def get(self, kind: str, slug: str) -> Entry | None:
        return self.of(kind).get(slug)

    def offered(self, kind: str, now: datetime) -> dict[str, Entry]:
        """What the form offers now: open and not yet started."""
        return {slug: e for slug, e in self.of(kind).items() if e.is_offered(now)}

    def held_on(self, kind: str, slug: str) -> date | None:
        entry = self.get(kind, slug)
        return entry.held_on if entry else None


def load_catalogue(path: Path) -> Catalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    return parse_catalogue(text, path.name)


def parse_catalogue(text: str, name: str = CATALOGUE_FILE) -> Catalogue:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{name}: not valid TOML: {exc}") from None
    for key in table:
        if key not in KINDS:
            raise CatalogueError(f"{name}: unknown table [[{key}]]; use {', '.join(f'[[{k}]]' for k in KINDS)}")
    entries: list[Entry] = []
    for kind in KINDS:
        items = table.get(kind, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise CatalogueError(f"{name}: [[{kind}]] must be an array of tables")
        seen: set[str] = set()
        for index, item in enumerate(items, start=1):
            entry = _entry(name, kind, index, item)
            if entry.slug in seen:
                raise CatalogueError(f"{name}: {kind} '{entry.slug}': the slug is used twice")
            seen.add(entry.slug)
            entries.append(entry)
    return Catalogue(tuple(entries))


def _entry(name: str, kind: str, index: int, item: dict[str, Any]) -> Entry:
    slug = item.get("slug")
    where = f"{name}: {kind} '{slug}'" if isinstance(slug, str) and slug else f"{name}: {kind} no. {index}"

    def fail(key: str, message: str) -> CatalogueError:
        return CatalogueError(f"{where}: '{key}' {message}")

    for key in item:
        if key not in KEYS or (key in ("starts", "capacity") and kind not in DATED):
            raise fail(key, "is not a key of this entry")
    if not isinstance(slug, str) or not SLUG.match(slug) or len(slug) > SLUG_MAX:
        raise fail("slug", f"must be a-z, 0-9 and - (at most {SLUG_MAX} characters), not {slug!r}")
    title = item.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        raise fail("title", f"must be a text of 1–{TITLE_MAX} characters, not {title!r}")
    is_open = item.get("open")
    if not isinstance(is_open, bool):
        raise fail("open", f"must be true or false, not {is_open!r}")
    starts: datetime | None = None
    capacity: int | None = None
    if kind in DATED:
        starts = _starts(item.get("starts"), fail)
        raw = item.get("capacity")
        if raw is not None:
            if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= CAPACITY_MAX:
                raise fail("capacity", f"must be a whole number from 1 to {CAPACITY_MAX}, not {raw!r}")
            capacity = raw
    return Entry(kind, slug, title.strip(), is_open, starts, capacity)


def _starts(value: Any, fail: Callable[[str, str], CatalogueError]) -> datetime:
    """A TOML local date-time (or a date: the day's start) read in Europe/Stockholm. An offset is refused: the file
    is in Swedish time, so a summer-time change can never shift a webinar."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise fail("starts", f"must be Swedish local time without an offset, e.g. 2027-02-10T18:00:00, not {value}")
        return value.replace(tzinfo=STOCKHOLM)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=STOCKHOLM)
    if value is None:
        raise fail("starts", "is missing: a webinar or event needs its start, e.g. starts = 2027-02-10T18:00:00")
    raise fail("starts", f"must be a local date-time, e.g. 2027-02-10T18:00:00, not {value!r}")
