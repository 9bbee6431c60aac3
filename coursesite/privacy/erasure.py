"""Erasure (art. 17): everything about an account goes, except the accounting records Bokföringslagen keeps.

Customer service calls `erase_account` after confirming the person's identity. In one transaction it:
- deletes the account and everything hanging on it — answers (with their flags and grade events), lesson progress,
  sessions, the account's consents and page views, privacy settings, billing details (customer), the enrolment —
  and the form `person` rows with the same email, with their submissions, consents and disclosure entries;
- keeps invoices, credit notes and payments (accounting records): their account link becomes null and their buyer
  snapshot stays; from then on they are used for accounting only, and the retention job erases them after the
  seventh year;
- keeps the certificate's code with an empty holder name and no account, so the public check can say that the
  certificate can no longer be verified because its holder's data was erased;
- keeps the person's support cases without contact data (name and email blanked, subject, description and notes
  replaced by "[raderat]") and the staff audit rows with subject ids only (texts naming the person are scrubbed);
- queues an erasure notice to every subsidiary that received the person's data (recipient_notice, kind "erasure",
  subject_ref = the id each received: the account id, or the form person's id for the webinar subsidiary) and drops
  pending rectification notices to them, whose changes hold data;
- queues an erasure notice for staff to carry out at every newsletter processor that received the person in an
  export (processor_notice, by the Kurssajten-ID the export gave; privacy/processors.py).

`erase_person` does the same for a form person who has no account: the person row with its submissions, consents and
disclosure entries; their cases and the audit rows are kept without them, and subsidiaries that received them are told.

Both record the erasure in the erasure ledger (privacy/erasure_ledger.py) when given one, as the transaction's last
step, so that a restored backup does not bring the person back.

Foreign keys are followed by the tables' own `on_delete` rules (cascade, set null, restrict), walked here rather
than left to the database: SQLite enforces them only when asked, and the report counts what went.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from piccolo.columns.base import OnDelete
from piccolo.engine.base import Engine
from piccolo.table import Table

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, NotFound
from coursesite.db.accounts import Account, LoginAttempt, RateLimitHit
from coursesite.db.billing import Certificate, Customer, Invoice, Payment
from coursesite.db.engine import write_transaction
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.db.privacy import (
    CaseNote,
    Disclosure,
    DisclosureSubject,
    Person,
    RecipientNotice,
    StaffAudit,
    Subsidiary,
    SupportCase,
)
from coursesite.db.tables import TABLES
from coursesite.privacy.access import OWNERS, resolve_subject
from coursesite.privacy.linkage import proven_account
from coursesite.signups.processors import queue as queue_processor_notices
from coursesite.signups.processors import received_by_processors, subject_link
from coursesite.subsidiaries.service import received_by

if TYPE_CHECKING:
    from coursesite.privacy.erasure_ledger import ErasureLedger

ERASED_TEXT = "[raderat]"
STAFF_NOT_ERASED = "Ett personalkonto raderas inte genom en begäran till kundtjänst."
CHUNK = 500

TABLE_LABELS_SV = {
    "account": "Ditt konto (namn, e-post, mobilnummer, lösenord)",
    "user_session": "Inloggningssessioner",
    "login_attempt": "Misslyckade inloggningsförsök",
    "answer": "Dina svar på kursens frågor",
    "lesson_progress": "Dina framsteg i kursen",
    "answer_flag": "Dina begäranden om omprövning",
    "grade_event": "Lärarnas bedömningar av dina svar",
    "customer": "Dina faktureringsuppgifter",
    "enrollment": "Din anmälan till kursen",
    "certificate": "Namnet på ditt kursintyg",
    "person": "Uppgifter från våra formulär",
    "account_privacy": "Dina integritetsinställningar",
    "form_submission": "Formulär du har skickat",
    "consent": "Dina samtycken",
    "page_view": "Sidvisningar (tekniska uppgifter)",
    "disclosure_subject": "Kopplingen mellan dig och utlämnanden",
    "comment_bank_entry": "Sparade kommentarer",
    "one_time_token": "Engångslänkar i e-post",
    "outbox_message": "E-post vi har skickat till dig",
}


@dataclass(frozen=True)
class ErasureReport:
    account_id: int | None  # None when a form person without an account was erased (erase_person)
    erased: tuple[tuple[str, int], ...]  # (what, rows)
    kept: tuple[tuple[str, str], ...]  # (what, why)
    notified: tuple[str, ...]  # subsidiaries sent an erasure notice
    processors: tuple[str, ...]  # newsletter processors that received the data, and are asked to erase it
    person_id: int | None = None  # the form person erased by erase_person

    def text_sv(self) -> str:
        lines = ["Vi har raderat dina uppgifter.", "", "Raderat:"]
        lines += [f"- {what} ({count} st.)" for what, count in self.erased] or ["- (inget)"]
        lines += ["", "Sparat, och varför:"]
        lines += [f"- {what}: {why}" for what, why in self.kept] or ["- (inget)"]
        if self.notified:
            lines += ["", "Vi har meddelat raderingen till: " + ", ".join(self.notified) + "."]
        if self.processors:
            lines += ["", "Vi raderar dig också hos våra nyhetsbrevstjänster: " + ", ".join(self.processors) + "."]
        return "\n".join(lines)


def _chunks(ids: list[Any]) -> list[list[Any]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


async def _delete_rows(table: type[Table], condition: Any, counts: Counter) -> None:
    """Delete the rows and follow every foreign key to them by its on_delete rule."""
    ids = [row["id"] for row in await table.select(table._meta.primary_key).where(condition)]
    if not ids:
        return
    for chunk in _chunks(ids):
        for child in TABLES:
            for fk in child._meta.foreign_key_columns:
                meta = fk._foreign_key_meta
                if meta.resolved_references is not table or child is table:
                    continue
                if meta.on_delete == OnDelete.cascade:
                    await _delete_rows(child, fk.is_in(chunk), counts)
                elif meta.on_delete == OnDelete.set_null:
                    await child.update({fk: None}).where(fk.is_in(chunk))
                elif await child.exists().where(fk.is_in(chunk)):
                    raise Conflict(f"{child._meta.tablename} keeps {table._meta.tablename}: erasure stopped")
        await table.delete().where(table._meta.primary_key.is_in(chunk))
    counts[table._meta.tablename] += len(ids)


def _scrub(text: str | None, needles: list[str]) -> str | None:
    if not text:
        return text
    for needle in needles:
        text = re.sub(re.escape(needle), ERASED_TEXT, text, flags=re.IGNORECASE)
    return text


async def _needles(account_id: int, person_ids: tuple[int, ...]) -> list[str]:
    """The strings that identify the person, longest first, for scrubbing free texts that are kept."""
    values: set[str] = set()
    rows = await Account.select(Account.email, Account.first_name, Account.last_name, Account.mobile).where(
        Account.id == account_id
    )
    if person_ids:
        rows += await Person.select(Person.email, Person.first_name, Person.last_name, Person.mobile).where(
            Person.id.is_in(list(person_ids))
        )
    for row in rows:
        values.update(v for v in (row["email"], row["mobile"], row["first_name"], row["last_name"]) if v)
        if row["first_name"] and row["last_name"]:
            values.add(f"{row['first_name']} {row['last_name']}")
    for row in await Customer.select(Customer.address_line, Customer.company_name).where(
        Customer.account == account_id
    ):
        values.update(v for v in (row["address_line"], row["company_name"]) if v)
    # Very short values (a two-letter name) would wipe unrelated words; they are blanked with the whole field.
    return sorted((v for v in values if len(v) >= 3), key=len, reverse=True)


async def _recipients(subject) -> tuple[list[dict[str, Any]], list[str]]:
    link = DisclosureSubject.account == subject.account_id
    if subject.person_ids:
        link = link | DisclosureSubject.person.is_in(list(subject.person_ids))
    return await _recipients_by(link)


async def _recipients_by(link: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The subsidiaries (each with the `refs` it knows the person by) and the processors that received the
    disclosures the `link` condition picks."""
    disclosure_ids = list(
        {row["disclosure"] for row in await DisclosureSubject.select(DisclosureSubject.disclosure).where(link)}
    )
    if not disclosure_ids:
        return [], []
    rows = await Disclosure.select(Disclosure.subsidiary, Disclosure.recipient).where(
        Disclosure.id.is_in(disclosure_ids)
    )
    subsidiary_ids = sorted({row["subsidiary"] for row in rows if row["subsidiary"] is not None})
    processors = sorted({row["recipient"] for row in rows if row["subsidiary"] is None})
    subsidiaries = (
        await Subsidiary.select(Subsidiary.id, Subsidiary.name)
        .where(Subsidiary.id.is_in(subsidiary_ids))
        .order_by(Subsidiary.id)
        if subsidiary_ids
        else []
    )
    refs: dict[int, list[str]] = {}
    for got in await received_by(link):
        refs.setdefault(got.subsidiary, []).append(got.subject_ref)
    return [sub | {"refs": refs.get(sub["id"], [])} for sub in subsidiaries], processors


