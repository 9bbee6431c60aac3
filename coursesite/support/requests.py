"""The data-subject requests customer service carries out on a case, once the person's identity is confirmed: the
confirmation itself (by the person through the link to the address on file, :meth:`RequestService.confirm_by_person`,
or a method customer service records with a note, :meth:`RequestService.confirm_by_staff`; support/identity.py), what
completing a request does per kind (:meth:`RequestService.carry_out`, the one place), the rectification customer
service makes (an account's contact data, never its login e-mail, or the `person` row of someone who only used the
forms), applying a restriction it registered and lifting one (announced to the person first, art. 18.3), and the
access export a completed access request releases to the person (never to customer service). The person hears of
each step by e-mail (privacy/request_mail.py): received with the confirmation link, completed, erased, lifting.

No request is carried out before its identity is confirmed (Conflict), and none acts on a staff account.

The rights themselves, and what the participant does on Mina uppgifter, are privacy's: the rules and the mechanics
used here (privacy/rights.py: `check_contact`, `RightsService.restrict`, `RightsService.notify_rectification`,
`clean_reason`; privacy/erasure.py; privacy/access.py). This module decides when customer service uses them, and
writes the staff audit row of every read and change it makes (the `AuditLog` handed to the service), so every
caller is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from piccolo.columns import Column
from piccolo.engine.base import Engine

from coursesite.accounts.roles import Role
from coursesite.accounts.service import Principal
from coursesite.accounts.validation import normalise_email
from coursesite.core import clock
from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.core.formatting import format_date_long
from coursesite.core.text import TextRule, check_text
from coursesite.db.accounts import Account
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import AccountPrivacy, CaseNote, Person, SupportCase
from coursesite.privacy.access import AccessExports
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.erasure import ErasureReport, erase_account, erase_person
from coursesite.privacy.erasure_ledger import ErasureLedger
from coursesite.privacy.linkage import linked_person_ids
from coursesite.privacy.policy import (
    LIFT_NOTICE_DAYS,
    export_available,
    export_available_until,
    lift_allowed_from,
)
from coursesite.privacy.request_mail import Recipient, RequestMail
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
from coursesite.support import identity
from coursesite.support.identity import OPEN_STATUSES, REQUEST_KINDS

if TYPE_CHECKING:
    from coursesite.support.cases import CaseView

LIFT_ROLES = (Role.CUSTOMER_SERVICE, Role.ADMIN)
UNLINKED = "Begäran är inte kopplad till något konto eller någon person i formulären; koppla den först."

ACCESS_RELEASED_ACCOUNT = (
    "Registerutdraget (JSON-fil och PDF med ändamål, kategorier, mottagare, lagringstider, källa och utlämnanden) "
    "finns för personen under Mina uppgifter till och med {until}."
)
ACCESS_RELEASED_PERSON = (
    "Registerutdraget (JSON-fil och PDF med ändamål, kategorier, mottagare, lagringstider, källa och utlämnanden) "
    "är klart; personen har fått en länk till sin bekräftade e-postadress och kan hämta det till och med {until}."
)
STAFF_ACCOUNT = (
    "Det här är ett personalkonto. Kundtjänst handlägger bara begäranden från kursdeltagare och från personer som "
    "bara finns i formulären."
)
LOGIN_EMAIL = (
    "Kundtjänst ändrar inte inloggningsadressen. Personen byter den själv under Mina uppgifter, där den nya adressen "
    "bekräftas."
)
EXPORT_GONE = "Utdraget finns inte, eller går inte längre att hämta."
BAD_LINK = (
    "Länken fungerar inte: den är redan använd, har gått ut eller är ofullständig. Kontakta kundtjänst om du behöver "
    "en ny."
)
NO_ADDRESS = "Begäran har ingen e-postadress hos oss att skicka länken till; koppla den till ett konto eller en person."
LINK_RESENT_NOTE = "Bekräftelselänken skickades igen till adressen vi har."
IDENTITY_NOTE_RULE = TextRule(
    identity.NOTE_MAX,
    subject="Anteckningen om kontrollen",
    multiline=True,
    required=True,
    missing="Skriv hur identiteten kontrollerades.",
)
RESTRICTION_APPLIED = (
    "Behandlingen är begränsad: uppgifterna lagras bara (ingen marknadsföring, profilering eller delning)."
)
ERASURE_DONE = (
    "Identiteten kontrollerad. Raderingen är genomförd; utfallet visar vad som raderades och vad som sparades."
)
RECTIFICATION_DONE = "Uppgifterna är rättade; mottagare som fått dem underrättas."
LIFT_NOTE = "Personen har meddelats i e-post att begränsningen hävs tidigast {day}."
FIELD_LABELS_SV = {
    "first_name": "förnamn",
    "last_name": "efternamn",
    "email": "e-postadress",
    "mobile": "mobilnummer",
    "source": "källa",
}
RECTIFIABLE = ("first_name", "last_name", "email", "mobile")  # what customer service corrects on a request


async def is_staff(account_id: int) -> bool:
    """Whether the account is a staff account (any role but participant). False for an unknown account."""
    rows = await Account.select(Account.role).where(Account.id == account_id)
    return bool(rows) and rows[0]["role"] != Role.PARTICIPANT


@dataclass(frozen=True)
class CarriedOut:
    """What carrying out a request did: the outcome kept on the case, the note added to it, and, for an access
    request, until when the person can download the export."""

    outcome: str
    note: str
    export_until: datetime | None = None


@dataclass(frozen=True)
class LinkedRequest:
    """What the confirmation link's page shows: what was asked and when, no personal data."""

    case_id: int
    kind: str
    status: str
    received_on: Any
    deadline: Any
    confirmed: bool

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class ReleasedExport:
    """A completed access request's export, ready for the person to download until `available_until`."""

    case_id: int
    ready_at: datetime
    available_until: datetime


