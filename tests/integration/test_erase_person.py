"""Erasure of a form person without an account (privacy/erasure.erase_person) and a restriction registered by
customer service (support/requests.apply_restriction), carried out by completing the case (support/cases.py), on both
engines. The erasure is checked like tests/integration/test_erasure.py: a dump of every table holds nothing of the
person's email, name or mobile afterwards."""

from __future__ import annotations

import json

import pytest

from coursesite.accounts.roles import Role
from coursesite.core import clock
from coursesite.core.errors import Conflict, NotFound
from coursesite.db.accounts import Account
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import (
    AccountPrivacy,
    CaseNote,
    Consent,
    Disclosure,
    DisclosureSubject,
    FormSubmission,
    Person,
    RecipientNotice,
    StaffAudit,
    Subsidiary,
    SupportCase,
)
from coursesite.privacy.erasure import erase_person
from coursesite.privacy.rights import RightsService
from coursesite.support.requests import RESTRICTION_APPLIED
from tests.conftest import accounts, confirm_address
from tests.support import case_service, confirm_identity, dump, request_service

EMAIL, FIRST, LAST, MOBILE = "ximena.formular@example.se", "Ximena", "Formulärsdóttir", "+46701234987"
NEEDLES = (EMAIL, FIRST, LAST, MOBILE, "701234987")


def hits(tables: dict[str, str], needles=NEEDLES) -> dict[str, list[str]]:
    return {
        name: found for name, text in tables.items() if (found := [n for n in needles if n.lower() in text.lower()])
    }


async def staff():
    return await accounts.create_staff(
        email="kundtjanst@balansekonomi.se",
        role=Role.CUSTOMER_SERVICE,
        password="ett-bra-losenord",
        first_name="Kim",
        last_name="Tjänst",
    )


async def form_person(email=EMAIL, first=FIRST, last=LAST, mobile=MOBILE, *, subsidiary: int | None = None) -> int:
    """A person who only used the forms: the person row, a submission, a consent, a newsletter export, a disclosure
    to a subsidiary when given, and a staff audit row naming them."""
    now = clock.now()
    pid = (
        await Person.insert(
            Person(
                email=email,
                first_name=first,
                last_name=last,
                mobile=mobile,
                source="Mässa",
                created_at=now,
                updated_at=now,
            )
        ).returning(Person.id)
    )[0]["id"]
    await FormSubmission.insert(
        FormSubmission(
            person=pid,
            form="contact",
            details=json.dumps({"message": f"Hej, {first} här"}),
            channel="kurssajten",
            created_at=now,
        )
    )
    await Consent.insert(
        Consent(person=pid, kind="newsletter", text="Ja", policy_version="2026-11", channel="kurssajten", given_at=now)
    )
    for recipient, sub in (("Apsis", None), ("Kursbolaget AB", subsidiary)):
        if recipient != "Apsis" and sub is None:
            continue
        did = (
            await Disclosure.insert(
                Disclosure(
                    recipient=recipient,
                    subsidiary=sub,
                    purpose="newsletter",
                    fields=json.dumps(["person.email"]),
                    people=1,
                    created_at=now,
                )
            ).returning(Disclosure.id)
        )[0]["id"]
        await DisclosureSubject.insert(DisclosureSubject(disclosure=did, person=pid))
    await StaffAudit.insert(
        StaffAudit(action="read", subject_person=pid, what="person.email", why=f"fråga från {email}", created_at=now)
    )
    return pid


async def subsidiary() -> int:
    return (
        await Subsidiary.insert(
            Subsidiary(name="Kursbolaget AB", purpose="course_site", token_hash="b" * 64, created_at=clock.now())
        ).returning(Subsidiary.id)
    )[0]["id"]


