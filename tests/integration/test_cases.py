"""Customer-service cases and data-subject requests on the database (SQLite and PostgreSQL): creation, notes that
refuse personal identity and card numbers, deadlines, extension, the overdue list, completion per kind, and the
audit rows each change writes."""

from datetime import UTC, date, datetime

import pytest

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid
from coursesite.db.accounts import Account
from coursesite.db.privacy import CaseNote, StaffAudit, SupportCase
from coursesite.privacy.deadlines import is_overdue
from tests.conftest import accounts
from tests.support import case_service, confirm_identity

PNR = "20000101-2384"
CARD = "4111 1111 1111 1111"


@pytest.fixture
def at():
    """Move the clock: at(date) sets today (noon in Stockholm)."""

    def move(day: date) -> None:
        clock.set_now(lambda: datetime(day.year, day.month, day.day, 11, 0, tzinfo=UTC))

    yield move
    clock.set_now(None)


@pytest.fixture
def cases(db):
    return case_service(db)


async def people():
    staff = await accounts.create_staff(
        email="kundtjanst@balansekonomi.se",
        role=Role.CUSTOMER_SERVICE,
        password="ett-bra-losenord",
        first_name="Kim",
        last_name="Tjänst",
    )
    anna = await accounts.register(
        email="anna@example.se", password="ett-bra-losenord", first_name="Anna", last_name="Berg"
    )
    return staff, anna


def test_overdue_only_after_the_deadline_day():
    assert not is_overdue(date(2025, 4, 10), date(2025, 4, 10))
    assert is_overdue(date(2025, 4, 10), date(2025, 4, 11))
    assert not is_overdue(None, date(2030, 1, 1))


async def test_a_complaint_holds_contact_data_and_has_no_deadline(cases, at):
    at(date(2025, 3, 10))
    staff, _ = await people()
    view = await cases.create(
        kind="complaint",
        subject="Fakturan kom fel",
        description="Fel adress på fakturan.",
        contact_name="Bo Ek",
        contact_email="Bo@Example.se",
        actor_id=staff.account_id,
    )
    assert (view.kind, view.status, view.deadline, view.email, view.name) == (
        "complaint",
        "open",
        None,
        "bo@example.se",
        "Bo Ek",
    )
    assert not view.is_request and await cases.overdue(date(2030, 1, 1), actor_id=None) == []
    rows = await StaffAudit.select().where(StaffAudit.actor == staff.account_id)
    assert [(r["action"], r["why"]) for r in rows] == [("change", f"kundtjänst, ärende {view.id}")]


async def test_a_request_is_due_one_month_after_it_was_received_and_linked_to_the_account_by_email(cases, at):
    at(date(2025, 3, 20))
    staff, anna = await people()
    view = await cases.create(
        kind="erasure",
        subject="Radera mig",
        contact_email="anna@example.se",
        received_on=date(2025, 3, 10),
        actor_id=staff.account_id,
    )
    assert (view.received_on, view.deadline, view.account_id, view.status) == (
        date(2025, 3, 10),
        date(2025, 4, 10),
        anna.account_id,
        "open",
    )
    at(date(2025, 1, 31))
    month_end = await cases.create(kind="access", subject="Utdrag", account_id=anna.account_id)
    assert month_end.deadline == date(2025, 2, 28)


@pytest.mark.parametrize("field", ["subject", "description", "contact_name"])
@pytest.mark.parametrize("forbidden", [PNR, CARD])
async def test_a_case_with_a_personnummer_or_card_number_is_refused_and_nothing_stored(cases, field, forbidden):
    values = {"kind": "complaint", "subject": "Reklamation", "description": "", "contact_email": "bo@example.se"}
    values[field] = f"Mitt nummer är {forbidden}"
    with pytest.raises(Invalid) as refused:
        await cases.create(**values)
    assert field in refused.value.field_errors and forbidden not in str(refused.value.field_errors)
    assert await SupportCase.count() == 0 and await StaffAudit.count() == 0


