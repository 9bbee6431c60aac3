"""TokenService on both engines: single use, expiry, purpose, atomic consumption, the caller's transaction."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from coursesite.accounts.tokens import TokenService
from coursesite.core import tokens as rules
from coursesite.core.tokens import TokenPurpose
from coursesite.db.engine import write_transaction
from coursesite.db.mail import OneTimeToken
from tests.conftest import TEST_SECRET
from tests.support import make_account


@pytest.fixture
def tokens(db) -> TokenService:
    return TokenService(db, secret=TEST_SECRET)


async def test_a_token_is_used_once_and_only_its_hash_is_stored(tokens):
    account_id = await make_account("anna@example.se")
    token = await tokens.issue(
        TokenPurpose.VERIFY_EMAIL, account_id=account_id, email="anna@example.se", payload={"step": 1}
    )
    stored = await OneTimeToken.select(OneTimeToken.token_hash)
    assert [row["token_hash"] for row in stored] == [rules.token_hash(token)]
    grant = await tokens.consume(TokenPurpose.VERIFY_EMAIL, token)
    assert (grant.account_id, grant.email, grant.payload) == (account_id, "anna@example.se", {"step": 1})
    assert await tokens.consume(TokenPurpose.VERIFY_EMAIL, token) is None  # used


async def test_peek_does_not_use_the_token(tokens):
    token = await tokens.issue(TokenPurpose.PASSWORD_RESET, email="anna@example.se")
    assert (await tokens.peek("password_reset", token)).email == "anna@example.se"
    assert (await tokens.peek("password_reset", token)).email == "anna@example.se"
    assert await tokens.consume("password_reset", token) is not None
    assert await tokens.peek("password_reset", token) is None


async def test_a_token_expires_after_its_purposes_lifetime(tokens, frozen):
    token = await tokens.issue(TokenPurpose.PASSWORD_RESET, email="anna@example.se")
    frozen["now"] += timedelta(minutes=59)
    assert await tokens.peek(TokenPurpose.PASSWORD_RESET, token) is not None
    frozen["now"] += timedelta(minutes=1)  # exactly an hour: expired
    assert await tokens.peek(TokenPurpose.PASSWORD_RESET, token) is None
    assert await tokens.consume(TokenPurpose.PASSWORD_RESET, token) is None


async def test_a_token_works_only_for_its_purpose(tokens):
    token = await tokens.issue(TokenPurpose.VERIFY_EMAIL, email="anna@example.se")
    assert await tokens.consume(TokenPurpose.PASSWORD_RESET, token) is None
    assert await tokens.consume(TokenPurpose.VERIFY_EMAIL, token) is not None


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 500, None, 7])
async def test_unknown_or_malformed_tokens_are_refused(tokens, token):
    assert await tokens.consume(TokenPurpose.VERIFY_EMAIL, token) is None
    assert await tokens.peek(TokenPurpose.VERIFY_EMAIL, token) is None


async def test_of_concurrent_uses_exactly_one_wins(tokens):
    token = await tokens.issue(TokenPurpose.REQUEST_CONFIRM, email="anna@example.se")
    results = await asyncio.gather(*(tokens.consume(TokenPurpose.REQUEST_CONFIRM, token) for _ in range(6)))
    assert sum(result is not None for result in results) == 1


async def test_of_concurrent_uses_in_write_transactions_exactly_one_wins(db, tokens):
    token = await tokens.issue(TokenPurpose.CONSENT_CONFIRM, email="anna@example.se")

    async def use():
        async with write_transaction(db):
            return await tokens.consume(TokenPurpose.CONSENT_CONFIRM, token)

    results = await asyncio.gather(*(use() for _ in range(4)))
    assert sum(result is not None for result in results) == 1


async def test_a_rolled_back_transaction_leaves_no_token_and_unuses_a_consumed_one(db, tokens):
    with pytest.raises(RuntimeError):
        async with write_transaction(db):
            await tokens.issue(TokenPurpose.VERIFY_EMAIL, email="anna@example.se")
            raise RuntimeError("the change failed")
    assert await OneTimeToken.count() == 0

    token = await tokens.issue(TokenPurpose.VERIFY_EMAIL, email="anna@example.se")
    with pytest.raises(RuntimeError):
        async with write_transaction(db):
            assert await tokens.consume(TokenPurpose.VERIFY_EMAIL, token) is not None
            raise RuntimeError("the action failed")
    assert await tokens.consume(TokenPurpose.VERIFY_EMAIL, token) is not None  # still usable


async def test_revoke_spends_the_outstanding_tokens_of_one_account(tokens):
    anna = await make_account("anna@example.se")
    bo = await make_account("bo@example.se")
    old = [await tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=anna) for _ in range(2)]
    other = await tokens.issue(TokenPurpose.PASSWORD_RESET, account_id=anna)
    bos = await tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=bo)
    assert await tokens.revoke(TokenPurpose.VERIFY_EMAIL, account_id=anna) == 2
    assert [await tokens.peek(TokenPurpose.VERIFY_EMAIL, token) for token in old] == [None, None]
    assert await tokens.peek(TokenPurpose.PASSWORD_RESET, other) is not None
    assert await tokens.peek(TokenPurpose.VERIFY_EMAIL, bos) is not None


async def test_a_payload_is_small(tokens):
    with pytest.raises(ValueError, match="payload"):
        await tokens.issue(TokenPurpose.EXPORT_DOWNLOAD, payload={"x": "y" * 3000})


async def test_unsubscribe_tokens_are_signed_not_stored(tokens):
    token = tokens.unsubscribe_token(rules.person_subject(42))
    assert tokens.read_unsubscribe(token) == "p:42"
    assert tokens.read_unsubscribe(token[:-1]) is None
    assert await OneTimeToken.count() == 0
    with pytest.raises(ValueError):
        await tokens.issue(TokenPurpose.UNSUBSCRIBE, account_id=None)
