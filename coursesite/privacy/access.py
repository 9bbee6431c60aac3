"""The right of access (art. 15) and data portability (art. 20): everything held about one account, driven by the
registry, with what the policy says about it.

`OWNERS` is the one table of "whose row is it": for every table that has personal fields in the registry, how its
rows are found for a person (by the account, by `person` rows with the account's email, or through answers, invoices,
cases). A test fails when a table with personal fields has no entry here, so a new table cannot be left out of the
export (or out of erasure, which walks the same lookups).

Secrets are described, never exported: the password hash, the session token hashes and the keyed login-attempt
hashes show as "[lämnas inte ut]" with their description.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from piccolo.table import Table

from coursesite.accounts.limits import RECIPIENT_LIMITS, RateLimiter
from coursesite.accounts.service import _attempt_key
from coursesite.core import clock
from coursesite.core.errors import NotFound
from coursesite.db.accounts import Account, LoginAttempt, RateLimitHit, UserSession
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.billing import Certificate, Customer, Enrollment, Invoice, InvoiceReminder, Payment
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.db.privacy import (
    AccountPrivacy,
    CaseNote,
    Consent,
    DisclosureSubject,
    FormSubmission,
    PageView,
    Person,
    ProcessorNotice,
    RecipientNotice,
    StaffAudit,
    SupportCase,
)
from coursesite.db.review import AnswerFlag, GradeEvent
from coursesite.privacy import policy, registry
from coursesite.privacy.letter import AnswerPlace
from coursesite.privacy.linkage import claimed_address, person_rows, proven_account
from coursesite.privacy.registry import ConfiguredPeriods, PersonalField, Retention, retention_texts_sv
from coursesite.subsidiaries.service import received_by


def policy_module() -> Any:
    return policy


WITHHELD = {
    ("account", "password_hash"),
    ("user_session", "token_hash"),
    ("login_attempt", "key_hash"),
    ("rate_limit_hit", "key_hash"),
    ("one_time_token", "token_hash"),
}
WITHHELD_TEXT = "[lämnas inte ut: lagras endast som hash, för din säkerhet]"
ACCOUNTING_TABLES = frozenset({"invoice", "payment", "invoice_reminder"})
ACCOUNTING_NOTE_SV = (
    "Räkenskapsinformation (fakturor, kreditfakturor och betalningar). Den sparas enligt bokföringslagen även om du "
    "begär radering, och används då bara för bokföringen."
)
SOURCE_SV = (
    "Uppgifterna kommer från dig: det du angav när du skapade kontot, anmälde dig, svarade på kursens frågor och "
    "fyllde i våra formulär, och tekniska uppgifter från din webbläsare när du besökte webbplatsen. En betalning "
    "registreras från vår bank (bankgiro): belopp, betalningsdag och OCR-nummer, det du själv angav när du betalade. "
    "Betalarens namn och adress i bankens fil sparar vi inte. Vi hämtar inga andra uppgifter om dig från tredje part."
)
# The one other source of what is stored (art. 14): the bank's payment file, for payments only.
BANK_SOURCE = {
    "name": "Vår bank (Bankgirot, inbetalningsfil BgMax)",
    "what": "Betalningar: belopp, betalningsdag och OCR-nummer. Betalarens namn och adress sparas inte.",
}


@dataclass(frozen=True)
class Subject:
    """One person, resolved: the account (None for someone who only used the forms) and every id their rows hang on."""

    account_id: int | None
    email: str
    person_ids: tuple[int, ...]
    answer_ids: tuple[int, ...]
    invoice_ids: tuple[int, ...]
    case_ids: tuple[int, ...]
    login_keys: tuple[str, ...]
    # (subsidiary, subject_ref): how each subsidiary that received the person's data knows them (the account id, or
    # a form person's id), so that their notices are found and another person's with the same number never is.
    notice_refs: tuple[tuple[int, str], ...] = ()
    # The account's address is proven (privacy/linkage.py): until then nothing held under it by someone else is
    # the subject's. Someone known only from the forms is found by the address itself.
    address_proven: bool = True
    # The mail rate limits' keyed hashes of the address (accounts/limits.py: RECIPIENT_LIMITS).
    limit_keys: tuple[str, ...] = ()


def _in(column: Any, ids: tuple[Any, ...]) -> Any:
    # Piccolo refuses an empty IN list; no ids means no rows.
    return column.is_in(list(ids)) if ids else (column.is_null() & column.is_not_null())


def _is(column: Any, account_id: int | None) -> Any:
    """The subject's account's rows; none when the subject has no account (never `IS NULL`)."""
    return _in(column, (account_id,) if account_id is not None else ())


# Whose row is it: table name -> (the table, the condition for the subject's rows).
OWNERS: dict[str, tuple[type[Table], Callable[[Subject], Any]]] = {
    "account": (Account, lambda s: _is(Account.id, s.account_id)),
    "user_session": (UserSession, lambda s: _is(UserSession.account, s.account_id)),
    "login_attempt": (LoginAttempt, lambda s: _in(LoginAttempt.key_hash, s.login_keys)),
    "rate_limit_hit": (RateLimitHit, lambda s: _in(RateLimitHit.key_hash, s.limit_keys)),
    "answer": (Answer, lambda s: _is(Answer.account, s.account_id)),
    "lesson_progress": (LessonProgress, lambda s: _is(LessonProgress.account, s.account_id)),
    "answer_flag": (AnswerFlag, lambda s: _in(AnswerFlag.answer, s.answer_ids)),
    "grade_event": (GradeEvent, lambda s: _in(GradeEvent.answer, s.answer_ids)),
    "customer": (Customer, lambda s: _is(Customer.account, s.account_id)),
    "enrollment": (Enrollment, lambda s: _is(Enrollment.account, s.account_id)),
    "invoice": (Invoice, lambda s: _is(Invoice.account, s.account_id)),
    "payment": (Payment, lambda s: _in(Payment.invoice, s.invoice_ids)),
    "invoice_reminder": (InvoiceReminder, lambda s: _in(InvoiceReminder.invoice, s.invoice_ids)),
    "certificate": (Certificate, lambda s: _is(Certificate.account, s.account_id)),
    "person": (Person, lambda s: _in(Person.id, s.person_ids)),
    "account_privacy": (AccountPrivacy, lambda s: _is(AccountPrivacy.account, s.account_id)),
    "form_submission": (FormSubmission, lambda s: _in(FormSubmission.person, s.person_ids)),
    "consent": (Consent, lambda s: _own_consents(s) | _in(Consent.person, s.person_ids)),
    "page_view": (PageView, lambda s: _is(PageView.account, s.account_id)),
    "support_case": (SupportCase, lambda s: _in(SupportCase.id, s.case_ids)),
    "case_note": (CaseNote, lambda s: _in(CaseNote.case, s.case_ids)),
    "staff_audit": (
        StaffAudit,
        lambda s: (_is(StaffAudit.subject_account, s.account_id)) | _in(StaffAudit.subject_person, s.person_ids),
    ),
    "disclosure_subject": (
        DisclosureSubject,
        lambda s: (_is(DisclosureSubject.account, s.account_id)) | _in(DisclosureSubject.person, s.person_ids),
    ),
    "recipient_notice": (RecipientNotice, lambda s: _notices_of(s)),
    # By the account; by the address only for someone without one (an account's address may be unconfirmed).
    "outbox_message": (
        OutboxMessage,
        lambda s: (
            _is(OutboxMessage.account, s.account_id) if s.account_id is not None else OutboxMessage.recipient == s.email
        ),
    ),
    "one_time_token": (
        OneTimeToken,
        lambda s: (
            _is(OneTimeToken.account, s.account_id) if s.account_id is not None else OneTimeToken.email == s.email
        ),
    ),
    "processor_notice": (
        ProcessorNotice,
        lambda s: (_is(ProcessorNotice.account, s.account_id)) | _in(ProcessorNotice.person, s.person_ids),
    ),
}


def _own_consents(subject: Subject) -> Any:
    # A consent given through a form carries the account it was linked to then; an unproven account has only those
    # given without a form person.
    condition = _is(Consent.account, subject.account_id)
    return condition if subject.address_proven else condition & Consent.person.is_null()


def _limit_keys(secret: str | None, email: str) -> tuple[str, ...]:
    if not secret:
        return ()
    limiter = RateLimiter(secret)
    return tuple(limiter.key(limit, email) for limit in RECIPIENT_LIMITS)


def _notices_of(subject: Subject) -> Any:
    condition = _in(RecipientNotice.id, ())
    for subsidiary, ref in subject.notice_refs:
        condition = condition | ((RecipientNotice.subsidiary == subsidiary) & (RecipientNotice.subject_ref == ref))
    return condition


def personal_tables() -> list[str]:
    """Every table with personal fields, in registry order."""
    return list(dict.fromkeys(field.table for field in registry.PERSONAL_FIELDS))


def missing_owners() -> list[str]:
    return [table for table in personal_tables() if table not in OWNERS]


async def _ids(query) -> tuple[int, ...]:
    return tuple(row["id"] for row in await query)


async def resolve_subject(account_id: int, *, login_secret: str | None = None) -> Subject:
    rows = await Account.select(Account.id, Account.email).where(Account.id == account_id)
    if not rows:
        raise NotFound("Kontot finns inte.")
    email = rows[0]["email"]
    proven = await claimed_address(account_id)  # None until the address is confirmed: only the account's own rows
    person_ids = await _ids(Person.select(Person.id).where(person_rows(account_id, proven)))
    answer_ids = await _ids(Answer.select(Answer.id).where(Answer.account == account_id))
    invoice_ids = await _ids(Invoice.select(Invoice.id).where(Invoice.account == account_id))
    cases: Any = SupportCase.account == account_id
    if proven is not None:
        cases = cases | (SupportCase.contact_email == proven) | _in(SupportCase.person, person_ids)
    case_ids = await _ids(SupportCase.select(SupportCase.id).where(cases))
    login_keys = (_attempt_key(login_secret, "email", email),) if login_secret else ()
    link = (DisclosureSubject.account == account_id) | _in(DisclosureSubject.person, person_ids)
    notice_refs = tuple((got.subsidiary, got.subject_ref) for got in await received_by(link))
    return Subject(
        account_id,
        email,
        person_ids,
        answer_ids,
        invoice_ids,
        case_ids,
        login_keys,
        notice_refs,
        address_proven=proven is not None,
        limit_keys=_limit_keys(login_secret, email),
    )


async def resolve_person_subject(person_id: int, *, login_secret: str | None = None) -> Subject:
    """Someone who used the public forms. When an account is linked to them or has their e-mail, that account is the
    subject (its export holds the form rows too); otherwise the person row and what hangs on it."""
    rows = await Person.select(Person.id, Person.email, Person.account).where(Person.id == person_id)
    if not rows:
        raise NotFound("Personen finns inte.")
    person = rows[0]
    # Linked, or with the address and proven: an account that has not confirmed the address is not this person.
    same = Account.email == person["email"]
    if person["account"] is not None:
        same = same | (Account.id == person["account"])
    accounts = await Account.select(Account.id).where(same & proven_account())
    if accounts:
        return await resolve_subject(accounts[0]["id"], login_secret=login_secret)
    email = person["email"]
    case_ids = await _ids(
        SupportCase.select(SupportCase.id).where(
            (SupportCase.person == person_id) | (SupportCase.contact_email == email)
        )
    )
    notice_refs = tuple(
        (got.subsidiary, got.subject_ref) for got in await received_by(DisclosureSubject.person == person_id)
    )
    return Subject(
        None, email, (person_id,), (), (), case_ids, (), notice_refs, limit_keys=_limit_keys(login_secret, email)
    )


def plain(value: Any) -> Any:
    """A value as JSON data: dates as ISO text, enums by value, dataclasses and mappings recursively."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, str) and value[:1] in "[{":
        try:  # a JSON column that came back as text
            return json.loads(value)
        except ValueError:
            return value
    return value


def field_info(field: PersonalField, retention_texts: dict[Retention, str]) -> dict[str, Any]:
    return {
        "column": field.column,
        "description": field.description_sv,
        "category": field.category.value,
        "purpose": field.purpose.value,
        "retention": retention_texts[field.retention],
        "portable": field.provided_by_person,
        "withheld": (field.table, field.column) in WITHHELD,
    }


async def _table_rows(table_name: str, subject: Subject) -> list[dict[str, Any]]:
    table, condition = OWNERS[table_name]
    fields = registry.personal_fields(table_name)
    columns = [table._meta.get_column_by_name(f.column) for f in fields if (table_name, f.column) not in WITHHELD]
    # In the order stored (the primary key): without ORDER BY, PostgreSQL returns rows in whatever order its pages hold.
    rows = await (
        table.select(table._meta.primary_key, *columns)
        .where(condition(subject))
        .order_by(table._meta.primary_key)
        .output(load_json=True)
    )
    out = []
    for row in rows:
        item = {"id": row["id"]}
        for f in fields:
            item[f.column] = WITHHELD_TEXT if (table_name, f.column) in WITHHELD else plain(row.get(f.column))
        out.append(item)
    return out


async def _disclosure_log(subject: Subject) -> list[dict[str, Any]]:
    # The order made; disclosures made in one moment in the order recorded. Sorting by the time alone left their
    # order to the database's (on PostgreSQL it changes as rows are updated and space is reused).
    rows = await (
        DisclosureSubject.select(
            DisclosureSubject.disclosure.recipient.as_alias("recipient"),
            DisclosureSubject.disclosure.purpose.as_alias("purpose"),
            DisclosureSubject.disclosure.fields.as_alias("fields"),
            DisclosureSubject.disclosure.created_at.as_alias("created_at"),
        )
        .where(OWNERS["disclosure_subject"][1](subject))
        .order_by(DisclosureSubject.disclosure.created_at, DisclosureSubject.disclosure)
    )
    log = []
    for row in rows:
        names = plain(row["fields"]) or []
        log.append(
            {
                "recipient": row["recipient"],
                "purpose": row["purpose"],
                "fields": names,
                "fields_described": [_describe_field_name(name) for name in names],
                "when": plain(row["created_at"]),
            }
        )
    return log


def _describe_field_name(name: str) -> str:
    return policy_module().field_description_sv(name)


async def access_export(
    account_id: int | None,
    *,
    person_id: int | None = None,
    periods: ConfiguredPeriods,
    controller: str,
    login_secret: str | None = None,
) -> dict[str, Any]:
    """Everything held about the account (or, with `person_id` and no account, about someone who only used the
    forms: see resolve_person_subject), table by table, with the policy's words around it (art. 15), and the portable
    part (art. 20): the fields the person provided. `periods` are the configured retention periods (settings.py),
    which the retention texts state; `controller` is the name of the controller (personuppgiftsansvarig), the seller
    in the billing configuration, which the caller passes so that one place names the company."""
    if account_id is not None:
        subject = await resolve_subject(account_id, login_secret=login_secret)
    elif person_id is not None:
        subject = await resolve_person_subject(person_id, login_secret=login_secret)
    else:
        raise NotFound("Ingen person att ta fram uppgifter om.")
    retention_texts = retention_texts_sv(periods)
    policy = policy_module()
    tables = []
    portable: dict[str, list[dict[str, Any]]] = {}
    for name in personal_tables():
        rows = await _table_rows(name, subject)
        fields = registry.personal_fields(name)
        entry: dict[str, Any] = {
            "table": name,
            "fields": [field_info(f, retention_texts) for f in fields],
            "rows": rows,
        }
        if name in ACCOUNTING_TABLES:
            entry["note"] = ACCOUNTING_NOTE_SV
        tables.append(entry)
        portable_columns = [f.column for f in fields if f.provided_by_person and (name, f.column) not in WITHHELD]
        if rows and portable_columns:
            portable[name] = [{"id": row["id"]} | {c: row[c] for c in portable_columns} for row in rows]
    forms = sorted({row.get("form") for t in tables if t["table"] == "form_submission" for row in t["rows"]} - {None})
    paid = any(t["rows"] for t in tables if t["table"] == "payment")
    return {
        "generated_at": plain(clock.now()),
        "controller": controller,
        "subject": {"account_id": subject.account_id, "person_ids": list(subject.person_ids), "email": subject.email},
        "tables": tables,
        "portable": {
            "description": "Uppgifter du själv har lämnat (artikel 20), i ett maskinläsbart format.",
            "data": portable,
        },
        "purposes": plain(policy.purposes()),
        "categories": plain(policy.categories()),
        "recipients": plain(policy.recipients(periods.webinar_sharing_months)),
        "retention": {r.value: text for r, text in retention_texts.items()},
        "source": {"text": SOURCE_SV, "forms_used": forms, "third_parties": [BANK_SOURCE] if paid else []},
        "disclosures": await _disclosure_log(subject),
        "automated_grading": plain(policy.AUTOMATED_GRADING_SV),
        "rights": plain(policy.RIGHTS_SV),
        "supervisory_authority": plain(policy.SUPERVISORY_AUTHORITY),
    }


_SAFE_NAME = re.compile(r"[^a-z0-9]+")


def export_filename(extension: str) -> str:
    return f"mina-uppgifter-{clock.today().isoformat()}.{_SAFE_NAME.sub('', extension)}"


@dataclass(frozen=True)
class ExportSettings:
    """What every access export states that the database does not hold, built once by create_app: the configured
    retention periods (settings.py), the controller's name (the seller in the billing configuration, the one place
    that names the company) and the secret that keys the failed-login rows (None leaves them out)."""

    periods: ConfiguredPeriods
    controller: str
    login_secret: str | None = None
    policy_url: str = policy.POLICY_PATH  # the privacy policy's address, stated in the PDF letter


class AccessExports:
    """The access export (art. 15, 20) as a service: the participant's own (Mina uppgifter) and the one customer
    service sends for an access request (support/requests.py, which audits it)."""

    def __init__(self, settings: ExportSettings) -> None:
        self.settings = settings

    async def export(self, account_id: int | None, *, person_id: int | None = None) -> dict[str, Any]:
        """Everything held about the account, or (with `person_id` and no account) about someone who only used the
        forms: see :func:`access_export`."""
        return await access_export(
            account_id,
            person_id=person_id,
            periods=self.settings.periods,
            controller=self.settings.controller,
            login_secret=self.settings.login_secret,
        )

    async def answer_places(self, data: dict[str, Any]) -> dict[int, AnswerPlace]:
        """Where each answer in an export belongs (lesson, question, maximum), for the PDF letter's summary per
        lesson; the export's rows carry only the registry's personal fields."""
        ids = [row["id"] for t in data["tables"] if t["table"] == "answer" for row in t["rows"]]
        if not ids:
            return {}
        rows = await Answer.select(Answer.id, Answer.lesson_slug, Answer.question_id, Answer.max_score_milli).where(
            Answer.id.is_in(ids)
        )
        return {r["id"]: AnswerPlace(r["lesson_slug"], r["question_id"], r["max_score_milli"]) for r in rows}
