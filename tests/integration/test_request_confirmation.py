"""Issue 11 §4 on the database (SQLite and PostgreSQL): every data-subject request waits for the person's identity
to be confirmed before it is carried out, records how, when and by whom it was confirmed, never concerns a staff
account, and a completed access request releases the export to the person (the account's owner, or later a link
to someone known only from the forms) for the policy's period."""

from datetime import UTC, datetime, timedelta

import pytest

from coursesite.accounts.roles import STAFF_ROLES, Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.formatting import format_date_long
from coursesite.db.accounts import Account
from coursesite.db.privacy import CaseNote, Person, StaffAudit, SupportCase
from coursesite.privacy.erasure import STAFF_NOT_ERASED, erase_account
from coursesite.privacy.policy import ACCESS_EXPORT_AVAILABLE_DAYS
from coursesite.support.identity import REQUEST_KINDS
from coursesite.support.requests import STAFF_ACCOUNT
from tests.conftest import accounts
from tests.support import case_service

PASSWORD = "ett-bra-losenord"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cases(db):
    return case_service(db)


@pytest.fixture
def at():
    """Move the clock to a moment."""
    yield lambda moment: clock.set_now(lambda: moment)
    clock.set_now(None)


async def kim():
    return await accounts.create_staff(
        email="kundtjanst@balansekonomi.se",
        role=Role.CUSTOMER_SERVICE,
        password=PASSWORD,
        first_name="Kim",
        last_name="Tjänst",
    )


async def anna():
    return await accounts.register(email="anna@example.se", password=PASSWORD, first_name="Anna", last_name="Berg")


async def frida() -> int:
    """Someone known only from the forms."""
    now = clock.now()
    row = Person(email="frida@example.se", first_name="Frida", last_name="Form", created_at=now, updated_at=now)
    return (await Person.insert(row).returning(Person.id))[0]["id"]


# -- never a staff account


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
@pytest.mark.parametrize("kind", ["complaint", *REQUEST_KINDS])
async def test_no_case_is_opened_for_a_staff_account(cases, role, kind):
    staff = await kim()
    other = await accounts.create_staff(
        email=f"{role}@balansekonomi.se", role=role, password=PASSWORD, first_name="Sam", last_name="Personal"
    )
    with pytest.raises(Invalid) as by_number:
        await cases.create(kind=kind, subject="Begäran", account_id=other.account_id, actor_id=staff.account_id)
    assert by_number.value.field_errors == {"account_id": STAFF_ACCOUNT}
    with pytest.raises(Invalid) as by_address:
        await cases.create(kind=kind, subject="Begäran", contact_email=f"{role}@balansekonomi.se")
    assert by_address.value.field_errors == {"contact_email": STAFF_ACCOUNT}
    assert await SupportCase.count() == 0 and await StaffAudit.count() == 0


async def test_a_request_about_an_account_that_became_staff_is_not_carried_out(cases):
    staff, person = await kim(), await anna()
    view = await cases.create(kind="erasure", subject="Radera", account_id=person.account_id)
    await cases.confirm_identity(view.id, staff.account_id, method="id_document_at_office", note="Körkort visat.")
    await Account.update({Account.role: Role.FINANCE}).where(Account.id == person.account_id)
    with pytest.raises(Conflict) as refused:
        await cases.complete(view.id, staff.account_id, note="Raderar.")
    assert refused.value.message == STAFF_ACCOUNT
    assert await Account.exists().where(Account.id == person.account_id)
    # and the erasure itself refuses a staff account, whoever calls it
    with pytest.raises(Conflict) as erasure:
        await erase_account(cases.engine, account_id=person.account_id, actor_id=staff.account_id, case_id=None)
    assert erasure.value.message == STAFF_NOT_ERASED
    assert await Account.exists().where(Account.id == person.account_id)


# -- every kind: pending, refused, confirmed by customer service, carried out