async def _blank_cases(case_ids: list[int], needles: list[str]) -> None:
    """Keep the cases without the person: contact data blanked, subject, description and notes "[raderat]"."""
    for chunk in _chunks(case_ids):
        columns = (SupportCase.id, SupportCase.outcome, SupportCase.extension_reason, SupportCase.identity_note)
        for row in await SupportCase.select(*columns).where(SupportCase.id.is_in(chunk)):
            await SupportCase.update(
                {
                    SupportCase.contact_name: None,
                    SupportCase.contact_email: None,
                    SupportCase.subject: ERASED_TEXT,
                    SupportCase.description: ERASED_TEXT,
                    SupportCase.extension_reason: ERASED_TEXT if row["extension_reason"] else None,
                    SupportCase.outcome: _scrub(row["outcome"], needles),
                    SupportCase.identity_note: ERASED_TEXT if row["identity_note"] else None,
                    SupportCase.export_available_until: None,  # nothing is left to download
                }
            ).where(SupportCase.id == row["id"])
        await CaseNote.update({CaseNote.text: ERASED_TEXT}).where(CaseNote.case.is_in(chunk))


async def _scrub_audit(condition: Any, needles: list[str]) -> None:
    """Keep the staff audit rows with subject ids only: texts naming the person are scrubbed."""
    for row in await StaffAudit.select(StaffAudit.id, StaffAudit.what, StaffAudit.why).where(condition):
        await StaffAudit.update(
            {StaffAudit.what: _scrub(row["what"], needles), StaffAudit.why: _scrub(row["why"], needles)}
        ).where(StaffAudit.id == row["id"])


