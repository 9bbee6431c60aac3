"""Unsubscribes made at the newsletter services come back (issue 11 §5): an unsubscribe export from Mailchimp or Apsis
becomes a withdrawal of the newsletter consent here, so the next export leaves the person out.

One import, one write transaction, all or nothing: the file is read first (signups/unsubscribe_files.py; a file with
any bad row changes nothing), then every address is looked up and its consents withdrawn together.

Per address in the file:
- **withdrawn**: its active `newsletter` consents given at or before the unsubscribe time get `withdrawn_at` = the
  import's time and `withdrawn_via` = the service. The address's people are those with the e-mail (a form `person`
  or an `account`) and the rows linked to them (a person's account, an account's form persons): one person, one
  consent, as on Mina uppgifter.
- **already withdrawn**: known, with newsletter consents, none active (a second import of the same file ends here).
- **consent given later**: a consent given after the unsubscribe (the person subscribed again on the site) is kept.
- **no consent**: known to us, never a newsletter consent.
- **unknown**: no person and no account with the address. Counted, never stored: we keep nothing about people we do
  not have (data minimisation), and no other column of the file is ever read.

A withdrawal here queues the art. 19 notice (signups/processors.py) to every *other* processor that received the
person in an export, never back to the service the unsubscribe came from. The import is audited as a staff change:
one row per person whose consent was withdrawn and one for the import itself, with who uploaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Invalid
from coursesite.db.accounts import Account
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import Consent, DisclosureSubject, Person
from coursesite.privacy.audit import AuditLog
from coursesite.signups.newsletter import FORMATS
from coursesite.signups.processors import NEWSLETTER_CONSENT, Received, queue, received_by_processors
from coursesite.signups.unsubscribe_files import (
    SERVICES,
    Unsubscribe,
    UnsubscribeFileError,
    parse_unsubscribes,
)

__all__ = ["IMPORT_ROLES", "SERVICES", "ImportSummary", "UnsubscribeImport"]

BATCH = 500  # addresses per look-up: well within SQLite's parameter limit
IMPORT_ROLES = frozenset({Role.FINANCE, Role.CUSTOMER_SERVICE, Role.ADMIN})


@dataclass(frozen=True)
class ImportSummary:
    service: str
    recipient: str  # "Mailchimp" | "Apsis"
    rows: int
    addresses: int
    withdrawn: int
    already_withdrawn: int
    consent_later: int
    no_consent: int
    unknown: int
    skipped: int  # rows of the file that are not unsubscribes (other Apsis events)
    notified: tuple[str, ...]  # the other processors that got a withdrawal notice
    imported_at: datetime


@dataclass
class _Address:
    unsubscribe: Unsubscribe
    people: set[int]
    accounts: set[int]


class UnsubscribeImport:
    """Imports of the newsletter services' unsubscribe exports: built once in create_app."""

    def __init__(self, engine: Engine, audit: AuditLog) -> None:
        self.engine = engine
        self.audit = audit

    async def staff_actor(self, email: str) -> int:
        """The account id of a staff member who may import (finance, customer service, admin), for the command line."""
        row = await Account.select(Account.id, Account.role).where(Account.email == email.strip().lower()).first()
        if row is None or row["role"] not in IMPORT_ROLES:
            raise Invalid("Det finns inget konto för ekonomi, kundtjänst eller administratör med den e-postadressen.")
        return row["id"]

    async def import_file(self, data: bytes, service: str, *, actor_id: int | None) -> ImportSummary:
        """Read the file and withdraw the consents it names. Invalid (with every problem, line by line, in
        field_errors["file"]) when the file cannot be read; nothing is changed then."""
        if service not in SERVICES:
            raise Invalid("Välj Mailchimp eller Apsis.", field_errors={"service": "Välj Mailchimp eller Apsis."})
        try:
            parsed = parse_unsubscribes(data, service)
        except UnsubscribeFileError as exc:
            raise Invalid(exc.summary, field_errors={"file": str(exc)}) from None
        recipient = FORMATS[service].recipient
        now = clock.now()
        counts = dict.fromkeys(("withdrawn", "already_withdrawn", "consent_later", "no_consent", "unknown"), 0)
        notified: set[str] = set()
        subjects: list[tuple[int | None, int | None]] = []
        async with write_transaction(self.engine):
            items = list(parsed.unsubscribes)
            for start in range(0, len(items), BATCH):
                addresses = await _people(items[start : start + BATCH])
                await self._withdraw(addresses, service, recipient, now, counts, notified, subjects)
            if subjects:
                await self.audit.record_many(
                    actor_id,
                    "change",
                    subjects,
                    what="consent.withdrawn_at, consent.withdrawn_via (nyhetsbrev)",
                    why=f"Avregistrerad hos {recipient}: importerad fil med avregistreringar",
                )
            await self.audit.record(
                actor_id,
                "change",
                what=f"consent (nyhetsbrev): {counts['withdrawn']} återkallade",
                why=f"Import av avregistreringar från {recipient}",
            )
        return ImportSummary(
            service=service,
            recipient=recipient,
            rows=parsed.rows,
            addresses=len(parsed.unsubscribes),
            skipped=parsed.skipped,
            notified=tuple(sorted(notified)),
            imported_at=now,
            **counts,
        )

    async def _withdraw(
        self,
        addresses: list[_Address],
        service: str,
        recipient: str,
        now: datetime,
        counts: dict[str, int],
        notified: set[str],
        subjects: list[tuple[int | None, int | None]],
    ) -> None:
        known = [a for a in addresses if a.people or a.accounts]
        counts["unknown"] += len(addresses) - len(known)
        people = set().union(*(a.people for a in known)) if known else set()
        accounts = set().union(*(a.accounts for a in known)) if known else set()
        consents: list[dict[str, Any]] = []
        if people or accounts:
            consents = await Consent.select(
                Consent.id, Consent.person, Consent.account, Consent.given_at, Consent.withdrawn_at
            ).where((Consent.kind == NEWSLETTER_CONSENT) & _owned(people, accounts))
        chosen: dict[int, list[int]] = {}  # index in `known` -> consent ids to withdraw
        for index, address in enumerate(known):
            own = [c for c in consents if c["person"] in address.people or c["account"] in address.accounts]
            active = [c for c in own if c["withdrawn_at"] is None]
            bound = address.unsubscribe.unsubscribed_at
            due = [c["id"] for c in active if bound is None or c["given_at"] <= bound]
            if due:
                chosen[index] = due
            elif active:
                counts["consent_later"] += 1
            elif own:
                counts["already_withdrawn"] += 1
            else:
                counts["no_consent"] += 1
        ids = sorted({consent_id for due in chosen.values() for consent_id in due})
        done: set[int] = set()
        for start in range(0, len(ids), BATCH):
            rows = (
                await Consent.update({Consent.withdrawn_at: now, Consent.withdrawn_via: service})
                .where(Consent.id.is_in(ids[start : start + BATCH]) & Consent.withdrawn_at.is_null())
                .returning(Consent.id)
            )
            done.update(row["id"] for row in rows)
        for index, due in chosen.items():
            address = known[index]
            if not done.intersection(due):  # withdrawn meanwhile, or by another address of the same person here
                counts["already_withdrawn"] += 1
                continue
            done.difference_update(due)
            counts["withdrawn"] += 1
            account_id = min(address.accounts) if address.accounts else None
            person_id = min(address.people) if address.people else None
            subjects.append((account_id, person_id))
            # The other processors still hold the person; the service the unsubscribe came from already knows.
            received = [
                item
                for item in await received_by_processors(_subject_link(address.people, address.accounts))
                if item.recipient != recipient
            ]
            notified.update(await _queue_withdrawal(received, now, account_id, person_id))


