"""core/tokens.py: one-time token shape, hashing, lifetimes and expiry; signed unsubscribe tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.core import tokens
from coursesite.core.tokens import TokenPurpose

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SECRET = "a-secret-key-for-tests-0123456789"


def test_new_tokens_are_url_safe_unique_and_recognised():
    made = {tokens.new_token() for _ in range(200)}
    assert len(made) == 200
    assert all(len(token) == tokens.TOKEN_LENGTH and tokens.looks_like_token(token) for token in made)


def test_only_the_sha256_is_stored():
    token = tokens.new_token()
    digest = tokens.token_hash(token)
    assert len(digest) == 64 and token not in digest
    assert digest == tokens.token_hash(token)
    assert digest != tokens.token_hash(tokens.new_token())


@pytest.mark.parametrize(
    "value, expected",
    [
        ("A" * 43, True),
        ("a-_9" * 10 + "abc", True),
        ("A" * 42, False),
        ("A" * 44, False),
        ("A" * 42 + "=", False),
        ("A" * 42 + "+", False),
        ("A" * 42 + "\x00", False),
        ("Å" * 43, False),
        ("", False),
        (None, False),
        (12345, False),
    ],
)
def test_looks_like_token(value, expected):
    assert tokens.looks_like_token(value) is expected


@pytest.mark.parametrize(
    "purpose, lifetime",
    [
        (TokenPurpose.VERIFY_EMAIL, timedelta(hours=48)),
        (TokenPurpose.PASSWORD_RESET, timedelta(hours=1)),
        (TokenPurpose.REQUEST_CONFIRM, timedelta(days=7)),
        (TokenPurpose.CONSENT_CONFIRM, timedelta(days=7)),
        (TokenPurpose.EXPORT_DOWNLOAD, timedelta(days=7)),
    ],
)
def test_lifetimes(purpose, lifetime):
    assert tokens.lifetime(purpose) == lifetime
    assert tokens.expires_at(purpose.value, NOW) == NOW + lifetime


def test_every_stored_purpose_has_a_lifetime_and_the_longest_is_a_week():
    # privacy/registry.py says "högst en vecka" about the token rows.
    stored = set(TokenPurpose) - tokens.SIGNED_PURPOSES
    assert set(tokens.LIFETIMES) == stored
    assert max(tokens.LIFETIMES.values()) == timedelta(days=7)


def test_signed_purposes_have_no_lifetime():
    with pytest.raises(ValueError, match="signed"):
        tokens.lifetime(TokenPurpose.UNSUBSCRIBE)


EXPIRES = NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    "used, now, usable",
    [
        (None, NOW, True),
        (None, EXPIRES - timedelta(seconds=1), True),
        (None, EXPIRES, False),  # the expiry moment itself is too late
        (None, EXPIRES + timedelta(days=1), False),
        (NOW, NOW, False),
    ],
)
def test_is_usable(used, now, usable):
    assert tokens.is_usable(expires=EXPIRES, used=used, now=now) is usable


@pytest.mark.parametrize(
    "used, now, erasable",
    [
        (None, NOW, False),
        (None, EXPIRES, True),
        (NOW, NOW + timedelta(minutes=30), False),  # a used token is kept a while: "already used" can be said
        (NOW, EXPIRES, True),  # ... unless it expired first
        (NOW - timedelta(days=1), NOW, True),
    ],
)
def test_erasable(used, now, erasable):
    assert tokens.erasable(expires=EXPIRES, used=used, now=now) is erasable


def test_signed_unsubscribe_tokens_round_trip():
    for subject in (tokens.account_subject(12), tokens.person_subject(987654321)):
        token = tokens.sign(SECRET, TokenPurpose.UNSUBSCRIBE, subject)
        assert tokens.unsign(SECRET, "unsubscribe", token) == subject
        assert all(ch.isalnum() or ch in "-_." for ch in token)  # safe in a URL as it is


def test_a_signed_token_is_bound_to_the_secret():
    token = tokens.sign(SECRET, TokenPurpose.UNSUBSCRIBE, "a:12")
    assert tokens.unsign(SECRET + "x", TokenPurpose.UNSUBSCRIBE, token) is None


def _tampered() -> list[str]:
    good = tokens.sign(SECRET, TokenPurpose.UNSUBSCRIBE, "a:12")
    other = tokens.sign(SECRET, TokenPurpose.UNSUBSCRIBE, "a:13")
    subject, signature = good.split(".")
    return [
        other.split(".")[0] + "." + signature,  # another subject with this signature
        subject + "." + signature[:-2],  # truncated
        subject + "." + signature + "A",
        subject + ".!" + signature,  # a stray character base64 would skip
        subject + "..",
        subject,
        "",
        "x" * 300,
        good + "." + signature,
    ]


@pytest.mark.parametrize("token", _tampered())
def test_altered_signed_tokens_are_refused(token):
    assert tokens.unsign(SECRET, TokenPurpose.UNSUBSCRIBE, token) is None


@pytest.mark.parametrize("subject", ["a:0", "a:-1", "x:1", "a:1 ", "a:01", "a:" + "9" * 19, "12"])
def test_only_account_or_person_subjects_are_signed(subject):
    with pytest.raises(ValueError):
        tokens.sign(SECRET, TokenPurpose.UNSUBSCRIBE, subject)


def test_stored_purposes_are_not_signed():
    with pytest.raises(ValueError, match="TokenService"):
        tokens.sign(SECRET, TokenPurpose.PASSWORD_RESET, "a:1")
