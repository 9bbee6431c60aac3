"""The retention job (`coursesite retention run`) on both engines: each rule erases exactly what passed its retention
and keeps the rest; a second run changes nothing; Bokföringslagen's period for the accounting records of every
account, erased or not (domain.md §5). Registrants and inactive accounts: tests/integration/test_retention_ends.py."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from click.testing import CliRunner

from coursesite.cli import main
from coursesite.core import clock
from coursesite.db.accounts import Account, LoginAttempt, UserSession
from coursesite.db.billing import Invoice, Payment
from coursesite.db.privacy import (
    CaseNote,
    Consent,
    Disclosure,
    DisclosureSubject,
    FormSubmission,
    PageView,
    Person,
    RecipientNotice,
    StaffAudit,
    Subsidiary,
    SupportCase,
)
from coursesite.db.tables import TABLES
from coursesite.privacy.retention import RetentionPolicy, months_before, run_retention
from tests.conftest import TEST_SECRET, run_in_own_loop
from tests.support import TEST_CATALOGUE, copy_lessons

UTC = UTC
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def restore_clock():
    yield
    clock.set_now(None)


def at(moment: datetime) -> None:
    clock.set_now(lambda: moment)


async def account(email: str) -> int:
    row = await Account.insert(
        Account(email=email, password_hash="x", first_name="Anna", last_name="Berg", created_at=NOW)
    ).returning(Account.id)
    return row[0]["id"]


async def person(email: str, created_at: datetime, *, account_id: int | None = None) -> int:
    row = await Person.insert(
        Person(email=email, first_name="Per", account=account_id, created_at=created_at, updated_at=created_at)
    ).returning(Person.id)
    return row[0]["id"]


async def form(person_id: int, created_at: datetime, kind: str = "contact", details: dict | None = None) -> None:
    await FormSubmission.insert(
        FormSubmission(
            person=person_id,
            form=kind,
            details=json.dumps({"message": "Hej"} if details is None else details),
            channel="kurssajten",
            created_at=created_at,
        )
    )


async def consent(created: datetime, withdrawn: datetime | None, *, person_id=None, account_id=None) -> int:
    row = await Consent.insert(
        Consent(
            person=person_id,
            account=account_id,
            kind="newsletter",
            text="Ja tack",
            policy_version="2026-01",
            channel="kurssajten",
            given_at=created,
            withdrawn_at=withdrawn,
            confirmed_at=created,  # confirmed (double opt-in); pending ones: test_consents.py
            confirmed_via="email_link",
        )
    ).returning(Consent.id)
    return row[0]["id"]


async def case(status: str, completed_at: datetime | None, *, person_id=None) -> int:
    row = await SupportCase.insert(
        SupportCase(
            kind="complaint",
            person=person_id,
            contact_name="Per",
            contact_email="per@example.se",
            subject="Reklamation",
            status=status,
            received_on=date(2020, 1, 1),
            completed_at=completed_at,
            created_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
    ).returning(SupportCase.id)
    await CaseNote.insert(
        CaseNote(case=row[0]["id"], text="Ringde kunden.", created_at=datetime(2020, 1, 2, tzinfo=UTC))
    )
    return row[0]["id"]


_sequence = iter(range(1, 1_000_000))


async def invoice(
    issue: date, *, account_id: int | None = None, kind: str = "invoice", credits: int | None = None
) -> int:
    sequence = next(_sequence)
    row = await Invoice.insert(
        Invoice(
            kind=kind,
            series="T",
            year=issue.year,
            sequence=sequence,
            number=f"T{issue.year}-{sequence:05d}",
            account=account_id,
            credited_invoice=credits,
            issue_date=issue,
            supply_date=issue,
            buyer=json.dumps({"name": "Anna Berg", "address": "Storgatan 1"}),
            seller=json.dumps({}),
            lines=json.dumps([]),
            net_ore=100,
            vat_ore=25,
            rounding_ore=0,
            total_ore=125,
            created_at=datetime(issue.year, issue.month, issue.day, tzinfo=UTC),
        )
    ).returning(Invoice.id)
    return row[0]["id"]


async def payment(invoice_id: int | None, paid: date) -> int:
    row = await Payment.insert(
        Payment(
            invoice=invoice_id,
            amount_ore=125,
            payment_date=paid,
            payer_name="Anna Berg",
            source="manual",
            created_at=datetime(paid.year, paid.month, paid.day, tzinfo=UTC),
        )
    ).returning(Payment.id)
    return row[0]["id"]


async def ids(table) -> set[int]:
    return {row["id"] for row in await table.select(table.id)}


async def dump() -> dict[str, list[dict]]:
    return {table._meta.tablename: await table.select().order_by(table.id) for table in TABLES}


async def run(db):
    return await run_retention(db, RetentionPolicy(login_window_seconds=900), catalogue=TEST_CATALOGUE)


async def test_clause_storage_retention_job_erases_exactly_what_passed_and_keeps_the_rest(db):
    anna = await account("anna@example.se")
    # Technical data.
    for viewed_at, ip in (
        (NOW - timedelta(days=7) - SECOND, "203.0.113.77"),
        (NOW - timedelta(days=6), "203.0.113.78"),
        (months_before(NOW, 13) - SECOND, "198.51.100.9"),
    ):
        await PageView.insert(PageView(path="/", viewed_at=viewed_at, ip_address=ip))
    # Sessions and failed logins.
    for token, expires in (("a" * 64, NOW - SECOND), ("b" * 64, NOW + timedelta(days=1))):
        await UserSession.insert(
            UserSession(token_hash=token, account=anna, created_at=NOW - timedelta(days=14), expires_at=expires)
        )
    for key, attempted in (("c" * 64, NOW - timedelta(seconds=901)), ("d" * 64, NOW - timedelta(seconds=899))):
        await LoginAttempt.insert(LoginAttempt(key_hash=key, attempted_at=attempted))
    # People from the forms: 24 months after their last form.
    old = await person("gammal@example.se", months_before(NOW, 30))
    await form(old, months_before(NOW, 30))
    await form(old, months_before(NOW, 24) - SECOND)
    recent = await person("aktuell@example.se", months_before(NOW, 30))
    await form(recent, months_before(NOW, 30))
    await form(recent, months_before(NOW, 24) + SECOND)  # a recent form keeps the older ones too
    with_account = await person("anna@example.se", months_before(NOW, 30), account_id=anna)
    await form(with_account, months_before(NOW, 30))
    with_open_case = await person("arende@example.se", months_before(NOW, 30))
    await form(with_open_case, months_before(NOW, 30))
    open_case = await case("open", None, person_id=with_open_case)
    subscribed = await person("prenumerant@example.se", months_before(NOW, 30))
    await consent(months_before(NOW, 30), None, person_id=subscribed)  # the consent still holds
    # Consents: 3 years after withdrawal.
    await consent(
        months_before(NOW, 50), months_before(NOW, 36) - SECOND, account_id=anna
    )  # gone: not in the set below
    proof_kept = await consent(months_before(NOW, 50), months_before(NOW, 36) + SECOND, account_id=anna)
    holding = await consent(months_before(NOW, 50), None, account_id=anna)
    # Staff audit 2 years, disclosures 3 years, acknowledged notices 3 years.
    for created in (months_before(NOW, 24) - SECOND, months_before(NOW, 24) + SECOND):
        await StaffAudit.insert(
            StaffAudit(action="read", subject_account=anna, what="account", why="ärende", created_at=created)
        )
    disclosures = []
    for created in (months_before(NOW, 36) - SECOND, months_before(NOW, 36) + SECOND):
        row = await Disclosure.insert(
            Disclosure(
                recipient="Mailchimp",
                purpose="newsletter",
                fields=json.dumps(["person.email"]),
                people=1,
                created_at=created,
            )
        ).returning(Disclosure.id)
        disclosures.append(row[0]["id"])
        await DisclosureSubject.insert(DisclosureSubject(disclosure=row[0]["id"], account=anna))
    subsidiary = (
        await Subsidiary.insert(
            Subsidiary(name="Kursbolaget", purpose="course_site", token_hash=secrets.token_hex(32), created_at=NOW)
        ).returning(Subsidiary.id)
    )[0]["id"]
    for created, acknowledged in (
        (months_before(NOW, 36) - SECOND, NOW),
        (months_before(NOW, 36) - SECOND, None),
        (months_before(NOW, 36) + SECOND, NOW),
    ):
        await RecipientNotice.insert(
            RecipientNotice(
                subsidiary=subsidiary,
                kind="erasure",
                subject_ref="17",
                changes=json.dumps([]),
                created_at=created,
                acknowledged_at=acknowledged,
            )
        )
    # Cases: 2 years after they were closed.
    closed_old = await case("completed", months_before(NOW, 24) - SECOND)
    rejected_old = await case("rejected", months_before(NOW, 24) - SECOND)
    closed_recent = await case("completed", months_before(NOW, 24) + SECOND)
    old_but_open = await case("extended", None)

    at(NOW)
    report = await run(db)

    pages = await PageView.select().order_by(PageView.id)
    assert [(row["ip_address"], row["ip_truncated"]) for row in pages] == [
        ("203.0.113.0", True),
        ("203.0.113.78", False),
    ]
    assert report.get("page_view", "IP addresses truncated") == 1 and report.get("page_view") == 1
    assert [row["token_hash"][0] for row in await UserSession.select()] == ["b"]
    assert [row["key_hash"][0] for row in await LoginAttempt.select()] == ["d"]
    assert await ids(Person) == {recent, with_account, with_open_case, subscribed}
    assert report.get("person") == 1 and report.get("form_submission") == 2
    assert await FormSubmission.count().where(FormSubmission.person == old) == 0
    assert await FormSubmission.count().where(FormSubmission.person == recent) == 2
    assert await ids(Consent) == {proof_kept, holding} | {
        row["id"] for row in await Consent.select().where(Consent.person == subscribed)
    }
    assert report.get("consent") == 1
    assert await StaffAudit.count() == 1 and report.get("staff_audit") == 1
    assert await ids(Disclosure) == {disclosures[1]} and report.get("disclosure") == 1
    assert await DisclosureSubject.count() == 1 and report.get("disclosure_subject") == 1
    notices = await RecipientNotice.select(RecipientNotice.acknowledged_at).order_by(RecipientNotice.id)
    assert len(notices) == 2 and notices[0]["acknowledged_at"] is None  # never delivered: still owed to the recipient
    assert await ids(SupportCase) == {open_case, closed_recent, old_but_open}
    assert not {closed_old, rejected_old} & await ids(SupportCase)
    assert report.get("support_case") == 2 and report.get("case_note") == 2 and await CaseNote.count() == 3
    assert await Account.count() == 1  # the job never erases accounts

    # Running again changes nothing.
    before = await dump()
    again = await run(db)
    assert again.total == 0, again.lines()
    assert await dump() == before


async def test_clause_storage_retention_job_accounting_vector(db):
    anna = await account("anna@example.se")
    erased = await invoice(date(2025, 3, 14))  # its account was erased
    kept = await invoice(date(2025, 3, 14), account_id=anna)  # the account still exists
    later = await invoice(date(2026, 1, 2))

    at(datetime(2032, 12, 31, 22, 59, tzinfo=UTC))  # 23:59 on 31 December in Stockholm
    assert (await run(db)).get("invoice") == 0
    assert await ids(Invoice) == {erased, kept, later}

    at(datetime(2032, 12, 31, 23, 0, tzinfo=UTC))  # 00:00 on 1 January 2033 in Stockholm
    report = await run(db)
    assert report.get("invoice") == 2  # the live account's record too (issue 12): the books end for everyone
    assert await ids(Invoice) == {later}
    assert await Account.count() == 1  # the account itself is not touched
    assert (await run(db)).total == 0

    at(datetime(2033, 12, 31, 23, 0, tzinfo=UTC))  # 1 January 2034: the 2026 record's turn
    await run(db)
    assert await ids(Invoice) == set()


async def test_payments_go_first_then_credit_notes_then_invoices(db):
    full = await invoice(date(2025, 3, 14))
    credit = await invoice(date(2025, 4, 1), kind="credit_note", credits=full)
    paid = await invoice(date(2025, 11, 20))
    early_payment = await payment(paid, date(2025, 12, 1))
    late_paid = await invoice(date(2025, 12, 20))
    late_payment = await payment(late_paid, date(2026, 1, 5))  # an accounting record of 2026: kept through 2033
    credited_late = await invoice(date(2025, 12, 28))
    late_credit = await invoice(date(2026, 1, 3), kind="credit_note", credits=credited_late)
    unmatched_old = await payment(None, date(2025, 6, 1))
    unmatched_new = await payment(None, date(2026, 2, 1))
    anna = await account("anna@example.se")
    own = await invoice(date(2025, 5, 5), account_id=anna)
    own_payment = await payment(own, date(2025, 5, 20))

    at(datetime(2033, 1, 1, 12, 0, tzinfo=UTC))
    report = await run(db)
    assert await ids(Payment) == {late_payment, unmatched_new}
    assert {early_payment, unmatched_old, own_payment}.isdisjoint(await ids(Payment))
    # Still pointed at by a kept payment or a kept credit note: waits for them. A live account's records go too.
    assert await ids(Invoice) == {late_paid, credited_late, late_credit}
    assert not {full, credit, paid, own} & await ids(Invoice)
    assert (report.get("payment"), report.get("invoice (credit notes)"), report.get("invoice")) == (3, 1, 3)
    assert (await run(db)).total == 0

    at(datetime(2034, 1, 1, 12, 0, tzinfo=UTC))
    await run(db)
    assert await ids(Invoice) == set() and await ids(Payment) == set()


def test_cli_retention_run_reports_counts_and_no_personal_data(db, database_url):
    async def seed():
        await PageView.insert(
            PageView(path="/hemlig", viewed_at=datetime(2020, 1, 1, tzinfo=UTC), ip_address="203.0.113.9")
        )
        await PageView.insert(
            PageView(path="/", viewed_at=datetime.now(UTC) - timedelta(days=10), ip_address="203.0.113.10")
        )
        await PageView.insert(PageView(path="/", viewed_at=datetime.now(UTC), ip_address="203.0.113.11"))
        await LoginAttempt.insert(LoginAttempt(key_hash="e" * 64, attempted_at=datetime(2020, 1, 1, tzinfo=UTC)))
        old = await person("cli@example.se", datetime(2020, 1, 1, tzinfo=UTC))
        await form(old, datetime(2020, 1, 1, tzinfo=UTC))

    run_in_own_loop(seed())
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
    }
    result = CliRunner().invoke(main, ["retention", "run"], env=env)
    assert result.exit_code == 0, result.output
    assert "page_view: 1 deleted" in result.output
    assert "page_view: 1 IP addresses truncated" in result.output
    assert "login_attempt: 1 deleted" in result.output
    assert "person: 1 deleted" in result.output and "form_submission: 1 deleted" in result.output
    assert "Retention run done: 5 rows changed or erased." in result.output
    for secret in ("203.0.113", "cli@example.se", "/hemlig"):
        assert secret not in result.output

    again = CliRunner().invoke(main, ["retention", "run"], env=env)
    assert again.exit_code == 0 and "Retention run done: 0 rows changed or erased." in again.output

    wrong = CliRunner().invoke(main, ["retention", "run"], env=env | {"COURSESITE_PAGE_VIEW_IP_DAYS": "0"})
    assert wrong.exit_code != 0 and "COURSESITE_PAGE_VIEW_IP_DAYS" in wrong.output


def test_cli_retention_run_applies_the_configured_page_view_periods(db, database_url):
    """COURSESITE_PAGE_VIEW_IP_DAYS=3 and COURSESITE_PAGE_VIEW_RETENTION_MONTHS=6: a page view 4 days old is
    truncated and one 7 months old deleted, which the defaults (7 days, 13 months) would both have kept."""
    now = datetime.now(UTC)

    async def seed():
        await PageView.insert(PageView(path="/", viewed_at=now - timedelta(days=4), ip_address="203.0.113.20"))
        await PageView.insert(PageView(path="/", viewed_at=now - timedelta(days=2), ip_address="203.0.113.21"))
        await PageView.insert(PageView(path="/", viewed_at=months_before(now, 7), ip_address="203.0.113.22"))

    async def pages():
        return [(row["ip_address"], row["ip_truncated"]) for row in await PageView.select().order_by(PageView.id)]

    run_in_own_loop(seed())
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
    }
    result = CliRunner().invoke(
        main,
        ["retention", "run"],
        env=env | {"COURSESITE_PAGE_VIEW_IP_DAYS": "3", "COURSESITE_PAGE_VIEW_RETENTION_MONTHS": "6"},
    )
    assert result.exit_code == 0, result.output
    assert "page_view: 1 deleted" in result.output and "page_view: 1 IP addresses truncated" in result.output
    assert run_in_own_loop(pages()) == [("203.0.113.0", True), ("203.0.113.21", False)]

    for name, raw in (("COURSESITE_PAGE_VIEW_IP_DAYS", "91"), ("COURSESITE_PAGE_VIEW_RETENTION_MONTHS", "sex")):
        wrong = CliRunner().invoke(main, ["retention", "run"], env=env | {name: raw})
        assert wrong.exit_code != 0 and wrong.output.startswith(f"Error: {name}: "), wrong.output


def test_cli_retention_run_dates_registrations_by_the_catalogue_in_coursesite_lessons_dir(db, database_url, tmp_path):
    """The command reads lessons/catalogue.toml from COURSESITE_LESSONS_DIR, as the server does: a registration from
    2020 is kept while the file there dates its webinar 2099, and erased once the file dates it 2020."""
    lessons = copy_lessons(tmp_path)
    path = lessons / "catalogue.toml"
    shipped = path.read_text(encoding="utf-8")
    starts = "starts = 2027-02-10T18:00:00"  # budget-pa-en-timme in the shipped file
    assert shipped.count(starts) == 1

    async def seed():
        registrant = await person("webbinarium@example.se", datetime(2020, 1, 1, tzinfo=UTC))
        await form(registrant, datetime(2020, 1, 1, tzinfo=UTC), "webinar", {"webinar": "budget-pa-en-timme"})

    async def registrations():
        return await FormSubmission.count()

    run_in_own_loop(seed())
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
        "COURSESITE_LESSONS_DIR": str(lessons),
    }
    path.write_text(shipped.replace(starts, "starts = 2099-02-10T18:00:00"), encoding="utf-8")
    kept = CliRunner().invoke(main, ["retention", "run"], env=env)
    assert kept.exit_code == 0, kept.output
    assert "form_submission: 0 registrations deleted" in kept.output
    assert run_in_own_loop(registrations()) == 1

    path.write_text(shipped.replace(starts, "starts = 2020-01-10T18:00:00"), encoding="utf-8")
    erased = CliRunner().invoke(main, ["retention", "run"], env=env)
    assert erased.exit_code == 0, erased.output
    assert "form_submission: 1 registrations deleted" in erased.output
    assert run_in_own_loop(registrations()) == 0

    path.write_text(shipped.replace("open = true", 'open = "ja"', 1), encoding="utf-8")
    broken = CliRunner().invoke(main, ["retention", "run"], env=env)
    assert broken.exit_code != 0 and "catalogue.toml: webinar 'budget-pa-en-timme': 'open'" in broken.output
