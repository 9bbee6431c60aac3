"""The data-subject requests customer service carries out on a case, after confirming the person's identity: what
completing a request does per kind (:meth:`RequestService.carry_out`, the one place), the rectification customer
service makes (an account, or the `person` row of someone who only used the forms), applying a restriction it
registered and lifting one (telling the person first), and the access export sent for an access request.

The rights themselves, and what the participant does on Mina uppgifter, are privacy's: the rules and the mechanics
used here (privacy/rights.py: `check_contact`, `RightsService.restrict`, `RightsService.notify_rectification`,
`clean_reason`; privacy/erasure.py; privacy/access.py). This module decides when customer service uses them, and
writes the staff audit row of every read and change it makes (the `AuditLog` handed to the service), so every
caller is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from piccolo.columns import Column
from piccolo.engine.base import Engine

from coursesite.accounts.roles import Role
from coursesite.accounts.service import Principal
from coursesite.accounts.validation import normalise_email
from coursesite.core import clock
from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.db.accounts import Account
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.db.privacy import AccountPrivacy, CaseNote, Person, SupportCase
from coursesite.privacy.access import AccessExports
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.erasure import ErasureReport, erase_account, erase_person
from coursesite.privacy.linkage import linked_person_ids
from coursesite.privacy.rights import (
    PrivacyState,
    ProfileChanges,
    Rectified,
    RightsService,
    check_contact,
    clean_reason,
    queue_restriction_notices,
)
from coursesite.signups.processors import subject_link

if TYPE_CHECKING:
    from coursesite.support.cases import CaseView

LIFT_ROLES = (Role.CUSTOMER_SERVICE, Role.ADMIN)
UNLINKED = "Begäran är inte kopplad till något konto eller någon person i formulären; koppla den först."

ACCESS_SENT = (
    "Registerutdraget (JSON-fil och PDF med ändamål, kategorier, mottagare, lagringstider, källa och "
    "utlämnanden) har skickats till personen."
)
RESTRICTION_APPLIED = (
    "Behandlingen är begränsad: uppgifterna lagras bara (ingen marknadsföring, profilering eller delning)."
)
ERASURE_DONE = (
    "Identiteten kontrollerad. Raderingen är genomförd; utfallet visar vad som raderades och vad som sparades."
)
RECTIFICATION_DONE = "Uppgifterna är rättade; mottagare som fått dem underrättas."
LIFT_NOTE = "Personen har meddelats att begränsningen hävs."
FIELD_LABELS_SV = {
    "first_name": "förnamn",
    "last_name": "efternamn",
    "email": "e-postadress",
    "mobile": "mobilnummer",
    "source": "källa",
}
RECTIFIABLE = ("first_name", "last_name", "email", "mobile")  # what customer service corrects on a request


class RequestService:
    """Customer service's side of the data-subject requests. Built once in create_app (`CaseService` holds it)."""

    def __init__(self, engine: Engine, audit: AuditLog, rights: RightsService, exports: AccessExports) -> None:
        self.engine = engine
        self.audit = audit
        self.rights = rights
        self.exports = exports

    # -- completing a request: the one place

    async def carry_out(self, case: CaseView, actor_id: int, note: str) -> tuple[str, str]:
        """Carry out a request whose identity check is confirmed. Returns the outcome to keep on the case and the note
        to add to it.

        An erasure erases the account (privacy/erasure.erase_account), or the form person when the case has no
        account (erase_person), and keeps the report as the outcome; the staff note goes in first, so the erasure
        blanks it with the case's other notes. An access request records that the export was sent. A restriction
        request applies the restriction (kept as it was when the person already asked on Mina uppgifter). A
        rectification is recorded (the correction itself is :meth:`rectify`)."""
        if case.kind == "erasure":
            self._linked(case)
            # The staff note may name the person: it goes in before the erasure, which blanks the case's notes.
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=note, created_at=clock.now()))
            report: ErasureReport
            if case.account_id is not None:
                report = await erase_account(
                    self.engine, account_id=case.account_id, actor_id=actor_id, case_id=case.id
                )
            else:  # someone who only used the forms: no account to erase
                assert case.person_id is not None  # _linked
                report = await erase_person(self.engine, person_id=case.person_id, actor_id=actor_id, case_id=case.id)
            return report.text_sv(), ERASURE_DONE
        if case.kind == "access":
            return ACCESS_SENT, note
        if case.kind == "restriction":
            self._linked(case)
            reason = f"Begäran om begränsning, ärende {case.id}"
            if case.account_id is not None:
                applied = await self.apply_restriction(case.account_id, reason)
            else:
                assert case.person_id is not None  # _linked
                applied = await self.apply_person_restriction(case.person_id, reason)
            if applied:
                await self.audit.record(
                    actor_id,
                    "change",
                    subject_account=case.account_id,
                    subject_person=case.person_id,
                    what="restricted_at: behandlingen begränsad",
                    why=f"kundtjänst, ärende {case.id}",
                )
            return RESTRICTION_APPLIED, note
        if case.kind == "rectification":
            return RECTIFICATION_DONE, note
        return note, note

    @staticmethod
    def _linked(case: CaseView) -> None:
        if case.account_id is None and case.person_id is None:
            raise Conflict(UNLINKED)

    # -- the access export for an access request (art. 15)

    async def access_export(self, case: CaseView, actor_id: int, *, format: str) -> dict[str, Any]:
        """The same export a participant downloads from Mina uppgifter, for the person an access request is about (an
        account, or someone who only used the forms). Every export is a staff read of all their data: audited, with
        the `format` (json, pdf) it is sent in. NotFound for anything but an access request; Conflict when it is
        linked to neither."""
        if case.kind != "access":
            raise NotFound("Begäran om registerutdrag finns inte.")
        self._linked(case)
        data = await self.exports.export(case.account_id, person_id=case.person_id)
        await self.audit.record(
            actor_id,
            "read",
            subject_account=case.account_id,
            subject_person=case.person_id,
            what=f"registerutdrag ({format}): alla uppgifter om personen",
            why=f"Begäran om registerutdrag, ärende {case.id}",
        )
        return data

    # -- rectification (art. 16, 19)

    async def rectify(self, case: CaseView, actor_id: int, *, contact: dict[str, Any], email: str | None) -> Rectified:
        """Carry out a rectification request after confirming the person's identity: correct the linked account
        (privacy/rights.RightsService.rectify; the e-mail without the password, since customer service has checked
        who it is) or, for someone who only used the forms, their person row (:meth:`rectify_person`). Recipients
        that received a corrected field are told (art. 19). A note on the case names the corrected fields, never
        their values; the change is audited. NotFound for anything but a rectification request; Conflict when it is
        closed or linked to neither."""
        if case.kind != "rectification":
            raise NotFound("Begäran om rättelse finns inte.")
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        self._linked(case)
        if case.account_id is not None:
            changes = ProfileChanges(contact=contact, email=email, identity_checked=True)
            result = await self.rights.rectify(case.account_id, changes)
        else:
            assert case.person_id is not None  # _linked
            result = await self.rectify_person(case.person_id, contact, email)
        if result.changed:
            told = f" Meddelat: {', '.join(result.notified)}." if result.notified else ""
            fields = ", ".join(FIELD_LABELS_SV.get(name.partition(".")[2], name) for name in result.changed)
            text = f"Rättat: {fields}.{told}"
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=text, created_at=clock.now()))
            await self.audit.record(
                actor_id,
                "change",
                subject_account=case.account_id,
                subject_person=case.person_id,
                what=", ".join(result.changed),
                why=f"kundtjänst, ärende {case.id}: rättelse",
            )
        return result

    async def rectify_person(self, person_id: int, contact: dict[str, Any], email: str | None = None) -> Rectified:
        """Correct someone who only used the forms (after confirming their identity): first and last name, mobile,
        source and e-mail of the `person` row, with notices to the recipients that received a corrected field.
        Conflict when an account has the person's address (correct the account instead) or another person or
        account has the new one; NotFound for an unknown person."""
        cleaned, errors = check_contact(contact)
        new_email = None
        if email is not None:
            try:
                new_email = normalise_email(email)
            except ValueError as exc:
                errors["email"] = str(exc)
        if errors:
            raise Invalid("Kontrollera de markerade fälten.", field_errors=errors)
        now = clock.now()
        async with write_transaction(self.engine):
            rows = await Person.select().where(Person.id == person_id)
            if not rows:
                raise NotFound("Personen finns inte.")
            person = rows[0]
            if person["account"] is not None or await Account.exists().where(Account.email == person["email"]):
                raise Conflict("Personen har ett konto: rätta kontots uppgifter i stället.")
            changed = {f"person.{name}": value for name, value in cleaned.items() if person[name] != value}
            if new_email is not None and new_email != person["email"]:
                others = (Person.email == new_email) & (Person.id != person_id)
                if await Person.exists().where(others) or await Account.exists().where(Account.email == new_email):
                    raise Conflict(
                        "Någon annan har redan den e-postadressen hos oss.",
                        field_errors={"email": "E-postadressen används redan."},
                    )
                changed["person.email"] = new_email
            if changed:
                values: dict[Column | str, Any] = {
                    Person._meta.get_column_by_name(name.partition(".")[2]): value for name, value in changed.items()
                }
                await Person.update(values | {Person.updated_at: now}).where(Person.id == person_id)
            link = subject_link(None, [person_id])
            notified = await self.rights.notify_rectification(link, changed, now, person_id=person_id)
        return Rectified(tuple(changed), notified)

    # -- restriction (art. 18)

    async def apply_restriction(self, account_id: int, reason: str) -> bool:
        """Restrict the account (and the form rows with its email) without opening a case: for a request customer
        service registered, whose case already exists. True when it was restricted now; False when it already was
        (the restriction and its time are kept). NotFound when the account does not exist."""
        reason = clean_reason(reason)
        async with write_transaction(self.engine):
            await lock_account_rows(self.engine, account_id)
            email = await self.rights.email_of(account_id)
            if (await self.rights.privacy_state(account_id)).restricted_at is not None:
                return False
            await self.rights.restrict(account_id, email, reason)
            return True

    async def apply_person_restriction(self, person_id: int, reason: str) -> bool:
        """Restrict a form person without an account (a request registered by customer service). True when it was
        restricted now, False when it already was. NotFound when the person does not exist."""
        reason = clean_reason(reason)
        now = clock.now()
        async with write_transaction(self.engine):
            rows = await Person.select(Person.restricted_at).where(Person.id == person_id)
            if not rows:
                raise NotFound("Personen finns inte.")
            if rows[0]["restricted_at"] is not None:
                return False
            await Person.update(
                {Person.restricted_at: now, Person.restriction_reason: reason, Person.updated_at: now}
            ).where(Person.id == person_id)
            await queue_restriction_notices(subject_link(None, [person_id]), now, person_id=person_id)
            return True

    async def restriction_state(self, account_id: int | None) -> PrivacyState | None:
        """The account's restriction (privacy/rights applies it when the person asks); None without an account."""
        return None if account_id is None else await self.rights.privacy_state(account_id)

    async def lift_restriction(self, actor: Principal, account_id: int) -> None:
        """Lift a restriction. The person is told first: the notice is stored in its own transaction
        (lift_notice_sent_at, a note on the restriction case, a message on Mina uppgifter), and the restriction is
        lifted only after that. Customer service and admins only (Forbidden); Conflict when nothing is restricted."""
        if actor.role not in LIFT_ROLES:
            raise Forbidden("Bara kundtjänst kan häva en begränsning.")
        state = await self.rights.privacy_state(account_id)
        if state.restricted_at is None:
            raise Conflict("Behandlingen är inte begränsad.")
        now = clock.now()
        async with write_transaction(self.engine):
            await AccountPrivacy.update(
                {AccountPrivacy.lift_notice_sent_at: now, AccountPrivacy.updated_at: now}
            ).where(AccountPrivacy.account == account_id)
            cases = (
                await SupportCase.select(SupportCase.id)
                .where((SupportCase.account == account_id) & (SupportCase.kind == "restriction"))
                .order_by(SupportCase.id, ascending=False)
                .limit(1)
            )
            if cases:
                await CaseNote.insert(
                    CaseNote(case=cases[0]["id"], author=actor.account_id, text=LIFT_NOTE, created_at=now)
                )
        if (await self.rights.privacy_state(account_id)).lift_notice_sent_at is None:
            raise Conflict("Meddelandet till personen kunde inte sparas; begränsningen är kvar.")
        async with write_transaction(self.engine):
            lifted: datetime = clock.now()
            await AccountPrivacy.update({AccountPrivacy.restricted_at: None, AccountPrivacy.updated_at: lifted}).where(
                AccountPrivacy.account == account_id
            )
            # the account's form rows, as restrict set them: none while its address is not proven
            await Person.update({Person.restricted_at: None, Person.updated_at: lifted}).where(
                Person.id.is_in(await linked_person_ids(account_id) or [0])
            )
            await self.audit.record(
                actor.account_id,
                "change",
                subject_account=account_id,
                what="account_privacy.restricted_at",
                why="Begränsningen hävdes efter meddelande till personen",
            )
