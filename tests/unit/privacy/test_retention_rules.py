"""Pure retention rules: Bokföringslagen's period (domain.md §5), calendar months, IP truncation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from coursesite.privacy.pageviews import is_page_path, valid_ip
from coursesite.privacy.retention import (
    RetentionPolicy,
    bookkeeping_erasable,
    bookkeeping_erase_before,
    bookkeeping_kept_through,
    months_before,
    truncate_ip,
)
from coursesite.settings import Settings


def test_bookkeeping_domain_vector():
    # domain.md §5: an invoice of 2025-03-14 is kept through 2032-12-31 and erased from 2033-01-01.
    assert bookkeeping_kept_through(date(2025, 3, 14)) == date(2032, 12, 31)
    assert not bookkeeping_erasable(date(2025, 3, 14), date(2032, 12, 31))
    assert bookkeeping_erasable(date(2025, 3, 14), date(2033, 1, 1))


@pytest.mark.parametrize(
    "record, kept_through",
    [
        (date(2025, 1, 1), date(2032, 12, 31)),
        (date(2025, 12, 31), date(2032, 12, 31)),
        (date(2024, 2, 29), date(2031, 12, 31)),
        (date(2026, 1, 1), date(2033, 12, 31)),
    ],
)
def test_bookkeeping_kept_through_the_seventh_year_after_the_calendar_year(record, kept_through):
    assert bookkeeping_kept_through(record) == kept_through


@pytest.mark.parametrize("today", [date(2032, 12, 31), date(2033, 1, 1), date(2033, 6, 30), date(2040, 1, 1)])
@pytest.mark.parametrize(
    "record", [date(2024, 12, 31), date(2025, 1, 1), date(2025, 3, 14), date(2025, 12, 31), date(2026, 1, 1)]
)
def test_the_sql_bound_agrees_with_the_rule(record, today):
    assert (record < bookkeeping_erase_before(today)) == bookkeeping_erasable(record, today)


@pytest.mark.parametrize(
    "moment, months, expected",
    [
        (datetime(2026, 3, 15, 12, 0, tzinfo=UTC), 13, datetime(2025, 2, 15, 12, 0, tzinfo=UTC)),
        (datetime(2026, 3, 31, 8, 0, tzinfo=UTC), 1, datetime(2026, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime(2024, 3, 31, tzinfo=UTC), 1, datetime(2024, 2, 29, tzinfo=UTC)),
        (datetime(2026, 1, 10, tzinfo=UTC), 24, datetime(2024, 1, 10, tzinfo=UTC)),
        (datetime(2026, 1, 10, tzinfo=UTC), 36, datetime(2023, 1, 10, tzinfo=UTC)),
        (datetime(2026, 12, 1, tzinfo=UTC), 12, datetime(2025, 12, 1, tzinfo=UTC)),
    ],
)
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected


@pytest.mark.parametrize(
    "address, truncated",
    [
        ("203.0.113.77", "203.0.113.0"),
        ("192.168.1.255", "192.168.1.0"),
        ("10.0.0.0", "10.0.0.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::"),
        ("2001:0db8:0001:ffff::1", "2001:db8:1::"),
        ("::1", "::"),
        ("::ffff:198.51.100.23", "198.51.100.0"),  # IPv4 mapped into IPv6: truncated as IPv4
        ("testclient", None),
        ("", None),
        (None, None),
        ("300.1.2.3", None),
    ],
)
def test_truncate_ip(address, truncated):
    assert truncate_ip(address) == truncated


def test_truncated_addresses_stay_truncated():
    for address in ("203.0.113.77", "2001:db8:85a3:8d3::1"):
        assert truncate_ip(truncate_ip(address)) == truncate_ip(address)


def test_only_ip_addresses_are_recorded():
    assert valid_ip("203.0.113.7") == "203.0.113.7"
    assert valid_ip("2001:DB8::1") == "2001:db8::1"
    assert valid_ip("testclient") is None and valid_ip(None) is None and valid_ip("1" * 100) is None


@pytest.mark.parametrize(
    "path, page",
    [
        ("/", True),
        ("/kurs", True),
        ("/staticsida", True),
        ("/static/site.css", False),
        ("/api/v1/course", False),
        ("/healthz", False),
        ("/schema/openapi.json", False),
        ("/api", False),
    ],
)
def test_page_paths(path, page):
    assert is_page_path(path) is page


def test_the_retention_policy_takes_the_page_view_periods_from_the_settings():
    assert RetentionPolicy.from_settings(Settings()) == RetentionPolicy(ip_truncate_days=7, page_view_months=13)
    settings = Settings(page_view_ip_days=3, page_view_retention_months=6, login_window_seconds=60)
    policy = RetentionPolicy.from_settings(settings)
    assert (policy.ip_truncate_days, policy.page_view_months, policy.login_window_seconds) == (3, 6, 60)
