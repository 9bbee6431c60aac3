"""The public forms, consents, profiles and the newsletter exports (issue 5 §2), on both engines."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from coursesite.core import clock
from coursesite.core.errors import Invalid
from coursesite.core.tokens import TokenPurpose, account_subject, person_subject, sign
from coursesite.db.privacy import (
    AccountPrivacy,
    Consent,
    Disclosure,
    DisclosureSubject,
    FormSubmission,
    Person,
    StaffAudit,
)
from coursesite.signups.forms import FORMS, NEWSLETTER_TEXT, POLICY_VERSION, WEBINAR_TEXT, set_profile
from coursesite.signups.processors import subscriber_ref
from tests.conftest import PUBLIC_URL, TEST_SECRET
from tests.support import (
    CARD,
    FREE_TEXT,
    PERSONNUMMER,
    confirm_consents,
    make_account,
    newsletter_export,
    valid,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def ref(email: str) -> str:
    return subscriber_ref(TEST_SECRET, email)


def unsubscribe_link(*, person_id: int | None = None, account_id: int | None = None) -> str:
    """The one-click link an export row must carry: the signed token of the person (or the account), on PUBLIC_URL."""
    subject = person_subject(person_id) if person_id is not None else account_subject(account_id or 0)
    return f"{PUBLIC_URL}/avsluta?token={sign(TEST_SECRET, TokenPurpose.UNSUBSCRIBE, subject)}"


# Every free-text field of every form (the mobile is not free text: it must be a phone number, and is refused too).
@pytest.fixture
def fixed_clock():
    clock.set_now(lambda: NOW)
    yield NOW
    clock.set_now(None)


async def counts() -> tuple[int, int, int]:
    return await Person.count(), await FormSubmission.count(), await Consent.count()


async def details_of(person_id: int) -> list[dict]:
    rows = await FormSubmission.select().where(FormSubmission.person == person_id).output(load_json=True)
    return rows


# --- forms ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_clause_forms_store_only_what_the_category_allows(forms, form, fixed_clock):
    spec = FORMS[form]
    receipt = await forms.submit(form, valid(form, email=f"{form}@Example.se"))
    [person] = await Person.select().where(Person.id == receipt.person_id)
    assert person["email"] == f"{form}@example.se"  # one row per lower-cased e-mail
    contact_columns = {"email", "first_name", "last_name", "mobile", "source"}
    stored = {name for name in contact_columns if person[name] is not None}
    assert stored == set(spec.person_fields)
    assert person["account"] is None and person["restricted_at"] is None and person["profile_enabled"] is True
    (submission,) = await details_of(receipt.person_id)
    assert submission["form"] == form
    assert set(submission["details"]) == set(spec.detail_fields)
    assert submission["channel"] == "kurssajten"
    kinds = sorted(c["kind"] for c in await Consent.select(Consent.kind).where(Consent.person == receipt.person_id))
    assert kinds == sorted(c.kind for c in spec.consents)


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_clause_forms_refuse_an_unknown_field_and_store_nothing(forms, form):
    data = valid(form) | {"personnummer": "x", "favourite_colour": "blå"}
    with pytest.raises(Invalid) as caught:
        await forms.submit(form, data)
    assert {"personnummer", "favourite_colour"} <= set(caught.value.field_errors)
    assert await counts() == (0, 0, 0)


@pytest.mark.parametrize("form", sorted(FORMS))
async def test_clause_forms_only_what_the_service_needs_is_required(forms, form):
    spec = FORMS[form]
    minimal = {name: value for name, value in valid(form).items() if name in spec.required}
    await forms.submit(form, minimal)
    with pytest.raises(Invalid) as caught:
        await forms.submit(form, {})
    assert set(caught.value.field_errors) == set(spec.required)


@pytest.mark.parametrize("form", sorted(FREE_TEXT))
async def test_clause_no_personnummer_or_payment_data_in_forms(forms, form):
    for name in FREE_TEXT[form] + ("mobile",) * ("mobile" in FORMS[form].fields):
        for forbidden in (PERSONNUMMER, CARD):
            value = f"{forbidden.replace(' ', '')}@example.se" if name == "email" else f"Mitt nummer {forbidden}"
            with pytest.raises(Invalid) as caught:
                await forms.submit(form, valid(form) | {name: value})
            assert name in caught.value.field_errors, (form, name)
            assert forbidden not in caught.value.field_errors[name]  # never echoed
            assert await counts() == (0, 0, 0), (form, name)


async def test_a_catalogue_choice_must_be_one_offered(forms):
    for form, name in (("webinar", "webinar"), ("signup", "event"), ("ebook", "ebook")):
        with pytest.raises(Invalid) as caught:
            await forms.submit(form, valid(form) | {name: "finns-inte"})
        assert name in caught.value.field_errors
    assert await counts() == (0, 0, 0)


async def test_clause_forms_consent_records_text_version_time_and_channel(forms, fixed_clock):
    receipt = await forms.submit("newsletter", valid("newsletter"), channel="webbinarier")
    (consent,) = await Consent.select().where(Consent.person == receipt.person_id)
    assert consent["kind"] == "newsletter"
    assert consent["text"] == NEWSLETTER_TEXT
    assert consent["policy_version"] == POLICY_VERSION
    assert consent["given_at"] == NOW
    assert consent["channel"] == "webbinarier"
    assert consent["withdrawn_at"] is None
    assert (consent["confirmed_at"], consent["confirmed_via"]) == (None, None)  # pending until the mailed link
    (submission,) = await details_of(receipt.person_id)
    assert submission["channel"] == "webbinarier"

    webinar = await forms.submit("webinar", valid("webinar", email="bo@example.se"))
    (consent,) = await Consent.select().where(Consent.person == webinar.person_id)
    assert (consent["kind"], consent["text"]) == ("webinar_information", WEBINAR_TEXT)


async def test_consent_must_be_given_and_channels_are_a_fixed_list(forms):
    with pytest.raises(Invalid) as caught:
        await forms.submit("newsletter", {"email": "a@example.se", "consent": False})
    assert "consent" in caught.value.field_errors
    with pytest.raises(Invalid) as caught:
        await forms.submit("newsletter", valid("newsletter"), channel="okand-kanal")
    assert "kanal" in caught.value.field_errors
    receipt = await forms.submit("ebook", valid("ebook") | {"newsletter_consent": False})
    assert receipt.consent_kinds == ()
    assert await Consent.count() == 0


async def test_a_later_form_fills_in_and_never_blanks_out(forms):
    first = await forms.submit("contact", valid("contact", email="Anna@Example.se"))
    second = await forms.submit("newsletter", {"email": "anna@example.se", "first_name": "Annie", "consent": True})
    assert first.person_id == second.person_id
    [person] = await Person.select().where(Person.id == first.person_id)
    assert (person["first_name"], person["last_name"], person["mobile"]) == ("Annie", "Andersson", "+46701234567")
    assert await FormSubmission.count() == 2
    # The same consent given again is not recorded twice.
    await forms.submit("newsletter", {"email": "anna@example.se", "consent": True})
    assert await Consent.count() == 1


async def test_the_person_is_linked_to_an_account_with_the_same_email(forms):
    account_id = await make_account("karin@example.se")
    receipt = await forms.submit("newsletter", {"email": "KARIN@example.se", "consent": True})
    [person] = await Person.select().where(Person.id == receipt.person_id)
    assert person["account"] == account_id
    (consent,) = await Consent.select().where(Consent.person == receipt.person_id)
    assert consent["account"] == account_id


# --- profiles ---------------------------------------------------------------------------------------------------------


UNSUBSCRIBE_COLUMN = {"apsis": "UnsubscribeLink", "mailchimp": "Unsubscribe Link"}


async def export_emails(db, kind: str = "apsis") -> tuple[list[dict], bytes]:
    """The export's rows without their unsubscribe links (test_consents.py follows those), and the file."""
    body = b"".join([chunk async for chunk in newsletter_export(db).stream(kind)])
    delimiter = ";" if kind == "apsis" else ","
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8")), delimiter=delimiter))
    for row in rows:
        assert row.pop(UNSUBSCRIBE_COLUMN[kind]).startswith("https://kurs.example.se/avsluta?token=")
    return rows, body


