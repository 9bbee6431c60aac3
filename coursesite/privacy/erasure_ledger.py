"""The erasure ledger: one JSON line per erasure, kept outside the database so that a restored backup cannot bring
back a person erased after it was taken (`coursesite restore` re-applies the erasures recorded since the backup).

A line holds no personal data: the time, the erased ids (account, form person) and keyed hashes of the e-mail
addresses (HMAC-SHA256 with the settings' secret key, over the address trimmed, NFC and lower-cased). Without the key
a hash says nothing; with it, the restore finds the rows by the address they carry.

Written inside the erasure's transaction, as its last step, appended and fsynced before the commit: an erasure that
commits always has its line. A crash (or a failure) between the line and the commit leaves a line for an erasure that
did not happen; a later restore then erases that person, whose erasure had already been decided. We prefer that to
the other order, where a crash after the commit loses the line and a restore brings the person back
(docs/operations.md). A line cut short by a crash is the last one, and is skipped when read.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coursesite.settings import Settings

LEDGER_VERSION = 1
MAX_LINE_BYTES = 1_000_000


class LedgerError(Exception):
    """The ledger cannot be read: a line in the middle is not an entry (a torn last line is not an error)."""


def email_key(secret: str, email: str) -> str:
    """The keyed hash the ledger keeps instead of an address."""
    normal = unicodedata.normalize("NFC", email.strip()).lower()
    return hmac.new(secret.encode("utf-8"), normal.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    at: datetime
    account_ids: tuple[int, ...] = ()
    person_ids: tuple[int, ...] = ()
    email_keys: tuple[str, ...] = ()

    def line(self) -> str:
        return json.dumps(
            {
                "v": LEDGER_VERSION,
                "at": self.at.isoformat(),
                "account_ids": list(self.account_ids),
                "person_ids": list(self.person_ids),
                "email_keys": list(self.email_keys),
            },
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, line: str) -> LedgerEntry:
        data = json.loads(line)
        at = datetime.fromisoformat(data["at"])
        if data.get("v") != LEDGER_VERSION or at.tzinfo is None:
            raise ValueError("unknown version or a time without zone")
        ids = [tuple(int(i) for i in data[name]) for name in ("account_ids", "person_ids")]
        keys = tuple(str(k) for k in data["email_keys"])
        if any(len(k) != 64 for k in keys):
            raise ValueError("not a keyed hash")
        return cls(at=at, account_ids=ids[0], person_ids=ids[1], email_keys=keys)


class ErasureLedger:
    def __init__(self, path: Path, secret: str) -> None:
        self.path = path
        self.secret = secret

    def key(self, email: str) -> str:
        return email_key(self.secret, email)

    def entry(
        self, *, at: datetime, account_ids: Iterable[int] = (), person_ids: Iterable[int] = (), emails: Iterable[str]
    ) -> LedgerEntry:
        return LedgerEntry(
            at=at,
            account_ids=tuple(sorted(set(account_ids))),
            person_ids=tuple(sorted(set(person_ids))),
            email_keys=tuple(sorted({self.key(e) for e in emails if e})),
        )

    def append(self, entry: LedgerEntry) -> None:
        """Append the line and fsync it (and the directory, when the file is new)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (entry.line() + "\n").encode("utf-8"))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if new:
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    async def record(self, entry: LedgerEntry) -> None:
        await asyncio.to_thread(self.append, entry)  # fsync off the event loop

    def entries(self) -> list[LedgerEntry]:
        """Every entry, oldest first; none when there is no ledger yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = raw.split(b"\n")
        torn = lines.pop()  # after the last newline: empty, or a line a crash cut short
        found = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                if len(line) > MAX_LINE_BYTES:
                    raise ValueError("too long")
                found.append(LedgerEntry.parse(line.decode("utf-8")))
            except (ValueError, KeyError, TypeError) as exc:
                raise LedgerError(f"{self.path}: line {number} is not an erasure entry ({exc})") from None
        del torn  # never fsynced whole, so its erasure never committed
        return found

    def since(self, taken_at: datetime) -> list[LedgerEntry]:
        """The entries at or after `taken_at` (an erasure during the backup is re-applied too: that is harmless)."""
        return [entry for entry in self.entries() if entry.at >= taken_at]


def erasure_ledger(settings: Settings) -> ErasureLedger | None:
    """The ledger the settings name (COURSESITE_ERASURE_LEDGER), keyed with their secret; None when they name none."""
    if settings.erasure_ledger is None:
        return None
    return ErasureLedger(settings.erasure_ledger, settings.secret_key)
