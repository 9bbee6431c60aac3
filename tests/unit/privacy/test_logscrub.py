"""privacy/logscrub.py: what a log line may never hold."""

from __future__ import annotations

import pytest

from coursesite.privacy.logscrub import EMAIL, IP, PERSONAL_NUMBER, QUOTED, SECRET, scrub, scrub_values


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("mail to anna.andersson+kurs@example.se failed", "anna.andersson+kurs@example.se", EMAIL),
        ("user=anna@example.se", "anna@example.se", EMAIL),
        ("pnr 000101-2384 in a note", "000101-2384", PERSONAL_NUMBER),
        ("pnr 200001012384", "200001012384", PERSONAL_NUMBER),
        ("card 4111 1111 1111 1111", "4111 1111 1111 1111", PERSONAL_NUMBER),
        ("from 203.0.113.7 via proxy", "203.0.113.7", IP),
        ("peer [2001:db8::1]:443", "2001:db8::1", IP),
        ("peer ::ffff:10.0.0.1", "10.0.0.1", IP),
        ("Authorization: Bearer abcDEF123456", "abcDEF123456", SECRET),
        ("session=Zq3kP0_-aa", "Zq3kP0_-aa", SECRET),
        ("token Zq3kP0aVb7Xc9Yd1We2Rf3Tg4Hh5Jj6Kk7Ll8Mm9Nn0", "Zq3kP0aVb7Xc9Yd1We2Rf3Tg4Hh5Jj6Kk7Ll8Mm9Nn0", SECRET),
        ("hash 9f86d081884c7d659a2feaa0c55ad015", "9f86d081884c7d659a2feaa0c55ad015", SECRET),
    ],
)
def test_each_kind_is_replaced(text, secret, placeholder):
    scrubbed = scrub(text)
    assert secret not in scrubbed
    assert placeholder in scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "GET /api/v1/finance/invoices/{number:str} 200",
        'File "/work/.venv/lib/python3.11/site-packages/litestar/routes/http.py", line 81, in handle',
        "page views: 12 rows not stored yet (OperationalError)",
        "at 12:30:45 the sender woke",
        "test_every_route_has_a_guard and organisation 556047-3521",
        "version 1.2.3 of a library",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert scrub(text) == text


def test_scrub_is_idempotent_and_bounded():
    text = "anna@example.se 000101-2384 203.0.113.7 " * 3
    once = scrub(text)
    assert scrub(once) == once
    assert len(scrub("x" * 50_000)) < 20_100


def test_an_exception_message_loses_its_quoted_values():
    message = str(ValueError("invalid literal for int() with base 10: 'Zelmira Quistgaard'"))
    scrubbed = scrub_values(message)
    assert "Zelmira" not in scrubbed
    assert scrubbed == f"invalid literal for int() with base 10: {QUOTED}"
    assert scrub_values(str(KeyError("Quistgaard"))) == QUOTED
