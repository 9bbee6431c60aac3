"""The device cookie (accounts/device.py): signed with the app's secret, bound to one account, and only so old."""

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.accounts.device import DEVICE_DAYS, read_device, sign_device

SECRET = "test-secret-key-0123456789abcdef"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_signed_cookie_reads_back_with_its_account() -> None:
    value = sign_device(SECRET, 42, NOW, nonce="abc")
    device = read_device(SECRET, value, NOW + timedelta(days=30))
    assert device is not None and (device.account_id, device.nonce) == (42, "abc")
    assert sign_device(SECRET, 42, NOW) != sign_device(SECRET, 42, NOW)  # a fresh nonce each time


def _tampered(value: str, part: int, new: str) -> str:
    parts = value.split(".")
    parts[part] = new
    return ".".join(parts)


VALUE = sign_device(SECRET, 42, NOW, nonce="abc")


@pytest.mark.parametrize(
    ("value", "secret", "when"),
    [
        (VALUE, "another-secret-0123456789abcdef", NOW),  # signed by someone else
        (_tampered(VALUE, 1, "43"), SECRET, NOW),  # another account's id put in
        (_tampered(VALUE, 2, "xyz"), SECRET, NOW),  # another nonce
        (_tampered(VALUE, 4, "0" * 64), SECRET, NOW),  # a made-up signature
        (VALUE, SECRET, NOW + timedelta(days=DEVICE_DAYS + 1)),  # too old
        (VALUE, SECRET, NOW - timedelta(hours=1)),  # issued in the future
        ("v2" + VALUE[2:], SECRET, NOW),  # unknown version
        ("", SECRET, NOW),
        (None, SECRET, NOW),
        ("a.b.c", SECRET, NOW),
        (VALUE + "x" * 300, SECRET, NOW),  # absurdly long
    ],
)
def test_anything_else_is_no_device(value, secret, when) -> None:
    assert read_device(secret, value, when) is None
