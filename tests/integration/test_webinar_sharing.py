"""The webinar subsidiary on the database (SQLite and PostgreSQL): it receives the people who registered through the
public webinar form, with exactly its allow-list (never course participants without a registration, never a
restricted person or one who withdrew the consent); each disclosure is logged per person and shows in the export of
the account with the same e-mail; erasure and rectification notices carry the `person.id` it received."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.billing import Enrollment
from coursesite.db.privacy import AccountPrivacy, Consent, Disclosure, DisclosureSubject, Person, RecipientNotice
from coursesite.privacy.access import access_export
from coursesite.privacy.erasure import erase_account, erase_person
from coursesite.privacy.registry import ConfiguredPeriods
from coursesite.privacy.rights import ProfileChanges, RightsService
from coursesite.privacy.sharing import allowed_fields
from coursesite.subsidiaries import service as subsidiaries
from coursesite.subsidiaries.service import SubsidiaryService
from tests.support import TEST_CATALOGUE, confirm_consents, public_forms, request_service

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUDGET, BUFFERT, *_ = TEST_CATALOGUE.of("webinar")
WEBINAR_FIELDS = {
    "person.id",
    "person.first_name",
    "person.last_name",
    "person.email",
    "person.mobile",
    "form_submission.details",
}

PERIODS = ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)


@pytest.fixture
def service(db, catalog):
    return SubsidiaryService(db, catalog, TEST_CATALOGUE)


async def account(email: str, first_name: str = "Anna", *, id: int | None = None) -> int:
    row = Account(  # its address confirmed: the account is the person with that address (privacy/linkage.py)
        email=email,
        password_hash="x",
        first_name=first_name,
        last_name="Andersson",
        role="participant",
        created_at=NOW,
        email_verified_at=NOW,
    )
    if id is not None:
        row.id = id
    account_id = (await Account.insert(row).returning(Account.id))[0]["id"]
    # Enrolled: the course platform receives enrolled participants only (tests/integration/test_sharing_by_need.py).
    await Enrollment.insert(
        Enrollment(account=account_id, terms_version="2026-01", terms_accepted_at=NOW, created_at=NOW)
    )
    return account_id


async def register(db, email: str, first_name: str = "Wilma", webinar: str = BUDGET, *, form: str = "webinar") -> int:
    data = {
        "first_name": first_name,
        "last_name": "Webb",
        "email": email,
        "mobile": "070-123 45 67",
        "source": "Mässan i Göteborg",
        "webinar": webinar,
        "message": "Hej",
        "ebook": "hushallsbudgeten",
    }
    fields = {
        "webinar": ("first_name", "last_name", "email", "mobile", "source", "webinar"),
        "contact": ("first_name", "last_name", "email", "message"),
        "ebook": ("email", "first_name", "ebook"),
    }
    receipt = await public_forms(db).submit(form, {k: data[k] for k in fields[form]})
    if form == "webinar" and receipt.confirmation_sent:  # the consent counts once confirmed through the mailed link
        await confirm_consents(db, email)
    return receipt.person_id


async def webinar_subsidiary():
    return (await subsidiaries.add_subsidiary("Webbinariebolaget AB", "webinar"))[0]


async def course_site_subsidiary():
    return (await subsidiaries.add_subsidiary("Kursplattformen AB", "course_site"))[0]


async def test_clause_the_webinar_subsidiary_receives_exactly_the_allow_list_of_webinar_registrants(db, service):
    await account("anna@example.se", "Anna")  # a course participant who never registered for a webinar
    wilma = await register(db, "wilma@example.se", "Wilma")
    await register(db, "wilma@example.se", "Wilma", BUFFERT)  # a second webinar
    await register(db, "wilma@example.se", "Wilma", BUDGET)  # the first again: listed once
    bo_account = await account("bo@example.se", "Bo")
    bo = await register(db, "bo@example.se", "Bosse")  # a participant who also registered: shared as the person
    await register(db, "kalle@example.se", "Kalle", form="contact")  # other forms are not webinar registrations
    await register(db, "eva@example.se", "Eva", form="ebook")
    webinar = await webinar_subsidiary()

    page = await service.participants(webinar)

    assert set(allowed_fields("webinar")) == WEBINAR_FIELDS
    assert [set(item) for item in page.participants] == [WEBINAR_FIELDS, WEBINAR_FIELDS]
    assert page.participants == [
        {
            "person.id": wilma,
            "person.first_name": "Wilma",
            "person.last_name": "Webb",
            "person.email": "wilma@example.se",
            "person.mobile": "+46701234567",
            "form_submission.details": [BUDGET, BUFFERT],
        },
        {
            "person.id": bo,
            "person.first_name": "Bosse",
            "person.last_name": "Webb",
            "person.email": "bo@example.se",
            "person.mobile": "+46701234567",
            "form_submission.details": [BUDGET],
        },
    ]
    assert page.next_after is None
    text = json.dumps(page.participants)
    for never in ("Mässan", "Anna", "Kalle", "Eva", "Andersson", "account."):
        assert never not in text  # no source, no participant without a registration, no account data
    # Logged as one disclosure, with one subject per person, by the person (the id the subsidiary received).
    [disclosure] = await Disclosure.select().output(load_json=True)
    assert (disclosure["recipient"], disclosure["purpose"], disclosure["people"]) == (
        "Webbinariebolaget AB",
        "webinar",
        2,
    )
    assert disclosure["fields"] == list(allowed_fields("webinar"))
    subjects = await DisclosureSubject.select(DisclosureSubject.person, DisclosureSubject.account).order_by(
        DisclosureSubject.id
    )
    assert subjects == [{"person": wilma, "account": None}, {"person": bo, "account": None}]
    assert [s.id for s in await subsidiaries.recipients_of(bo_account)] == [webinar.id]
    # The course-site subsidiary is unchanged: participants (accounts), never a form person.
    course_site = await course_site_subsidiary()
    items = (await service.participants(course_site)).participants
    assert [item["account.first_name"] for item in items] == ["Anna", "Bo"]


async def test_restricted_people_and_a_withdrawn_consent_are_absent(db, service):
    kept = await register(db, "kept@example.se", "Kept")
    restricted = await register(db, "restricted@example.se", "Restricted")
    await Person.update({Person.restricted_at: NOW}).where(Person.id == restricted)
    linked_account = await account("linked@example.se")  # the account exists first: the person is linked to it
    await register(db, "linked@example.se", "Linked")
    await AccountPrivacy.insert(AccountPrivacy(account=linked_account, restricted_at=NOW, updated_at=NOW))
    await register(db, "same@example.se", "Same")  # the account comes later: not linked, but the same e-mail
    same_account = await account("same@example.se")
    await AccountPrivacy.insert(AccountPrivacy(account=same_account, restricted_at=NOW, updated_at=NOW))
    withdrawn = await register(db, "withdrawn@example.se", "Withdrawn")
    await Consent.update({Consent.withdrawn_at: NOW}).where(Consent.person == withdrawn)
    again = await register(db, "again@example.se", "Again")
    await Consent.update({Consent.withdrawn_at: NOW}).where(Consent.person == again)
    await register(db, "again@example.se", "Again", BUFFERT)  # registering again gives the consent again
    webinar = await webinar_subsidiary()

    seen, after = [], 0
    while after is not None:  # pages of one: the keyset is the person id
        page = await service.participants(webinar, limit=1, after=after)
        seen += [item["person.id"] for item in page.participants]
        after = page.next_after
    assert seen == [kept, again]
    assert sorted(row["person"] for row in await DisclosureSubject.select(DisclosureSubject.person)) == [kept, again]


async def test_the_disclosure_shows_in_the_export_of_the_account_with_the_same_email(db, service):
    other = await register(db, "otto@example.se", "Otto")
    anna = await account("anna@example.se", "Anna", id=other)  # the same number as Otto's person id
    await register(db, "anna@example.se", "Anna")
    webinar = await webinar_subsidiary()
    await service.participants(webinar)
    # A notice to the webinar subsidiary about a person whose id is this account's id is not this account's.
    await RecipientNotice.insert(
        RecipientNotice(
            subsidiary=webinar.id, kind="erasure", subject_ref=str(anna), changes=json.dumps([]), created_at=NOW
        )
    )

    export = await access_export(anna, periods=PERIODS, controller="Balansekonomi Svenska AB")

    [entry] = export["disclosures"]
    assert (entry["recipient"], entry["purpose"]) == ("Webbinariebolaget AB", "webinar")
    assert entry["fields"] == list(allowed_fields("webinar"))
    assert any("webbinarium" in text for text in entry["fields_described"])
    notices = next(t for t in export["tables"] if t["table"] == "recipient_notice")
    assert notices["rows"] == []
    assert "otto@example.se" not in json.dumps(export, ensure_ascii=False)


async def test_erasing_a_form_person_notifies_the_webinar_subsidiary_by_the_person_id(db, service):
    wilma = await register(db, "wilma@example.se")
    webinar = await webinar_subsidiary()
    await service.participants(webinar)

    report = await erase_person(db, person_id=wilma, actor_id=None, case_id=None)

    assert report.notified == ("Webbinariebolaget AB",)
    notices = await RecipientNotice.select(
        RecipientNotice.subsidiary, RecipientNotice.kind, RecipientNotice.subject_ref
    )
    assert notices == [{"subsidiary": webinar.id, "kind": "erasure", "subject_ref": str(wilma)}]
    assert [n.subject_ref for n in await service.notices(webinar)] == [str(wilma)]


async def test_rectification_and_erasure_of_an_account_reach_each_subsidiary_by_the_id_it_received(db, service):
    otto = await register(db, "otto@example.se", "Otto")
    anna = await account("anna@example.se", "Anna", id=otto)  # the same number as Otto's person id
    await Account.update({Account.mobile: "+46701112233"}).where(Account.id == anna)
    anna_person = await register(db, "anna@example.se", "Anna")
    webinar, course_site = await webinar_subsidiary(), await course_site_subsidiary()
    await service.participants(webinar)
    await service.participants(course_site)
    # Otto's own pending notice to the webinar subsidiary, under a number that is also Anna's account id.
    ottos = (
        await RecipientNotice.insert(
            RecipientNotice(
                subsidiary=webinar.id,
                kind="rectification",
                subject_ref=str(anna),
                changes=json.dumps({}),
                created_at=NOW,
            )
        ).returning(RecipientNotice.id)
    )[0]["id"]

    result = await RightsService(db).rectify(
        anna, ProfileChanges(contact={"first_name": "Annie", "last_name": "Berg", "mobile": "0709998877"})
    )

    assert set(result.notified) == {"Webbinariebolaget AB", "Kursplattformen AB"}
    rows = (
        await RecipientNotice.select()
        .where(RecipientNotice.id != ottos)
        .order_by(RecipientNotice.subsidiary)
        .output(load_json=True)
    )
    by_subsidiary = {row["subsidiary"]: row for row in rows}
    assert len(rows) == 2
    assert by_subsidiary[webinar.id]["subject_ref"] == str(anna_person)
    assert by_subsidiary[webinar.id]["changes"] == {
        "person.first_name": "Annie",
        "person.last_name": "Berg",
        "person.mobile": "+46709998877",
    }
    assert by_subsidiary[course_site.id]["subject_ref"] == str(anna)
    assert by_subsidiary[course_site.id]["changes"] == {"account.first_name": "Annie"}  # it never got the last name

    clock.set_now(lambda: NOW)
    try:
        report = await erase_account(db, account_id=anna, actor_id=None, case_id=None)
    finally:
        clock.set_now(None)

    assert set(report.notified) == {"Webbinariebolaget AB", "Kursplattformen AB"}
    rows = await RecipientNotice.select(
        RecipientNotice.id, RecipientNotice.subsidiary, RecipientNotice.kind, RecipientNotice.subject_ref
    ).order_by(RecipientNotice.id)
    # The pending rectifications about Anna are replaced by erasure notices; Otto's notice stays.
    assert sorted((r["subsidiary"], r["kind"], r["subject_ref"]) for r in rows if r["id"] != ottos) == sorted(
        [(webinar.id, "erasure", str(anna_person)), (course_site.id, "erasure", str(anna))]
    )
    assert any(r["id"] == ottos for r in rows)


async def test_a_restriction_is_passed_on_to_each_subsidiary_that_received_the_person(db, service):
    """Art. 19: a restriction reaches every subsidiary that received the person, by the id it knows them by; one that
    received nothing about them is not told."""
    anna = await account("anna@example.se", "Anna")
    anna_person = await register(db, "anna@example.se", "Anna")
    wilma = await register(db, "wilma@example.se")
    bo = await account("bo@example.se", "Bo")
    webinar, course_site = await webinar_subsidiary(), await course_site_subsidiary()
    await service.participants(webinar)  # Anna's and Wilma's person rows
    await service.participants(course_site)  # Anna's and Bo's accounts
    await RecipientNotice.delete(force=True)

    rights = RightsService(db)
    await rights.request_restriction(anna, "Jag bestrider uppgifterna")
    notices = await RecipientNotice.select(
        RecipientNotice.subsidiary, RecipientNotice.kind, RecipientNotice.subject_ref
    ).order_by(RecipientNotice.subsidiary)
    assert notices == [
        {"subsidiary": webinar.id, "kind": "restriction", "subject_ref": str(anna_person)},
        {"subsidiary": course_site.id, "kind": "restriction", "subject_ref": str(anna)},
    ]
    # the restricted person drops out of what the subsidiaries receive from now on
    assert anna not in [p["account.id"] for p in (await service.participants(course_site)).participants]

    await RecipientNotice.delete(force=True)
    assert await request_service(db).apply_person_restriction(wilma, "Begäran per telefon") is True
    assert await RecipientNotice.select(
        RecipientNotice.subsidiary, RecipientNotice.kind, RecipientNotice.subject_ref
    ) == [{"subsidiary": webinar.id, "kind": "restriction", "subject_ref": str(wilma)}]
    assert bo  # Bo did nothing: no notice names him