async def _queue_withdrawal(
    received: list[Received], now: datetime, account_id: int | None, person_id: int | None
) -> tuple[str, ...]:
    if not received:
        return ()
    return await queue("withdrawal", received, now=now, account_id=account_id, person_id=person_id)


def _owned(people: Iterable[int], accounts: Iterable[int]) -> Any:
    people, accounts = list(people), list(accounts)
    condition: Any = None
    if people:
        condition = Consent.person.is_in(people)
    if accounts:
        by_account = Consent.account.is_in(accounts)
        condition = by_account if condition is None else condition | by_account
    return condition


def _subject_link(people: set[int], accounts: set[int]) -> Any:
    condition: Any = None
    if people:
        condition = DisclosureSubject.person.is_in(sorted(people))
    if accounts:
        by_account = DisclosureSubject.account.is_in(sorted(accounts))
        condition = by_account if condition is None else condition | by_account
    return condition if condition is not None else DisclosureSubject.id.is_null()


async def _people(batch: list[Unsubscribe]) -> list[_Address]:
    """Each address with the people it names: the person and account with the e-mail, and the rows linked to them."""
    emails = [u.email for u in batch]
    persons = await Person.select(Person.id, Person.email, Person.account).where(Person.email.is_in(emails))
    accounts = await Account.select(Account.id, Account.email).where(Account.email.is_in(emails))
    by_email: dict[str, _Address] = {u.email: _Address(u, set(), set()) for u in batch}
    for row in persons:
        by_email[row["email"]].people.add(row["id"])
        if row["account"] is not None:
            by_email[row["email"]].accounts.add(row["account"])
    for row in accounts:
        by_email[row["email"]].accounts.add(row["id"])
    owners: dict[int, list[_Address]] = {}
    for address in by_email.values():
        for account_id in address.accounts:
            owners.setdefault(account_id, []).append(address)
    if owners:
        linked = await Person.select(Person.id, Person.account).where(Person.account.is_in(sorted(owners)))
        for row in linked:
            for address in owners[row["account"]]:
                address.people.add(row["id"])
    return list(by_email.values())
