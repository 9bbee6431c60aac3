"""Newsletter exports (issue 5 §2): CSV files for the processors Apsis and Mailchimp, each export logged as a
disclosure to that processor.

Who is in a file: everyone with a valid newsletter consent (``consent.kind = 'newsletter'``, confirmed through the
double opt-in and not withdrawn: signups/double_opt_in.py) who is not
restricted (``person.restricted_at`` and, for a linked account or one with the same e-mail,
``account_privacy.restricted_at`` are null) and whose profile is on (``person.profile_enabled`` and
``account_privacy.profile_enabled``). One row per e-mail. A consent held by an account alone (no ``person``) counts
too, with the account's e-mail and first name.

The formats (pure: :func:`apsis_csv` / :func:`mailchimp_csv` format rows):

- **Apsis One** (File Import Wizard): UTF-8, first row the column names (mapped to attributes in the wizard), one of
  the delimiters ``, \\t | ;``. We write ``Email;FirstName;KurssajtenID;UnsubscribeLink`` with ``;`` (names may hold
  commas), no BOM.
- **Mailchimp** (Import contacts, CSV): UTF-8, comma-separated, header
  ``"Email Address","First Name","Kurssajten ID","Unsubscribe Link"`` (the first two are names Mailchimp maps
  automatically; the others are mapped to text fields once), every value quoted.

The unsubscribe link (``{COURSESITE_PUBLIC_URL}/avsluta?token=…``, signups/consents.py) is the person's own one-click
link here: the newsletter service puts it in its messages (a merge field), so an unsubscribe made there also comes
straight back to us. It is signed, never expires, and is the same in every export.

The Kurssajten-ID (signups/processors.subscriber_ref, keyed by the site's secret) is how staff find a person in the
processor's tool when an erasure, correction, restriction or withdrawal must be passed on (art. 19) after we no
longer hold the e-mail. It is stored per person and export in ``disclosure_subject.subject_ref``.

Streaming: the disclosure row is written before the first byte, its subjects as each batch is written out, and the
count at the end; an interrupted download leaves a log of exactly the people whose rows were produced.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from piccolo.engine.base import Engine

from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.privacy import AccountPrivacy, Consent, Disclosure, DisclosureSubject, Person
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.linkage import proven_account
from coursesite.privacy.policy import NEWSLETTER_REF_FIELD as REF_FIELD
from coursesite.signups.processors import NEWSLETTER_CONSENT, subscriber_ref

__all__ = ["FORMATS", "ExportFormat", "ExportLogEntry", "Subscriber", "NewsletterExport", "format_rows"]

BATCH = 500
PURPOSE = "newsletter"
RECENT_EXPORTS = 20  # shown on the staff page


@dataclass(frozen=True)
class ExportFormat:
    recipient: str  # the processor, as logged in `disclosure.recipient`
    filename: str
    header: tuple[str, ...]
    delimiter: str
    quoting: Literal[0, 1, 2, 3]  # csv.QUOTE_MINIMAL, QUOTE_ALL …


FORMATS: dict[str, ExportFormat] = {
    "apsis": ExportFormat(
        "Apsis",
        "nyhetsbrev-apsis.csv",
        ("Email", "FirstName", "KurssajtenID", "UnsubscribeLink"),
        ";",
        csv.QUOTE_MINIMAL,
    ),
    "mailchimp": ExportFormat(
        "Mailchimp",
        "nyhetsbrev-mailchimp.csv",
        ("Email Address", "First Name", "Kurssajten ID", "Unsubscribe Link"),
        ",",
        csv.QUOTE_ALL,
    ),
}


@dataclass(frozen=True)
class Subscriber:
    email: str
    first_name: str  # "" when not given
    person_id: int | None
    account_id: int | None
    from_account: bool  # the e-mail and name come from `account`, not `person`


@dataclass(frozen=True)
class ExportLogEntry:
    """One newsletter export from the disclosure log: to whom, how many people, when (no one's data)."""

    recipient: str
    people: int
    created_at: datetime


def format_rows(fmt: ExportFormat, rows: Iterable[tuple[str, ...]], *, header: bool = False) -> str:
    """Pure: the CSV text of ``rows`` (e-mail, first name, Kurssajten-ID, unsubscribe link) in the format, with the
    header first when asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter, quoting=fmt.quoting, lineterminator="\r\n")
    if header:
        writer.writerow(fmt.header)
    writer.writerows(rows)
    return buffer.getvalue()


class NewsletterExport:
    """The newsletter exports: built once in create_app. Every export is a logged disclosure and an audited staff
    export, whoever calls :meth:`stream`."""

    def __init__(
        self, engine: Engine, audit: AuditLog, *, ref_key: str, unsubscribe_url: Callable[[Subscriber], str]
    ) -> None:
        self.engine = engine
        self.audit = audit
        self.ref_key = ref_key  # the key of the Kurssajten-ID: the site's secret
        self.unsubscribe_url = unsubscribe_url  # the person's one-click link (signups/consents.py)

    async def recent_exports(self, limit: int = RECENT_EXPORTS) -> list[ExportLogEntry]:
        """The newest newsletter exports, newest first."""
        rows = await (
            Disclosure.select(Disclosure.recipient, Disclosure.people, Disclosure.created_at)
            .where(Disclosure.purpose == PURPOSE)
            .order_by(Disclosure.created_at, ascending=False)
            .limit(max(1, min(limit, 500)))
        )
        return [ExportLogEntry(row["recipient"], row["people"], row["created_at"]) for row in rows]

    async def subscribers(self) -> AsyncIterator[list[Subscriber]]:
        """The people a newsletter may go to, in batches, one per e-mail."""
        seen: set[str] = set()
        last_id = 0
        while True:
            consents = await (
                Consent.select(Consent.id, Consent.person, Consent.account)
                .where(
                    (Consent.kind == NEWSLETTER_CONSENT)
                    & Consent.confirmed_at.is_not_null()  # double opt-in: a pending consent does not count
                    & Consent.withdrawn_at.is_null()
                    & (Consent.id > last_id)
                )
                .order_by(Consent.id)
                .limit(BATCH)
            )
            if not consents:
                return
            last_id = consents[-1]["id"]
            batch = await _eligible(consents, seen)
            if batch:
                yield batch

    async def stream(self, kind: str, *, actor_id: int | None = None) -> AsyncIterator[bytes]:
        """The CSV file for ``kind`` ("apsis" | "mailchimp"), logged as a disclosure to the processor."""
        fmt = FORMATS[kind]
        disclosure = Disclosure(
            recipient=fmt.recipient,
            purpose=PURPOSE,
            fields=json.dumps(["person.email", "person.first_name", REF_FIELD]),
            people=0,
            created_at=clock.now(),
        )
        await disclosure.save()
        await self.audit.record(
            actor_id,
            "export",
            what="person.email, person.first_name (nyhetsbrevets mottagare)",
            why=f"Nyhetsbrev: export till {fmt.recipient} (utlämnande {disclosure.id})",
        )
        yield format_rows(fmt, (), header=True).encode("utf-8")
        count = 0
        fields: set[str] = {REF_FIELD}
        async for batch in self.subscribers():
            refs = [subscriber_ref(self.ref_key, s.email) for s in batch]
            await DisclosureSubject.insert(
                *(
                    DisclosureSubject(
                        disclosure=disclosure.id, person=s.person_id, account=s.account_id, subject_ref=ref
                    )
                    for s, ref in zip(batch, refs, strict=True)
                )
            )
            for s in batch:
                prefix = "account" if s.from_account else "person"
                fields.add(f"{prefix}.email")
                if s.first_name:
                    fields.add(f"{prefix}.first_name")
            count += len(batch)
            await Disclosure.update({Disclosure.people: count, Disclosure.fields: json.dumps(sorted(fields))}).where(
                Disclosure.id == disclosure.id
            )
            rows = ((s.email, s.first_name, ref, self.unsubscribe_url(s)) for s, ref in zip(batch, refs, strict=True))
            yield format_rows(fmt, rows).encode("utf-8")
            await asyncio.sleep(0)


async def _eligible(consents: list[dict[str, Any]], seen: set[str]) -> list[Subscriber]:
    person_ids = {c["person"] for c in consents if c["person"] is not None}
    account_ids = {c["account"] for c in consents if c["person"] is None and c["account"] is not None}
    people: dict[int, dict[str, Any]] = {}
    if person_ids:
        rows = await Person.select(
            Person.id, Person.email, Person.first_name, Person.account, Person.profile_enabled, Person.restricted_at
        ).where(Person.id.is_in(list(person_ids)))
        people = {r["id"]: r for r in rows}
    emails = [p["email"] for p in people.values()]
    # The accounts that are the same person: linked, or with the same e-mail (an account made after the form).
    where: Any = None
    linked = {p["account"] for p in people.values() if p["account"] is not None} | account_ids
    if linked:
        where = Account.id.is_in(list(linked))
    if emails:
        by_email = Account.email.is_in(emails) & proven_account()  # an unproven account is not the person
        where = by_email if where is None else where | by_email
    accounts: dict[int, dict[str, Any]] = {}
    if where is not None:
        accounts = {
            r["id"]: r for r in await Account.select(Account.id, Account.email, Account.first_name).where(where)
        }
    account_by_email = {a["email"]: a["id"] for a in accounts.values()}
    privacy: dict[int, dict[str, Any]] = {}
    if accounts:
        rows = await AccountPrivacy.select(
            AccountPrivacy.account, AccountPrivacy.profile_enabled, AccountPrivacy.restricted_at
        ).where(AccountPrivacy.account.is_in(list(accounts)))
        privacy = {r["account"]: r for r in rows}
    # For a consent held by an account alone: the person rows of that account (linked or by e-mail) have switches too.
    blocked_accounts: set[int] = set()
    if account_ids:
        own = [accounts[a]["email"] for a in account_ids if a in accounts]
        rows = await Person.select(Person.account, Person.email, Person.profile_enabled, Person.restricted_at).where(
            Person.account.is_in(list(account_ids)) | Person.email.is_in(own or [""])
        )
        for r in rows:
            if r["restricted_at"] is not None or not r["profile_enabled"]:
                owner = r["account"] if r["account"] in account_ids else account_by_email.get(r["email"])
                if owner is not None:
                    blocked_accounts.add(owner)

    def account_ok(account_id: int | None) -> bool:
        settings = privacy.get(account_id) if account_id is not None else None
        return settings is None or (settings["restricted_at"] is None and settings["profile_enabled"])

    out: list[Subscriber] = []
    for consent in consents:
        if consent["person"] is not None:
            person = people.get(consent["person"])
            if person is None or person["restricted_at"] is not None or not person["profile_enabled"]:
                continue
            account_id = person["account"] or account_by_email.get(person["email"])
            if not account_ok(account_id):
                continue
            subscriber = Subscriber(person["email"], person["first_name"] or "", person["id"], account_id, False)
        else:
            account = accounts.get(consent["account"])
            if account is None or not account_ok(account["id"]) or account["id"] in blocked_accounts:
                continue
            subscriber = Subscriber(account["email"], account["first_name"] or "", None, account["id"], True)
        if subscriber.email in seen:
            continue
        seen.add(subscriber.email)
        out.append(subscriber)
    return out
