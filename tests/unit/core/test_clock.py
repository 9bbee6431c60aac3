"""Today is Sweden's date, not the server's: at 00:30 in Stockholm a file is named after that day (the CI run at
23:39 UTC on 4 December found tests and file names that took the UTC date)."""

import ast
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from coursesite.core import clock
from coursesite.privacy.access import export_filename

CASES = [
    (datetime(2026, 12, 4, 22, 59, tzinfo=UTC), date(2026, 12, 4)),  # 23:59 CET
    (datetime(2026, 12, 4, 23, 0, tzinfo=UTC), date(2026, 12, 5)),  # 00:00 CET
    (datetime(2026, 12, 4, 23, 39, tzinfo=UTC), date(2026, 12, 5)),
    (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),  # 23:59 CEST
    (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),  # 00:00 CEST
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),  # a new year, and a new invoice series
]


@pytest.fixture
def moment():
    now = {"at": datetime.now(UTC)}
    clock.set_now(lambda: now["at"])
    yield now
    clock.set_now(None)


@pytest.mark.parametrize(("utc", "swedish_day"), CASES)
def test_today_is_the_date_in_stockholm(moment, utc, swedish_day):
    moment["at"] = utc
    assert clock.today() == swedish_day


def test_the_data_export_is_named_after_the_swedish_day(moment):
    moment["at"] = datetime(2026, 12, 4, 23, 39, tzinfo=UTC)
    assert export_filename("pdf") == "mina-uppgifter-2026-12-05.pdf"
    assert export_filename("j/son") == "mina-uppgifter-2026-12-05.json"


# -- one rule for the day: nothing else asks the machine for it

ROOT = Path(__file__).resolve().parents[3]


def _own_days(source: str) -> list[int]:
    """Lines that take a day other than through clock.today(): ``date.today()`` (the machine's zone) and
    ``….now(…).date()`` (UTC's day, a day behind Stockholm for an hour or two every night)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        called, on = node.func.attr, node.func.value
        if called == "today" and isinstance(on, ast.Name) and on.id in {"date", "datetime"}:
            lines.append(node.lineno)
        elif called == "date" and isinstance(on, ast.Call) and isinstance(on.func, ast.Attribute):
            if on.func.attr in {"now", "utcnow"} and not node.args:
                lines.append(node.lineno)
    return lines


def _python_files() -> list[Path]:
    return sorted(p for top in ("coursesite", "tests", "bench") for p in (ROOT / top).rglob("*.py"))


def test_nothing_takes_the_day_from_the_machine_or_utc():
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files()
        if path.name != "clock.py" and path != Path(__file__).resolve()
        for line in _own_days(path.read_text(encoding="utf-8"))
    ]
    assert offences == [], "take the day from coursesite.core.clock.today():\n" + "\n".join(offences)


def test_the_check_sees_both_forms():
    source = "date.today()\nclock.now().date()\ndatetime.now(UTC).date()\nclock.today()\nx.date()\n"
    assert _own_days(source) == [1, 2, 3]