@pytest.mark.parametrize("kind", REQUEST_KINDS)
@pytest.mark.parametrize("whose", ["account", "form person"])
async def test_every_request_kind_waits_for_confirmation_then_is_carried_out(cases, kind, whose):
    staff = await kim()
    if whose == "account":
        subject = {"account_id": (await anna()).account_id}
    else:
        await frida()
        subject = {"contact_email": "frida@example.se"}
    view = await cases.create(kind=kind, subject="Begäran", actor_id=staff.account_id, **subject)
    assert (view.confirmation, view.awaiting_confirmation, view.confirmation_label) == (
        "pending",
        True,
        "Väntar på bekräftelse",
    )

    with pytest.raises(Conflict) as refused:
        await cases.complete(view.id, staff.account_id, note="Genomfört.")
    assert "väntar på bekräftelse" in refused.value.message
    if kind == "rectification":
        with pytest.raises(Conflict):
            await cases.rectify(view.id, staff.account_id, contact={"last_name": "Nyberg"}, email=None)
    after = await cases.case(view.id)
    assert after.status == "open" and after.completed_at is None

    before = clock.now()
    await cases.confirm_identity(
        view.id, staff.account_id, method="known_phone_callback", note="Ringde numret vi har sedan tidigare."
    )
    confirmed = await cases.case(view.id)
    detail = await cases.detail(view.id, actor_id=None)
    assert confirmed.confirmation == "confirmed" and not confirmed.awaiting_confirmation
    assert confirmed.identity_method == "known_phone_callback" and confirmed.identity_confirmed_at >= before
    assert (detail.identity_confirmed_by, detail.identity_note) == (
        "Kim Tjänst",
        "Ringde numret vi har sedan tidigare.",
    )
    audited = await StaffAudit.select(StaffAudit.actor, StaffAudit.action).where(
        StaffAudit.what == "support_case: identiteten bekräftad (known_phone_callback)"
    )
    assert audited == [{"actor": staff.account_id, "action": "change"}]
    with pytest.raises(Conflict):  # once is enough: the record is not overwritten
        await cases.confirm_identity(view.id, staff.account_id, method="id_document_at_office", note="Igen.")

    if kind == "rectification":
        await cases.rectify(view.id, staff.account_id, contact={"last_name": "Nyberg"}, email=None)
    done = await cases.complete(view.id, staff.account_id, note="Genomfört.")
    assert done.status == "completed"


async def test_a_method_note_and_state_are_checked_before_anything_is_stored(cases):
    staff, person = await kim(), await anna()
    view = await cases.create(kind="access", subject="Utdrag", account_id=person.account_id)
    complaint = await cases.create(kind="complaint", subject="Reklamation", account_id=person.account_id)
    for method, note, field in (
        ("email_link", "Klickade.", "method"),
        ("bankid", "Legitimerade sig.", "method"),
        ("id_document_at_office", "", "note"),
        ("id_document_at_office", "Pass 19121212-1212", "note"),
    ):
        with pytest.raises(Invalid) as refused:
            await cases.confirm_identity(view.id, staff.account_id, method=method, note=note)
        assert list(refused.value.field_errors) == [field], method
    with pytest.raises(NotFound):
        await cases.confirm_identity(complaint.id, staff.account_id, method="id_document_at_office", note="Pass.")
    await cases.reject(view.id, staff.account_id, note="Kunde inte styrka identiteten.")
    with pytest.raises(Conflict):
        await cases.confirm_identity(view.id, staff.account_id, method="id_document_at_office", note="Pass.")
    closed = await cases.case(view.id)
    assert (closed.identity_confirmed_at, closed.confirmation_label) == (None, "Inte bekräftad")
    assert await StaffAudit.count().where(StaffAudit.what.like("%identiteten bekräftad%")) == 0


# -- the person confirms through the link (the token is checked by the caller)


async def test_the_person_confirms_by_the_link_once(cases, at):
    staff, person = await kim(), await anna()
    view = await cases.create(kind="erasure", subject="Radera", account_id=person.account_id)
    clicked = datetime(2026, 3, 3, 18, 45, tzinfo=UTC)
    assert await cases.confirm_by_person(view.id, clicked) is True
    confirmed = await cases.case(view.id)
    detail = await cases.detail(view.id, actor_id=None)
    assert (confirmed.identity_method, confirmed.identity_confirmed_at, detail.identity_confirmed_by) == (
        "email_link",
        clicked,
        None,
    )
    assert [n.text for n in detail.notes] == ["Personen bekräftade via länken i e-post."]
    assert await cases.confirm_by_person(view.id, clicked + timedelta(hours=1)) is False  # a second click
    assert (await cases.case(view.id)).identity_confirmed_at == clicked
    await cases.complete(view.id, staff.account_id, note="Raderat efter bekräftelse.")
    assert not await Account.exists().where(Account.id == person.account_id)