async def test_a_request_needs_to_say_whose_it_is_and_a_real_account(cases):
    with pytest.raises(Invalid) as refused:
        await cases.create(kind="erasure", subject="Radera")
    assert "contact_email" in refused.value.field_errors
    with pytest.raises(Invalid) as refused:
        await cases.create(kind="access", subject="Utdrag", account_id=999_999)
    assert "account_id" in refused.value.field_errors
    with pytest.raises(Invalid):
        await cases.create(kind="nonsense", subject="x", contact_email="bo@example.se")
    assert await SupportCase.count() == 0


@pytest.mark.parametrize("forbidden", [PNR, "000101-2384", CARD, "5555555555554444"])
async def test_a_note_with_a_personnummer_or_card_number_is_refused_and_nothing_stored(cases, forbidden):
    staff, anna = await people()
    view = await cases.create(kind="question", subject="Fråga", account_id=anna.account_id)
    before = await StaffAudit.count()
    with pytest.raises(Invalid) as refused:
        await cases.add_note(view.id, staff.account_id, f"Hon uppgav {forbidden} i telefon.")
    assert forbidden not in refused.value.message and forbidden not in str(refused.value.field_errors)
    assert await CaseNote.count() == 0 and await StaffAudit.count() == before
    await cases.add_note(view.id, staff.account_id, "Ringde upp, hon återkommer.")
    notes = (await cases.detail(view.id, actor_id=None)).notes
    assert [(n.text, n.author) for n in notes] == [("Ringde upp, hon återkommer.", "Kim Tjänst")]


async def test_extending_needs_a_reason_and_records_when_the_person_was_told(cases, at):
    at(date(2025, 3, 10))
    staff, anna = await people()
    view = await cases.create(kind="access", subject="Utdrag", account_id=anna.account_id)
    at(date(2025, 3, 20))
    with pytest.raises(Invalid) as refused:
        await cases.extend(view.id, staff.account_id, reason="  ")
    assert "reason" in refused.value.field_errors
    with pytest.raises(Invalid):
        await cases.extend(view.id, staff.account_id, reason=f"Ringde {PNR}")
    assert (await cases.case(view.id)).deadline == date(2025, 4, 10) and await CaseNote.count() == 0

    extended = await cases.extend(
        view.id, staff.account_id, reason="Många begäranden samtidigt.", notified_on=date(2025, 3, 18)
    )
    assert (extended.status, extended.deadline) == ("extended", date(2025, 6, 10))
    detail = await cases.detail(view.id, actor_id=None)
    assert detail.extension_reason == "Många begäranden samtidigt."
    assert "underrättades om förlängningen och skälet 18 mars 2025" in detail.notes[-1].text
    with pytest.raises(Conflict):
        await cases.extend(view.id, staff.account_id, reason="Igen.")


async def test_extending_after_the_first_month_needs_the_day_the_person_was_told_within_it(cases, at):
    at(date(2025, 3, 10))
    staff, anna = await people()
    view = await cases.create(kind="rectification", subject="Rätta", account_id=anna.account_id)
    at(date(2025, 4, 12))
    with pytest.raises(Invalid) as refused:
        await cases.extend(view.id, staff.account_id, reason="Komplicerat.")
    assert "notified_on" in refused.value.field_errors
    with pytest.raises(Invalid):
        await cases.extend(view.id, staff.account_id, reason="Komplicerat.", notified_on=date(2025, 4, 11))
    with pytest.raises(Invalid):
        await cases.extend(view.id, staff.account_id, reason="Komplicerat.", notified_on=date(2025, 3, 9))
    assert (
        await cases.extend(view.id, staff.account_id, reason="Komplicerat.", notified_on=date(2025, 4, 10))
    ).deadline == date(2025, 6, 10)


async def test_a_complaint_has_no_deadline_to_extend(cases):
    staff, anna = await people()
    view = await cases.create(kind="complaint", subject="Reklamation", account_id=anna.account_id)
    with pytest.raises(Conflict):
        await cases.extend(view.id, staff.account_id, reason="Skäl.")