async def test_clause_profiles_are_built_only_from_what_the_person_gave(forms, db):
    await make_account("karin@example.se", first_name="Karin", last_name="Konto", mobile="+46731234567")
    receipt = await forms.submit("newsletter", {"email": "karin@example.se", "consent": True})
    await confirm_consents(db, "karin@example.se")
    [person] = await Person.select().where(Person.id == receipt.person_id)
    # Nothing copied from the account nor from anywhere else: only the e-mail the person typed.
    assert (person["first_name"], person["last_name"], person["mobile"], person["source"]) == (None, None, None, None)
    rows, _ = await export_emails(db)
    assert rows == [{"Email": "karin@example.se", "FirstName": "", "KurssajtenID": ref("karin@example.se")}]


async def test_clause_profiles_can_be_switched_off(forms, db):
    on = await forms.submit("newsletter", valid("newsletter", email="on@example.se"))
    off = await forms.submit("newsletter", valid("newsletter", email="off@example.se"))
    off_person = await Person.objects().get(Person.id == off.person_id)
    assert off_person is not None
    await set_profile(off_person, False)
    account_id = await make_account("konto@example.se")
    await forms.submit("newsletter", valid("newsletter", email="konto@example.se"))
    for email in ("on@example.se", "off@example.se", "konto@example.se"):
        await confirm_consents(db, email)
    await set_profile(account_id, False)  # from "Mina uppgifter": the account's switch reaches its person row
    assert (await AccountPrivacy.select().where(AccountPrivacy.account == account_id))[0]["profile_enabled"] is False
    rows, _ = await export_emails(db)
    assert [r["Email"] for r in rows] == ["on@example.se"]
    await set_profile(account_id, True)
    rows, _ = await export_emails(db)
    assert sorted(r["Email"] for r in rows) == ["konto@example.se", "on@example.se"]
    assert on.person_id != off.person_id


