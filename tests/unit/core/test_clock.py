"""Today is Sweden's date, not the server's: at 00:30 in Stockholm a file is named after that day (the CI run at
23:39 UTC on 4 December found tests and file names that took the UTC date)."""

from datetime import UTC, date, datetime

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
