"""Customer service's cases: complaints, questions and data-subject requests (access, rectification, restriction,
erasure), with status, notes, deadlines and the overdue list (issue 5 §5; domain.md §5).

- A case holds the contact data and the case information. Its subject, description, contact name, every note and
  the extension's reason go through the one free-text rule (core/text.py): a control or bidi character, a
  personnummer, a card number or a value over the limit is refused with the field named, and nothing of such a
  submission is stored.
- A data-subject request is a case with a deadline: one month from receipt (privacy/deadlines.py), extendable once by
  two more months with a reason, within the first month, and only when the person has been told; the day they were
  told is recorded in a case note written by the extension (support_case has no column for it).
- A request waits for confirmation ("väntar på bekräftelse") until the person's identity is confirmed: by the person
  through the link sent to the address on file, or by a method customer service records with a note
  (support/identity.py). Completing it (or rectifying) before that is refused (Conflict). What completion does per
  kind is decided in one place, support/requests.RequestService.carry_out, as are the confirmation, the
  rectification, the lifting of a restriction and the access export a completed access request releases.
- Customer service opens cases only for participants and for people known only from the forms: never for a staff
  account (Invalid).
- A participant's own request (from "Mina uppgifter") is created by privacy/rights; it does nothing by itself until
  customer service completes it.

Every staff read of a person's data here (a case, the lists) and every change writes its row in the staff audit log
(the `AuditLog` handed to the service), so every caller is audited. A read by the code itself passes
`actor_id=None` and writes none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.accounts.validation import PersonalNumberRefused, normalise_email
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.formatting import format_date_long, to_stockholm
from coursesite.core.text import TextRule, check_text
from coursesite.core.weeks import SOON_DAYS, due_soon
from coursesite.db.accounts import Account
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import CaseNote, Person, SupportCase
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.deadlines import deadline as request_deadline
from coursesite.privacy.deadlines import is_overdue
from coursesite.privacy.rights import PrivacyState, Rectified
from coursesite.support import identity
from coursesite.support.identity import OPEN_STATUSES, REQUEST_KINDS
from coursesite.support.requests import STAFF_ACCOUNT, LinkedRequest, ReleasedExport, RequestService, is_staff

CASE_KINDS = ("complaint", "question")
KINDS = CASE_KINDS + REQUEST_KINDS
OPEN, EXTENDED, COMPLETED, REJECTED = "open", "extended", "completed", "rejected"

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

READ_CASE = "support_case och case_note: kontaktuppgifter (namn, e-post, mobil) och ärendeuppgifter"
READ_LIST = "ärendelista: namn och e-post"

SUBJECT_RULE = TextRule(SUBJECT_MAX, subject="Rubriken", required=True, missing="Skriv rubriken.")
DESCRIPTION_RULE = TextRule(DESCRIPTION_MAX, subject="Beskrivningen", multiline=True)
NAME_RULE = TextRule(NAME_MAX, subject="Namnet")
NOTE_RULE = TextRule(NOTE_MAX, subject="Anteckningen", multiline=True, required=True, missing="Skriv anteckningen.")
EXTENSION_RULE = TextRule(REASON_MAX, subject="Skälet", multiline=True, required=True, missing="Skriv skälet.")


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
    identity_method: str | None = None  # support/identity.py; None while the request waits for confirmation
    identity_confirmed_at: datetime | None = None
    due_soon: bool = False  # open, not yet overdue, the deadline within core/weeks.SOON_DAYS days

    @property
    def is_request(self) -> bool:
        return self.kind in REQUEST_KINDS

    @property
    def awaiting_confirmation(self) -> bool:
        """An open request whose person has not yet been confirmed: it cannot be carried out."""
        return self.is_request and self.is_open and self.identity_confirmed_at is None

    @property
    def confirmation(self) -> str | None:
        """ "pending" or "confirmed" for a request; None for a complaint or a question."""
        return identity.confirmation_state(self.identity_confirmed_at) if self.is_request else None

    @property
    def confirmation_label(self) -> str | None:
        if not self.is_request:
            return None
        if self.identity_confirmed_at is not None:
            return identity.CONFIRMED_SV
        return identity.PENDING_SV if self.is_open else identity.NEVER_CONFIRMED_SV

    @property
    def identity_method_label(self) -> str | None:
        return identity.method_label(self.identity_method)

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
    identity_confirmed_by: str | None  # the staff member who recorded it; None when the person confirmed by link
    identity_note: str | None
    completed_by: str | None
    outcome: str | None
    notes: list[NoteView]


@dataclass(frozen=True)
class SupportHome:
    today: date
    cases: list[CaseView]  # open requests by deadline, then the other open cases, oldest first
    overdue: int  # open requests past their deadline
    due_soon: int  # open requests due within soon_days
    soon_days: int


# -- input checks


def _raise(errors: dict[str, str], message: str = "Kontrollera uppgifterna.") -> None:
    if errors:
        raise Invalid(next(iter(errors.values())) if len(errors) == 1 else message, field_errors=errors)


# -- the service


class CaseService:
    def __init__(self, engine: Engine, audit: AuditLog, requests: RequestService) -> None:
        self.engine = engine
        self.audit = audit
        self.requests_desk = requests  # what completing a request does, and customer service's other request work

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
            due_soon=row["status"] in OPEN_STATUSES and not is_overdue(deadline, on) and due_soon(deadline, on),
            created_at=row["created_at"],
            completed_at=row["completed_at"],
            identity_method=row["identity_method"],
            identity_confirmed_at=row["identity_confirmed_at"],
        )

    async def _row(self, case_id: int) -> dict[str, Any]:
        rows = await self._select().where(SupportCase.id == case_id)
        if not rows:
            raise NotFound("Ärendet finns inte.")
        return rows[0]

    async def case(self, case_id: int) -> CaseView:
        return self._view(await self._row(case_id), today())

    async def detail(self, case_id: int, *, actor_id: int | None) -> CaseDetail:
        """The case with its contact data and notes. A staff read (`actor_id`) is audited."""
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
        completed_by = await self._staff_name(row["completed_by"])
        confirmed_by = await self._staff_name(row["identity_confirmed_by"])
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
        view = self._view(row, today())
        if actor_id is not None:
            await self.audit.record(
                actor_id,
                "read",
                subject_account=view.account_id,
                subject_person=view.person_id,
                what=READ_CASE,
                why=f"kundtjänst, ärende {case_id}",
            )
        return CaseDetail(
            case=view,
            description=row["description"],
            contact_name=row["contact_name"],
            contact_email=row["contact_email"],
            contact=contact,
            extension_reason=row["extension_reason"],
            identity_confirmed_by=confirmed_by,
            identity_note=row["identity_note"],
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

    @staticmethod
    async def _staff_name(account_id: int | None) -> str | None:
        if account_id is None:
            return None
        found = await Account.select(Account.first_name, Account.last_name).where(Account.id == account_id)
        return f"{found[0]['first_name']} {found[0]['last_name']}" if found else None

    async def _audit_list(self, actor_id: int | None, views: list[CaseView], why: str) -> list[CaseView]:
        if actor_id is not None:
            subjects = [(v.account_id, v.person_id) for v in views]
            await self.audit.record_many(actor_id, "read", subjects, what=READ_LIST, why=why)
        return views

    async def home(self, *, actor_id: int, now: datetime, limit: int = LIST_LIMIT) -> SupportHome:
        """Customer service's start page: the open cases (as ``open_cases``, audited) with the overdue and the near
        deadlines counted."""
        on = to_stockholm(now).date()
        views = await self.open_cases(
            actor_id=actor_id, why="kundtjänst: startsidan, öppna ärenden", limit=limit, on=on
        )
        return SupportHome(
            today=on,
            cases=views,
            overdue=sum(1 for v in views if v.overdue),
            due_soon=sum(1 for v in views if v.due_soon),
            soon_days=SOON_DAYS,
        )

    async def open_cases(
        self,
        *,
        actor_id: int | None,
        why: str = "kundtjänst: öppna ärenden",
        limit: int = LIST_LIMIT,
        on: date | None = None,
    ) -> list[CaseView]:
        """Open requests first, by deadline (so the overdue ones lead), then the other open cases, oldest first. A
        staff read (`actor_id`) is audited, one row per person listed, with `why`."""
        on = on or today()
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
        views = [self._view(row, on) for row in [*requests, *others]][:limit]
        return await self._audit_list(actor_id, views, why)

    async def requests(
        self,
        *,
        actor_id: int | None,
        why: str = "kundtjänst: begäranden",
        status: str | None = None,
        limit: int = LIST_LIMIT,
    ) -> list[CaseView]:
        """Data-subject requests: the open ones by deadline, then the closed ones, newest first. A staff read
        (`actor_id`) is audited, one row per person listed, with `why`."""
        on = today()
        query = self._select().where(SupportCase.kind.is_in(list(REQUEST_KINDS)))
        if status is not None:
            query = query.where(SupportCase.status == status)
        rows = await query.order_by(SupportCase.id, ascending=False).limit(limit)
        views = [self._view(row, on) for row in rows]
        open_views = sorted((v for v in views if v.is_open), key=lambda v: (v.deadline or date.max, v.id))
        return await self._audit_list(actor_id, open_views + [v for v in views if not v.is_open], why)

    async def overdue(
        self, on: date | None = None, *, actor_id: int | None, why: str = "kundtjänst: försenade begäranden"
    ) -> list[CaseView]:
        """Open requests past their deadline, the most overdue first. A staff read (`actor_id`) is audited."""
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
        return await self._audit_list(actor_id, [self._view(row, on) for row in rows], why)

    async def cases_of(self, account_id: int, *, limit: int = 50) -> list[CaseView]:
        """The account's cases, newest first: shown beside one of them, whose read (:meth:`detail`) covers the
        person."""
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
        subject = check_text(subject, SUBJECT_RULE, field="subject", errors=errors)
        description = check_text(description, DESCRIPTION_RULE, field="description", errors=errors)
        name = check_text(contact_name, NAME_RULE, field="contact_name", errors=errors)
        email: str | None = None
        if contact_email is not None and contact_email.strip():
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
        if account_id is not None:
            if not await Account.exists().where(Account.id == account_id):
                errors["account_id"] = "Kontot finns inte."
            elif await is_staff(account_id):
                errors["account_id"] = STAFF_ACCOUNT
        if kind in REQUEST_KINDS and account_id is None and email is None:
            errors["contact_email"] = "Ange vems begäran det är: kontots nummer eller personens e-postadress."
        _raise(errors)

        if account_id is None and email is not None:
            found = await Account.select(Account.id).where(Account.email == email)
            account_id = found[0]["id"] if found else None
            if account_id is not None and await is_staff(account_id):
                _raise({"contact_email": STAFF_ACCOUNT})
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
        async with write_transaction(self.engine):  # the request and its message to the person commit together
            await row.save()
            await self.requests_desk.received(await self.case(row.id))
        if actor_id is not None:
            await self.audit.record(
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
        text = check_text(text, NOTE_RULE, field="note", errors=errors)
        _raise(errors)
        case = await self.case(case_id)
        note = CaseNote(case=case_id, author=author_id, text=text, created_at=clock.now())
        await note.save()
        await self.audit.record(
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
        reason = check_text(reason, EXTENSION_RULE, field="reason", errors=errors)
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
                f"Den första månaden gick ut {format_date_long(first)}. Tiden kan bara förlängas om personen fick veta det "
                "och varför inom den första månaden: ange den dagen."
            )
        elif notified > on:
            errors["notified_on"] = "Dagen då personen underrättades kan inte ligga i framtiden."
        elif notified < case.received_on or notified > first:
            errors["notified_on"] = (
                f"Personen måste underrättas inom den första månaden: mellan {format_date_long(case.received_on)} "
                f"och {format_date_long(first)}."
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
                        f"Tidsfristen förlängdes med två månader, till {format_date_long(extended)}. "
                        f"Personen underrättades om förlängningen och skälet {format_date_long(notified)}."
                    ),
                )
            )
        await self.audit.record(
            actor_id,
            "change",
            subject_account=case.account_id,
            subject_person=case.person_id,
            what="support_case: förlängd tidsfrist och skäl",
            why=f"kundtjänst, ärende {case_id}",
        )
        return await self.case(case_id)

    async def complete(self, case_id: int, actor_id: int, *, note: str) -> CaseView:
        """Complete a case with a note. A request is carried out here (RequestService.carry_out): Conflict while it
        waits for the person's identity to be confirmed, or when it is about a staff account."""
        errors: dict[str, str] = {}
        note = check_text(note, NOTE_RULE, field="note", errors=errors)
        _raise(errors)
        case = await self.case(case_id)
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        done = await self.requests_desk.carry_out(case, actor_id, note)
        return await self._close(
            case, actor_id, COMPLETED, outcome=done.outcome, note=done.note, export_until=done.export_until
        )

    async def reject(self, case_id: int, actor_id: int, *, note: str) -> CaseView:
        """Close a case or request without carrying it out (for example a request that is manifestly unfounded, or
        whose sender could not be identified); the note says why, and for a request it is mailed to the person with
        their right to complain to IMY (art. 12.4). Needs no confirmation."""
        errors: dict[str, str] = {}
        note = check_text(note, NOTE_RULE, field="note", errors=errors)
        _raise(errors)
        case = await self.case(case_id)
        if not case.is_open:
            raise Conflict("Ärendet är redan avslutat.")
        return await self._close(case, actor_id, REJECTED, outcome=note, note=note)

    async def _close(
        self,
        case: CaseView,
        actor_id: int,
        status: str,
        *,
        outcome: str,
        note: str,
        export_until: datetime | None = None,
    ) -> CaseView:
        """Close an open case (completed or rejected) with its outcome and the closing note, and release an access
        request's export until `export_until`; 409 when someone else closed it meanwhile."""
        now = clock.now()
        values: dict[Any, Any] = {
            SupportCase.status: status,
            SupportCase.completed_at: now,
            SupportCase.completed_by: actor_id,
            SupportCase.outcome: outcome,
        }
        if export_until is not None:
            values |= {SupportCase.export_ready_at: now, SupportCase.export_available_until: export_until}
        async with write_transaction(self.engine):
            changed = await (
                SupportCase.update(values)
                .where(SupportCase.id == case.id, SupportCase.status.is_in(list(OPEN_STATUSES)))
                .returning(SupportCase.id)
            )
            if not changed:
                raise Conflict("Ärendet avslutades samtidigt av någon annan.")
            await CaseNote.insert(CaseNote(case=case.id, author=actor_id, text=note, created_at=now))
            if status == COMPLETED:
                await self.requests_desk.completed(case, export_until)
            else:
                await self.requests_desk.rejected(case, outcome)
        await self.audit.record(
            actor_id,
            "change",
            subject_account=case.account_id,
            subject_person=case.person_id,
            what=f"support_case: {'avslutat' if status == COMPLETED else 'avvisat'} ({case.kind})",
            why=f"kundtjänst, ärende {case.id}",
        )
        return await self.case(case.id)

    # the person's identity (support/requests.py)

    async def confirm_identity(self, case_id: int, actor_id: int, *, method: str, note: str) -> CaseView:
        """Customer service records how it confirmed the person's identity: see RequestService.confirm_by_staff."""
        await self.requests_desk.confirm_by_staff(await self.case(case_id), actor_id, method=method, note=note)
        return await self.case(case_id)

    async def confirm_by_link(self, token: object, at: datetime) -> int:
        """The person confirmed through the link in the e-mail: see RequestService.confirm_by_link."""
        return await self.requests_desk.confirm_by_link(token, at)

    async def linked_request(self, token: object) -> LinkedRequest | None:
        """What a confirmation link's page shows: see RequestService.linked_request."""
        return await self.requests_desk.linked_request(token)

    async def resend_link(self, case_id: int, actor_id: int) -> None:
        """ "Skicka bekräftelselänken igen": see RequestService.resend_link."""
        await self.requests_desk.resend_link(await self.case(case_id), actor_id)

    async def confirm_by_person(self, case_id: int, at: datetime) -> bool:
        """The person confirmed the request through the link to the address on file: see
        RequestService.confirm_by_person."""
        return await self.requests_desk.confirm_by_person(case_id, at)

    # the requests customer service carries out on a case (support/requests.py)

    async def ready_exports(self, account_id: int, at: datetime) -> list[ReleasedExport]:
        """The account's released access exports, still available at `at` (Mina uppgifter)."""
        return await self.requests_desk.ready_exports(account_id, at)

    async def account_export(self, account_id: int, case_id: int, at: datetime) -> dict[str, Any]:
        """The export a completed access request released to the account: see RequestService.account_export."""
        return await self.requests_desk.account_export(account_id, case_id, at)

    async def person_export_by_link(self, token: object, at: datetime) -> tuple[int, dict[str, Any]]:
        """The export behind the download link mailed to someone known only from the forms: see
        RequestService.person_export_by_link."""
        return await self.requests_desk.person_export_by_link(token, at)

    async def export_link_case(self, token: object, at: datetime) -> int:
        """The case of a usable download link (the page the link opens): see RequestService.export_link_case."""
        return await self.requests_desk.export_link_case(token, at)

    async def person_export(self, case_id: int, at: datetime) -> dict[str, Any]:
        """The export a completed access request released to someone who only used the forms, for the download link
        sent to their confirmed address: see RequestService.person_export."""
        return await self.requests_desk.person_export(case_id, at)

    async def rectify(self, case_id: int, actor_id: int, *, contact: dict[str, Any], email: str | None) -> Rectified:
        """Carry out a rectification request (art. 16): see RequestService.rectify."""
        return await self.requests_desk.rectify(await self.case(case_id), actor_id, contact=contact, email=email)

    async def restriction_of(self, case: CaseView) -> PrivacyState | None:
        """For a restriction request: the account's restriction state (None for other cases)."""
        return await self.requests_desk.restriction_state(case.account_id) if case.kind == "restriction" else None

    async def _restricted_account(self, case_id: int) -> int:
        case = await self.case(case_id)
        if case.kind != "restriction" or case.account_id is None:
            raise Conflict("Ärendet gäller ingen begränsning av ett konto.")
        return case.account_id

    async def announce_lift(self, case_id: int, actor: Principal) -> datetime:
        """Tell the person that the restriction will be lifted (art. 18.3): see RequestService.announce_lift."""
        return await self.requests_desk.announce_lift(actor, await self._restricted_account(case_id))

    async def lift_restriction(self, case_id: int, actor: Principal) -> None:
        """Lift the restriction a restriction request is about, once the person was told and the day has come
        (RequestService.lift_restriction)."""
        await self.requests_desk.lift_restriction(actor, await self._restricted_account(case_id))
