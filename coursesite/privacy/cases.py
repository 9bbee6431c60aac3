"""Customer service: cases (complaints, questions) and data-subject requests (access, rectification, restriction,
erasure), with status, notes, deadlines and the overdue list (issue 5 §5; domain.md §5).

- A case holds the contact data and the case information. Its subject, description and every note refuse
  personnummer and card numbers (privacy/pii.py): nothing of such a submission is stored.
- A data-subject request is a case with a deadline: one month from receipt (privacy/deadlines.py), extendable once by
  two more months with a reason, within the first month, and only when the person has been told; the day they were
  told is recorded in a case note written by the extension (support_case has no column for it).
- Completing a request needs the person's identity confirmed and a note. What completion does per kind is decided in
  one place, :meth:`CaseService._carry_out`: an erasure calls privacy/erasure.erase_account (erase_person for a form
  person without an account) and keeps its report as the outcome (the staff note goes in first, so the erasure
  blanks it with the case's other notes); an access request records that the export was sent; a restriction request
  applies the restriction through privacy/rights.apply_restriction (kept as it was when the person already asked on
  Mina uppgifter, which restricts at once), and is lifted, telling the person first, through
  :meth:`lift_restriction`; a rectification is recorded.
- A participant's own request (from "Mina uppgifter") is created by privacy/rights; it does nothing by itself until
  customer service completes it.

Staff reads and changes are written to the audit log by the callers that know who is acting (the web layer) and by
the changing methods here (which take the actor).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.accounts.validation import PersonalNumberRefused, normalise_email
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.db.accounts import Account
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import CaseNote, Person, SupportCase
from coursesite.privacy import audit
from coursesite.privacy.deadlines import deadline as request_deadline
from coursesite.privacy.deadlines import is_overdue
from coursesite.privacy.pii import find_forbidden, refusal_message

CASE_KINDS = ("complaint", "question")
REQUEST_KINDS = ("access", "rectification", "restriction", "erasure")
KINDS = CASE_KINDS + REQUEST_KINDS
OPEN, EXTENDED, COMPLETED, REJECTED = "open", "extended", "completed", "rejected"
OPEN_STATUSES = (OPEN, EXTENDED)

KIND_LABELS_SV = {
    "complaint": "Reklamation",
    "question": "Fråga",
    "access": "Begäran om registerutdrag",
    "rectification": "Begäran om rättelse",
    "restriction": "Begäran om begränsning",
    "erasure": "Begäran om radering",
}
STATUS_LABELS_SV = {OPEN: "Öppet", EXTENDED: "Förlängt", COMPLETED: "Avslutat", REJECTED: "Avvisat"}

SUBJECT_MAX = 200
NAME_MAX = 200
DESCRIPTION_MAX = 5000
NOTE_MAX = 5000
REASON_MAX = 1000
LIST_LIMIT = 500
BACKDATE_DAYS = 366  # a request received by mail may be registered late, but not years late

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
FIELD_LABELS_SV = {
    "first_name": "förnamn",
    "last_name": "efternamn",
    "email": "e-postadress",
    "mobile": "mobilnummer",
    "source": "källa",
}
RECTIFIABLE = ("first_name", "last_name", "email", "mobile")  # what customer service corrects on a request


@dataclass(frozen=True)
class CaseView:
    id: int
    kind: str
    status: str
    subject: str
    account_id: int | None
    person_id: int | None
    email: str | None  # the person's: the account's, else the case's contact address, else the form person's
    name: str | None
    received_on: date
    deadline: date | None
    overdue: bool
    created_at: datetime
    completed_at: datetime | None

    @property
    def is_request(self) -> bool:
        return self.kind in REQUEST_KINDS

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def kind_label(self) -> str:
        return KIND_LABELS_SV.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS_SV.get(self.status, self.status)


@dataclass(frozen=True)
class NoteView:
    id: int
    author: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Contact:
    """The contact data customer service works with: never answers, never billing details."""

    first_name: str | None
    last_name: str | None
    email: str | None
    mobile: str | None


@dataclass(frozen=True)
class CaseDetail:
    case: CaseView
    description: str
    contact_name: str | None
    contact_email: str | None
    contact: Contact | None
    extension_reason: str | None
    identity_verified: bool
    completed_by: str | None
    outcome: str | None
    notes: list[NoteView]


# -- input checks


def _clean(value: Any) -> str:
    text = unicodedata.normalize("NFC", "" if value is None else str(value)).replace("\r\n", "\n").strip()
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))


def _free_text(value: Any, *, field: str, label: str, limit: int, required: bool, errors: dict[str, str]) -> str:
    """Trimmed text up to `limit` characters, refusing personnummer and card numbers (the message never repeats
    them)."""
    text = _clean(value)
    if not text:
        if required:
            errors[field] = f"Skriv {label.lower()}."
        return ""
    if len(text) > limit:
        errors[field] = f"{label} får vara högst {limit} tecken."
        return ""
    findings = find_forbidden(text)
    if findings:
        errors[field] = refusal_message(findings, label)
        return ""
    return text


def _raise(errors: dict[str, str], message: str = "Kontrollera uppgifterna.") -> None:
    if errors:
        raise Invalid(next(iter(errors.values())) if len(errors) == 1 else message, field_errors=errors)


# -- the service


class CaseService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # reading

    def _select(self):
        return SupportCase.select(
            *SupportCase.all_columns(),
            SupportCase.account.email.as_alias("account_email"),
            SupportCase.account.first_name.as_alias("account_first_name"),
            SupportCase.account.last_name.as_alias("account_last_name"),
            SupportCase.account.mobile.as_alias("account_mobile"),
            SupportCase.person.email.as_alias("person_email"),
            SupportCase.person.first_name.as_alias("person_first_name"),
            SupportCase.person.last_name.as_alias("person_last_name"),
            SupportCase.person.mobile.as_alias("person_mobile"),
        )

    @staticmethod
    def _view(row: dict[str, Any], on: date) -> CaseView:
        account_name = " ".join(filter(None, (row["account_first_name"], row["account_last_name"]))) or None
        person_name = " ".join(filter(None, (row["person_first_name"], row["person_last_name"]))) or None
        deadline = row["deadline"]
        return CaseView(
            id=row["id"],
            kind=row["kind"],
            status=row["status"],
            subject=row["subject"],
            account_id=row["account"],
            person_id=row["person"],
            email=row["account_email"] or row["contact_email"] or row["person_email"],
            name=account_name or row["contact_name"] or person_name,
            received_on=row["received_on"],
            deadline=deadline,
            overdue=row["status"] in OPEN_STATUSES and is_overdue(deadline, on),
            created_at=row["created_at"],
            completed_at=row["completed_at"],
        )

    async def _row(self, case_id: int) -> dict[str, Any]:
        rows = await self._select().where(SupportCase.id == case_id)
        if not rows:
            raise NotFound("Ärendet finns inte.")
        return rows[0]

    async def case(self, case_id: int) -> CaseView:
        return self._view(await self._row(case_id), today())

    async def detail(self, case_id: int) -> CaseDetail:
        row = await self._row(case_id)
        notes = (
            await CaseNote.select(
                CaseNote.id,
                CaseNote.text,
                CaseNote.created_at,
                CaseNote.author.first_name.as_alias("first_name"),
                CaseNote.author.last_name.as_alias("last_name"),
            )
            .where(CaseNote.case == case_id)
            .order_by(CaseNote.id)
        )
        completed_by = None
        if row["completed_by"] is not None:
            found = await Account.select(Account.first_name, Account.last_name).where(Account.id == row["completed_by"])
            completed_by = f"{found[0]['first_name']} {found[0]['last_name']}" if found else None
        if row["account"] is not None:
            contact = Contact(
                row["account_first_name"], row["account_last_name"], row["account_email"], row["account_mobile"]
            )
        elif row["person"] is not None:
            contact = Contact(
                row["person_first_name"], row["person_last_name"], row["person_email"], row["person_mobile"]
            )
        else:
            contact = None
        return CaseDetail(
            case=self._view(row, today()),
            description=row["description"],
            contact_name=row["contact_name"],
            contact_email=row["contact_email"],
            contact=contact,
            extension_reason=row["extension_reason"],
            identity_verified=bool(row["identity_verified"]),
            completed_by=completed_by,
            outcome=row["outcome"],
            notes=[
                NoteView(
                    id=n["id"],
                    text=n["text"],
                    created_at=n["created_at"],
                    author=" ".join(filter(None, (n["first_name"], n["last_name"]))) or None,
                )
                for n in notes
            ],
        )

    async def open_cases(self, *, limit: int = LIST_LIMIT) -> list[CaseView]:
        """Open requests first, by deadline (so the overdue ones lead), then the other open cases, oldest first."""
        on = today()
        requests = await (
            self._select()
            .where(SupportCase.status.is_in(list(OPEN_STATUSES)), SupportCase.kind.is_in(list(REQUEST_KINDS)))
            .order_by(SupportCase.deadline, SupportCase.id)
            .limit(limit)
        )
        others = await (
            self._select()
            .where(SupportCase.status.is_in(list(OPEN_STATUSES)), SupportCase.kind.is_in(list(CASE_KINDS)))
            .order_by(SupportCase.received_on, SupportCase.id)
            .limit(limit)
        )
        return [self._view(row, on) for row in [*requests, *others]][:limit]

    async def requests(self, *, status: str | None = None, limit: int = LIST_LIMIT) -> list[CaseView]:
        """Data-subject requests: the open ones by deadline, then the closed ones, newest first."""
        on = today()
        query = self._select().where(SupportCase.kind.is_in(list(REQUEST_KINDS)))
        if status is not None:
            query = query.where(SupportCase.status == status)
        rows = await query.order_by(SupportCase.id, ascending=False).limit(limit)
        views = [self._view(row, on) for row in rows]
        open_views = sorted((v for v in views if v.is_open), key=lambda v: (v.deadline or date.max, v.id))
        return open_views + [v for v in views if not v.is_open]

    async def overdue(self, on: date | None = None) -> list[CaseView]:
        """Open requests past their deadline, the most overdue first."""
        on = on or today()
        rows = await (
            self._select()
            .where(
                SupportCase.status.is_in(list(OPEN_STATUSES)),
                SupportCase.kind.is_in(list(REQUEST_KINDS)),
                SupportCase.deadline < on,
            )
            .order_by(SupportCase.deadline, SupportCase.id)
            .limit(LIST_LIMIT)
        )
        return [self._view(row, on) for row in rows]

    async def cases_of(self, account_id: int, *, limit: int = 50) -> list[CaseView]:
        rows = (
            await self._select()
            .where(SupportCase.account == account_id)
            .order_by(SupportCase.id, ascending=False)
            .limit(limit)
        )
        return [self._view(row, today()) for row in rows]

    # creating

    async def create(
        self,
        *,
        kind: str,
        subject: str,
        description: str = "",
        contact_name: str | None = None,
        contact_email: str | None = None,
        account_id: int | None = None,
        received_on: date | None = None,
        actor_id: int | None = None,
    ) -> CaseView:
        """Register a case or a request (customer service: received by mail, phone or the site). Invalid (400) per
        field; nothing is stored when any field is refused."""
        errors: dict[str, str] = {}
        if kind not in KINDS:
            errors["kind"] = "Välj ett slags ärende i listan."
        subject = _free_text(
            subject, field="subject", label="Rubriken", limit=SUBJECT_MAX, required=True, errors=errors
        )
        description = _free_text(
            description,
            field="description",
            label="Beskrivningen",
            limit=DESCRIPTION_MAX,
            required=False,
            errors=errors,
        )
        name = _free_text(
            contact_name, field="contact_name", label="Namnet", limit=NAME_MAX, required=False, errors=errors
        )
        email: str | None = None
        if _clean(contact_email):
            try:
                email = normalise_email(contact_email)
            except PersonalNumberRefused as exc:
                errors["contact_email"] = str(exc)
            except ValueError as exc:
                errors["contact_email"] = str(exc)
        on = today()
        received = received_on or on
        if received > on:
            errors["received_on"] = "Dagen då ärendet kom in kan inte ligga i framtiden."
        elif received < on - timedelta(days=BACKDATE_DAYS):
            errors["received_on"] = "Dagen då ärendet kom in får ligga högst ett år bakåt."
        if account_id is not None and not await Account.exists().where(Account.id == account_id):
            errors["account_id"] = "Kontot finns inte."
        if kind in REQUEST_KINDS and account_id is None and email is None:
            errors["contact_email"] = "Ange vems begäran det är: kontots nummer eller personens e-postadress."
        _raise(errors)

        if account_id is None and email is not None:
            found = await Account.select(Account.id).where(Account.email == email)
            account_id = found[0]["id"] if found else None
        lookup = email
        if lookup is None and account_id is not None:
            found = await Account.select(Account.email).where(Account.id == account_id)
            lookup = found[0]["email"] if found else None
        person_id = None
        if lookup is not None:
            people = await Person.select(Person.id).where(Person.email == lookup)
            person_id = people[0]["id"] if people else None

        row = SupportCase(
            kind=kind,
            account=account_id,
            person=person_id,
            contact_name=name or None,
            contact_email=email,
            subject=subject,
            description=description,
            status=OPEN,
            received_on=received,
            deadline=request_deadline(received) if kind in REQUEST_KINDS else None,
            created_at=clock.now(),
        )
        await row.save()
        if actor_id is not None:
            await audit.record(
                actor_id,
                "change",
                subject_account=account_id,
                subject_person=person_id,
                what="support_case: nytt ärende med kontaktuppgifter och ärendeuppgifter",
                why=f"kundtjänst, ärende {row.id}",
            )
        return await self.case(row.id)

    # changing

    async def add_note(self, case_id: int, author_id: int, text: str) -> NoteView:
        """A note on the case. Refused (and nothing stored) when it holds a personnummer or a card number."""
        errors: dict[str, str] = {}
        text = _free_text(text, field="note", label="Anteckningen", limit=NOTE_MAX, required=True, errors=errors)
        _raise(errors)
        case = await self.case(case_id)
        note = CaseNote(case=case_id, author=author_id, text=text, created_at=clock.now())
        await note.save()
        await audit.record(
            author_id,
            "change",
            subject_account=case.account_id,
            subject_person=case.person_id,
            what="case_note: ny anteckning",
            why=f"kundtjänst, ärende {case_id}",
        )
        return NoteView(id=note.id, author=None, text=text, created_at=note.created_at)

    async def extend(self, case_id: int, actor_id: int, *, reason: str, notified_on: date | None = None) -> CaseView:
        """Extend a request's deadline by two months (art. 12.3): once, with a reason, while the first month runs,
        after the person was told why (`notified_on`, default today). The day they were told is kept in a note."""
        errors: dict[str, str] = {}
        reason = _free_text(reason, field="reason", label="Skälet", limit=REASON_MAX, required=True, errors=errors)
        case = await self.case(case_id)
        if not case.is_request:
            raise Conflict("Bara en begäran från en registrerad har en tidsfrist att förlänga.")
        if case.status == EXTENDED:
            raise Conflict("Tidsfristen är redan förlängd en gång; den kan inte förlängas igen.")
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        on = today()
        first = request_deadline(case.received_on)
        notified = notified_on or on
        if on > first and notified_on is None:
            errors["notified_on"] = (
                f"Den första månaden gick ut {first.isoformat()}. Tiden kan bara förlängas om personen fick veta det "
                "och varför inom den första månaden: ange den dagen."
            )
        elif notified > on:
            errors["notified_on"] = "Dagen då personen underrättades kan inte ligga i framtiden."
        elif notified < case.received_on or notified > first:
            errors["notified_on"] = (
                f"Personen måste underrättas inom den första månaden: mellan {case.received_on.isoformat()} "
                f"och {first.isoformat()}."
            )
        _raise(errors)
        extended = request_deadline(case.received_on, extended=True)
        async with write_transaction(self.engine):
            changed = await (
                SupportCase.update(
                    {SupportCase.status: EXTENDED, SupportCase.deadline: extended, SupportCase.extension_reason: reason}
                )
                .where(SupportCase.id == case_id, SupportCase.status == OPEN)
                .returning(SupportCase.id)
            )
            if not changed:
                raise Conflict("Ärendet ändrades samtidigt av någon annan. Ladda om sidan.")
            await CaseNote.insert(
                CaseNote(
                    case=case_id,
                    author=actor_id,
                    created_at=clock.now(),
                    text=(
                        f"Tidsfristen förlängdes med två månader, till {extended.isoformat()}. "
                        f"Personen underrättades om förlängningen och skälet {notified.isoformat()}."
                    ),
                )
            )
        await audit.record(
            actor_id,
            "change",
            subject_account=case.account_id,
            subject_person=case.person_id,
            what="support_case: förlängd tidsfrist och skäl",
            why=f"kundtjänst, ärende {case_id}",
        )
        return await self.case(case_id)

    async def complete(self, case_id: int, actor_id: int, *, identity_verified: bool, note: str) -> CaseView:
        """Complete a case. A request needs `identity_verified` and a note, and is carried out here (see
        :meth:`_carry_out`); a complaint or question needs the note."""
        errors: dict[str, str] = {}
        note = _free_text(note, field="note", label="Anteckningen", limit=NOTE_MAX, required=True, errors=errors)
        case = await self.case(case_id)
        if case.is_request and identity_verified is not True:
            errors["identity_verified"] = "Kontrollera personens identitet och bekräfta det innan begäran genomförs."
        _raise(errors)
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        outcome, kept_note = await self._carry_out(case, actor_id, note)
        return await self._close(
            case, actor_id, COMPLETED, outcome=outcome, note=kept_note, identity_verified=identity_verified
        )

    async def reject(self, case_id: int, actor_id: int, *, note: str) -> CaseView:
        """Close a case or request without carrying it out (for example a request that is manifestly unfounded, or
        whose sender could not be identified); the note says why."""
        errors: dict[str, str] = {}
        note = _free_text(note, field="note", label="Anteckningen", limit=NOTE_MAX, required=True, errors=errors)
        _raise(errors)
        case = await self.case(case_id)
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        return await self._close(case, actor_id, REJECTED, outcome=note, note=note, identity_verified=False)

    async def _close(
        self, case: CaseView, actor_id: int, status: str, *, outcome: str, note: str, identity_verified: bool
    ) -> CaseView:
        """Close an open case (completed or rejected) with its outcome and the closing note; 409 when someone else
        closed it meanwhile."""
        async with write_transaction(self.engine):
            changed = await (
                SupportCase.update(
                    {
                        SupportCase.status: status,
                        SupportCase.identity_verified: bool(identity_verified),
                        SupportCase.completed_at: clock.now(),
                        SupportCase.completed_by: actor_id,
                        SupportCase.outcome: outcome,
                    }
                )
                .where(SupportCase.id == case.id, SupportCase.status.is_in(list(OPEN_STATUSES)))
                .returning(SupportCase.id)
            )
            if not changed:
                raise Conflict("Ärendet avslutades samtidigt av någon annan.")
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=note, created_at=clock.now()))
        await audit.record(
            actor_id,
            "change",
            subject_account=case.account_id,
            subject_person=case.person_id,
            what=f"support_case: {'avslutat' if status == COMPLETED else 'avvisat'} ({case.kind})",
            why=f"kundtjänst, ärende {case.id}",
        )
        return await self.case(case.id)

    async def access_subject(self, case_id: int) -> tuple[int | None, int | None]:
        """Whose data an access request (art. 15) is about: (account id, form person id). NotFound for anything but
        an access request; Conflict when it is linked to neither."""
        case = await self.case(case_id)
        if case.kind != "access":
            raise NotFound("Begäran om registerutdrag finns inte.")
        if case.account_id is None and case.person_id is None:
            raise Conflict(
                "Begäran är inte kopplad till något konto eller någon person i formulären; koppla den först."
            )
        return case.account_id, case.person_id

    async def rectify(self, case_id: int, actor_id: int, *, contact: dict[str, Any], email: str | None):
        """Carry out a rectification request (art. 16) after confirming the person's identity: correct the linked
        account (privacy/rights.rectify; the e-mail without the password, since customer service has checked who it
        is) or, for someone who only used the forms, their person row (rectify_person). Recipients that received a
        corrected field are told (art. 19). A note on the case names the corrected fields, never their values; the
        change is audited. NotFound for anything but a rectification request; Conflict when it is closed or linked to
        neither. Returns privacy/rights.Rectified."""
        from coursesite.privacy.rights import ProfileChanges, RightsService

        case = await self.case(case_id)
        if case.kind != "rectification":
            raise NotFound("Begäran om rättelse finns inte.")
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        if case.account_id is None and case.person_id is None:
            raise Conflict(
                "Begäran är inte kopplad till något konto eller någon person i formulären; koppla den först."
            )
        rights = RightsService(self.engine)
        if case.account_id is not None:
            changes = ProfileChanges(contact=contact, email=email, identity_checked=True)
            result = await rights.rectify(case.account_id, changes)
        else:
            result = await rights.rectify_person(case.person_id, contact, email)
        if result.changed:
            told = f" Meddelat: {', '.join(result.notified)}." if result.notified else ""
            text = (
                "Rättat: "
                + ", ".join(FIELD_LABELS_SV.get(name.partition(".")[2], name) for name in result.changed)
                + "."
                + told
            )
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=text, created_at=clock.now()))
            await audit.record(
                actor_id,
                "change",
                subject_account=case.account_id,
                subject_person=case.person_id,
                what=", ".join(result.changed),
                why=f"kundtjänst, ärende {case.id}: rättelse",
            )
        return result

    # what completing a request does: the one place

    async def _carry_out(self, case: CaseView, actor_id: int, note: str) -> tuple[str, str]:
        """Carry out a request whose identity check is confirmed. Returns the outcome to keep on the case and the note
        to add to it."""
        if case.kind == "erasure":
            if case.account_id is None and case.person_id is None:
                raise Conflict(
                    "Begäran är inte kopplad till något konto eller någon person i formulären; koppla den först."
                )
            from coursesite.privacy.erasure import erase_account, erase_person

            # The staff note may name the person: it goes in before the erasure, which blanks the case's notes.
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=note, created_at=clock.now()))
            if case.account_id is not None:
                report = await erase_account(
                    self.engine, account_id=case.account_id, actor_id=actor_id, case_id=case.id
                )
            else:  # someone who only used the forms: no account to erase
                report = await erase_person(self.engine, person_id=case.person_id, actor_id=actor_id, case_id=case.id)
            return report_text(report), ERASURE_DONE
        if case.kind == "access":
            return ACCESS_SENT, note
        if case.kind == "restriction":
            if case.account_id is None and case.person_id is None:
                raise Conflict(
                    "Begäran är inte kopplad till något konto eller någon person i formulären; koppla den först."
                )
            from coursesite.privacy.rights import RightsService

            rights, reason = RightsService(self.engine), f"Begäran om begränsning, ärende {case.id}"
            if case.account_id is not None:
                applied = await rights.apply_restriction(case.account_id, reason)
            else:
                applied = await rights.apply_person_restriction(case.person_id, reason)
            if applied:
                await audit.record(
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

    async def _restriction_state(self, account_id: int | None):
        """The account's restriction, read through privacy/rights (which applies it when the person asks)."""
        if account_id is None:
            return None
        from coursesite.privacy.rights import RightsService

        return await RightsService(self.engine).privacy_state(account_id)

    async def restriction_of(self, case: CaseView):
        """For a restriction request: the account's restriction state (None for other cases)."""
        return await self._restriction_state(case.account_id) if case.kind == "restriction" else None

    async def lift_restriction(self, case_id: int, actor: Principal) -> None:
        """Lift the restriction a restriction request is about, through privacy/rights: the person is told first."""
        case = await self.case(case_id)
        if case.kind != "restriction" or case.account_id is None:
            raise Conflict("Ärendet gäller ingen begränsning av ett konto.")
        from coursesite.privacy.rights import RightsService

        await RightsService(self.engine).lift_restriction(actor, case.account_id)


def report_text(report: Any) -> str:
    """The Swedish text of an erasure report (privacy/erasure.ErasureReport.text_sv)."""
    text_sv = getattr(report, "text_sv", None)
    return text_sv() if callable(text_sv) else str(report)