class RequestService:
    """Customer service's side of the data-subject requests. Built once in create_app (`CaseService` holds it, and
    Mina uppgifter reads the released exports through it)."""

    def __init__(
        self,
        engine: Engine,
        audit: AuditLog,
        rights: RightsService,
        exports: AccessExports,
        mail: RequestMail,
        ledger: ErasureLedger | None = None,
    ) -> None:
        self.engine = engine
        self.ledger = ledger  # every erasure is recorded there (privacy/erasure_ledger.py)
        self.audit = audit
        self.rights = rights
        self.exports = exports
        self.mail = mail

    # -- the address on file, and the messages to it

    @staticmethod
    async def recipient(account_id: int | None, person_id: int | None) -> Recipient | None:
        """The address on file: the account's, else the form person's. None when the request is linked to neither
        (an address someone gave on the phone is not one we have)."""
        if account_id is not None:
            rows = await Account.select(Account.email).where(Account.id == account_id)
            return Recipient(rows[0]["email"], account_id) if rows else None
        if person_id is not None:
            rows = await Person.select(Person.email).where(Person.id == person_id)
            return Recipient(rows[0]["email"], None) if rows else None
        return None

    async def received(self, case: CaseView) -> None:
        """A request was registered: the person gets its deadline and the confirmation link (inside the caller's
        transaction). Nothing is sent for a request linked to no address on file."""
        to = await self.recipient(case.account_id, case.person_id)
        if case.is_request and to is not None:
            await self.mail.received(case.id, case.kind, to, received_on=case.received_on, deadline=case.deadline)

    async def resend_link(self, case: CaseView, actor_id: int) -> None:
        """ "Skicka bekräftelselänken igen": a new link (the older ones stop working), rate limited per recipient
        (RateLimited). Conflict when the request is closed, already confirmed, or has no address on file; NotFound
        for anything but a request."""
        if not case.is_request:
            raise NotFound("Begäran finns inte.")
        if not case.is_open:
            raise Conflict("Begäran är redan avslutad.")
        if case.identity_confirmed_at is not None:
            raise Conflict("Identiteten är redan bekräftad; ingen ny länk behövs.")
        await self.require_participant(case)
        async with write_transaction(self.engine):
            to = await self.recipient(case.account_id, case.person_id)
            if to is None:
                raise Conflict(NO_ADDRESS)
            await self.mail.resend(case.id, case.kind, to, received_on=case.received_on, deadline=case.deadline)
            await CaseNote.insert(
                CaseNote(case=case.id, author=actor_id, text=LINK_RESENT_NOTE, created_at=clock.now())
            )

    async def completed(self, case: CaseView, export_until: datetime | None) -> None:
        """A request was completed: tell the person (inside the transaction that closes the case). An erasure's
        message went with the erasure itself."""
        if not case.is_request or case.kind == "erasure":
            return
        to = await self.recipient(case.account_id, case.person_id)
        if to is None:
            return
        if case.kind == "access":
            assert export_until is not None  # carry_out releases it
            await self.mail.export_ready(case.id, to, until=export_until)
        else:
            await self.mail.done(case.kind, to)

    async def rejected(self, case: CaseView, reason: str) -> None:
        """A request was rejected: tell the person why and where to complain (art. 12.4), inside the transaction that
        closes the case. Nothing for a case that is not a request, or without an address on file."""
        if not case.is_request:
            return
        to = await self.recipient(case.account_id, case.person_id)
        if to is not None:
            await self.mail.rejected(case.kind, to, received_on=case.received_on, reason=reason)

    async def linked_request(self, token: object) -> LinkedRequest | None:
        """The request a usable confirmation link is for (the link is not used): None for a bad link."""
        case_id = await self.mail.link_case(token)
        if case_id is None:
            return None
        rows = await SupportCase.select(
            SupportCase.kind,
            SupportCase.status,
            SupportCase.received_on,
            SupportCase.deadline,
            SupportCase.identity_confirmed_at,
        ).where(SupportCase.id == case_id)
        if not rows or rows[0]["kind"] not in REQUEST_KINDS:
            return None
        row = rows[0]
        return LinkedRequest(
            case_id,
            row["kind"],
            row["status"],
            row["received_on"],
            row["deadline"],
            row["identity_confirmed_at"] is not None,
        )

    async def confirm_by_link(self, token: object, at: datetime) -> int:
        """The person pressed the button behind the link: the token is used and the request confirmed
        (:meth:`confirm_by_person`) in one transaction, so a refused confirmation leaves the link usable. Returns the
        case id. Invalid (under `token`) for a link that is unknown, used or expired; Conflict when the request is
        closed."""
        async with write_transaction(self.engine):
            case_id = await self.mail.use_link(token)
            if case_id is None:
                raise Invalid(BAD_LINK, field_errors={"token": BAD_LINK})
            try:
                await self.confirm_by_person(case_id, at)
            except NotFound:
                raise Invalid(BAD_LINK, field_errors={"token": BAD_LINK}) from None
        return case_id

    # -- the person's identity: a precondition of every request

    @staticmethod
    def require_confirmed(case: CaseView) -> None:
        """Conflict while a request waits for the person's identity to be confirmed."""
        if case.is_request and case.identity_confirmed_at is None:
            raise Conflict(identity.NOT_CONFIRMED)

    @staticmethod
    async def require_participant(case: CaseView) -> None:
        """Conflict when the request is about a staff account (its role may have changed since the case was opened)."""
        if case.account_id is not None and await is_staff(case.account_id):
            raise Conflict(STAFF_ACCOUNT)

    async def confirm_by_person(self, case_id: int, at: datetime) -> bool:
        """The person confirmed the request through the link sent to the address on file (the link's token resolves
        to `case_id`; the caller checks the token). Recorded as `email_link` at `at`, by no staff account, with a note
        on the case. True when confirmed now; False when it already was (a second click changes nothing). NotFound
        for anything but a request; Conflict when it is closed."""
        async with write_transaction(self.engine):
            rows = await SupportCase.select(
                SupportCase.kind, SupportCase.status, SupportCase.identity_confirmed_at
            ).where(SupportCase.id == case_id)
            if not rows or rows[0]["kind"] not in REQUEST_KINDS:
                raise NotFound("Begäran finns inte.")
            if rows[0]["identity_confirmed_at"] is not None:
                return False
            if rows[0]["status"] not in OPEN_STATUSES:
                raise Conflict("Begäran är redan avslutad.")
            await SupportCase.update(
                {
                    SupportCase.identity_method: identity.EMAIL_LINK,
                    SupportCase.identity_confirmed_at: at,
                    SupportCase.identity_confirmed_by: None,
                    SupportCase.identity_note: None,
                }
            ).where(SupportCase.id == case_id)
            text = f"{identity.METHOD_LABELS_SV[identity.EMAIL_LINK]}."
            await CaseNote.insert(CaseNote(case=case_id, author=None, text=text, created_at=at))
        return True

    async def confirm_by_staff(self, case: CaseView, actor_id: int, *, method: str, note: str) -> None:
        """Customer service records how it confirmed the person's identity (support/identity.STAFF_METHODS) with a
        note (the one free-text rule); the case keeps the method, the time and the staff account, and the change is
        audited. Invalid per field (`method`, `note`); NotFound for anything but a request; Conflict when it is
        closed, already confirmed, or about a staff account."""
        errors: dict[str, str] = {}
        method_error = identity.staff_method_error(method)
        if method_error:
            errors["method"] = method_error
        note = check_text(note, IDENTITY_NOTE_RULE, field="note", errors=errors)
        if errors:
            raise Invalid(next(iter(errors.values())), field_errors=errors)
        if not case.is_request:
            raise NotFound("Begäran finns inte.")
        if not case.is_open:
            raise Conflict("Begäran är redan avslutad.")
        await self.require_participant(case)
        now = clock.now()
        async with write_transaction(self.engine):
            changed = await (
                SupportCase.update(
                    {
                        SupportCase.identity_method: method,
                        SupportCase.identity_confirmed_at: now,
                        SupportCase.identity_confirmed_by: actor_id,
                        SupportCase.identity_note: note,
                    }
                )
                .where(
                    (SupportCase.id == case.id)
                    & SupportCase.identity_confirmed_at.is_null()
                    & SupportCase.status.is_in(list(OPEN_STATUSES))
                )
                .returning(SupportCase.id)
            )
            if not changed:
                raise Conflict("Identiteten är redan bekräftad, eller begäran avslutades samtidigt. Ladda om sidan.")
            text = f"Identiteten bekräftad: {identity.METHOD_LABELS_SV[method]}."
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=text, created_at=now))
            await self.audit.record(
                actor_id,
                "change",
                subject_account=case.account_id,
                subject_person=case.person_id,
                what=f"support_case: identiteten bekräftad ({method})",
                why=f"kundtjänst, ärende {case.id}",
            )

    # -- completing a request: the one place

    async def carry_out(self, case: CaseView, actor_id: int, note: str) -> CarriedOut:
        """Carry out a request whose identity is confirmed (Conflict before that, and for a staff account). Returns
        the outcome to keep on the case and the note to add to it.

        An erasure erases the account (privacy/erasure.erase_account), or the form person when the case has no
        account (erase_person), and keeps the report as the outcome; the staff note goes in first, so the erasure
        blanks it with the case's other notes. An access request releases the export to the person for
        privacy/policy.ACCESS_EXPORT_AVAILABLE_DAYS (an account downloads it on Mina uppgifter). A restriction
        request applies the restriction (kept as it was when the person already asked on Mina uppgifter). A
        rectification is recorded (the correction itself is :meth:`rectify`)."""
        if case.is_request:
            self.require_confirmed(case)
            await self.require_participant(case)
        if case.kind == "erasure":
            self._linked(case)
            # The staff note may name the person: it goes in before the erasure, which blanks the case's notes.
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=note, created_at=clock.now()))
            report: ErasureReport
            async with write_transaction(self.engine):  # the erasure and its message commit together
                to = await self.recipient(case.account_id, case.person_id)  # read before the erasure deletes it
                if case.account_id is not None:
                    report = await erase_account(
                        self.engine, account_id=case.account_id, actor_id=actor_id, case_id=case.id, ledger=self.ledger
                    )
                else:  # someone who only used the forms: no account to erase
                    assert case.person_id is not None  # _linked
                    report = await erase_person(
                        self.engine, person_id=case.person_id, actor_id=actor_id, case_id=case.id, ledger=self.ledger
                    )
                if to is not None:
                    await self.mail.erased(to, report)
            return CarriedOut(report.text_sv(), ERASURE_DONE)
        if case.kind == "access":
            self._linked(case)
            until = export_available_until(clock.now())
            text = ACCESS_RELEASED_ACCOUNT if case.account_id is not None else ACCESS_RELEASED_PERSON
            return CarriedOut(text.format(until=format_date_long(until)), note, export_until=until)
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
            return CarriedOut(RESTRICTION_APPLIED, note)
        if case.kind == "rectification":
            return CarriedOut(RECTIFICATION_DONE, note)
        return CarriedOut(note, note)

    @staticmethod
    def _linked(case: CaseView) -> None:
        if case.account_id is None and case.person_id is None:
            raise Conflict(UNLINKED)

    # -- the access export of a completed access request (art. 15)

    async def ready_exports(self, account_id: int, at: datetime) -> list[ReleasedExport]:
        """The account's released exports that can still be downloaded at `at`, newest first (Mina uppgifter)."""
        rows = (
            await SupportCase.select(SupportCase.id, SupportCase.export_ready_at, SupportCase.export_available_until)
            .where(
                (SupportCase.account == account_id)
                & (SupportCase.kind == "access")
                & (SupportCase.status == "completed")
                & (SupportCase.export_available_until >= at)
            )
            .order_by(SupportCase.id, ascending=False)
            .limit(20)
        )
        return [ReleasedExport(r["id"], r["export_ready_at"], r["export_available_until"]) for r in rows]

    async def _released(self, case_id: int, at: datetime) -> dict[str, Any]:
        rows = await SupportCase.select(
            SupportCase.kind,
            SupportCase.status,
            SupportCase.account,
            SupportCase.person,
            SupportCase.export_available_until,
        ).where(SupportCase.id == case_id)
        if not rows or rows[0]["kind"] != "access" or rows[0]["status"] != "completed":
            raise NotFound(EXPORT_GONE)
        if not export_available(rows[0]["export_available_until"], at):
            raise NotFound(EXPORT_GONE)
        return rows[0]

    async def account_export(self, account_id: int, case_id: int, at: datetime) -> dict[str, Any]:
        """The export a completed access request released to the account, for its owner: the account's data as it
        is now (privacy/access.py). NotFound for another account's request, one not completed, or after
        privacy/policy.ACCESS_EXPORT_AVAILABLE_DAYS."""
        row = await self._released(case_id, at)
        if row["account"] != account_id:
            raise NotFound(EXPORT_GONE)
        return await self.exports.export(account_id)

    async def person_export_by_link(self, token: object, at: datetime) -> tuple[int, dict[str, Any]]:
        """The export behind the download link mailed to someone known only from the forms: (case id, their data
        as it is now). NotFound for a bad or expired link, or after the export's period."""
        case_id = await self.export_link_case(token, at)
        return case_id, await self.person_export(case_id, at)

    async def export_link_case(self, token: object, at: datetime) -> int:
        """The case of a usable download link whose export can still be downloaded at `at` (NotFound otherwise)."""
        case_id = await self.mail.export_case(token)
        if case_id is None:
            raise NotFound(EXPORT_GONE)
        row = await self._released(case_id, at)
        if row["account"] is not None or row["person"] is None:
            raise NotFound(EXPORT_GONE)
        return case_id

    async def person_export(self, case_id: int, at: datetime) -> dict[str, Any]:
        """The export a completed access request released to someone who only used the forms, for the download link
        sent to their confirmed address (the link's token resolves to `case_id`; the caller checks the token).
        NotFound for an account's request (its owner downloads it on Mina uppgifter), one not completed, or after
        privacy/policy.ACCESS_EXPORT_AVAILABLE_DAYS."""
        row = await self._released(case_id, at)
        if row["account"] is not None or row["person"] is None:
            raise NotFound(EXPORT_GONE)
        return await self.exports.export(None, person_id=row["person"])

    # -- rectification (art. 16, 19)

    async def rectify(self, case: CaseView, actor_id: int, *, contact: dict[str, Any], email: str | None) -> Rectified:
        """Carry out a rectification request once the person's identity is confirmed: correct the linked account's
        contact data (privacy/rights.RightsService.rectify) or, for someone who only used the forms, their person row
        (:meth:`rectify_person`, the e-mail too). An account's login e-mail is never changed here (Invalid under
        `email`): its owner changes it on Mina uppgifter, where the new address is confirmed. Recipients that
        received a corrected field are told (art. 19). A note on the case names the corrected fields, never their
        values; the change is audited. NotFound for anything but a rectification request; Conflict when it is
        closed, waits for confirmation, is about a staff account or is linked to neither."""
        if case.kind != "rectification":
            raise NotFound("Begäran om rättelse finns inte.")
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        self._linked(case)
        self.require_confirmed(case)
        await self.require_participant(case)
        if case.account_id is not None:
            await self._refuse_login_email(case.account_id, email)
            result = await self.rights.rectify(case.account_id, ProfileChanges(contact=contact))
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

    async def _refuse_login_email(self, account_id: int, email: str | None) -> None:
        """Invalid when `email` would change the account's login address; the same address (a form sends it back as
        it was) or none passes."""
        if email is None or not email.strip():
            return
        try:
            same = normalise_email(email) == await self.rights.email_of(account_id)
        except ValueError:
            same = False
        if not same:
            raise Invalid(LOGIN_EMAIL, field_errors={"email": LOGIN_EMAIL})

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
        async with write_transaction(self.engine, account_id=account_id):
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

    async def announce_lift(self, actor: Principal, account_id: int) -> datetime:
        """Art. 18.3: before a restriction is lifted the person is told. This is the first of two steps: the notice
        is queued to the address on file, with the day the restriction may be lifted
        (privacy/policy.LIFT_NOTICE_DAYS ahead), in the transaction that records it (`lift_notice_sent_at`, a note on
        the restriction case, the message on Mina uppgifter). Returns that day. Customer service and admins only
        (Forbidden); Conflict when nothing is restricted or the lifting is already announced."""
        if actor.role not in LIFT_ROLES:
            raise Forbidden("Bara kundtjänst kan häva en begränsning.")
        now = clock.now()
        lift_on = lift_allowed_from(now)
        async with write_transaction(self.engine, account_id=account_id):
            state = await self.rights.privacy_state(account_id)
            if state.restricted_at is None:
                raise Conflict("Behandlingen är inte begränsad.")
            if state.lift_notice_sent_at is not None:
                raise Conflict("Personen har redan fått veta att begränsningen hävs.")
            to = await self.recipient(account_id, None)
            assert to is not None  # the account exists: privacy_state found its row
            await AccountPrivacy.update(
                {AccountPrivacy.lift_notice_sent_at: now, AccountPrivacy.updated_at: now}
            ).where(AccountPrivacy.account == account_id)
            await self.mail.lifting_announced(to, lift_on=lift_on)
            cases = (
                await SupportCase.select(SupportCase.id)
                .where((SupportCase.account == account_id) & (SupportCase.kind == "restriction"))
                .order_by(SupportCase.id, ascending=False)
                .limit(1)
            )
            if cases:
                text = LIFT_NOTE.format(day=format_date_long(lift_on))
                await CaseNote.insert(CaseNote(case=cases[0]["id"], author=actor.account_id, text=text, created_at=now))
            await self.audit.record(
                actor.account_id,
                "change",
                subject_account=account_id,
                what="account_privacy.lift_notice_sent_at",
                why="Personen meddelades att begränsningen hävs (artikel 18.3)",
            )
        return lift_on

    async def lift_restriction(self, actor: Principal, account_id: int) -> None:
        """Lift a restriction: only after the person was told (:meth:`announce_lift`) and the day given in the notice
        has come. Customer service and admins only (Forbidden); Conflict when nothing is restricted, the lifting was
        not announced, or its day has not come."""
        if actor.role not in LIFT_ROLES:
            raise Forbidden("Bara kundtjänst kan häva en begränsning.")
        now = clock.now()
        async with write_transaction(self.engine, account_id=account_id):
            state = await self.rights.privacy_state(account_id)
            if state.restricted_at is None:
                raise Conflict("Behandlingen är inte begränsad.")
            if state.lift_notice_sent_at is None:
                raise Conflict(
                    f"Meddela personen först: begränsningen hävs tidigast {LIFT_NOTICE_DAYS} dagar efter meddelandet."
                )
            allowed = lift_allowed_from(state.lift_notice_sent_at)
            if now < allowed:
                raise Conflict(f"Personen har fått veta att begränsningen hävs tidigast {format_date_long(allowed)}.")
            await AccountPrivacy.update({AccountPrivacy.restricted_at: None, AccountPrivacy.updated_at: now}).where(
                AccountPrivacy.account == account_id
            )
            # the account's form rows, as restrict set them: none while its address is not proven
            await Person.update({Person.restricted_at: None, Person.updated_at: now}).where(
                Person.id.is_in(await linked_person_ids(account_id) or [0])
            )
            await self.audit.record(
                actor.account_id,
                "change",
                subject_account=account_id,
                what="account_privacy.restricted_at",
                why="Begränsningen hävdes efter meddelande till personen",
            )
