"""The erasure ledger's file (privacy/erasure_ledger.py): one JSON line per erasure with ids and keyed hashes only,
read back in order, a line cut short by a crash skipped, anything else refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coursesite.privacy.erasure_ledger import ErasureLedger, LedgerError, email_key

SECRET = "a-test-secret-of-some-length-0123"
AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_the_key_is_keyed_and_normalised():
    assert email_key(SECRET, " Anna@Example.se ") == email_key(SECRET, "anna@example.se")
    assert email_key(SECRET, "anna@example.se") != email_key("another-secret-0123456789", "anna@example.se")
    assert len(email_key(SECRET, "anna@example.se")) == 64


def test_entries_hold_ids_and_keyed_hashes_only(tmp_path):
    ledger = ErasureLedger(tmp_path / "var" / "ledger.jsonl", SECRET)
    ledger.append(ledger.entry(at=AT, account_ids=[7], person_ids=[3, 3, 2], emails=["anna@example.se"]))
    text = ledger.path.read_text()
    assert "anna" not in text.lower() and text.endswith("\n")
    [entry] = ledger.entries()
    assert entry.account_ids == (7,) and entry.person_ids == (2, 3)
    assert entry.email_keys == (ledger.key("ANNA@example.se"),)
    assert (ledger.path.stat().st_mode & 0o777) == 0o600


def test_since_and_a_torn_last_line(tmp_path):
    ledger = ErasureLedger(tmp_path / "ledger.jsonl", SECRET)
    assert ledger.entries() == []  # no ledger yet
    ledger.append(ledger.entry(at=datetime(2026, 1, 1, tzinfo=UTC), account_ids=[1], emails=[]))
    ledger.append(ledger.entry(at=AT, account_ids=[2], emails=[]))
    with ledger.path.open("a") as stream:
        stream.write('{"v":1,"at":"2026-12-0')  # a crash in the middle of a write: that erasure never committed
    assert [e.account_ids for e in ledger.since(AT)] == [(2,)]
    assert len(ledger.entries()) == 2


def test_a_damaged_line_is_refused(tmp_path):
    ledger = ErasureLedger(tmp_path / "ledger.jsonl", SECRET)
    ledger.append(ledger.entry(at=AT, account_ids=[1], emails=[]))
    with ledger.path.open("a") as stream:
        stream.write("not json\n")
    with pytest.raises(LedgerError, match="line 2"):
        ledger.entries()
