"""The participant's rights on the database (both engines): the access export walks the registry, portability is
marked, rectification notifies subsidiaries that received the data, restriction and its lifting, consents, the
erasure request's deadline."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, Forbidden, Invalid, NotFound
from coursesite.core.formatting import format_date_long
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import (
    Disclosure,
    DisclosureSubject,
    Person,
    ProcessorNotice,
    RecipientNotice,
    SupportCase,
)
from coursesite.privacy.access import BANK_SOURCE, OWNERS, access_export, missing_owners, personal_tables
from coursesite.privacy.policy import LIFT_NOTICE_DAYS
from coursesite.privacy.registry import ConfiguredPeriods
from coursesite.privacy.rights import ProfileChanges, RightsService
from coursesite.signups.processors import subscriber_ref
from tests.conftest import PASSWORD, TEST_SECRET, accounts
from tests.support import ESSAY, request_service, seed_person


@pytest.fixture
def rights(db):
    return RightsService(db)


def test_every_table_with_personal_fields_has_an_owner_lookup():
    assert missing_owners() == []
    assert set(OWNERS) == set(personal_tables())


async def test_clause_the_rights_access_export_includes_every_table(billing):
    other = await seed_person(
        billing, email="other@example.se", first_name="Otto", last_name="Annan", essay="Ottos svar"
    )
    seed = await seed_person(billing)
    assert seed["seeded"] >= set(personal_tables()), "seed_person must cover every table with personal fields"
    periods = ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=2, login_window_seconds=120)
    controller = billing.config.seller.name
    export = await access_export(seed["account_id"], periods=periods, controller=controller, login_secret=TEST_SECRET)
    by_table = {t["table"]: t for t in export["tables"]}
    for table in personal_tables():
        assert by_table[table]["rows"], f"{table}: the person's row is missing from the export"
        for field in by_table[table]["fields"]:
            assert field["description"] and field["category"] and field["purpose"] and field["retention"]
    text = json.dumps(export, ensure_ascii=False)
    assert ESSAY in text and "Ovanliga gränd 17" in text
    assert "Otto" not in text and "other@example.se" not in text
    assert other["account_id"] != seed["account_id"]
    # the policy's words: purposes, categories, recipients, retention, source, disclosures, grading, rights, IMY
    for key in ("purposes", "categories", "recipients", "retention", "source", "automated_grading", "rights"):
        assert export[key], key
    assert "imy.se" in json.dumps(export["supervisory_authority"]).lower()
    # The one other source, art. 14: the bank, for the payments (the payer's name from its file is not stored).
    assert export["source"]["third_parties"] == [BANK_SOURCE]
    assert "från vår bank" in export["source"]["text"] and "Betalarens namn" in export["source"]["text"]
    # the configured periods, not the defaults; the controller as the caller names it (the billing seller)
    technical = "IP-adressen kortas efter 3 dagar; sidvisningen raderas efter 6 månader."
    assert export["retention"]["technical_data"] == technical
    assert {f["column"]: f["retention"] for f in by_table["page_view"]["fields"]}["ip_address"] == technical
    assert export["retention"]["session_lifetime"] == "Tills sessionen går ut (högst 2 dagar) eller personen loggar ut."
    assert export["retention"]["login_window"] == "Högst 2 minuter efter ett misslyckat inloggningsförsök."
    for default in ("7 dagar", "13 månader", "14 dagar", "15 minuter"):
        assert default not in text, default
    assert export["controller"] == controller
    assert export["disclosures"][0]["recipient"] == "Kursbolaget AB"
    assert "account.first_name" in export["disclosures"][0]["fields"]
    # invoices appear as accounting records; secrets are described, never exported
    assert by_table["invoice"]["note"]
    assert "$argon2" not in text
    account_row = by_table["account"]["rows"][0]
    assert account_row["password_hash"].startswith("[lämnas inte ut")
    assert by_table["user_session"]["rows"][0]["token_hash"].startswith("[lämnas inte ut")


async def test_portable_part_is_marked(billing):
    seed = await seed_person(billing)
    periods = ConfiguredPeriods(ip_days=7, page_view_months=13, session_days=14, login_window_seconds=900)
    export = await access_export(seed["account_id"], periods=periods, controller=billing.config.seller.name)
    portable = export["portable"]["data"]
    assert portable["account"][0]["first_name"] == "Zelmira"
    assert "password_hash" not in portable["account"][0] and "last_login_at" not in portable["account"][0]
    assert json.loads(json.dumps(portable["answer"][0]["raw_response"])) == ESSAY
    fields = {f["column"]: f for t in export["tables"] if t["table"] == "account" for f in t["fields"]}
    assert fields["first_name"]["portable"] and not fields["created_at"]["portable"]
    assert "invoice" not in portable  # issued by us, not provided by the person


async def test_rectification_notifies_a_subsidiary_that_received_the_field(billing, rights):
    seed = await seed_person(billing)
    await RecipientNotice.delete(force=True)
    await ProcessorNotice.delete(force=True)
    result = await rights.rectify(
        seed["account_id"], ProfileChanges(contact={"first_name": "Zelma", "last_name": "Quist"})
    )
    assert set(result.changed) == {"account.first_name", "account.last_name"}
    assert result.notified == ("Kursbolaget AB", "Apsis")
    notices = await RecipientNotice.select().where(RecipientNotice.kind == "rectification").output(load_json=True)
    assert len(notices) == 1 and notices[0]["subject_ref"] == str(seed["account_id"])
    # the course-site subsidiary received the first name, never the last name: only the first name is passed on
    assert notices[0]["changes"] == {"account.first_name": "Zelma"}
    # the form person with the same email is corrected too
    assert (await Person.select(Person.first_name).where(Person.email == "zelmira.quist@example.se"))[0][
        "first_name"
    ] == "Zelma"
    # Apsis got the first name in a newsletter export: staff are asked to correct it there, by the Kurssajten-ID
    (apsis,) = await ProcessorNotice.select().output(load_json=True)
    assert (apsis["recipient"], apsis["kind"], apsis["account"]) == ("Apsis", "rectification", seed["account_id"])
    assert apsis["subject_ref"] == subscriber_ref(TEST_SECRET, "zelmira.quist@example.se")
    assert apsis["changes"] == {"account.first_name": "Zelma"}
    # a field nobody received (mobile) queues nothing
    await RecipientNotice.delete(force=True)
    await ProcessorNotice.delete(force=True)
    result = await rights.rectify(seed["account_id"], ProfileChanges(contact={"mobile": "0701112233"}))
    assert result.notified == () and await RecipientNotice.count() == 0 and await ProcessorNotice.count() == 0


async def test_rectification_of_billing_data_and_refusals(billing, rights):
    seed = await seed_person(billing)
    result = await rights.rectify(
        seed["account_id"],
        ProfileChanges(
            billing={
                "customer_type": "private",
                "address_line": "Nya vägen 1",
                "postal_code": "41301",
                "city": "Göteborg",
            }
        ),
    )
    assert "customer.address_line" in result.changed and "customer.postal_code" in result.changed
    assert (await billing.customer(seed["account_id"]))["postal_code"] == "413 01"
    from coursesite.core.errors import Invalid

    with pytest.raises(Invalid) as refused:
        await rights.rectify(seed["account_id"], ProfileChanges(contact={"source": "min kod 20000101-2384"}))
    assert "source" in refused.value.field_errors


async def test_restriction_and_lifting_after_notice(billing, rights):
    seed = await seed_person(billing)
    aid = seed["account_id"]
    view = await rights.request_restriction(aid, "Jag bestrider att uppgifterna är riktiga")
    assert view.kind == "restriction" and view.deadline is not None
    state = await rights.privacy_state(aid)
    assert state.restricted_at is not None
    assert (await Person.select(Person.restricted_at).where(Person.email == "zelmira.quist@example.se"))[0][
        "restricted_at"
    ]
    assert await SupportCase.count().where((SupportCase.kind == "restriction") & (SupportCase.account == aid)) == 1

    with pytest.raises(Forbidden):
        await request_service(rights.engine).lift_restriction(seed["principal"], aid)
    staff = await accounts.create_staff(
        email="kundtjanst@balansekonomi.se",
        role=Role.CUSTOMER_SERVICE,
        password=PASSWORD,
        first_name="Kim",
        last_name="Tjänst",
    )
    desk = request_service(rights.engine)
    with pytest.raises(Conflict, match="Meddela personen först"):  # art. 18.3: told before it is lifted
        await desk.lift_restriction(staff, aid)
    lift_on = await desk.announce_lift(staff, aid)
    assert lift_on - (await rights.privacy_state(aid)).lift_notice_sent_at == timedelta(days=LIFT_NOTICE_DAYS)
    [notice] = await OutboxMessage.select().where(OutboxMessage.template == "requests/lifting")
    assert notice["recipient"] == "zelmira.quist@example.se" and format_date_long(lift_on) in notice["body_text"]
    with pytest.raises(Conflict, match="redan fått veta"):
        await desk.announce_lift(staff, aid)
    with pytest.raises(Conflict, match="tidigast"):  # the day in the notice has not come
        await desk.lift_restriction(staff, aid)
    assert (await rights.privacy_state(aid)).restricted_at is not None
    clock.set_now(lambda: lift_on)
    try:
        await desk.lift_restriction(staff, aid)
    finally:
        clock.set_now(None)
    state = await rights.privacy_state(aid)
    assert state.restricted_at is None and state.lift_notice_sent_at is not None
    assert (await Person.select(Person.restricted_at).where(Person.email == "zelmira.quist@example.se"))[0][
        "restricted_at"
    ] is None


async def test_consents_listed_and_withdrawn(billing, rights):
    seed = await seed_person(billing)
    consents = await rights.consents(seed["account_id"])
    assert {c.kind for c in consents} == {"newsletter", "offers"}
    assert await rights.withdraw_consent(seed["account_id"], "newsletter") == 1
    assert not next(c for c in await rights.consents(seed["account_id"]) if c.kind == "newsletter").active
    with pytest.raises(NotFound):
        await rights.withdraw_consent(seed["account_id"], "newsletter")


async def test_erasure_request_is_a_case_with_the_deadline(db, rights):
    clock.set_now(lambda: datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    try:
        principal = await accounts.register(
            email="ella@example.se", password=PASSWORD, first_name="Ella", last_name="E"
        )
        view = await rights.request_erasure(principal.account_id)
        again = await rights.request_erasure(principal.account_id)
    finally:
        clock.set_now(None)
    assert view.kind == "erasure" and view.received_on == date(2025, 3, 10) and view.deadline == date(2025, 4, 10)
    assert again.id == view.id
    row = (await SupportCase.select().where(SupportCase.id == view.id))[0]
    assert row["contact_email"] == "ella@example.se" and row["status"] == "open"


async def test_a_new_email_reaches_every_recipient_that_had_the_old_one(billing, rights):
    seed = await seed_person(billing)
    old_ref = subscriber_ref(TEST_SECRET, "zelmira.quist@example.se")
    await RecipientNotice.delete(force=True)
    await ProcessorNotice.delete(force=True)

    result = await rights.rectify(seed["account_id"], ProfileChanges(email="Zelmira.Ny@example.se"))

    assert result.changed == ("account.email",) and set(result.notified) == {"Kursbolaget AB", "Apsis"}
    (notice,) = await RecipientNotice.select().output(load_json=True)
    assert (notice["subject_ref"], notice["changes"]) == (
        str(seed["account_id"]),
        {"account.email": "zelmira.ny@example.se"},
    )
    # Apsis knows her by the ID of the old address, and is to get the new one
    (apsis,) = await ProcessorNotice.select().output(load_json=True)
    assert (apsis["subject_ref"], apsis["changes"]) == (old_ref, {"account.email": "zelmira.ny@example.se"})
    # her form rows follow the address
    assert await Person.count().where(Person.email == "zelmira.quist@example.se") == 0
    assert (
        await Person.count().where((Person.email == "zelmira.ny@example.se") & (Person.account == seed["account_id"]))
        == 1
    )


async def test_a_new_email_taken_or_malformed_is_refused_and_nothing_changes(billing, rights):
    seed = await seed_person(billing)
    await seed_person(billing, email="other@example.se", first_name="Otto", last_name="Annan", essay="Ottos svar")
    with pytest.raises(Conflict) as taken:
        await rights.rectify(
            seed["account_id"], ProfileChanges(email="other@example.se", contact={"first_name": "Zelda"})
        )
    assert "email" in taken.value.field_errors
    with pytest.raises(Invalid) as malformed:
        await rights.rectify(seed["account_id"], ProfileChanges(email="zelmira@"))
    assert "email" in malformed.value.field_errors
    contact = await rights.contact(seed["account_id"])
    assert (contact["email"], contact["first_name"]) == (
        "zelmira.quist@example.se",
        "Zelmira",
    )  # the whole change rolled back


async def test_a_new_email_that_already_has_form_rows_is_refused(billing, rights):
    """The address is not verified: typing someone's address must not bring their form rows into the account's view,
    and nobody (customer service neither) links them by hand."""
    seed = await seed_person(billing)
    now = clock.now()
    stranger = (
        await Person.insert(
            Person(email="stranger@example.se", first_name="Stina", created_at=now, updated_at=now)
        ).returning(Person.id)
    )[0]["id"]
    with pytest.raises(Conflict) as refused:
        await rights.rectify(seed["account_id"], ProfileChanges(email="stranger@example.se"))
    assert refused.value.field_errors == {"email": "Välj en annan adress."}
    assert "kundtjänst" not in refused.value.message  # customer service no longer changes a login address
    assert (await rights.contact(seed["account_id"]))["email"] == "zelmira.quist@example.se"
    assert (await Person.select(Person.account).where(Person.id == stranger))[0]["account"] is None


async def test_rectify_person_corrects_a_form_person_and_refuses_what_belongs_to_someone_else(billing, rights):
    now = clock.now()

    async def person(email: str, first_name: str) -> int:
        return (
            await Person.insert(Person(email=email, first_name=first_name, created_at=now, updated_at=now)).returning(
                Person.id
            )
        )[0]["id"]

    frida, gustav = await person("frida@example.se", "Frida"), await person("gustav@example.se", "Gustav")
    result = await request_service(rights.engine).rectify_person(
        frida, {"first_name": "Fredrika", "mobile": "070-765 43 21"}, "Fredrika@Example.se"
    )
    assert set(result.changed) == {"person.first_name", "person.mobile", "person.email"}
    row = (await Person.select(Person.first_name, Person.mobile, Person.email).where(Person.id == frida))[0]
    assert row == {"first_name": "Fredrika", "mobile": "+46707654321", "email": "fredrika@example.se"}

    with pytest.raises(Conflict):  # another form person has the address
        await request_service(rights.engine).rectify_person(frida, {}, "gustav@example.se")
    seed = await seed_person(billing)  # an account holder: her form row is corrected through the account
    (hers,) = await Person.select(Person.id).where(Person.email == "zelmira.quist@example.se")
    with pytest.raises(Conflict):
        await request_service(rights.engine).rectify_person(hers["id"], {"first_name": "Z"}, None)
    with pytest.raises(Conflict):  # an account has the address
        await request_service(rights.engine).rectify_person(gustav, {}, "zelmira.quist@example.se")
    with pytest.raises(Invalid):
        await request_service(rights.engine).rectify_person(gustav, {"last_name": "19000101-0008"}, None)
    with pytest.raises(NotFound):
        await request_service(rights.engine).rectify_person(gustav + 1000, {"first_name": "Ingen"}, None)
    assert seed and (await Person.select(Person.first_name).where(Person.id == gustav))[0]["first_name"] == "Gustav"


@pytest.mark.parametrize(
    "reason",
    ["Ett\x00fel", "Ett \u202efel", "Mitt nummer 20000101-2384", "x" * 1001, "   "],
    ids=["nul", "bidi", "personnummer", "too_long", "empty"],
)
async def test_a_restriction_reason_is_refused_by_the_one_rule_and_nothing_stored(db, rights, reason):
    principal = await accounts.register(email="ella@example.se", password=PASSWORD, first_name="Ella", last_name="E")
    with pytest.raises(Invalid) as refused:
        await rights.request_restriction(principal.account_id, reason)
    assert list(refused.value.field_errors) == ["reason"] and "2384" not in str(refused.value.field_errors)
    with pytest.raises(Invalid):
        await request_service(db).apply_restriction(principal.account_id, reason)
    assert (await rights.privacy_state(principal.account_id)).restricted_at is None
    assert await SupportCase.count() == 0


async def test_the_disclosure_log_keeps_the_order_made_whatever_order_the_database_holds_the_rows_in(billing):
    """seed_person makes two disclosures in one moment, Kursbolaget AB's first. Updating that one moves its row
    behind the other on PostgreSQL, as earlier tests' deletes and updates do: the log's order must not follow."""
    seed = await seed_person(billing)
    first = (await Disclosure.select(Disclosure.id).where(Disclosure.recipient == "Kursbolaget AB"))[0]["id"]
    await Disclosure.update({Disclosure.people: 2}).where(Disclosure.id == first)
    await DisclosureSubject.update({DisclosureSubject.subject_ref: None}).where(DisclosureSubject.disclosure == first)
    periods = ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=2, login_window_seconds=120)
    export = await access_export(seed["account_id"], periods=periods, controller=billing.config.seller.name)
    assert [entry["recipient"] for entry in export["disclosures"]] == ["Kursbolaget AB", "Apsis"]
