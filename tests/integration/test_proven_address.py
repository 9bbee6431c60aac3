"""The proven address and the account's links on both engines: what an unconfirmed account may claim (privacy/linkage.py
through access, rights, forms), the confirmation and the change of address in one transaction with their token, and
the reset request that does the same work whether or not the address has an account."""

from __future__ import annotations

import pytest

from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.tokens import TokenPurpose
from coursesite.db.accounts import Account, RateLimitHit
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.db.privacy import Person
from coursesite.privacy.access import resolve_person_subject, resolve_subject
from tests.conftest import PASSWORD, TEST_SECRET, accounts
from tests.support import make_account, valid

VERA = "vera@example.se"


async def vera_writes(forms) -> int:  # the app's PublicForms: the tables are bound to the app's engine
    receipt = await forms.submit("newsletter", {"email": VERA, "consent": True})
    await forms.submit("contact", valid("contact", VERA))
    return receipt.person_id


async def test_an_unconfirmed_account_claims_nothing_until_it_confirms(services):
    forms = services.forms
    person_id = await vera_writes(forms)
    account_id = await make_account(VERA, verified=False)

    subject = await resolve_subject(account_id, login_secret=TEST_SECRET)
    assert subject.person_ids == () and subject.case_ids == () and not subject.address_proven
    assert await services.rights.consents(account_id) == []
    with pytest.raises(NotFound):
        await services.rights.withdraw_consent(account_id, "newsletter")
    export = await services.exports.export(account_id)
    rows = {table["table"]: table["rows"] for table in export["tables"]}
    assert rows["person"] == rows["form_submission"] == rows["consent"] == []
    # customer service looking Vera up by her form row finds her, not the account that claims her address
    assert (await resolve_person_subject(person_id)).account_id is None
    # a form given now is not linked to the account either
    await forms.submit("contact", valid("contact", VERA))
    assert (await Person.select(Person.account))[0]["account"] is None

    token = await services.tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=account_id, email=VERA)
    done = await services.account_mail.confirm(token)
    assert (done.account_id, done.email, done.changed_from) == (account_id, VERA, None)
    subject = await resolve_subject(account_id, login_secret=TEST_SECRET)
    assert subject.person_ids == (person_id,) and subject.address_proven
    assert [c.kind for c in await services.rights.consents(account_id)] == ["newsletter"]
    assert (await Person.select(Person.account))[0]["account"] == account_id
    with pytest.raises(Invalid):
        await services.account_mail.confirm(token)  # single use


async def test_a_confirmation_for_an_address_the_account_no_longer_has_is_refused(services):
    account_id = await make_account("maja@example.se", verified=False)
    token = await services.tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=account_id, email="maja@example.se")
    await Account.update({Account.email: "maja.ny@example.se"}).where(Account.id == account_id)
    with pytest.raises(Invalid):
        await services.account_mail.confirm(token)
    assert (await Account.select(Account.email_verified_at))[0]["email_verified_at"] is None


async def test_a_change_refused_at_confirmation_leaves_the_link_unused(services):
    account_id = await make_account("maja@example.se")
    pending = await services.account_mail.request_email_change(account_id, "bo@example.se", "192.0.2.1")
    assert pending == "bo@example.se" == await services.account_mail.pending_email(account_id)
    [grant] = await services.tokens.outstanding(TokenPurpose.VERIFY_EMAIL, account_id=account_id)
    assert grant.payload == {"new_email": "bo@example.se"}
    message = (await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.body_text))[0]
    token = message["body_text"].split("token=")[1].split()[0]
    await make_account("bo@example.se")  # someone else took the address meanwhile
    with pytest.raises(Conflict):
        await services.account_mail.confirm(token)
    # the transaction rolled back: the token is still usable, the address unchanged, no notice queued
    assert await services.tokens.peek(TokenPurpose.VERIFY_EMAIL, token) is not None
    assert (await Account.select(Account.email).where(Account.id == account_id))[0]["email"] == "maja@example.se"
    assert await OutboxMessage.count() == 1


async def test_a_reset_request_does_the_same_work_and_sends_only_to_an_account(services):
    anna = await accounts.register(email="anna@example.se", password=PASSWORD, first_name="Anna", last_name="Ek")
    await services.account_mail.request_password_reset("ingen@example.se", "192.0.2.1")
    assert await OutboxMessage.count() == 0 and await OneTimeToken.count() == 0
    for _ in range(4):
        await services.account_mail.request_password_reset("Anna@Example.se", "192.0.2.1")
    # three per recipient and hour; each new link revokes the older ones, a dropped request does not
    assert await OutboxMessage.count().where(OutboxMessage.template == "password_reset") == 3
    assert len(await services.tokens.outstanding(TokenPurpose.PASSWORD_RESET, account_id=anna.account_id)) == 1
    keys = [row["key_hash"] for row in await RateLimitHit.select(RateLimitHit.key_hash)]
    assert keys and not any("anna" in key or "192.0.2" in key for key in keys)  # keyed hashes only


async def test_a_reset_uses_its_link_in_the_password_transaction_and_proves_the_address(services):
    account_id = await make_account("anna@example.se", verified=False)
    await services.account_mail.request_password_reset("anna@example.se", "192.0.2.1")
    body = (await OutboxMessage.select(OutboxMessage.body_text))[0]["body_text"]
    token = body.split("token=")[1].split()[0]
    with pytest.raises(Invalid) as refused:
        await services.account_mail.reset_password(token, "password12")
    assert set(refused.value.field_errors) == {"password"}
    assert await services.account_mail.reset_target(token)  # the refused password left the link usable
    assert await services.account_mail.reset_password(token, "blå-cykel-sju-moln") == account_id
    assert not await services.account_mail.reset_target(token)
    assert (await Account.select(Account.email_verified_at))[0]["email_verified_at"] is not None
    with pytest.raises(Invalid):
        await services.account_mail.reset_password(token, "ännu-ett-nytt-lösen")
