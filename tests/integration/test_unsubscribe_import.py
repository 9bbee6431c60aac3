"""Unsubscribes made at Mailchimp or Apsis come back (signups/unsubscribes.py), on both engines: each address in the
service's export withdraws the newsletter consent, the next export leaves the person out, a second import changes
nothing, addresses we do not have are counted and never stored, and only the other processor is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coursesite.core import clock
from coursesite.core.errors import Invalid
from coursesite.db.privacy import Consent, ProcessorNotice, StaffAudit
from coursesite.privacy.audit import AuditLog
from coursesite.signups.unsubscribes import UnsubscribeImport
from tests.conftest import data_path
from tests.support import confirm_consents, dump, make_account, newsletter_export

NORA, BO, OKAND = "nora.nyhetsbrev@example.se", "bo.bokare@example.se", "okand@example.com"
BEFORE = datetime(2025, 1, 15, 12, tzinfo=UTC)  # before every unsubscribe in the files


def read(name: str) -> bytes:
    return data_path(f"newsletter/{name}").read_bytes()


async def exported(db, kind: str) -> str:
    chunks = [chunk async for chunk in newsletter_export(db).stream(kind)]
    return b"".join(chunks).decode()


async def subscribe(forms, email: str, first_name: str, at: datetime = BEFORE) -> int:
    clock.set_now(lambda: at)
    try:
        receipt = await forms.submit("newsletter", {"email": email, "first_name": first_name, "consent": True})
        await confirm_consents(forms.engine, email)  # the double opt-in, within the link's week
    finally:
        clock.set_now(None)
    return receipt.person_id


@pytest.fixture
def importer(db):
    return UnsubscribeImport(db, AuditLog())


@pytest.fixture
async def subscribers(db, forms):
    """Nora (an account and the newsletter form) and Bo (the form only), in both services' exports."""
    account_id = await make_account(NORA, first_name="Nora")
    await subscribe(forms, NORA, "Nora")
    await subscribe(forms, BO, "Bo")
    assert NORA in await exported(db, "apsis")
    assert NORA in await exported(db, "mailchimp")
    return account_id


async def test_a_mailchimp_import_withdraws_and_the_next_export_leaves_them_out(db, importer, subscribers):
    staff = await make_account("ekonomi@balansekonomi.se")
    summary = await importer.import_file(read("mailchimp-unsubscribed.csv"), "mailchimp", actor_id=staff)
    assert (summary.rows, summary.addresses, summary.withdrawn, summary.already_withdrawn, summary.unknown) == (
        3,
        3,
        2,
        0,
        1,
    )
    assert summary.notified == ("Apsis",)

    for kind in ("mailchimp", "apsis"):
        text = await exported(db, kind)
        assert NORA not in text and BO not in text

    consents = await Consent.select().where(Consent.kind == "newsletter")
    assert consents and all(c["withdrawn_via"] == "mailchimp" for c in consents)
    assert {c["withdrawn_at"] for c in consents} == {summary.imported_at}

    # Apsis still holds them: a notice there each; none back to Mailchimp, where they unsubscribed
    notices = await ProcessorNotice.select(
        ProcessorNotice.recipient, ProcessorNotice.kind, ProcessorNotice.account
    ).order_by(ProcessorNotice.id)
    assert notices == [
        {"recipient": "Apsis", "kind": "withdrawal", "account": subscribers},
        {"recipient": "Apsis", "kind": "withdrawal", "account": None},
    ]

    # audited as the uploader's change: one row per person, one for the import
    rows = await StaffAudit.select().where(StaffAudit.actor == staff).order_by(StaffAudit.id)
    assert [r["subject_account"] is not None or r["subject_person"] is not None for r in rows] == [True, True, False]
    assert {r["action"] for r in rows} == {"change"} and "Mailchimp" in rows[-1]["why"]

    # the address we did not have is nowhere
    assert not [name for name, text in (await dump()).items() if OKAND in text]