async def test_clause_deletion_via_customer_service_erases_a_form_person_without_an_account(db):
    kim = await staff()
    sub = await subsidiary()
    pid = await form_person(subsidiary=sub)
    other = await form_person("otto@example.se", "Otto", "Annan", "+46701112233")
    cases = case_service(db)
    case = await cases.create(
        kind="erasure",
        subject=f"Radera {FIRST}",
        description=f"{FIRST} {LAST} ringde från {MOBILE}",
        contact_name=f"{FIRST} {LAST}",
        contact_email=EMAIL,
        actor_id=kim.account_id,
    )
    assert (case.account_id, case.person_id) == (None, pid)
    await cases.add_note(case.id, kim.account_id, f"Ringde {FIRST} på {MOBILE}")
    assert "person" in hits(await dump())

    # The note on the identity check names the person too: the erasure blanks it with the rest.
    await cases.confirm_identity(
        case.id, kim.account_id, method="known_phone_callback", note=f"Ringde {FIRST} {LAST} på {MOBILE}."
    )
    done = await cases.complete(case.id, kim.account_id, note=f"Kontrollerat med {FIRST} {LAST}.")

    assert done.status == "completed"
    left = hits(await dump())
    # Only the erasure's own message names the address, as its recipient: the request's receipt, still queued, went
    # with the erasure; the retention job drops the erasure message's body after delivery.
    assert set(left) <= {"outbox_message"}, "personal data left after erase_person"
    waiting = await OutboxMessage.select().where(OutboxMessage.recipient == EMAIL)
    assert sorted(m["template"] for m in waiting) == ["requests/erased"]
    assert all(m["status"] == "queued" and m["account"] is None for m in waiting)
    assert not any(v in (m["body_text"] + m["subject"]) for m in waiting for v in (FIRST, LAST, MOBILE))
    assert await Person.count().where(Person.id == pid) == 0
    assert await FormSubmission.count() == 1 and await Consent.count() == 1  # Otto's
    assert await DisclosureSubject.count().where(DisclosureSubject.person == other) == 1
    assert await Person.count().where(Person.id == other) == 1
    detail = await cases.detail(case.id, actor_id=None)
    assert detail.outcome is not None
    assert (
        "Uppgifter från våra formulär" in detail.outcome
        and "Kursbolaget AB" in detail.outcome
        and "Apsis" in detail.outcome
    )
    notices = await RecipientNotice.select().where(RecipientNotice.subject_ref == f"person:{pid}")
    assert [(n["kind"], n["subsidiary"]) for n in notices] == [("erasure", sub)]
    erased = await StaffAudit.select().where((StaffAudit.action == "erase") & (StaffAudit.subject_person == pid))
    assert (
        len(erased) == 1
        and erased[0]["actor"] == kim.account_id
        and erased[0]["why"] == f"Begäran om radering, ärende {case.id}"
    )
    assert await CaseNote.count().where(CaseNote.case == case.id) >= 2


async def test_erase_person_refuses_a_person_with_an_account_and_a_missing_one(db):
    principal = await accounts.register(email=EMAIL, password="ett-bra-losenord", first_name=FIRST, last_name=LAST)
    await confirm_address(principal.account_id)  # an account that has proven the address is the person
    pid = await form_person()
    with pytest.raises(Conflict):
        await erase_person(db, person_id=pid, actor_id=None, case_id=None)
    assert await Person.count().where(Person.id == pid) == 1
    with pytest.raises(NotFound):
        await erase_person(db, person_id=pid + 1000, actor_id=None, case_id=None)


async def test_an_account_that_has_not_confirmed_the_address_is_not_the_person(db):
    principal = await accounts.register(email=EMAIL, password="ett-bra-losenord", first_name=FIRST, last_name=LAST)
    pid = await form_person()
    await erase_person(db, person_id=pid, actor_id=None, case_id=None)
    assert await Person.count().where(Person.id == pid) == 0
    assert await Account.count().where(Account.id == principal.account_id) == 1


async def test_erase_person_report_without_a_case(db):
    pid = await form_person()
    report = await erase_person(db, person_id=pid, actor_id=None, case_id=None)
    assert (report.account_id, report.person_id, report.processors) == (None, pid, ("Apsis",))
    assert dict(report.erased)["Uppgifter från våra formulär"] == 1
    assert FIRST not in report.text_sv() and EMAIL not in report.text_sv()
    assert hits(await dump()) == {}


