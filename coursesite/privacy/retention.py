"""The retention job (`coursesite retention run`): erases whatever has passed its retention, per the registry's
Retention values, and reports what it did as counts per table — never any of the data.

Safe to run often: every rule is a condition on the clock ("older than …"), so a second run right after the first finds
nothing left to do. Each rule runs in its own write transaction (count, then change), so the counts are exact and a
failure leaves the earlier rules done.

The rules (privacy/registry.py, Retention):
- TECHNICAL_DATA: page-view IP addresses truncated (IPv4 to x.y.z.0, IPv6 to its /48) and page views deleted after the
  periods in the settings (settings.py: COURSESITE_PAGE_VIEW_IP_DAYS, default 7 days, and
  COURSESITE_PAGE_VIEW_RETENTION_MONTHS, default 13 months), the same numbers the policy texts state;
- SESSION_LIFETIME: expired sessions; LOGIN_WINDOW: failed logins older than the rate-limit window;
  RATE_LIMIT: the rate limiter's counted actions older than a day (the limiter deletes them too);
- CONTACT_FORMS: a webinar or event registration `registrant_months` (24) after the event's date (the registration
  date without one; privacy/ends.py: registration_expired), whatever consent came with it, and then the unwithdrawn
  information consent it asked for; people from the public forms, with their submissions, 24 months after their last
  form (an unexpired registration counts as recent) — only people without an account, without an open case, and
  without a newsletter consent that still holds or a consent still kept as proof;
- WHILE_ACCOUNT_EXISTS: a participant account without login or course activity for `inactive_account_months` (36):
  told by e-mail a month before (account.inactivity_warned_at, so once), then erased like an erasure request
  (privacy/erasure.py: the books are kept); a login in between cancels it (privacy/ends.py: inactivity_step). Needs
  the outbox (the CLI passes it); without one the rule is skipped. A restricted account (art. 18) or one with an open
  case is left alone until that is over;
- CONSENT_PROOF: consents 3 years after their withdrawal; a consent never confirmed (double opt-in) once its link has
  expired plus PENDING_CONSENT_DAYS (privacy/registry.py; signups/double_opt_in.py: pending_erase_before);
- STAFF_AUDIT: 2 years; DISCLOSURE_LOG: disclosures (with their subjects) 3 years, acknowledged notices to recipients
  and done notices to the newsletter processors 3 years;
- CASES: support cases (with their notes) 2 years after they were completed or rejected;
- MAIL_BODY: an e-mail's bodies and headers dropped MAIL_BODY_DAYS (30) after it was sent, failed or printed;
  MAIL_LOG: the rest of the row (the delivery log) deleted MAIL_LOG_MONTHS (36) after it was created
  (privacy/registry.py states both); ONE_TIME_TOKEN: link tokens once expired, or a day after use (core/tokens.py);
- BOOKKEEPING: invoices, credit notes and payments of every account, erased or not, from the first day of the eighth
  year after the calendar year of their date (`bookkeeping_kept_through`, Bokföringslagen 7 kap. 2 §); payments
  first, then credit notes, then invoices (the foreign keys restrict). They are deleted, as the records of erased
  accounts always were.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from piccolo.custom_types import Combinable
from piccolo.query.functions.aggregate import Max
from piccolo.table import Table

from coursesite.accounts.limits import LONGEST_WINDOW_SECONDS
from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, NotFound
from coursesite.core.formatting import format_date_long, to_stockholm
from coursesite.core.tokens import USED_TOKEN_KEPT
from coursesite.db.accounts import Account, LoginAttempt, RateLimitHit, UserSession
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.billing import Invoice, InvoiceReminder, Payment
from coursesite.db.engine import write_transaction
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.db.privacy import (
    AccountPrivacy,
    CaseNote,
    Consent,
    Disclosure,
    DisclosureSubject,
    FormSubmission,
    PageView,
    Person,
    ProcessorNotice,
    RecipientNotice,
    StaffAudit,
    SupportCase,
)
from coursesite.mail.message import DONE_STATUSES, Mail
from coursesite.mail.outbox import MailOutbox
from coursesite.privacy.ends import (
    WARNING_MONTHS,
    Inactivity,
    inactive_erase_at,
    inactivity_step,
    last_activity,
    months_after,
    months_before,
    registration_expired,
)
from coursesite.privacy.erasure import erase_account
from coursesite.privacy.erasure_ledger import ErasureLedger
from coursesite.privacy.registry import CONTACT_FORMS_MONTHS, MAIL_BODY_DAYS, MAIL_LOG_MONTHS
from coursesite.settings import (
    DEFAULT_INACTIVE_ACCOUNT_MONTHS,
    DEFAULT_PAGE_VIEW_IP_DAYS,
    DEFAULT_PAGE_VIEW_RETENTION_MONTHS,
    DEFAULT_REGISTRANT_MONTHS,
    Settings,
)
from coursesite.signups.catalogue import Catalogue
from coursesite.signups.double_opt_in import pending_erase_before
from coursesite.signups.forms import REGISTRATION_FORMS, registration_event_on

__all__ = ["months_after", "months_before"]  # re-exported: the calendar rule lives in privacy/ends.py
CONSENT_PROOF_MONTHS = 36
STAFF_AUDIT_MONTHS = 24
DISCLOSURE_LOG_MONTHS = 36
CASES_MONTHS = 24
BOOKKEEPING_YEARS = 7  # Bokföringslagen 7 kap. 2 §: through the seventh year after the calendar year
OPEN_CASE_STATUSES = ("open", "extended")
CLOSED_CASE_STATUSES = ("completed", "rejected")
TRUNCATE_BATCH = 1000


# --- Pure rules -----------------------------------------------------------------------------------------------------


def bookkeeping_kept_through(record_date: date) -> date:
    """The last day an accounting record dated `record_date` must be kept (calendar financial year):
    31 December of the seventh year after its year. 2025-03-14 → 2032-12-31."""
    return date(record_date.year + BOOKKEEPING_YEARS, 12, 31)


def bookkeeping_erasable(record_date: date, today: date) -> bool:
    return today > bookkeeping_kept_through(record_date)


def bookkeeping_erase_before(today: date) -> date:
    """Accounting records dated before this day may be erased `today` (the same rule as a date bound for SQL)."""
    return date(today.year - BOOKKEEPING_YEARS, 1, 1)


def truncate_ip(address: str | None) -> str | None:
    """IPv4 keeps its first three octets (x.y.z.0); IPv6 keeps its first 48 bits (the /48 network). An IPv4 address
    mapped into IPv6 is truncated as IPv4. Anything that is not an IP address becomes None."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if isinstance(ip, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


