"""Sharing with subsidiaries on the database (SQLite and PostgreSQL): exactly the allow-list of the purpose, never a
restricted person, every disclosure logged with whose data it held, keyset pages, notices served and acknowledged,
the token only as a hash, and `coursesite subsidiary` from a shell."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from coursesite.cli import main
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.db.accounts import Account
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.billing import Customer, Enrollment
from coursesite.db.privacy import AccountPrivacy, Disclosure, DisclosureSubject, Person, RecipientNotice, Subsidiary
from coursesite.privacy import access, registry
from coursesite.privacy.sharing import DERIVED_FIELDS, SHARING_PURPOSES, allowed_fields
from coursesite.subsidiaries import service as subsidiaries
from coursesite.subsidiaries.service import FIELD_SQL, SubsidiaryService
from tests.conftest import TEST_SECRET, run_in_own_loop
from tests.support import TEST_CATALOGUE

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COURSE_SITE_FIELDS = {
    "account.id",
    "account.first_name",
    "account.email",
    "enrollment.status",
    "lesson_progress.course_percent",
}


@pytest.fixture
def service(db, catalog):
    return SubsidiaryService(db, catalog, TEST_CATALOGUE)


async def account(
    email: str, first_name: str = "Anna", *, role: str = "participant", mobile: str | None = None, enrolled: bool = True
) -> int:
    """An account; a participant is enrolled unless told otherwise (the course platform receives enrolled only)."""
    rows = await Account.insert(
        Account(
            email=email,
            password_hash="x",
            first_name=first_name,
            last_name="Andersson",
            mobile=mobile,
            role=role,
            created_at=NOW,
        )
    )
    if enrolled and role == "participant":
        await enrol(rows[0]["id"])
    return rows[0]["id"]


async def enrol(account_id: int) -> None:
    await Enrollment.insert(
        Enrollment(account=account_id, terms_version="2026-01", terms_accepted_at=NOW, created_at=NOW)
    )


async def restrict(account_id: int) -> None:
    await AccountPrivacy.insert(
        AccountPrivacy(
            account=account_id, restricted_at=NOW, restriction_reason="Jag bestrider uppgifterna", updated_at=NOW
        )
    )


async def added(name: str = "Kursplattformen AB", purpose: str = "course_site"):
    return await subsidiaries.add_subsidiary(name, purpose)


# ---------------------------------------------------------------- the allow-list


def test_every_shared_field_is_classified_and_has_a_source():
    for purpose in SHARING_PURPOSES.values():
        population = subsidiaries.population(purpose.name, TEST_CATALOGUE)
        assert population is not None, purpose.name
        for name in purpose.fields:
            table, _, column = name.partition(".")
            assert name in DERIVED_FIELDS or registry.classification(table, column) is not None, name
            assert name in FIELD_SQL, name
            assert table in population.tables, name  # read from the purpose's population
        assert purpose.subject in purpose.fields and purpose.subject == population.key


async def test_clause_subsidiaries_receive_exactly_the_allow_list(service, catalog):
    anna = await account("anna@example.se", "Anna", mobile="+46701234567")
    bo = await account("bo@example.se", "Bo", enrolled=False)  # never enrolled: not shared (by need)
    await account("larare@balansekonomi.se", "Ingrid", role="instructor")  # staff are never shared
    await Customer.insert(
        Customer(
            account=anna,
            customer_type="private",
            address_line="Storgatan 1",
            postal_code="114 55",
            city="Stockholm",
            updated_at=NOW,
        )
    )
    lessons = catalog.course.lessons()
    for lesson in lessons[:3]:
        await LessonProgress.insert(
            LessonProgress(account=anna, lesson_slug=lesson.slug, completed_at=NOW, updated_at=NOW)
        )
    await LessonProgress.insert(
        LessonProgress(account=anna, lesson_slug="en-gammal-lektion", completed_at=NOW, updated_at=NOW)
    )
    await LessonProgress.insert(LessonProgress(account=bo, lesson_slug=lessons[0].slug, updated_at=NOW))  # started only
    await Answer.insert(
        Answer(
            account=anna,
            question_id="x.y",
            lesson_slug=lessons[0].slug,
            attempt=1,
            raw_response=json.dumps("Mitt hemliga svar"),
            normalized_response=json.dumps("mitt hemliga svar"),
            status="graded",
            max_score_milli=1000,
            feedback=json.dumps([]),
            created_at=NOW,
        )
    )
    found, _ = await added()

    page = await service.participants(found)

    assert [set(item) for item in page.participants] == [COURSE_SITE_FIELDS]
    assert set(allowed_fields("course_site")) == COURSE_SITE_FIELDS
    by_id = {item["account.id"]: item for item in page.participants}
    assert by_id[anna] == {
        "account.id": anna,
        "account.first_name": "Anna",
        "account.email": "anna@example.se",
        "enrollment.status": "enrolled",
        "lesson_progress.course_percent": 3 * 100 // len(lessons),
    }
    assert bo not in by_id
    text = json.dumps(page.participants)
    for never in ("+46701234567", "Storgatan", "114 55", "Stockholm", "hemliga", "Andersson", "Ingrid", "Bo"):
        assert never not in text  # no billing details, mobile, answers, last name or staff


async def test_each_purpose_gets_its_own_population_and_an_unknown_one_nothing(service):
    await account("anna@example.se")
    course_site, _ = await added()
    assert len((await service.participants(course_site)).participants) == 1
    # The webinar purpose serves webinar registrants (tests/integration/test_webinar_sharing.py), not participants.
    webinar, _ = await added("Webbinariebolaget AB", "webinar")
    assert (await service.participants(webinar)).participants == []
    # A purpose that lost its allow-list (or a row written by hand) receives nothing, and nothing is logged.
    await Subsidiary.update({Subsidiary.purpose: "marketing"}).where(Subsidiary.id == webinar.id)
    stale = subsidiaries.SubsidiaryInfo(webinar.id, webinar.name, "marketing", None, True, NOW)
    assert (await service.participants(stale)).participants == []
    assert await Disclosure.count() == 1


async def test_a_restricted_person_is_absent(service):
    anna = await account("anna@example.se", "Anna")
    bo = await account("bo@example.se", "Bo")
    cecilia = await account("cecilia@example.se", "Cecilia")
    await restrict(bo)
    await Person.insert(
        Person(email="cecilia@example.se", account=cecilia, restricted_at=NOW, created_at=NOW, updated_at=NOW)
    )
    # A switched-off profile does not stop sharing for the contract (docs/privacy-sharing.md).
    await AccountPrivacy.insert(AccountPrivacy(account=anna, profile_enabled=False, updated_at=NOW))
    found, _ = await added()
    page = await service.participants(found)
    assert [item["account.id"] for item in page.participants] == [anna]
    subjects = await DisclosureSubject.select(DisclosureSubject.account)
    assert [row["account"] for row in subjects] == [anna]


async def test_the_disclosure_is_logged_with_a_row_per_person(service):
    clock.set_now(lambda: NOW)
    try:
        ids = [await account(f"p{n}@example.se", f"Person{n}") for n in range(3)]
        found, _ = await added()
        await service.participants(found)
    finally:
        clock.set_now(None)
    [disclosure] = await Disclosure.select().output(load_json=True)
    assert disclosure["recipient"] == "Kursplattformen AB" and disclosure["subsidiary"] == found.id
    assert disclosure["purpose"] == "course_site" and disclosure["people"] == 3
    assert disclosure["fields"] == list(allowed_fields("course_site"))
    assert disclosure["created_at"] == NOW
    subjects = await DisclosureSubject.select().where(DisclosureSubject.disclosure == disclosure["id"])
    assert sorted(row["account"] for row in subjects) == ids
    assert [r.id for r in await subsidiaries.recipients_of(ids[0])] == [found.id]
    assert await subsidiaries.recipients_of(await account("ny@example.se")) == []


async def test_an_empty_page_is_not_a_disclosure(service):
    found, _ = await added()
    page = await service.participants(found)
    assert page.participants == [] and page.next_after is None
    assert await Disclosure.count() == 0


async def test_pages_by_keyset_cover_everyone_once(service):
    ids = [await account(f"p{n}@example.se") for n in range(7)]
    await restrict(ids[3])
    found, _ = await added()
    seen, after, calls = [], 0, 0
    while True:
        page = await service.participants(found, limit=3, after=after)
        seen += [item["account.id"] for item in page.participants]
        calls += 1
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [i for i in ids if i != ids[3]] and calls == 2  # the last full page knows it is the last
    assert await Disclosure.count() == 2 and await DisclosureSubject.count() == 6
    # Bounds: a huge limit is capped, a negative `after` starts at the beginning.
    page = await service.participants(found, limit=10**9, after=-5)
    assert len(page.participants) == 6 and page.next_after is None


async def test_the_disclosure_shows_in_the_persons_access_export(service):
    anna = await account("anna@example.se")
    found, _ = await added()
    await service.participants(found)
    periods = registry.ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)
    export = await access.access_export(anna, periods=periods, controller="Balansekonomi Svenska AB")
    [entry] = export["disclosures"]
    assert entry["recipient"] == "Kursplattformen AB" and entry["purpose"] == "course_site"
    assert entry["fields"] == list(allowed_fields("course_site"))


# ---------------------------------------------------------------- the registry and tokens


async def test_only_the_hash_of_the_token_is_stored_and_it_authenticates(db):
    found, token = await added()
    [row] = await Subsidiary.select()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest() and token not in json.dumps(row, default=str)
    authenticated = await subsidiaries.authenticate(token)
    assert authenticated is not None and authenticated.id == found.id
    for wrong in (None, "", token + "x", token[:-1], "x" * 10_000):
        assert await subsidiaries.authenticate(wrong) is None
    await subsidiaries.revoke_subsidiary("Kursplattformen AB", "course_site")
    assert await subsidiaries.authenticate(token) is None
    assert [(s.name, s.active) for s in await subsidiaries.list_subsidiaries()] == [("Kursplattformen AB", False)]


async def test_add_refuses_unknown_purposes_and_a_second_active_token(db):
    with pytest.raises(Invalid) as error:
        await added(purpose="marketing")
    assert "course_site" in error.value.message and "webinar" in error.value.message
    with pytest.raises(Invalid):
        await added(name="  ")
    found, first = await added()
    with pytest.raises(Conflict):
        await added()
    await subsidiaries.revoke_subsidiary(found.name, found.purpose)
    again, second = await added()  # a revoked subsidiary gets a new token; the old one stays refused
    assert again.id == found.id and again.active and second != first
    authenticated = await subsidiaries.authenticate(second)
    assert await subsidiaries.authenticate(first) is None and authenticated is not None and authenticated.id == found.id
    with pytest.raises(NotFound):
        await subsidiaries.revoke_subsidiary("Okänt AB", "course_site")


# ---------------------------------------------------------------- notices


async def notice(subsidiary_id: int, kind: str = "rectification", changes=None) -> int:
    rows = await RecipientNotice.insert(
        RecipientNotice(
            subsidiary=subsidiary_id,
            kind=kind,
            subject_ref="12",
            changes=json.dumps(changes if changes is not None else {"account.first_name": "Annie"}),
            created_at=NOW,
        )
    )
    return rows[0]["id"]


async def test_notices_are_listed_and_acknowledged_once(service):
    mine, _ = await added()
    other, _ = await added("Webbinariebolaget AB", "webinar")
    first = await notice(mine.id)
    second = await notice(mine.id, "erasure", [])
    theirs = await notice(other.id)
    listed = await service.notices(mine)
    assert [(n.id, n.kind, n.subject_ref, n.changes) for n in listed] == [
        (first, "rectification", "12", {"account.first_name": "Annie"}),
        (second, "erasure", "12", []),
    ]
    await service.acknowledge(mine, first)
    [row] = await RecipientNotice.select(RecipientNotice.acknowledged_at).where(RecipientNotice.id == first)
    await service.acknowledge(mine, first)  # a retry keeps the first time
    assert (await RecipientNotice.select(RecipientNotice.acknowledged_at).where(RecipientNotice.id == first))[0] == row
    assert [n.id for n in await service.notices(mine)] == [second]
    with pytest.raises(NotFound):
        await service.acknowledge(mine, theirs)
    with pytest.raises(NotFound):
        await service.acknowledge(mine, 2**40)
    assert [n.id for n in await service.notices(other)] == [theirs]


# ---------------------------------------------------------------- the command


@pytest.fixture
def run(db, database_url):
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
    }
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def test_the_command_prints_the_token_alone_on_its_last_line_and_stores_only_its_hash(run):
    result = run(
        "subsidiary", "add", "--name", "Kursplattformen AB", "--purpose", "course_site", "--channel", "kursplattformen"
    )
    assert result.exit_code == 0, result.output
    token = result.output.rstrip("\n").splitlines()[-1]
    assert len(token) >= 43 and " " not in token
    [row] = run_in_own_loop(Subsidiary.select().run())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["channel"] == "kursplattformen" and token not in json.dumps(row, default=str)

    listed = run("subsidiary", "list")
    assert listed.exit_code == 0 and "Kursplattformen AB\tcourse_site\tactive" in listed.output
    assert token not in listed.output and row["token_hash"] not in listed.output

    revoked = run("subsidiary", "revoke", "--name", "Kursplattformen AB", "--purpose", "course_site")
    assert revoked.exit_code == 0, revoked.output
    assert "\trevoked" in run("subsidiary", "list").output


def test_the_command_lists_the_purposes_for_an_unknown_one(run):
    result = run("subsidiary", "add", "--name", "Reklambolaget AB", "--purpose", "marketing")
    assert result.exit_code != 0
    assert "course_site" in result.output and "webinar" in result.output
    assert run_in_own_loop(Subsidiary.count().run()) == 0


# ---------------------------------------------------------------- the registry's free text (core/text.py)

PERSONNUMMER = "20000101-2384"
REFUSED_REGISTRY_TEXT = [
    ("NUL", "Kurs\x00plattformen AB", "otillåtna tecken"),
    ("bidi", "Kursplattformen\u202e AB", "otillåtna tecken"),
    ("personnummer", f"Kursplattformen AB {PERSONNUMMER}", "ser ut som ett personnummer"),
]


@pytest.mark.parametrize("field,limit,subject", [("name", 100, "Namnet"), ("channel", 40, "Kanalen")])
async def test_the_registry_refuses_by_the_free_text_rule_naming_the_field(db, field, limit, subject):
    vectors = [*REFUSED_REGISTRY_TEXT, ("too long", "a" * (limit + 1), f"{subject} får vara högst {limit} tecken.")]
    for what, value, expected in vectors:
        given = {"name": "Kursplattformen AB", "channel": "kursplattformen"} | {field: value}
        with pytest.raises(Invalid) as refused:
            await subsidiaries.add_subsidiary(given["name"], "course_site", given["channel"])
        assert list(refused.value.field_errors) == [field], what
        assert expected in refused.value.field_errors[field], (what, refused.value.field_errors)
        assert PERSONNUMMER not in refused.value.message
        assert await Subsidiary.count() == 0, what
    with pytest.raises(Invalid) as refused:
        await subsidiaries.add_subsidiary("  ", "course_site")
    assert refused.value.field_errors == {"name": "Ange dotterbolagets namn."}


def test_the_command_refuses_a_name_by_the_free_text_rule(run):
    result = run("subsidiary", "add", "--name", "Kursplattformen\u202e AB", "--purpose", "course_site")
    assert result.exit_code != 0 and "otillåtna tecken" in result.output
    result = run("subsidiary", "add", "--name", f"Bolaget {PERSONNUMMER}", "--purpose", "course_site")
    assert result.exit_code != 0 and "personnummer" in result.output and PERSONNUMMER not in result.output
    assert run_in_own_loop(Subsidiary.count().run()) == 0