async def test_the_overdue_list_and_the_open_list_put_overdue_requests_first(cases, at):
    staff, anna = await people()
    at(date(2025, 3, 10))
    late = await cases.create(kind="access", subject="Utdrag", account_id=anna.account_id)
    complaint = await cases.create(kind="complaint", subject="Reklamation", contact_email="bo@example.se")
    at(date(2025, 3, 25))
    recent = await cases.create(kind="rectification", subject="Rätta", account_id=anna.account_id)
    done = await cases.create(kind="restriction", subject="Begränsa", account_id=anna.account_id)
    await confirm_identity(cases, done.id, staff.account_id)
    await cases.complete(done.id, staff.account_id, note="Klart.")

    assert await cases.overdue(date(2025, 4, 10), actor_id=None) == []
    at(date(2025, 4, 11))
    assert [v.id for v in await cases.overdue(actor_id=None)] == [late.id]
    listed = await cases.open_cases(actor_id=None)
    assert [v.id for v in listed] == [late.id, recent.id, complaint.id]
    assert [v.overdue for v in listed] == [True, False, False]
    assert [(v.id, v.kind, v.status) for v in await cases.requests(actor_id=None)][:2] == [
        (late.id, "access", "open"),
        (recent.id, "rectification", "open"),
    ]
    assert [v.id for v in await cases.requests(actor_id=None, status="completed")] == [done.id]


async def test_completing_a_request_needs_the_identity_confirmed_and_a_note(cases):
    staff, anna = await people()
    view = await cases.create(kind="access", subject="Utdrag", account_id=anna.account_id)
    assert view.awaiting_confirmation and view.confirmation == "pending"
    with pytest.raises(Conflict):
        await cases.complete(view.id, staff.account_id, note="Skickat.")
    with pytest.raises(Invalid) as refused:
        await cases.complete(view.id, staff.account_id, note="")
    assert "note" in refused.value.field_errors
    assert (await cases.case(view.id)).status == "open"

    await confirm_identity(cases, view.id, staff.account_id)
    completed = await cases.complete(view.id, staff.account_id, note="Utdraget ligger på Mina uppgifter.")
    detail = await cases.detail(view.id, actor_id=None)
    assert (completed.status, completed.identity_method, detail.identity_confirmed_by, detail.completed_by) == (
        "completed",
        "id_document_at_office",
        "Kim Tjänst",
        "Kim Tjänst",
    )
    assert detail.outcome and "Mina uppgifter" in detail.outcome
    with pytest.raises(Conflict):
        await cases.complete(view.id, staff.account_id, note="Igen.")


async def test_a_complaint_is_completed_with_a_note_and_no_identity_check(cases):
    staff, anna = await people()
    view = await cases.create(kind="complaint", subject="Reklamation", account_id=anna.account_id)
    assert view.confirmation is None and not view.awaiting_confirmation
    done = await cases.complete(view.id, staff.account_id, note="Ny faktura skickad.")
    assert done.status == "completed" and (await cases.detail(view.id, actor_id=None)).outcome == "Ny faktura skickad."


async def test_rejecting_needs_a_note(cases):
    staff, anna = await people()
    view = await cases.create(kind="erasure", subject="Radera", account_id=anna.account_id)
    with pytest.raises(Invalid):
        await cases.reject(view.id, staff.account_id, note="")
    rejected = await cases.reject(view.id, staff.account_id, note="Kunde inte styrka identiteten.")
    assert rejected.status == "rejected" and await Account.exists().where(Account.id == anna.account_id)


async def test_completing_an_erasure_request_erases_the_account_and_keeps_the_report(cases):
    staff, anna = await people()
    view = await cases.create(kind="erasure", subject="Radera mig", account_id=anna.account_id)
    with pytest.raises(Conflict):
        await cases.complete(view.id, staff.account_id, note="Ringde henne.")
    assert await Account.exists().where(Account.id == anna.account_id)

    await cases.confirm_identity(
        view.id, staff.account_id, method="known_phone_callback", note="Ringde Anna Berg på kontots nummer."
    )
    done = await cases.complete(view.id, staff.account_id, note="Ringde Anna Berg på kontots nummer.")
    assert done.status == "completed"
    assert not await Account.exists().where(Account.id == anna.account_id)
    detail = await cases.detail(view.id, actor_id=None)
    assert detail.outcome and "Raderat" in detail.outcome
    assert detail.identity_note == "[raderat]"  # the note on the check named her: blanked with the rest
    assert all("Anna" not in note.text for note in detail.notes)  # the staff note named her: the erasure blanked it
    rows = await cases.audit.entries(subject_account=anna.account_id)
    assert {"erase", "change"} <= {row.action for row in rows}


