"""The stored request headers (User-Agent, Accept-Language) go through the one free-text rule (core/text.py): a value
the rule refuses is not stored at all, never partly stripped (privacy/pageviews.py: stored_header)."""

from __future__ import annotations

import pytest

from coursesite.privacy.pageviews import (
    ACCEPT_LANGUAGE_MAX,
    ACCEPT_LANGUAGE_RULE,
    USER_AGENT_MAX,
    USER_AGENT_RULE,
    PageViewRecorder,
    stored_header,
)

PERSONNUMMER = "20000101-2384"
CARD = "4111 1111 1111 1111"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (FIREFOX, FIREFOX),
        ("  TestBrowser/1.0 \r\n", "TestBrowser/1.0"),  # surrounding whitespace trimmed, as for every text
        ("Bläddrare/2.0 (åäö)", "Bläddrare/2.0 (åäö)"),
        ("x" * USER_AGENT_MAX, "x" * USER_AGENT_MAX),
        (None, None),
        ("", None),
        ("   ", None),
        ("Bot\x00/1", None),  # NUL: not stored, not stored without the NUL either
        ("Bot\x01\x02/1", None),
        ("Bot\t/1", None),  # a header is one line: a tab is a control character too
        ("Bot\n/1", None),
        ("Bot\x7f/1", None),
        ("Bot\x85/1", None),  # C1 control
        ("Bot\xe2\x80\xae/1", None),  # U+202E as UTF-8 bytes, read as latin-1: a C1 control
        ("Bot\u202e/1", None),  # bidi override
        ("Bot\u2066/1\u2069", None),  # bidi isolate
        ("Bot\ud800/1", None),  # unpaired surrogate
        ("x" * (USER_AGENT_MAX + 1), None),  # too long: not cut to the column
        ("Bot\x00/1" + "y" * 600, None),
        (f"Bot/1 ({PERSONNUMMER})", None),  # a personnummer is never collected
        (f"Bot/1 {CARD}", None),
    ],
)
def test_user_agent_is_stored_as_the_rule_accepts_it_or_not_at_all(value, stored) -> None:
    assert stored_header(value, USER_AGENT_RULE) == stored


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7", "sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"),
        ("x" * ACCEPT_LANGUAGE_MAX, "x" * ACCEPT_LANGUAGE_MAX),
        ("sv;" * 100, None),
        ("sv\x00", None),
        ("sv\u202e", None),
        (PERSONNUMMER, None),
        ("", None),
    ],
)
def test_accept_language_is_stored_as_the_rule_accepts_it_or_not_at_all(value, stored) -> None:
    assert stored_header(value, ACCEPT_LANGUAGE_RULE) == stored


def test_the_recorder_buffers_a_refused_header_as_null_and_keeps_the_page_view() -> None:
    recorder = PageViewRecorder()
    recorder.record(path="/", user_agent="Bot\x00/1", accept_language=f"sv {PERSONNUMMER}", ip_address="203.0.113.9")
    assert recorder.pending == 1
    [row] = recorder._rows
    assert row["user_agent"] is None and row["accept_language"] is None
    assert row["path"] == "/" and row["ip_address"] == "203.0.113.9"


def test_a_value_seen_before_is_judged_the_same_and_a_refused_one_is_never_kept():
    """stored_header keeps the values the rule accepted unchanged (so a browser's next page view skips the scan):
    the second answer is the first, and a refused value is refused again and never held in that cache."""
    from coursesite.privacy import pageviews

    refused = f"Bläddrare/1.0 {PERSONNUMMER}"
    for _ in range(2):
        assert stored_header(FIREFOX, USER_AGENT_RULE) == FIREFOX
        assert stored_header(refused, USER_AGENT_RULE) is None
        assert stored_header("  TestBrowser/1.0 ", USER_AGENT_RULE) == "TestBrowser/1.0"
    kept = {value for _rule, value in pageviews._accepted}
    assert FIREFOX in kept
    assert refused not in kept
    assert "  TestBrowser/1.0 " not in kept  # changed by the rule (trimmed): judged again each time
    assert len(pageviews._accepted) <= pageviews.ACCEPTED_CACHE_MAX