async def erase_account(
    engine: Engine,
    *,
    account_id: int,
    actor_id: int | None,
    case_id: int | None,
    login_secret: str | None = None,
    why: str | None = None,
    ledger: ErasureLedger | None = None,
) -> ErasureReport:
    """Erase the account and everything of the person except the accounting records, in one transaction.
    `login_secret` (the settings' secret key), when given, also removes the person's failed-login rows (they go by
    themselves after the rate-limit window anyway). NotFound when the account does not exist; Conflict for a staff
    account, which is never erased through a request (an administrator ends an employee's account)."""
    now = clock.now()
    counts: Counter = Counter()
    async with write_transaction(engine, account_id=account_id):
        roles = await Account.select(Account.role).where(Account.id == account_id)
        if roles and roles[0]["role"] != Role.PARTICIPANT:
            raise Conflict(STAFF_NOT_ERASED)
        subject = await resolve_subject(account_id, login_secret=login_secret)
        needles = await _needles(account_id, subject.person_ids)
        subsidiaries, processors = await _recipients(subject)
        at_processors = await received_by_processors(subject_link(account_id, subject.person_ids))

        # Kept, without contact data: the person's support cases and their notes.
        case_ids = list(subject.case_ids)
        await _blank_cases(case_ids, needles)

        # Kept: the staff audit, with subject ids only.
        await _scrub_audit(OWNERS["staff_audit"][1](subject), needles)

        # Kept: the certificate code, with no name and no account: the public check says it can no longer be verified.
        certificates = await Certificate.count().where(Certificate.account == account_id)
        await Certificate.update({Certificate.holder_short_name: ""}).where(Certificate.account == account_id)

        # Pending rectification notices hold the corrected data itself; the erasure notice replaces them.
        for sub in subsidiaries:
            await RecipientNotice.delete().where(
                (RecipientNotice.subsidiary == sub["id"])
                & RecipientNotice.subject_ref.is_in(sub["refs"])
                & (RecipientNotice.kind == "rectification")
            )

        invoices = await Invoice.select(Invoice.id, Invoice.kind).where(Invoice.account == account_id)
        payments = await Payment.count().where(Payment.invoice.is_in([r["id"] for r in invoices])) if invoices else 0

        if subject.login_keys:
            counts["login_attempt"] += await LoginAttempt.count().where(
                LoginAttempt.key_hash.is_in(list(subject.login_keys))
            )
            await LoginAttempt.delete().where(LoginAttempt.key_hash.is_in(list(subject.login_keys)))
        if subject.limit_keys:
            await _delete_rows(RateLimitHit, RateLimitHit.key_hash.is_in(list(subject.limit_keys)), counts)
        if subject.person_ids:
            await _delete_rows(Person, Person.id.is_in(list(subject.person_ids)), counts)
        await _erase_mail(counts, subject.email, account_id)
        await _delete_rows(Account, Account.id == account_id, counts)

        await _notify_and_log(
            subsidiaries,
            actor_id,
            case_id,
            now,
            account_id=account_id,
            what="Alla personuppgifter utom räkenskapsinformation",
            why=why,
        )
        await queue_processor_notices("erasure", at_processors, now=now)
        report = _report(account_id, counts, invoices, payments, certificates, len(case_ids), subsidiaries, processors)
        if case_id is not None:
            await SupportCase.update({SupportCase.outcome: report.text_sv()}).where(SupportCase.id == case_id)
        if ledger is not None:
            entry = ledger.entry(
                at=now, account_ids=[account_id], person_ids=subject.person_ids, emails=[subject.email]
            )
            await ledger.record(entry)
    return report


