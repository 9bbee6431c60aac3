"""Sharing by need (issue 12 §2), on both engines: the course platform receives enrolled participants only, and loses
a person whose enrolment is credited in full; the webinar subsidiary receives registrants of webinars that are
upcoming or were held at most COURSESITE_WEBINAR_SHARING_MONTHS ago. The query in the service and the pure rule
(privacy/ends.py) give the same answer for every case."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.billing import Enrollment, Invoice
from coursesite.db.privacy import Consent, FormSubmission, Person
from coursesite.privacy.ends import enrolled_for_sharing, webinar_shared
from coursesite.subsidiaries import service as subsidiaries
from coursesite.subsidiaries.service import SubsidiaryService
from tests.support import TEST_CATALOGUE, catalogue_with

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
TODAY = date(2026, 6, 15)
_numbers = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.set_now(lambda: NOW)
    yield
    clock.set_now(None)


@pytest.fixture
def service(db, catalog):
    return SubsidiaryService(db, catalog, TEST_CATALOGUE, webinar_sharing_months=1)


async def account(email: str, *, enrolled: bool) -> int:
    account_id = (
        await Account.insert(
            Account(email=email, password_hash="x", first_name="Anna", last_name="A", created_at=NOW)
        ).returning(Account.id)
    )[0]["id"]
    if enrolled:
        await Enrollment.insert(
            Enrollment(account=account_id, terms_version="2026-01", terms_accepted_at=NOW, created_at=NOW)
        )
    return account_id


async def document(account_id: int, total_ore: int, *, credits: int | None = None) -> int:
    number = next(_numbers)
    return (
        await Invoice.insert(
            Invoice(
                kind="credit_note" if credits else "invoice",
                series="T",
                year=2026,
                sequence=number,
                number=f"T2026-{number:05d}",
                account=account_id,
                credited_invoice=credits,
                issue_date=TODAY,
                supply_date=TODAY,
                buyer=json.dumps({"name": "Anna A"}),
                seller=json.dumps({}),
                lines=json.dumps([]),
                net_ore=total_ore,
                vat_ore=0,
                rounding_ore=0,
                total_ore=total_ore,
                created_at=NOW,
            )
        ).returning(Invoice.id)
    )[0]["id"]


# (enrolled, [(invoice total, [credit note totals])]): who is in and who is out of the course platform's population.
COURSE_CASES = {
    "never-enrolled": (False, []),
    "enrolled-no-invoice": (True, []),
    "enrolled-unpaid": (True, [(100_000, [])]),
    "credited-in-part": (True, [(100_000, [-40_000])]),
    "credited-in-full": (True, [(100_000, [-100_000])]),
    "credited-in-two-parts": (True, [(100_000, [-60_000, -40_000])]),
    "invoice-without-enrolment": (False, [(100_000, [])]),
}
COURSE_IN = {"enrolled-no-invoice", "enrolled-unpaid", "credited-in-part"}


async def test_clause_the_course_platform_receives_enrolled_participants_only(service):
    ids: dict[int, str] = {}
    for name, (enrolled, invoices) in COURSE_CASES.items():
        account_id = await account(f"{name}@example.se", enrolled=enrolled)
        ids[account_id] = name
        for total, credits in invoices:
            invoice = await document(account_id, total)
            for credit in credits:
                await document(account_id, credit, credits=invoice)
    found, _ = await subsidiaries.add_subsidiary("Kursplattformen AB", "course_site")

    shared = {ids[item["account.id"]] for item in (await service.participants(found)).participants}

    assert shared == COURSE_IN
    # The same verdict from the pure rule, on the same facts.
    for name, (enrolled, invoices) in COURSE_CASES.items():
        facts = [(total, -sum(credits)) for total, credits in invoices]
        assert enrolled_for_sharing(enrolled, facts) == (name in COURSE_IN), name


# (webinar slug, its date or None, registered on): who is in and who is out of the webinar subsidiary's population.
DATED_UPCOMING, DATED_RECENT, DATED_OLD = "budget-pa-en-timme", "spara-till-buffert", "balansekonomi-introduktion"
WEBINAR_DATES = {DATED_UPCOMING: date(2026, 7, 1), DATED_RECENT: date(2026, 5, 15), DATED_OLD: date(2026, 5, 14)}
WEBINAR_CASES = {
    "upcoming": (DATED_UPCOMING, date(2026, 1, 10)),  # registered long ago for a webinar still to come
    "held-a-month-ago": (DATED_RECENT, date(2026, 5, 1)),  # held on the last day of the period
    "held-a-day-too-long-ago": (DATED_OLD, date(2026, 5, 1)),
}
WEBINAR_IN = {"upcoming", "held-a-month-ago"}
REMOVED = "borttaget-webbinarium"  # registered for, then taken out of lessons/catalogue.toml


async def registrant(name: str, slug: str, registered_on: date) -> int:
    registered = datetime(registered_on.year, registered_on.month, registered_on.day, 10, 0, tzinfo=UTC)
    person = (
        await Person.insert(
            Person(email=f"{name}@example.se", first_name=name, created_at=registered, updated_at=registered)
        ).returning(Person.id)
    )[0]["id"]
    await FormSubmission.insert(
        FormSubmission(
            person=person,
            form="webinar",
            details=json.dumps({"webinar": slug}),
            channel="kurssajten",
            created_at=registered,
        )
    )
    await Consent.insert(
        Consent(
            person=person,
            kind="webinar_information",
            text="…",
            policy_version="2026-01",
            channel="kurssajten",
            given_at=registered,
            confirmed_at=registered,
        )
    )
    return person


async def test_clause_the_webinar_subsidiary_receives_registrants_of_current_webinars_only(service):
    service.catalogue = catalogue_with(WEBINAR_DATES)
    ids = {await registrant(name, slug, registered): name for name, (slug, registered) in WEBINAR_CASES.items()}
    found, _ = await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar")

    page = (await service.participants(found)).participants

    assert {ids[item["person.id"]] for item in page} == WEBINAR_IN
    assert {item["form_submission.details"][0] for item in page} == {DATED_UPCOMING, DATED_RECENT}
    for name, (slug, registered) in WEBINAR_CASES.items():
        assert webinar_shared(WEBINAR_DATES[slug], registered, TODAY, 1) == (name in WEBINAR_IN), name


async def test_a_webinar_the_catalogue_no_longer_has_is_shared_by_the_registration_date(service):
    assert service.catalogue.get("webinar", REMOVED) is None
    await registrant("recent", REMOVED, date(2026, 5, 15))
    await registrant("old", REMOVED, date(2026, 5, 14))
    both = await registrant("both", REMOVED, date(2026, 1, 1))
    await FormSubmission.insert(  # an old registration and a new one: shared, naming only the current webinar
        FormSubmission(
            person=both,
            form="webinar",
            details=json.dumps({"webinar": "spara-till-buffert"}),
            channel="kurssajten",
            created_at=NOW,
        )
    )
    found, _ = await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar")

    page = (await service.participants(found)).participants

    assert {item["person.first_name"]: item["form_submission.details"] for item in page} == {
        "recent": [REMOVED],
        "both": ["spara-till-buffert"],  # upcoming in the catalogue
    }