async def test_every_change_is_in_the_audit_log_with_who_what_and_why(cases):
    staff, anna = await people()
    view = await cases.create(kind="access", subject="Utdrag", account_id=anna.account_id, actor_id=staff.account_id)
    await cases.add_note(view.id, staff.account_id, "Begärde legitimation.")
    await cases.extend(view.id, staff.account_id, reason="Väntar på legitimation.")
    await confirm_identity(cases, view.id, staff.account_id)
    await cases.complete(view.id, staff.account_id, note="Skickat.")
    rows = await cases.audit.entries(subject_account=anna.account_id)
    assert len(rows) == 5
    assert all(
        row.actor_id == staff.account_id and row.action == "change" and row.why == f"kundtjänst, ärende {view.id}"
        for row in rows
    )
    assert [row.what for row in reversed(rows)] == [
        "support_case: nytt ärende med kontaktuppgifter och ärendeuppgifter",
        "case_note: ny anteckning",
        "support_case: förlängd tidsfrist och skäl",
        "support_case: identiteten bekräftad (id_document_at_office)",
        "support_case: avslutat (access)",
    ]


# -- the one free-text rule (core/text.py): refused, never stripped, and nothing stored

REFUSED = {
    "nul": "Ett\x00fel",
    "bidi": "Ett \u202efel",
    "personnummer": f"Hon uppgav {PNR}",
    "too_long": "x" * 5001,
}


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
@pytest.mark.parametrize("field", ["subject", "description", "contact_name"])
async def test_every_free_text_of_a_new_case_is_refused_by_the_one_rule(cases, field, value):
    staff, _ = await people()
    values = {"kind": "complaint", "subject": "Reklamation", "contact_email": "bo@example.se", field: value}
    with pytest.raises(Invalid) as refused:
        await cases.create(**values, actor_id=staff.account_id)
    assert list(refused.value.field_errors) == [field] and PNR not in str(refused.value.field_errors)
    assert await SupportCase.count() == 0 and await StaffAudit.count() == 0


@pytest.mark.parametrize("value", REFUSED.values(), ids=REFUSED.keys())
async def test_every_note_and_reason_on_a_case_is_refused_by_the_one_rule(cases, value):
    staff, anna = await people()
    view = await cases.create(kind="access", subject="Utdrag", account_id=anna.account_id)
    attempts = {
        "note": lambda: cases.add_note(view.id, staff.account_id, value),
        "reason": lambda: cases.extend(view.id, staff.account_id, reason=value),
        "identity check note": lambda: cases.confirm_identity(
            view.id, staff.account_id, method="id_document_at_office", note=value
        ),
        "completion note": lambda: cases.complete(view.id, staff.account_id, note=value),
        "rejection note": lambda: cases.reject(view.id, staff.account_id, note=value),
    }
    for what, attempt in attempts.items():
        with pytest.raises(Invalid) as refused:
            await attempt()
        assert list(refused.value.field_errors) == ["reason" if what == "reason" else "note"], what
    after = await cases.case(view.id)
    assert (after.status, after.deadline) == ("open", view.deadline)
    assert await CaseNote.count() == 0 and await StaffAudit.count() == 0


async def test_a_multi_line_note_keeps_its_lines(cases):
    staff, anna = await people()
    view = await cases.create(kind="question", subject="Fråga", account_id=anna.account_id)
    await cases.add_note(view.id, staff.account_id, "Ringde.\r\nHon återkommer.\tTack.")
    notes = (await cases.detail(view.id, actor_id=None)).notes
    assert [n.text for n in notes] == ["Ringde.\nHon återkommer.\tTack."]
