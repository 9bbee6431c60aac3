"""Retention that ends (issue 12 §3), on both engines: the retention job, run on data aged by the clock, removes
webinar and event registrants and inactive accounts exactly when the page says, not a day before, with the periods
the page states (privacy/registry.py: retention_texts_sv, from the same ConfiguredPeriods). The books of every
account: tests/integration/test_retention.py (test_clause_storage_retention_job_accounting_vector)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.answers import Answer
from coursesite.db.billing import Invoice
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import AccountPrivacy, Consent, FormSubmission, Person, StaffAudit, SupportCase
from coursesite.privacy.ends import registration_erase_on
from coursesite.privacy.registry import ConfiguredPeriods, Retention, retention_texts_sv
from coursesite.privacy.retention import INACTIVE_WHY, RetentionPolicy, run_retention
from tests.support import catalogue_with, request_mail

PERIODS = ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)
POLICY = RetentionPolicy(
    inactive_account_months=PERIODS.inactive_account_months, registrant_months=PERIODS.registrant_months
)
DATED, UNDATED = "budget-pa-en-timme", "borttaget-webbinarium"  # the second: no longer in the catalogue
HELD_ON = date(2026, 9, 10)
MINUTE = timedelta(minutes=1)
DATED_CATALOGUE = catalogue_with({DATED: HELD_ON})


@pytest.fixture(autouse=True)
def restore_clock():
    yield
    clock.set_now(None)


def at(moment: datetime) -> None:
    clock.set_now(lambda: moment)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)  # 11 or 12 in Stockholm: the same day


async def run(db, outbox=None, catalogue=DATED_CATALOGUE):
    return await run_retention(db, POLICY, catalogue=catalogue, outbox=outbox)


async def registrant(email: str, form: str, field: str, slug: str, registered: datetime, consent_kind: str) -> int:
    person = (
        await Person.insert(
            Person(email=email, first_name="Wilma", created_at=registered, updated_at=registered)
        ).returning(Person.id)
    )[0]["id"]
    await FormSubmission.insert(
        FormSubmission(
            person=person,
            form=form,
            details=json.dumps({field: slug}),
            channel="kurssajten",
            created_at=registered,
        )
    )
    await consent(person, consent_kind, registered)
    return person


async def consent(person: int, kind: str, given: datetime) -> None:
    await Consent.insert(
        Consent(
            person=person,
            kind=kind,
            text="…",
            policy_version="2026-01",
            channel="kurssajten",
            given_at=given,
            confirmed_at=given,
            confirmed_via="email_link",
        )
    )


async def people() -> set[str]:
    return {row["email"] for row in await Person.select(Person.email)}


def test_the_page_states_the_periods_the_job_applies():
    texts = retention_texts_sv(PERIODS)
    assert "24 månader efter dagen då det hölls" in texts[Retention.CONTACT_FORMS]
    assert "också om du inte har återkallat ditt samtycke" in texts[Retention.CONTACT_FORMS]
    assert "inloggning och kursaktivitet i 36 månader raderas automatiskt" in texts[Retention.WHILE_ACCOUNT_EXISTS]
    assert "en månad innan" in texts[Retention.WHILE_ACCOUNT_EXISTS]
    other = retention_texts_sv(ConfiguredPeriods(7, 13, 14, 900, inactive_account_months=48, registrant_months=12))
    assert "i 48 månader" in other[Retention.WHILE_ACCOUNT_EXISTS]
    assert "raderas 12 månader efter dagen" in other[Retention.CONTACT_FORMS]


async def test_clause_registrants_are_erased_the_day_the_page_says_whatever_their_consent(db):
    registered = noon(date(2026, 8, 1))
    await registrant("dated@example.se", "webinar", "webinar", DATED, registered, "webinar_information")
    await registrant("undated@example.se", "webinar", "webinar", UNDATED, registered, "webinar_information")
    event = await registrant("event@example.se", "signup", "event", "borttagen-kurs", registered, "event_information")
    subscriber = await registrant("news@example.se", "webinar", "webinar", UNDATED, registered, "webinar_information")
    await consent(subscriber, "newsletter", registered)  # a newsletter consent keeps the person, not the registration
    # The page's rule: 24 months after the webinar's date, or the registration date without one.
    dated_end = registration_erase_on(HELD_ON, registered.date(), PERIODS.registrant_months)
    undated_end = registration_erase_on(None, registered.date(), PERIODS.registrant_months)
    assert (dated_end, undated_end) == (date(2028, 9, 10), date(2028, 8, 1))

    at(noon(undated_end - timedelta(days=1)))
    report = await run(db)
    assert report.get("form_submission", "registrations deleted") == 0
    assert await people() == {"dated@example.se", "undated@example.se", "event@example.se", "news@example.se"}

    at(noon(undated_end))
    report = await run(db)
    assert report.get("form_submission", "registrations deleted") == 3  # undated, the event, the subscriber's
    assert await people() == {"dated@example.se", "news@example.se"}
    kinds = await Consent.select(Consent.kind).where(Consent.person == subscriber)
    assert [row["kind"] for row in kinds] == ["newsletter"]  # the information consent ended with the registration
    assert not await FormSubmission.exists().where(FormSubmission.person == event)

    at(noon(dated_end) - timedelta(days=1))
    await run(db)
    assert "dated@example.se" in await people()
    at(noon(dated_end))
    await run(db)
    assert await people() == {"news@example.se"}
    assert (await run(db)).get("form_submission", "registrations deleted") == 0


async def test_an_event_registration_is_kept_from_the_event_date_in_the_catalogue(db):
    """The date comes from lessons/catalogue.toml: the job reads the catalogue it is handed (the file's), not a list
    in code."""
    held = date(2027, 9, 6)
    offers = catalogue_with({"kurs-tre-akter-hosten": held})
    registered = noon(date(2026, 8, 1))
    await registrant("event@example.se", "signup", "event", "kurs-tre-akter-hosten", registered, "event_information")
    end = registration_erase_on(held, registered.date(), PERIODS.registrant_months)
    assert end == date(2029, 9, 6)

    at(noon(end - timedelta(days=1)))
    assert (await run(db, catalogue=offers)).get("form_submission", "registrations deleted") == 0
    moved = catalogue_with(
        {"kurs-tre-akter-hosten": date(2027, 9, 5)}
    )  # staff move the event a day earlier in the file
    assert (await run(db, catalogue=moved)).get("form_submission", "registrations deleted") == 1
    assert await people() == set()


async def participant(email: str, *, created: datetime, role: str = "participant") -> int:
    return (
        await Account.insert(
            Account(email=email, password_hash="x", first_name="Ines", last_name="Aktiv", role=role, created_at=created)
        ).returning(Account.id)
    )[0]["id"]


async def answer(account_id: int, when: datetime) -> None:
    await Answer.insert(
        Answer(
            account=account_id,
            question_id="a.b",
            lesson_slug="a",
            attempt=1,
            raw_response=json.dumps("x"),
            normalized_response=json.dumps("x"),
            status="graded",
            max_score_milli=1000,
            feedback=json.dumps([]),
            created_at=when,
        )
    )


async def invoice_of(account_id: int, issued: date) -> int:
    row = await Invoice.insert(
        Invoice(
            kind="invoice",
            series="T",
            year=issued.year,
            sequence=account_id,
            number=f"T{issued.year}-{account_id:05d}",
            account=account_id,
            issue_date=issued,
            supply_date=issued,
            buyer=json.dumps({"name": "Ines Aktiv"}),
            seller=json.dumps({}),
            lines=json.dumps([]),
            net_ore=100,
            vat_ore=25,
            rounding_ore=0,
            total_ore=125,
            created_at=noon(issued),
        )
    ).returning(Invoice.id)
    return row[0]["id"]


async def warnings(email: str) -> int:
    return await OutboxMessage.count().where(
        (OutboxMessage.recipient == email) & (OutboxMessage.template == "account_inactive")
    )


async def test_clause_an_inactive_account_is_warned_a_month_before_and_erased_when_the_page_says(db):
    outbox = request_mail(db).outbox
    created = noon(date(2026, 1, 15))
    ines = await participant("ines@example.se", created=created)
    await Account.update({Account.last_login_at: noon(date(2026, 2, 10))}).where(Account.id == ines)
    last_active = noon(date(2026, 3, 5))
    await answer(ines, last_active)  # course activity counts, not only logins
    kept = await invoice_of(ines, date(2026, 1, 15))
    staff = await participant("larare@example.se", created=created, role="instructor")
    erase_at = last_active.replace(year=2029)  # 36 months, as the page says
    warn_at = erase_at.replace(month=2)  # a month before

    at(warn_at - MINUTE)
    assert (await run(db, outbox)).get("account", "warned of erasure (inactive)") == 0
    at(warn_at)
    assert (await run(db, outbox)).get("account", "warned of erasure (inactive)") == 1
    [mail] = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body_text, OutboxMessage.account).where(
        OutboxMessage.template == "account_inactive"
    )
    assert mail["account"] == ines and "raderas" in mail["subject"] and "5 mars 2029" in mail["body_text"]
    at(warn_at + timedelta(days=3))
    assert (await run(db, outbox)).get("account", "warned of erasure (inactive)") == 0  # told once
    assert await warnings("ines@example.se") == 1

    at(erase_at - MINUTE)
    assert (await run(db, outbox)).get("account", "erased (inactive)") == 0
    assert await Account.exists().where(Account.id == ines)
    at(erase_at)
    assert (await run(db, outbox)).get("account", "erased (inactive)") == 1
    assert not await Account.exists().where(Account.id == ines)
    # Like an erasure request: the books kept without the account, the erasure in the staff audit with its reason.
    [record] = await Invoice.select(Invoice.id, Invoice.account).where(Invoice.id == kept)
    assert record["account"] is None
    [audit] = await StaffAudit.select(StaffAudit.why).where(StaffAudit.subject_account == ines)
    assert audit["why"] == INACTIVE_WHY
    assert await Account.exists().where(Account.id == staff)  # staff accounts are never erased this way
    assert await warnings("larare@example.se") == 0


async def test_a_login_after_the_warning_cancels_the_erasure(db):
    outbox = request_mail(db).outbox
    created = noon(date(2026, 3, 5))
    bo = await participant("bo@example.se", created=created)
    erase_at = created.replace(year=2029)
    at(erase_at.replace(month=2))
    await run(db, outbox)
    assert await warnings("bo@example.se") == 1
    login = erase_at.replace(month=2, day=20)
    await Account.update({Account.last_login_at: login}).where(Account.id == bo)

    at(erase_at)
    report = await run(db, outbox)
    assert report.get("account", "erased (inactive)") == 0 and await Account.exists().where(Account.id == bo)
    # The next stretch of inactivity is counted from the login, and warned of again.
    at(login.replace(year=2032, month=1) - MINUTE)
    await run(db, outbox)
    assert await warnings("bo@example.se") == 1
    at(login.replace(year=2032, month=1))
    await run(db, outbox)
    assert await warnings("bo@example.se") == 2


async def test_an_account_found_late_still_gets_its_month(db):
    outbox = request_mail(db).outbox
    long_ago = noon(date(2020, 1, 1))
    await participant("gammal@example.se", created=long_ago)
    first_run = noon(date(2026, 6, 1))
    at(first_run)
    report = await run(db, outbox)
    assert report.get("account", "warned of erasure (inactive)") == 1
    assert report.get("account", "erased (inactive)") == 0
    at(noon(date(2026, 7, 1)) - MINUTE)
    assert (await run(db, outbox)).get("account", "erased (inactive)") == 0
    at(noon(date(2026, 7, 1)))
    assert (await run(db, outbox)).get("account", "erased (inactive)") == 1


async def test_a_restricted_account_or_one_with_an_open_case_is_left_alone(db):
    outbox = request_mail(db).outbox
    restricted = await participant("begransad@example.se", created=noon(date(2020, 1, 1)))
    await AccountPrivacy.insert(
        AccountPrivacy(account=restricted, restricted_at=noon(date(2021, 1, 1)), updated_at=noon(date(2021, 1, 1)))
    )
    asking = await participant("fragar@example.se", created=noon(date(2020, 1, 1)))
    await SupportCase.insert(
        SupportCase(
            account=asking,
            kind="access",
            status="open",
            subject="Registerutdrag",
            description="…",
            received_on=date(2026, 5, 30),
            deadline=date(2026, 6, 30),
            created_at=noon(date(2026, 5, 30)),
        )
    )
    at(noon(date(2026, 6, 1)))
    report = await run(db, outbox)
    assert report.get("account", "warned of erasure (inactive)") == 0 and await Account.count() == 2


async def test_without_an_outbox_no_account_is_touched(db):
    await participant("ingen@example.se", created=noon(date(2020, 1, 1)))
    at(noon(date(2026, 6, 1)))
    report = await run(db)
    assert report.get("account", "warned of erasure (inactive)") == 0 and await Account.count() == 1
