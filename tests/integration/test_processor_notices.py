"""Art. 19 for the newsletter processors (signups/processors.py), on both engines: a person who was in an Apsis or
Mailchimp export and then withdraws the consent, is restricted, corrects their data or is erased gives staff a notice
per processor, naming the person only by the Kurssajten-ID the export gave."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from coursesite.core import clock
from coursesite.core.errors import NotFound
from coursesite.db.privacy import Disclosure, DisclosureSubject, Person, ProcessorNotice, StaffAudit
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.erasure import erase_account, erase_person
from coursesite.privacy.retention import run_retention
from coursesite.privacy.rights import ProfileChanges, RightsService
from coursesite.signups.processors import ProcessorNotices, subscriber_ref
from tests.conftest import TEST_SECRET
from tests.support import TEST_CATALOGUE, confirm_consents, dump, make_account, newsletter_export, request_service

EMAIL = "nora.nyhetsbrev@example.se"


async def export(db, *kinds: str) -> None:
    for kind in kinds:
        async for _ in newsletter_export(db).stream(kind):
            pass


async def subscriber(forms, email: str = EMAIL) -> tuple[int, int]:
    """A newsletter subscriber with an account: (account id, person id)."""
    account_id = await make_account(email, first_name="Nora")
    return account_id, await form_subscriber(forms, email)


async def form_subscriber(forms, email: str = EMAIL) -> int:
    """A newsletter subscriber through the form only, confirmed through the mailed link: the person id."""
    receipt = await forms.submit("newsletter", {"email": email, "first_name": "Nora", "consent": True})
    await confirm_consents(forms.engine, email)
    return receipt.person_id


async def notices() -> list[dict]:
    return await ProcessorNotice.select().order_by(ProcessorNotice.id).output(load_json=True)


def ref(email: str = EMAIL) -> str:
    return subscriber_ref(TEST_SECRET, email)


async def test_withdrawal_restriction_and_rectification_reach_every_processor_that_got_the_person(db, forms):
    account_id, person_id = await subscriber(forms)
    await subscriber(forms, "annan@example.se")
    await export(db, "apsis", "mailchimp")
    rights = RightsService(db)

    await rights.withdraw_consent(account_id, "newsletter")
    withdrawn = await notices()
    assert [(n["recipient"], n["kind"], n["subject_ref"], n["account"]) for n in withdrawn] == [
        ("Apsis", "withdrawal", ref(), account_id),
        ("Mailchimp", "withdrawal", ref(), account_id),
    ]

    await rights.request_restriction(account_id, "Jag bestrider uppgifterna")
    assert [n["kind"] for n in await notices()][2:] == ["restriction", "restriction"]

    result = await rights.rectify(account_id, ProfileChanges(contact={"first_name": "Norah", "last_name": "Ny"}))
    assert set(result.notified) == {"Apsis", "Mailchimp"}
    corrected = [n for n in await notices() if n["kind"] == "rectification"]
    assert {n["recipient"] for n in corrected} == {"Apsis", "Mailchimp"}
    # the processor gets the new first name only: it never received the last name
    assert {n["subject_ref"] for n in corrected} == {ref()}
    assert all(n["changes"] == {"account.first_name": "Norah"} for n in corrected)

    # nobody else got a notice: the other subscriber has done nothing
    assert ref("annan@example.se") not in {n["subject_ref"] for n in await notices()}


async def test_a_person_in_no_export_gives_no_notice(db, forms):
    account_id, _ = await subscriber(forms)
    rights = RightsService(db)
    await rights.withdraw_consent(account_id, "newsletter")
    await rights.request_restriction(account_id, "Jag bestrider uppgifterna")
    assert await ProcessorNotice.count() == 0


async def test_an_export_without_ids_gives_no_notice_it_could_not_name(db, forms):
    """Exports made before the Kurssajten-ID existed: the processor got no ID, so no notice can name the person."""
    account_id, person_id = await subscriber(forms)
    disclosure = (
        await Disclosure.insert(
            Disclosure(
                recipient="Apsis",
                purpose="newsletter",
                fields=json.dumps(["person.email"]),
                people=1,
                created_at=clock.now(),
            )
        ).returning(Disclosure.id)
    )[0]["id"]
    await DisclosureSubject.insert(DisclosureSubject(disclosure=disclosure, person=person_id, account=account_id))
    await RightsService(db).withdraw_consent(account_id, "newsletter")
    assert await ProcessorNotice.count() == 0


async def test_staff_list_and_mark_done_audited_and_values_dropped(db, forms):
    account_id, _ = await subscriber(forms)
    await export(db, "mailchimp")
    await RightsService(db).rectify(account_id, ProfileChanges(contact={"first_name": "Norah"}))
    service = ProcessorNotices(db, AuditLog())
    assert await service.count_pending() == 1

    (pending,) = await service.pending(actor_id=None)
    assert (pending.recipient, pending.kind, pending.subject_ref) == ("Mailchimp", "rectification", ref())
    assert pending.changes == {"account.first_name": "Norah"} and pending.action.startswith("Rätta")
    assert await StaffAudit.count().where(StaffAudit.action == "read") == 1

    done = await service.mark_done(pending.id, actor_id=None)
    assert done.done_at is not None and done.changes == {} and done.fields == ("account.first_name",)
    stored = (
        await ProcessorNotice.select(ProcessorNotice.changes)
        .where(ProcessorNotice.id == pending.id)
        .output(load_json=True)
    )[0]
    assert stored["changes"] == ["account.first_name"]  # the new name is no longer held
    assert await StaffAudit.count().where(StaffAudit.action == "change") == 1
    # marking it again changes nothing, and writes no second audit row
    assert (await service.mark_done(pending.id, actor_id=None)).done_at == done.done_at
    assert await StaffAudit.count().where(StaffAudit.action == "change") == 1
    assert await service.count_pending() == 0 and await service.pending(actor_id=None) == []
    with pytest.raises(NotFound):
        await service.mark_done(pending.id + 1000, actor_id=None)


async def test_erasure_leaves_one_notice_per_processor_holding_only_the_id(db, forms):
    account_id, _ = await subscriber(forms)
    await export(db, "apsis", "apsis", "mailchimp")
    await RightsService(db).withdraw_consent(account_id, "newsletter")
    assert await ProcessorNotice.count() == 2

    report = await erase_account(db, account_id=account_id, actor_id=None, case_id=None)
    assert report.processors == ("Apsis", "Mailchimp")
    assert "Apsis, Mailchimp" in report.text_sv()
    # the pending withdrawal notices went with the person; one erasure notice per processor (two Apsis exports, one ID)
    assert [(n["recipient"], n["kind"], n["subject_ref"], n["account"], n["person"]) for n in await notices()] == [
        ("Apsis", "erasure", ref(), None, None),
        ("Mailchimp", "erasure", ref(), None, None),
    ]
    tables = await dump()
    assert not [name for name, text in tables.items() if EMAIL in text or "Nora" in text]


async def test_erasure_of_a_form_person_without_an_account(db, forms):
    person_id = await form_subscriber(forms)
    await export(db, "apsis")
    report = await erase_person(db, person_id=person_id, actor_id=None, case_id=None)
    assert report.processors == ("Apsis",)
    assert [(n["recipient"], n["kind"], n["subject_ref"]) for n in await notices()] == [("Apsis", "erasure", ref())]
    assert await Person.count() == 0


async def test_restriction_of_a_form_person_registered_by_customer_service(db, forms):
    person_id = await form_subscriber(forms)
    await export(db, "mailchimp")
    assert await request_service(db).apply_person_restriction(person_id, "Begäran per telefon") is True
    assert [(n["kind"], n["person"], n["account"]) for n in await notices()] == [("restriction", person_id, None)]


async def test_retention_deletes_done_notices_after_the_disclosure_log_period_and_keeps_pending_ones(db, forms):
    account_id, _ = await subscriber(forms)
    await export(db, "apsis", "mailchimp")
    await RightsService(db).withdraw_consent(account_id, "newsletter")
    service = ProcessorNotices(db, AuditLog())
    first, _second = await service.pending(actor_id=None)
    await service.mark_done(first.id, actor_id=None)

    clock.set_now(lambda: datetime.now(UTC) + timedelta(days=365 * 3 + 40))
    try:
        await run_retention(db, catalogue=TEST_CATALOGUE)
    finally:
        clock.set_now(None)
    assert [n["id"] for n in await notices()] == [_second.id]
