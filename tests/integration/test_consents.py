"""Consent that can be proven and withdrawn by anyone (issue 11 §5), on both engines: a consent given through a form
counts only once confirmed through the mailed link; the unsubscribe link withdraws it at once and tells the
processors; a consent never confirmed is erased by the retention job; the confirmation mails are rate limited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from coursesite.core import clock
from coursesite.core.errors import Invalid, RateLimited
from coursesite.core.tokens import account_subject, person_subject
from coursesite.db.mail import OutboxMessage
from coursesite.db.privacy import Consent, FormSubmission, Person, ProcessorNotice
from coursesite.privacy.retention import run_retention
from coursesite.privacy.rights import RightsService
from coursesite.signups.double_opt_in import ConsentState
from tests.support import (
    TEST_CATALOGUE,
    confirm_consents,
    confirmation_tokens,
    consent_service,
    deliver_to_console,
    make_account,
    newsletter_export,
    valid,
)

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
NORA = "nora@example.se"


@pytest.fixture
def at():
    """Set the clock: at(moment)."""
    yield lambda moment: clock.set_now(lambda: moment)
    clock.set_now(None)


async def exported(db, kind: str = "mailchimp") -> list[dict]:
    body = b"".join([chunk async for chunk in newsletter_export(db).stream(kind)]).decode()
    return list(csv.DictReader(io.StringIO(body), delimiter=";" if kind == "apsis" else ","))


async def test_a_pending_consent_is_not_exported_until_confirmed(db, forms, at):
    at(NOW)
    receipt = await forms.submit("newsletter", {"email": NORA, "first_name": "Nora", "consent": True})
    assert receipt.confirmation_sent
    (consent,) = await Consent.select().where(Consent.person == receipt.person_id)
    assert (consent["confirmed_at"], consent["confirmed_via"], consent["withdrawn_at"]) == (None, None, None)
    assert await exported(db) == []

    # the mail: transactional (no List-Unsubscribe), to the address, with the link and the text agreed to
    (mail,) = await OutboxMessage.select().where(OutboxMessage.recipient == NORA)
    assert (mail["kind"], mail["template"]) == ("transactional", "consent_confirm")
    assert "List-Unsubscribe" not in (mail["headers"] or "")
    assert "https://kurs.example.se/bekrafta-samtycke?token=" in mail["body_text"]
    assert "Jag kan när som helst avsluta prenumerationen." in mail["body_text"]

    at(NOW + timedelta(days=6, hours=23))  # within the link's week
    assert await confirm_consents(db, NORA) == 1
    (consent,) = await Consent.select().where(Consent.person == receipt.person_id)
    assert consent["confirmed_at"] == NOW + timedelta(days=6, hours=23)
    assert consent["confirmed_via"] == "email_link"
    assert [row["Email Address"] for row in await exported(db)] == [NORA]


async def test_a_link_confirms_once_and_not_after_its_week(db, forms, at):
    at(NOW)
    await forms.submit("newsletter", valid("newsletter", email=NORA))
    await forms.submit("newsletter", valid("newsletter", email="sen@example.se"))
    (token,) = await confirmation_tokens(NORA)
    (late,) = await confirmation_tokens("sen@example.se")
    consents = consent_service(db)
    assert [p.kind for p in await consents.pending(token) or []] == ["newsletter"]
    assert await consents.confirm(token) == 1
    assert await consents.pending(token) is None
    with pytest.raises(Invalid) as used:
        await consents.confirm(token)
    assert "redan använd" in used.value.message
    for bad in ("", "x" * 43, "inte-en-token", None, 42):
        with pytest.raises(Invalid):
            await consents.confirm(bad)
    at(NOW + timedelta(days=7))  # the expiry moment itself is too late
    with pytest.raises(Invalid):
        await consents.confirm(late)
    assert await Consent.count().where(Consent.confirmed_at.is_null()) == 1


async def test_the_same_consent_again_reuses_the_pending_one_and_a_confirmed_one_sends_nothing(db, forms):
    await forms.submit("newsletter", valid("newsletter", email=NORA))
    again = await forms.submit("ebook", valid("ebook", email=NORA))  # the same newsletter consent, still pending
    assert again.confirmation_sent and await Consent.count() == 1
    first, second = await confirmation_tokens(NORA)
    assert await consent_service(db).confirm(first) == 1  # either link confirms it
    with pytest.raises(Invalid):
        await consent_service(db).confirm(second)  # nothing left to confirm
    third = await forms.submit("newsletter", valid("newsletter", email=NORA))
    assert not third.confirmation_sent and await Consent.count() == 1
    assert len(await confirmation_tokens(NORA)) == 2


async def test_the_webinar_consent_needs_the_confirmation_too(db, forms):
    receipt = await forms.submit("webinar", valid("webinar", email=NORA))
    account_id = await make_account(NORA)
    rights = RightsService(db)
    (view,) = await rights.consents(account_id)
    assert (view.kind, view.state, view.active, view.pending) == (
        "webinar_information",
        ConsentState.PENDING,
        False,
        True,
    )
    await confirm_consents(db, NORA)
    (view,) = await rights.consents(account_id)
    assert (view.state, view.active, view.confirmed_via) == (ConsentState.GIVEN, True, "email_link")
    assert receipt.consent_kinds == ("webinar_information",)


async def test_the_unsubscribe_link_withdraws_at_once_tells_the_processors_and_the_next_export_leaves_them_out(
    db, forms, at
):
    at(NOW)
    nora = (await forms.submit("newsletter", {"email": NORA, "first_name": "Nora", "consent": True})).person_id
    await forms.submit("newsletter", valid("newsletter", email="bo@example.se"))
    await confirm_consents(db, NORA)
    await confirm_consents(db, "bo@example.se")
    rows = await exported(db, "mailchimp")
    await exported(db, "apsis")
    link = next(row["Unsubscribe Link"] for row in rows if row["Email Address"] == NORA)
    consents = consent_service(db)
    assert link == consents.unsubscribe_url(person_id=nora)
    token = link.partition("?token=")[2]

    at(NOW + timedelta(days=400))  # the link never expires
    assert await consents.unsubscribe(token) == 1
    (consent,) = await Consent.select().where(Consent.person == nora)
    assert (consent["withdrawn_at"], consent["withdrawn_via"]) == (NOW + timedelta(days=400), "link")
    notices = await ProcessorNotice.select().order_by(ProcessorNotice.recipient)
    assert [(n["recipient"], n["kind"], n["person"]) for n in notices] == [
        ("Apsis", "withdrawal", nora),
        ("Mailchimp", "withdrawal", nora),
    ]
    assert [row["Email Address"] for row in await exported(db)] == ["bo@example.se"]
    # a second click changes nothing and tells no one again
    assert await consents.unsubscribe(token) == 0
    assert await ProcessorNotice.count() == 2
    for bad in ("", token[:-1] + ("A" if token[-1] != "A" else "B"), "p:1", None):
        with pytest.raises(Invalid):
            await consents.unsubscribe(bad)


async def test_an_account_link_withdraws_the_account_and_its_form_person_and_a_pending_consent_too(db, forms):
    account_id = await make_account(NORA, first_name="Nora")
    await Consent.insert(
        Consent(
            account=account_id,
            kind="newsletter",
            text="Ja",
            policy_version="1",
            channel="kurssajten",
            given_at=NOW,
            confirmed_at=NOW,
        )
    )
    person = (await forms.submit("newsletter", valid("newsletter", email=NORA))).person_id  # pending
    await forms.submit("webinar", valid("webinar", email=NORA))  # another kind: not the newsletter's link to end
    consents = consent_service(db)
    token = consents.tokens.unsubscribe_token(account_subject(account_id))
    assert await consents.unsubscribe(token) == 2
    rows = await Consent.select(Consent.kind, Consent.withdrawn_via).where(
        (Consent.account == account_id) | (Consent.person == person)
    )
    assert sorted((r["kind"], r["withdrawn_via"]) for r in rows) == [
        ("newsletter", "link"),
        ("newsletter", "link"),
        ("webinar_information", None),
    ]
    assert await ProcessorNotice.count() == 0  # no processor ever received her
    with pytest.raises(Invalid):
        await consents.confirm((await confirmation_tokens(NORA))[0])  # a withdrawn consent cannot be confirmed
    # a link for someone since erased changes nothing
    assert await consents.unsubscribe(consents.tokens.unsubscribe_token(person_subject(person + 1000))) == 0


async def test_the_retention_job_erases_a_consent_never_confirmed_two_weeks_after_it_was_given(db, forms, at):
    at(NOW)
    stale = (await forms.submit("newsletter", valid("newsletter", email="gammal@example.se"))).person_id
    confirmed = (await forms.submit("newsletter", valid("newsletter", email=NORA))).person_id
    await confirm_consents(db, NORA)
    at(NOW + timedelta(days=1))
    fresh = (await forms.submit("newsletter", valid("newsletter", email="ny@example.se"))).person_id

    at(NOW + timedelta(days=14, seconds=1))
    report = await run_retention(db, catalogue=TEST_CATALOGUE)
    remaining = {row["person"] for row in await Consent.select(Consent.person)}
    assert remaining == {confirmed, fresh}
    assert stale not in remaining
    assert await Person.count().where(Person.id == stale) == 1  # the form itself follows the forms' own period
    assert await FormSubmission.count() == 3
    assert report.get("consent (never confirmed)") == 1

    at(NOW + timedelta(days=15, seconds=1))
    await run_retention(db, catalogue=TEST_CATALOGUE)
    assert {row["person"] for row in await Consent.select(Consent.person)} == {confirmed}


async def test_the_confirmation_mails_are_rate_limited_per_client_and_per_address(db, forms):
    for number in range(20):
        await forms.submit(
            "newsletter", valid("newsletter", email=f"p{number}@example.se"), client_address="203.0.113.9"
        )
    with pytest.raises(RateLimited):
        await forms.submit("newsletter", valid("newsletter", email="p20@example.se"), client_address="203.0.113.9")
    assert await Person.count().where(Person.email == "p20@example.se") == 0  # nothing of a refused form is kept
    await forms.submit("newsletter", valid("newsletter", email="p20@example.se"), client_address="198.51.100.7")

    # Someone typing Nora's address over and over: five mails a day, then the forms are kept but no mail goes.
    receipts = [
        await forms.submit("webinar", valid("webinar", email=NORA), client_address=f"192.0.2.{n}") for n in range(7)
    ]
    assert [r.confirmation_sent for r in receipts] == [True] * 5 + [False] * 2
    assert len(await confirmation_tokens(NORA)) == 5
    assert await FormSubmission.count().where(FormSubmission.person == receipts[0].person_id) == 7
    await deliver_to_console(db)
    assert await confirm_consents(db, NORA) == 1  # any of her links still confirms the one pending consent