async def test_a_second_import_of_the_same_file_changes_nothing(db, importer, subscribers):
    data = read("mailchimp-unsubscribed.csv")
    first = await importer.import_file(data, "mailchimp", actor_id=None)
    withdrawn_at = {c["id"]: c["withdrawn_at"] for c in await Consent.select()}
    notices = await ProcessorNotice.count()

    again = await importer.import_file(data, "mailchimp", actor_id=None)
    assert (again.withdrawn, again.already_withdrawn, again.unknown) == (0, 2, 1)
    assert {c["id"]: c["withdrawn_at"] for c in await Consent.select()} == withdrawn_at
    assert await ProcessorNotice.count() == notices
    assert first.withdrawn == 2


async def test_an_apsis_event_export_tells_mailchimp_only(db, importer, subscribers):
    summary = await importer.import_file(read("apsis-email-events.csv"), "apsis", actor_id=None)
    assert (summary.withdrawn, summary.unknown, summary.skipped) == (2, 1, 3)
    notices = await ProcessorNotice.select(ProcessorNotice.recipient).order_by(ProcessorNotice.id)
    assert [n["recipient"] for n in notices] == ["Mailchimp", "Mailchimp"]  # Nora and Bo were in its export
    assert {c["withdrawn_via"] for c in await Consent.select()} == {"apsis"}
    assert NORA not in await exported(db, "apsis")


async def test_a_consent_given_after_the_unsubscribe_is_kept(db, forms, importer):
    # Nora unsubscribed at Mailchimp on 1 March 2025 and subscribed again on the site the day after
    await subscribe(forms, NORA, "Nora", at=datetime(2025, 3, 2, 8, tzinfo=UTC))
    summary = await importer.import_file(read("mailchimp-unsubscribed.csv"), "mailchimp", actor_id=None)
    assert (summary.withdrawn, summary.consent_later, summary.unknown) == (0, 1, 2)
    assert NORA in await exported(db, "mailchimp")


async def test_a_person_without_a_newsletter_consent_is_counted_apart(db, forms, importer):
    contact = {"first_name": "Bo", "last_name": "Bokare", "email": BO, "message": "Hej!"}
    await forms.submit("contact", contact)
    summary = await importer.import_file(read("apsis-optout-list.csv"), "apsis", actor_id=None)
    assert (summary.withdrawn, summary.no_consent, summary.unknown) == (0, 1, 2)


async def test_a_linked_account_consent_goes_with_the_form_address(db, forms, importer):
    """A consent held by the account (its own e-mail) goes too when the unsubscribed address is its form person's."""
    account_id = await make_account("nora.konto@example.se", first_name="Nora")
    await Consent.insert(
        Consent(
            account=account_id,
            kind="newsletter",
            text="Ja",
            policy_version="1",
            channel="x",
            given_at=BEFORE,
            confirmed_at=BEFORE,
        )
    )
    person_id = await subscribe(forms, NORA, "Nora")
    from coursesite.db.privacy import Person

    await Person.update({Person.account: account_id}).where(Person.id == person_id)
    summary = await importer.import_file(read("apsis-optout-list.csv"), "apsis", actor_id=None)
    assert summary.withdrawn == 1
    assert await Consent.count().where(Consent.withdrawn_at.is_null()) == 0
    assert "nora.konto@example.se" not in await exported(db, "mailchimp")


async def test_a_file_with_bad_rows_changes_nothing(db, importer, subscribers):
    with pytest.raises(Invalid) as caught:
        await importer.import_file(read("mailchimp-bad-rows.csv"), "mailchimp", actor_id=None)
    assert caught.value.message == "Filen importerades inte: den har 4 fel. Ingenting ändrades."
    assert 'Rad 3: kolumnen "Email Address" är inte en e-postadress.' in caught.value.field_errors["file"]
    assert await Consent.count().where(Consent.withdrawn_at.is_not_null()) == 0
    assert await StaffAudit.count().where(StaffAudit.what.like("consent%")) == 0


async def test_staff_actor_for_the_command_line(db, importer):
    from coursesite.accounts.roles import Role
    from coursesite.db.accounts import Account

    finance = await make_account("ekonomi@balansekonomi.se")
    await Account.update({Account.role: Role.FINANCE.value}).where(Account.id == finance)
    assert await importer.staff_actor(" Ekonomi@Balansekonomi.se ") == finance
    participant = await make_account("deltagare@example.se")
    for email in ("deltagare@example.se", "ingen@example.se"):
        with pytest.raises(Invalid):
            await importer.staff_actor(email)
    assert participant