async def _erase_mail(counts: Counter, email: str, account_id: int | None) -> None:
    """Every message to the person, delivered or not, and their link tokens. A message still waiting (a pending
    `verify_email` or `consent_confirm`, a grade notice, a request's receipt) is deleted too: it would carry the
    address, and its links, past the erasure. The erasure's own message (privacy/request_mail.py: erased) is queued
    after this, in the same transaction, and is the one that goes out."""
    mine: Any = OutboxMessage.recipient == email
    if account_id is not None:
        mine = mine | (OutboxMessage.account == account_id)
    await _delete_rows(OutboxMessage, mine, counts)
    await _delete_rows(OneTimeToken, OneTimeToken.email == email, counts)


async def _notify_and_log(
    subsidiaries: list[dict[str, Any]],
    actor_id: int | None,
    case_id: int | None,
    now: Any,
    *,
    account_id: int | None = None,
    person_id: int | None = None,
    what: str,
    why: str | None = None,
) -> None:
    """An erasure notice to every subsidiary that received the data, for each id it knows the person by, and the
    erase row in the staff audit."""
    for sub in subsidiaries:
        for ref in sub["refs"]:
            await RecipientNotice.insert(
                RecipientNotice(
                    subsidiary=sub["id"], kind="erasure", subject_ref=ref, changes=json.dumps([]), created_at=now
                )
            )
    await StaffAudit.insert(
        StaffAudit(
            actor=actor_id,
            action="erase",
            subject_account=account_id,
            subject_person=person_id,
            what=what,
            why=why or (f"Begäran om radering, ärende {case_id}" if case_id else "Begäran om radering"),
            created_at=now,
        )
    )