@dataclass(frozen=True)
class RetentionPolicy:
    """The retention periods the job applies (the registry's Retention texts say the same in Swedish)."""

    ip_truncate_days: int = DEFAULT_PAGE_VIEW_IP_DAYS
    page_view_months: int = DEFAULT_PAGE_VIEW_RETENTION_MONTHS
    login_window_seconds: int = 900
    contact_forms_months: int = CONTACT_FORMS_MONTHS
    consent_proof_months: int = CONSENT_PROOF_MONTHS
    staff_audit_months: int = STAFF_AUDIT_MONTHS
    disclosure_log_months: int = DISCLOSURE_LOG_MONTHS
    cases_months: int = CASES_MONTHS
    mail_body_days: int = MAIL_BODY_DAYS
    mail_log_months: int = MAIL_LOG_MONTHS
    inactive_account_months: int = DEFAULT_INACTIVE_ACCOUNT_MONTHS
    registrant_months: int = DEFAULT_REGISTRANT_MONTHS

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            ip_truncate_days=settings.page_view_ip_days,
            page_view_months=settings.page_view_retention_months,
            login_window_seconds=settings.login_window_seconds,
            inactive_account_months=settings.inactive_account_months,
            registrant_months=settings.registrant_months,
        )


@dataclass
class RetentionReport:
    """What one run did: (table, action) → rows. Counts only, never data."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, table: str, action: str, rows: int) -> None:
        self.counts[(table, action)] = self.counts.get((table, action), 0) + rows

    def get(self, table: str, action: str = "deleted") -> int:
        return self.counts.get((table, action), 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [f"{table}: {rows} {action}" for (table, action), rows in self.counts.items()]


# --- The job --------------------------------------------------------------------------------------------------------


async def _delete(
    engine, report: RetentionReport, table: type[Table], condition: Combinable, *cascaded, label: str | None = None
) -> None:
    """Delete the rows of `table` matching `condition`, counting them (under `label`, the table's name by default)
    and the rows their deletion cascades to (`cascaded`: (child table, condition on the child) pairs)."""
    async with write_transaction(engine):
        rows = await table.count().where(condition)
        for child, child_condition in cascaded:
            report.add(child._meta.tablename, "deleted", await child.count().where(child_condition) if rows else 0)
        if rows:
            await table.delete().where(condition)
    report.add(label or table._meta.tablename, "deleted", rows)


async def _truncate_ips(engine, report: RetentionReport, before: datetime) -> None:
    truncated = 0
    while True:
        async with write_transaction(engine):
            rows = await (
                PageView.select(PageView.id, PageView.ip_address)
                .where((PageView.ip_truncated == False) & (PageView.viewed_at < before))  # noqa: E712
                .limit(TRUNCATE_BATCH)
            )
            groups: dict[str | None, list[int]] = {}
            for row in rows:
                groups.setdefault(truncate_ip(row["ip_address"]), []).append(row["id"])
            for value, ids in groups.items():
                await PageView.update({PageView.ip_address: value, PageView.ip_truncated: True}).where(
                    PageView.id.is_in(ids)
                )
        truncated += len(rows)
        if len(rows) < TRUNCATE_BATCH:
            break
    report.add("page_view", "IP addresses truncated", truncated)


async def run_retention(
    engine,
    policy: RetentionPolicy | None = None,
    *,
    catalogue: Catalogue,
    outbox: MailOutbox | None = None,
    login_secret: str | None = None,
    ledger: ErasureLedger | None = None,
) -> RetentionReport:
    """Apply every rule. `catalogue` (lessons/catalogue.toml, from COURSESITE_LESSONS_DIR) dates the registrations;
    `outbox` (the app's, built by the CLI) sends the inactivity warnings; `login_secret` lets an
    inactive account's erasure also remove its failed-login rows, as an erasure request does."""
    policy = policy or RetentionPolicy()
    now = clock.now()
    today = to_stockholm(now).date()
    report = RetentionReport()

    # Technical data.
    await _delete(engine, report, PageView, PageView.viewed_at < months_before(now, policy.page_view_months))
    await _truncate_ips(engine, report, now - timedelta(days=policy.ip_truncate_days))

    # Sessions and failed logins.
    await _delete(engine, report, UserSession, UserSession.expires_at <= now)
    await _delete(
        engine, report, LoginAttempt, LoginAttempt.attempted_at < now - timedelta(seconds=policy.login_window_seconds)
    )
    await _delete(
        engine, report, RateLimitHit, RateLimitHit.occurred_at < now - timedelta(seconds=LONGEST_WINDOW_SECONDS)
    )

    # Webinar and event registrations, after the event's date, whatever consent came with them.
    await _erase_registrations(engine, report, catalogue, today, policy.registrant_months)

    # People from the public forms, 24 months after their last form (a registration still kept counts as recent).
    forms_cutoff = months_before(now, policy.contact_forms_months)
    proof_cutoff = months_before(now, policy.consent_proof_months)
    recent_form = FormSubmission.select(FormSubmission.person).where(
        (FormSubmission.created_at >= forms_cutoff) | FormSubmission.form.is_in(list(REGISTRATION_FORMS))
    )
    open_case = SupportCase.select(SupportCase.person).where(
        SupportCase.person.is_not_null() & SupportCase.status.is_in(list(OPEN_CASE_STATUSES))
    )
    # A pending consent keeps no one: it is erased on its own below, and it was never given. An information consent
    # keeps no one either: it ends with its registration (above).
    kept_consent = Consent.select(Consent.person).where(
        Consent.person.is_not_null()
        & (
            (
                Consent.withdrawn_at.is_null()
                & Consent.confirmed_at.is_not_null()
                & Consent.kind.not_in(list(INFORMATION_CONSENTS.values()))
            )
            | (Consent.withdrawn_at >= proof_cutoff)
        )
    )
    # A person is made by a form (signups/forms.py), so one left without any is one whose registrations ended.
    any_form = FormSubmission.select(FormSubmission.person)
    expired_people = (
        Person.account.is_null()
        & ((Person.created_at < forms_cutoff) | Person.id.not_in(any_form))
        & Person.id.not_in(recent_form)
        & Person.id.not_in(open_case)
        & Person.id.not_in(kept_consent)
    )
    people = Person.select(Person.id).where(expired_people)
    await _delete(
        engine,
        report,
        Person,
        expired_people,
        (FormSubmission, FormSubmission.person.is_in(people)),
        (Consent, Consent.person.is_in(people)),
        (DisclosureSubject, DisclosureSubject.person.is_in(people)),
        (ProcessorNotice, ProcessorNotice.person.is_in(people)),
    )

    # Consents never confirmed, once their link has expired plus PENDING_CONSENT_DAYS.
    await _delete(
        engine,
        report,
        Consent,
        Consent.confirmed_at.is_null()
        & Consent.withdrawn_at.is_null()
        & (Consent.given_at < pending_erase_before(now)),
        label="consent (never confirmed)",
    )
    # Consents kept as proof, 3 years after their withdrawal.
    await _delete(engine, report, Consent, Consent.withdrawn_at.is_not_null() & (Consent.withdrawn_at < proof_cutoff))

    # The staff audit log, the disclosure log and acknowledged notices to recipients.
    await _delete(engine, report, StaffAudit, StaffAudit.created_at < months_before(now, policy.staff_audit_months))
    disclosure_cutoff = months_before(now, policy.disclosure_log_months)
    old_disclosures = Disclosure.created_at < disclosure_cutoff
    await _delete(
        engine,
        report,
        Disclosure,
        old_disclosures,
        (
            DisclosureSubject,
            DisclosureSubject.disclosure.is_in(Disclosure.select(Disclosure.id).where(old_disclosures)),
        ),
    )
    await _delete(
        engine,
        report,
        RecipientNotice,
        RecipientNotice.acknowledged_at.is_not_null() & (RecipientNotice.created_at < disclosure_cutoff),
    )
    await _delete(
        engine,
        report,
        ProcessorNotice,
        ProcessorNotice.done_at.is_not_null() & (ProcessorNotice.created_at < disclosure_cutoff),
    )

    # Customer-service cases, 2 years after they were closed.
    old_cases = (
        SupportCase.status.is_in(list(CLOSED_CASE_STATUSES))
        & SupportCase.completed_at.is_not_null()
        & (SupportCase.completed_at < months_before(now, policy.cases_months))
    )
    await _delete(
        engine,
        report,
        SupportCase,
        old_cases,
        (CaseNote, CaseNote.case.is_in(SupportCase.select(SupportCase.id).where(old_cases))),
    )

    # E-mail: the bodies soon after delivery, the delivery log after its period; link tokens once spent.
    await _drop_mail_bodies(engine, report, now, now - timedelta(days=policy.mail_body_days))
    await _delete(
        engine,
        report,
        OutboxMessage,
        OutboxMessage.status.is_in(list(DONE_STATUSES))
        & (OutboxMessage.created_at < months_before(now, policy.mail_log_months)),
    )
    await _delete(
        engine,
        report,
        OneTimeToken,
        (OneTimeToken.expires_at <= now) | (OneTimeToken.used_at <= now - USED_TOKEN_KEPT),
    )

    # Accounting records of every account, after Bokföringslagen's period.
    await _erase_accounting(engine, report, bookkeeping_erase_before(today))

    # Accounts nobody uses: a warning a month before, then the erasure (the books kept, as above).
    if outbox is not None:
        await _inactive_accounts(engine, report, now, policy.inactive_account_months, outbox, login_secret, ledger)
    return report


# The consent each registration form records (signups/forms.py): it ends with the registration.
INFORMATION_CONSENTS = {"webinar": "webinar_information", "signup": "event_information"}
REGISTRATION_BATCH = 1000
INACTIVE_WHY = "Kontot har inte använts under lagringstiden (raderingsjobbet)"


async def _erase_registrations(
    engine, report: RetentionReport, catalogue: Catalogue, today: date, registrant_months: int
) -> None:
    """Delete each registration whose end (privacy/ends.py) has come, then the unwithdrawn information consents of
    people left with no registration of that form. A withdrawn one stays as proof (CONSENT_PROOF)."""
    erased = 0
    after = 0
    while True:
        async with write_transaction(engine):
            rows = (
                await FormSubmission.select(
                    FormSubmission.id, FormSubmission.form, FormSubmission.details, FormSubmission.created_at
                )
                .where(FormSubmission.form.is_in(list(REGISTRATION_FORMS)) & (FormSubmission.id > after))
                .order_by(FormSubmission.id)
                .limit(REGISTRATION_BATCH)
            )
            expired = [
                row["id"]
                for row in rows
                if registration_expired(
                    registration_event_on(row["form"], row["details"], catalogue),
                    to_stockholm(row["created_at"]).date(),
                    today,
                    registrant_months,
                )
            ]
            if expired:
                await FormSubmission.delete().where(FormSubmission.id.is_in(expired))
        erased += len(expired)
        if len(rows) < REGISTRATION_BATCH:
            break
        after = rows[-1]["id"]
    report.add("form_submission", "registrations deleted", erased)
    for form, kind in INFORMATION_CONSENTS.items():
        registered = FormSubmission.select(FormSubmission.person).where(FormSubmission.form == form)
        await _delete(
            engine,
            report,
            Consent,
            (Consent.kind == kind) & Consent.withdrawn_at.is_null() & Consent.person.not_in(registered),
            label=f"consent ({kind}, registration ended)",
        )


async def _inactive_accounts(
    engine,
    report: RetentionReport,
    now: datetime,
    months: int,
    outbox: MailOutbox,
    login_secret: str | None,
    ledger: ErasureLedger | None = None,
) -> None:
    """Warn, then erase, participant accounts without login or course activity (privacy/ends.py: inactivity_step).
    Candidates are read by their own dates first (created, last login); their course activity is then looked up."""
    # Anyone the rule could act on today was last active before this (a day's slack for the month clamping).
    before = months_before(months_after(now, WARNING_MONTHS), months) + timedelta(days=1)
    # Left alone: a restricted account (art. 18: the person asked us to keep it, stored only) and one with an open
    # case (a request under way); the rule takes them up once that is over.
    restricted = AccountPrivacy.select(AccountPrivacy.account).where(AccountPrivacy.restricted_at.is_not_null())
    open_case = SupportCase.select(SupportCase.account).where(
        SupportCase.account.is_not_null() & SupportCase.status.is_in(list(OPEN_CASE_STATUSES))
    )
    candidates = await Account.select(
        Account.id, Account.created_at, Account.last_login_at, Account.inactivity_warned_at
    ).where(
        (Account.role == Role.PARTICIPANT.value)
        & (Account.created_at < before)
        & (Account.last_login_at.is_null() | (Account.last_login_at < before))
        & Account.id.not_in(restricted)
        & Account.id.not_in(open_case)
    )
    warned = erased = 0
    for chunk in [candidates[i : i + TRUNCATE_BATCH] for i in range(0, len(candidates), TRUNCATE_BATCH)]:
        activity = await _course_activity([row["id"] for row in chunk])
        for row in chunk:
            active = last_activity(row["created_at"], [row["last_login_at"], *activity[row["id"]]])
            step = inactivity_step(active, row["inactivity_warned_at"], now, months)
            if step is Inactivity.WARN:
                warned += await _warn_inactive(engine, outbox, row["id"], inactive_erase_at(active, months), now)
            elif step is Inactivity.ERASE:
                erased += await _erase_inactive(engine, row["id"], now, months, login_secret, ledger)
    report.add("account", "warned of erasure (inactive)", warned)
    report.add("account", "erased (inactive)", erased)


async def _course_activity(ids: list[int]) -> dict[int, list[datetime | None]]:
    """Per account, the latest answer, lesson progress and session use: one grouped query per table."""
    activity: dict[int, list[datetime | None]] = {account_id: [] for account_id in ids}
    for table, column in (
        (Answer, Answer.created_at),
        (LessonProgress, LessonProgress.updated_at),
        (UserSession, UserSession.last_used_at),
        (UserSession, UserSession.created_at),
    ):
        owner = table.account
        for row in (
            await table.select(owner.as_alias("owner"), Max(column, alias="latest"))
            .where(owner.is_in(ids))
            .group_by(owner)
        ):
            latest = row["latest"]  # an aggregate: SQLite gives the stored text back, not a datetime
            activity[row["owner"]].append(datetime.fromisoformat(latest) if isinstance(latest, str) else latest)
    return activity


async def _warn_inactive(engine, outbox: MailOutbox, account_id: int, erase_at: datetime, now: datetime) -> int:
    """The warning mail and its record, in one transaction: sent once per stretch of inactivity."""
    erase_on = max(erase_at, months_after(now, WARNING_MONTHS))
    async with write_transaction(engine):
        account = await Account.select(Account.email).where(Account.id == account_id).first()
        if account is None:
            return 0
        await outbox.queue(
            Mail(
                to=account["email"],
                template="account_inactive",
                context={
                    "erase_on": format_date_long(to_stockholm(erase_on).date()),
                    "login_link": outbox.link("/logga-in"),
                },
                account_id=account_id,
            )
        )
        await Account.update({Account.inactivity_warned_at: now}).where(Account.id == account_id)
    return 1


async def _erase_inactive(
    engine, account_id: int, now: datetime, months: int, login_secret: str | None, ledger: ErasureLedger | None
) -> int:
    """Erase the account like an erasure request (the books kept), after reading it again in the erasure's own
    transaction: a login or course activity since the first read cancels it."""
    async with write_transaction(engine, account_id=account_id):
        row = (
            await Account.select(Account.created_at, Account.last_login_at, Account.inactivity_warned_at)
            .where(Account.id == account_id)
            .first()
        )
        if row is None:
            return 0
        activity = await _course_activity([account_id])
        active = last_activity(row["created_at"], [row["last_login_at"], *activity[account_id]])
        if inactivity_step(active, row["inactivity_warned_at"], now, months) is not Inactivity.ERASE:
            return 0
        try:
            await erase_account(
                engine,
                account_id=account_id,
                actor_id=None,
                case_id=None,
                login_secret=login_secret,
                why=INACTIVE_WHY,
                ledger=ledger,
            )
        except (Conflict, NotFound):  # a staff account (never erased this way), or gone meanwhile
            return 0
    return 1


async def _drop_mail_bodies(engine, report: RetentionReport, now: datetime, before: datetime) -> None:
    """A message done with (sent, failed, printed) before `before` keeps its delivery log, not its content."""
    done_before = OutboxMessage.status.is_in(list(DONE_STATUSES)) & (
        (OutboxMessage.sent_at < before) | (OutboxMessage.sent_at.is_null() & (OutboxMessage.created_at < before))
    )
    condition = done_before & OutboxMessage.bodies_dropped_at.is_null()
    async with write_transaction(engine):
        rows = await OutboxMessage.count().where(condition)
        if rows:
            await OutboxMessage.update(
                {
                    OutboxMessage.body_text: None,
                    OutboxMessage.body_html: None,
                    OutboxMessage.headers: "{}",
                    OutboxMessage.attachments: "[]",
                    OutboxMessage.bodies_dropped_at: now,
                }
            ).where(condition)
    report.add("outbox_message", "bodies dropped", rows)


async def _erase_accounting(engine, report: RetentionReport, erase_before: date) -> None:
    """Payments first, then credit notes, then invoices: the foreign keys restrict, so a record something still
    points at (a kept payment, a kept credit note) waits until that is erased too."""
    await _delete(engine, report, Payment, Payment.payment_date < erase_before)
    paid = Payment.select(Payment.invoice).where(Payment.invoice.is_not_null())
    expired = (Invoice.issue_date < erase_before) & Invoice.id.not_in(paid)
    await _delete(engine, report, Invoice, expired & (Invoice.kind == "credit_note"), label="invoice (credit notes)")
    credited = Invoice.select(Invoice.credited_invoice).where(Invoice.credited_invoice.is_not_null())
    erasable = expired & (Invoice.kind == "invoice") & Invoice.id.not_in(credited)
    # An invoice's reminders go with it (the foreign key restricts): they are part of its record.
    await _delete(
        engine, report, InvoiceReminder, InvoiceReminder.invoice.is_in(Invoice.select(Invoice.id).where(erasable))
    )
    await _delete(engine, report, Invoice, erasable, label="invoice")
