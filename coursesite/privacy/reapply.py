"""Re-applying the erasures of the erasure ledger after a restore (`coursesite restore`, ops/backup.py).

A restored backup holds everyone erased after it was taken. Each ledger entry since then names the erased account
and form-person ids and the keyed hashes of their e-mail addresses; every account or form person found by either is
erased again the same way (privacy/erasure.py), so the accounting records are kept as they were the first time. An
erasure that finds nothing (the person came after the backup) is simply nothing to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.engine.base import Engine

from coursesite.core.errors import Conflict, NotFound
from coursesite.db.accounts import Account
from coursesite.db.privacy import Person
from coursesite.privacy.erasure import erase_account, erase_person
from coursesite.privacy.erasure_ledger import ErasureLedger

REAPPLIED_WHY = "Radering gjord på nytt efter återställning av en säkerhetskopia"


@dataclass(frozen=True)
class ReapplyReport:
    entries: int  # ledger entries since the backup was taken
    accounts: int  # accounts erased again
    people: int  # form people (without an account) erased again
    skipped: int  # found but not erasable this way (a staff account with the address)

    def line(self) -> str:
        return (
            f"{self.entries} erasure(s) recorded since the backup: {self.accounts} account(s) and "
            f"{self.people} form person(s) erased again" + (f", {self.skipped} skipped" if self.skipped else "")
        )


async def reapply_erasures(
    engine: Engine, ledger: ErasureLedger, *, since: datetime, login_secret: str | None
) -> ReapplyReport:
    entries = ledger.since(since)
    account_ids = {i for entry in entries for i in entry.account_ids}
    person_ids = {i for entry in entries for i in entry.person_ids}
    keys = {k for entry in entries for k in entry.email_keys}
    if not entries:
        return ReapplyReport(0, 0, 0, 0)

    accounts = skipped = people = 0
    for row in await Account.select(Account.id, Account.email).order_by(Account.id):
        if row["id"] in account_ids or ledger.key(row["email"]) in keys:
            try:
                await erase_account(
                    engine,
                    account_id=row["id"],
                    actor_id=None,
                    case_id=None,
                    login_secret=login_secret,
                    why=REAPPLIED_WHY,
                )
                accounts += 1
            except (Conflict, NotFound):
                skipped += 1
    # After the accounts: their erasure took the form people with the same address already.
    for row in await Person.select(Person.id, Person.email).order_by(Person.id):
        if row["id"] in person_ids or ledger.key(row["email"]) in keys:
            try:
                await erase_person(engine, person_id=row["id"], actor_id=None, case_id=None)
                people += 1
            except NotFound:
                pass  # taken with an account erased above
            except Conflict:
                skipped += 1
    return ReapplyReport(len(entries), accounts, people, skipped)