async def erase_person(
    engine: Engine, *, person_id: int, actor_id: int | None, case_id: int | None, ledger: ErasureLedger | None = None
) -> ErasureReport:
    """Erase a form person who has no account (someone who only used the public forms), in one transaction: the
    `person` row with its submissions, consents and disclosure entries; their support cases kept without contact
    data, subject, description and notes; the staff audit rows kept with the person id only; an erasure notice to
    every subsidiary that received their data (subject_ref: the `person.id` it received). NotFound when the person
    does not exist; Conflict when an account has the person's email (erase_account is the one for that)."""
    now = clock.now()
    counts: Counter = Counter()
    async with write_transaction(engine):
        rows = await Person.select(
            Person.id, Person.email, Person.first_name, Person.last_name, Person.mobile, Person.account
        ).where(Person.id == person_id)
        if not rows:
            raise NotFound("Personen finns inte.")
        person = rows[0]
        # The same as access.resolve_person_subject: an account that has not proven the address is not this person.
        same: Any = Account.email == person["email"]
        if person["account"] is not None:
            same = same | (Account.id == person["account"])
        if await Account.exists().where(same & proven_account()):
            raise Conflict("Personen har ett konto: radera kontot i stället.")
        values = {v for v in (person["email"], person["mobile"], person["first_name"], person["last_name"]) if v}
        if person["first_name"] and person["last_name"]:
            values.add(f"{person['first_name']} {person['last_name']}")
        needles = sorted((v for v in values if len(v) >= 3), key=len, reverse=True)
        subsidiaries, processors = await _recipients_by(DisclosureSubject.person == person_id)
        at_processors = await received_by_processors(subject_link(None, [person_id]))

        case_ids = [
            row["id"]
            for row in await SupportCase.select(SupportCase.id).where(
                (SupportCase.person == person_id) | (SupportCase.contact_email == person["email"])
            )
        ]
        await _blank_cases(case_ids, needles)
        await _scrub_audit(StaffAudit.subject_person == person_id, needles)
        await _erase_mail(counts, person["email"], None)
        await _delete_rows(Person, Person.id == person_id, counts)

        await _notify_and_log(
            subsidiaries,
            actor_id,
            case_id,
            now,
            person_id=person_id,
            what="Alla personuppgifter från formulären (person, formulär, samtycken, utlämnanden)",
        )
        await queue_processor_notices("erasure", at_processors, now=now)
        report = _report(None, counts, [], 0, 0, len(case_ids), subsidiaries, processors, person_id=person_id)
        if case_id is not None:
            await SupportCase.update({SupportCase.outcome: report.text_sv()}).where(SupportCase.id == case_id)
        if ledger is not None:
            await ledger.record(ledger.entry(at=now, person_ids=[person_id], emails=[person["email"]]))
    return report


def _report(
    account_id, counts, invoices, payments, certificates, cases, subsidiaries, processors, person_id=None
) -> ErasureReport:
    erased = [(TABLE_LABELS_SV.get(table, table), n) for table, n in counts.items() if n and table != "certificate"]
    kept: list[tuple[str, str]] = []
    if invoices:
        kept.append(
            (
                f"{len(invoices)} fakturor och kreditfakturor och {payments} betalningar, med namn och adress som de "
                "står på fakturan",
                "Bokföringslagen kräver att räkenskapsinformation sparas till och med det sjunde året efter utgången "
                "av det kalenderår då räkenskapsåret avslutades. Under tiden används de bara för bokföringen, och "
                "sedan raderas de.",
            )
        )
    if certificates:
        kept.append(
            (
                "Kursintygets kontrollkod, utan namn",
                "Så att den som kontrollerar intyget får veta att det inte längre kan kontrolleras.",
            )
        )
    if cases:
        kept.append(
            (
                f"{cases} kundtjänstärenden, utan namn, e-post och beskrivning",
                "Som underlag för hur ärendet, också din begäran om radering, hanterades (2 år).",
            )
        )
    kept.append(
        (
            "Loggen över personalens åtgärder, med ditt "
            + ("kontonummer" if account_id is not None else "löpnummer")
            + " men utan namn",
            "Säkerhet: vi måste kunna visa vem som läste eller ändrade uppgifter och när (2 år).",
        )
    )
    if subsidiaries:
        kept.append(
            (
                "Meddelanden om raderingen till dotterbolag, med det nummer de känner dig under",
                "Så att mottagarna raderar det de fick (artikel 19).",
            )
        )
    if processors:
        kept.append(
            (
                "Meddelanden om raderingen till nyhetsbrevstjänsterna, med det Kurssajten-ID du har där (inte din e-post)",
                "Så att vi kan radera dig hos dem också (artikel 19).",
            )
        )
    return ErasureReport(
        account_id=account_id,
        person_id=person_id,
        erased=tuple(erased),
        kept=tuple(kept),
        notified=tuple(sub["name"] for sub in subsidiaries),
        processors=tuple(processors),
    )