# --- the newsletter export --------------------------------------------------------------------------------------------


async def test_newsletter_export_holds_only_valid_unrestricted_consents_and_is_logged(forms, db, fixed_clock):
    ok = await forms.submit("newsletter", {"email": "ok@example.se", "first_name": "Olle", "consent": True})
    withdrawn = await forms.submit("newsletter", valid("newsletter", email="withdrawn@example.se"))
    restricted = await forms.submit("newsletter", valid("newsletter", email="restricted@example.se"))
    await Person.update({Person.restricted_at: NOW}).where(Person.id == restricted.person_id)
    await forms.submit("ebook", valid("ebook", email="ebook-only@example.se") | {"newsletter_consent": False})
    await forms.submit("webinar", valid("webinar", email="webinar@example.se"))  # another kind of consent
    restricted_account = await make_account("restricted-account@example.se")
    await forms.submit("newsletter", valid("newsletter", email="restricted-account@example.se"))
    await AccountPrivacy.insert(AccountPrivacy(account=restricted_account, restricted_at=NOW, updated_at=NOW))
    ebook = await forms.submit("ebook", valid("ebook", email="ebook@example.se"))  # with newsletter_consent
    account_only = await make_account("account-only@example.se", first_name="Alva")
    await Consent.insert(
        Consent(
            account=account_only,
            kind="newsletter",
            text=NEWSLETTER_TEXT,
            policy_version=POLICY_VERSION,
            channel="kurssajten",
            given_at=NOW,
            confirmed_at=NOW,
            confirmed_via="email_link",
        )
    )
    for email in ("ok", "withdrawn", "restricted", "webinar", "restricted-account", "ebook"):
        await confirm_consents(db, f"{email}@example.se")
    await Consent.update({Consent.withdrawn_at: NOW}).where(Consent.person == withdrawn.person_id)
    await forms.submit("newsletter", valid("newsletter", email="pending@example.se"))  # never confirmed

    rows, body = await export_emails(db, "apsis")
    assert body.startswith(b"Email;FirstName;KurssajtenID;UnsubscribeLink\r\n")
    assert rows == [
        {"Email": "ok@example.se", "FirstName": "Olle", "KurssajtenID": ref("ok@example.se")},
        {"Email": "ebook@example.se", "FirstName": "Anna", "KurssajtenID": ref("ebook@example.se")},
        {"Email": "account-only@example.se", "FirstName": "Alva", "KurssajtenID": ref("account-only@example.se")},
    ]
    (disclosure,) = await Disclosure.select().output(load_json=True)
    assert (disclosure["recipient"], disclosure["purpose"], disclosure["people"]) == ("Apsis", "newsletter", 3)
    assert set(disclosure["fields"]) == {
        "person.email",
        "person.first_name",
        "account.email",
        "account.first_name",
        "disclosure_subject.subject_ref",
    }
    subjects = await DisclosureSubject.select(
        DisclosureSubject.person, DisclosureSubject.account, DisclosureSubject.subject_ref
    )
    assert {(s["person"], s["account"], s["subject_ref"]) for s in subjects} == {
        (ok.person_id, None, ref("ok@example.se")),
        (ebook.person_id, None, ref("ebook@example.se")),
        (None, account_only, ref("account-only@example.se")),
    }
    assert await StaffAudit.count() == 1

    _, body = await export_emails(db, "mailchimp")
    links = {
        "ok": unsubscribe_link(person_id=ok.person_id),
        "ebook": unsubscribe_link(person_id=ebook.person_id),
        "account-only": unsubscribe_link(account_id=account_only),
    }
    assert body.decode().splitlines() == [
        '"Email Address","First Name","Kurssajten ID","Unsubscribe Link"',
        f'"ok@example.se","Olle","{ref("ok@example.se")}","{links["ok"]}"',
        f'"ebook@example.se","Anna","{ref("ebook@example.se")}","{links["ebook"]}"',
        f'"account-only@example.se","Alva","{ref("account-only@example.se")}","{links["account-only"]}"',
    ]
    recipients = sorted(r["recipient"] for r in await Disclosure.select(Disclosure.recipient))
    assert recipients == ["Apsis", "Mailchimp"]
    assert await DisclosureSubject.count() == 6


async def test_an_account_only_consent_respects_the_persons_switches(forms, db):
    account_id = await make_account("both@example.se")
    await Consent.insert(
        Consent(
            account=account_id,
            kind="newsletter",
            text=NEWSLETTER_TEXT,
            policy_version=POLICY_VERSION,
            channel="kurssajten",
            given_at=clock.now(),
            confirmed_at=clock.now(),
        )
    )
    receipt = await forms.submit("contact", valid("contact", email="both@example.se"))
    await Person.update({Person.restricted_at: clock.now()}).where(Person.id == receipt.person_id)
    rows, _ = await export_emails(db)
    assert rows == []
    assert json.loads((await Disclosure.select(Disclosure.fields))[0]["fields"]) is not None


async def test_concurrent_forms_for_one_email_make_one_person(forms):
    import asyncio

    await asyncio.gather(*(forms.submit("newsletter", valid("newsletter", email="Samma@example.se")) for _ in range(8)))
    assert await Person.count() == 1
    assert await FormSubmission.count() == 8
    assert await Consent.count() == 1