async def test_the_link_confirms_only_an_open_request(cases):
    staff, person = await kim(), await anna()
    complaint = await cases.create(kind="complaint", subject="Reklamation", account_id=person.account_id)
    with pytest.raises(NotFound):
        await cases.confirm_by_person(complaint.id, clock.now())
    with pytest.raises(NotFound):
        await cases.confirm_by_person(complaint.id + 1000, clock.now())
    rejected = await cases.create(kind="access", subject="Utdrag", account_id=person.account_id)
    await cases.reject(rejected.id, staff.account_id, note="Dubblett.")
    with pytest.raises(Conflict):
        await cases.confirm_by_person(rejected.id, clock.now())
    assert await CaseNote.count().where(CaseNote.text.like("Personen bekräftade%")) == 0


# -- the access export reaches the person


async def test_a_completed_access_request_releases_the_export_to_the_account_for_the_period(cases, at):
    at(START)
    staff, person = await kim(), await anna()
    other = await accounts.register(email="bo@example.se", password=PASSWORD, first_name="Bo", last_name="Ek")
    view = await cases.create(kind="access", subject="Utdrag", account_id=person.account_id)
    assert await cases.ready_exports(person.account_id, START) == []
    await cases.confirm_by_person(view.id, START)
    done = await cases.complete(view.id, staff.account_id, note="Utdraget finns på Mina uppgifter.")
    until = START + timedelta(days=ACCESS_EXPORT_AVAILABLE_DAYS)
    assert done.status == "completed"
    # The outcome names the last day in words, Stockholm time (core/formatting.py).
    assert format_date_long(until) in ((await cases.detail(view.id, actor_id=None)).outcome or "")

    (ready,) = await cases.ready_exports(person.account_id, START)
    assert (ready.case_id, ready.ready_at, ready.available_until) == (view.id, START, until)
    data = await cases.account_export(person.account_id, view.id, START)
    assert data["subject"]["account_id"] == person.account_id
    assert await cases.ready_exports(other.account_id, START) == []
    with pytest.raises(NotFound):  # another account's request
        await cases.account_export(other.account_id, view.id, START)
    with pytest.raises(NotFound):  # an account's export never goes out through the person link
        await cases.person_export(view.id, START)

    assert len(await cases.ready_exports(person.account_id, until)) == 1  # the last moment counts
    later = until + timedelta(seconds=1)
    assert await cases.ready_exports(person.account_id, later) == []
    with pytest.raises(NotFound):
        await cases.account_export(person.account_id, view.id, later)


async def test_an_open_or_rejected_access_request_releases_nothing(cases):
    staff, person = await kim(), await anna()
    pending = await cases.create(kind="access", subject="Utdrag", account_id=person.account_id)
    rejected = await cases.create(kind="access", subject="Utdrag igen", account_id=person.account_id)
    await cases.confirm_by_person(rejected.id, clock.now())
    await cases.reject(rejected.id, staff.account_id, note="Dubblett.")
    for view in (pending, rejected):
        with pytest.raises(NotFound):
            await cases.account_export(person.account_id, view.id, clock.now())
    assert await cases.ready_exports(person.account_id, clock.now()) == []


async def test_the_export_of_someone_known_only_from_the_forms_waits_for_their_link(cases):
    staff = await kim()
    pid = await frida()
    view = await cases.create(kind="access", subject="Utdrag per brev", contact_email="frida@example.se")
    assert (view.account_id, view.person_id) == (None, pid)
    with pytest.raises(NotFound):
        await cases.person_export(view.id, clock.now())
    await cases.confirm_identity(view.id, staff.account_id, method="id_document_at_office", note="ID-kort visat.")
    await cases.complete(view.id, staff.account_id, note="Klart att lämna ut.")
    data = await cases.person_export(view.id, clock.now())
    assert data["subject"]["account_id"] is None and data["subject"]["email"] == "frida@example.se"
    with pytest.raises(NotFound):
        await cases.person_export(view.id, clock.now() + timedelta(days=ACCESS_EXPORT_AVAILABLE_DAYS, seconds=1))