async def test_an_erasure_request_about_nobody_known_is_still_409(db):
    kim = await staff()
    cases = case_service(db)
    case = await cases.create(
        kind="erasure", subject="Radera", contact_email="okand@example.se", actor_id=kim.account_id
    )
    with pytest.raises(Conflict):
        await confirm_identity(cases, case.id, kim.account_id)
        await cases.complete(case.id, kim.account_id, note="Kontrollerat.")
    assert (await cases.case(case.id)).status == "open"


async def test_clause_the_rights_restriction_registered_by_customer_service_applies_on_completion(db):
    kim = await staff()
    anna = await accounts.register(
        email="anna@example.se", password="ett-bra-losenord", first_name="Anna", last_name="Berg"
    )
    await confirm_address(anna.account_id)  # her form row is hers
    pid = await form_person("anna@example.se", "Anna", "Berg", "+46701112299")
    rights, cases = RightsService(db), case_service(db)
    case = await cases.create(
        kind="restriction", subject="Begränsa", account_id=anna.account_id, actor_id=kim.account_id
    )
    assert (await rights.privacy_state(anna.account_id)).restricted_at is None  # registering alone restricts nothing
    open_before = await SupportCase.count()

    await confirm_identity(cases, case.id, kim.account_id)
    done = await cases.complete(case.id, kim.account_id, note="Begränsat efter samtal.")

    state = await rights.privacy_state(anna.account_id)
    assert done.status == "completed" and state.restricted_at is not None
    assert state.restriction_reason == f"Begäran om begränsning, ärende {case.id}"
    assert (await Person.select(Person.restricted_at).where(Person.id == pid))[0]["restricted_at"] is not None
    assert await SupportCase.count() == open_before  # no new case
    assert (await cases.detail(case.id, actor_id=None)).outcome == RESTRICTION_APPLIED
    changed = await StaffAudit.select().where(
        (StaffAudit.subject_account == anna.account_id) & (StaffAudit.what == "restricted_at: behandlingen begränsad")
    )
    assert len(changed) == 1 and changed[0]["actor"] == kim.account_id and changed[0]["action"] == "change"


async def test_apply_restriction_keeps_an_earlier_restriction_and_request_restriction_still_opens_a_case(db):
    anna = await accounts.register(
        email="anna@example.se", password="ett-bra-losenord", first_name="Anna", last_name="Berg"
    )
    rights = RightsService(db)
    opened = await rights.request_restriction(anna.account_id, "Jag bestrider uppgifterna.")
    first = await rights.privacy_state(anna.account_id)
    assert opened.kind == "restriction" and first.restriction_reason == "Jag bestrider uppgifterna."
    assert await request_service(db).apply_restriction(anna.account_id, "Ärende 1") is False
    assert await rights.privacy_state(anna.account_id) == first
    assert await SupportCase.count() == 1
    with pytest.raises(NotFound):
        await request_service(db).apply_restriction(anna.account_id + 1000, "Ärende 2")
    await AccountPrivacy.update({AccountPrivacy.restricted_at: None}).where(AccountPrivacy.account == anna.account_id)
    assert await request_service(db).apply_restriction(anna.account_id, "Ärende 3") is True
    assert (await rights.privacy_state(anna.account_id)).restriction_reason == "Ärende 3"


async def test_a_restriction_request_of_a_form_person_restricts_the_person(db):
    kim = await staff()
    pid = await form_person()
    cases = case_service(db)
    case = await cases.create(kind="restriction", subject="Begränsa", contact_email=EMAIL, actor_id=kim.account_id)
    await confirm_identity(cases, case.id, kim.account_id)
    await cases.complete(case.id, kim.account_id, note="Begränsat.")
    assert (await Person.select(Person.restricted_at).where(Person.id == pid))[0]["restricted_at"] is not None
    assert await request_service(db).apply_person_restriction(pid, "Igen") is False
