"""TokenService: single-use link tokens, stored as hashes (the pure rules are core/tokens.py).

Usage, inside the caller's transaction so that the token and the message carrying it commit together::

    async with write_transaction(engine):
        token = await tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=account.id, email=account.email)
        await outbox.queue(Mail(to=account.email, template="verify_email", context={"token": token}))

and on the confirming POST::

    grant = await tokens.consume(TokenPurpose.VERIFY_EMAIL, token)   # None: unknown, used, expired, other purpose
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from coursesite.core import clock
from coursesite.core import tokens as rules
from coursesite.core.tokens import TokenPurpose
from coursesite.db.mail import OneTimeToken

MAX_PAYLOAD_CHARS = 2000  # a token carries ids and a value or two, never a document


@dataclass(frozen=True)
class TokenGrant:
    """What a valid token was issued for."""

    purpose: TokenPurpose
    account_id: int | None
    email: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


class TokenService:
    """Issues and redeems one-time tokens. Stored purposes are single use; UNSUBSCRIBE is signed (never stored)."""

    def __init__(self, engine: Engine, *, secret: str) -> None:
        self.engine = engine
        self._secret = secret

    async def issue(
        self,
        purpose: TokenPurpose | str,
        *,
        account_id: int | None = None,
        email: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> str:
        """A new token for `purpose`, valid for its lifetime (core/tokens.py: LIFETIMES). Runs in the caller's open
        transaction when there is one (a rolled-back change leaves no token). Returns the token itself, which is
        never stored: put it in the link and forget it."""
        purpose = TokenPurpose(purpose)
        rules.lifetime(purpose)  # refuses the signed purposes
        text = json.dumps(payload or {}, ensure_ascii=False, sort_keys=True)
        if len(text) > MAX_PAYLOAD_CHARS:
            raise ValueError(f"a token's payload is at most {MAX_PAYLOAD_CHARS} characters of JSON")
        token = rules.new_token()
        now = clock.now()
        await OneTimeToken.insert(
            OneTimeToken(
                token_hash=rules.token_hash(token),
                purpose=purpose.value,
                account=account_id,
                email=email,
                payload=text,
                created_at=now,
                expires_at=rules.expires_at(purpose, now),
            )
        )
        return token

    async def consume(self, purpose: TokenPurpose | str, token: object) -> TokenGrant | None:
        """Use the token: the grant it was issued with, or None for a token that is unknown, used, expired or of
        another purpose. Atomic: of two concurrent calls with the same token exactly one gets the grant (one
        UPDATE … WHERE used_at IS NULL … RETURNING). Call it in the transaction that carries out the action, so that
        a failed action leaves the token unused."""
        purpose = TokenPurpose(purpose)
        if not rules.looks_like_token(token):
            return None
        assert isinstance(token, str)
        now = clock.now()
        rows = (
            await OneTimeToken.update({OneTimeToken.used_at: now})
            .where(
                (OneTimeToken.token_hash == rules.token_hash(token))
                & (OneTimeToken.purpose == purpose.value)
                & OneTimeToken.used_at.is_null()
                & (OneTimeToken.expires_at > now)
            )
            .returning(OneTimeToken.account, OneTimeToken.email, OneTimeToken.payload, OneTimeToken.expires_at)
        )
        return _grant(purpose, rows[0]) if rows else None

    async def peek(self, purpose: TokenPurpose | str, token: object) -> TokenGrant | None:
        """The grant of a usable token without using it, for the page a link opens (the page's button POSTs, and
        the POST consumes). None when consume would refuse it."""
        purpose = TokenPurpose(purpose)
        if not rules.looks_like_token(token):
            return None
        assert isinstance(token, str)
        rows = await OneTimeToken.select(
            OneTimeToken.account, OneTimeToken.email, OneTimeToken.payload, OneTimeToken.expires_at
        ).where(
            (OneTimeToken.token_hash == rules.token_hash(token))
            & (OneTimeToken.purpose == purpose.value)
            & OneTimeToken.used_at.is_null()
            & (OneTimeToken.expires_at > clock.now())
        )
        return _grant(purpose, rows[0]) if rows else None

    async def outstanding(self, purpose: TokenPurpose | str, *, account_id: int) -> list[TokenGrant]:
        """The account's usable tokens of `purpose`, the newest first (e-mail change: the address that waits for its
        confirmation)."""
        purpose = TokenPurpose(purpose)
        rows = (
            await OneTimeToken.select(
                OneTimeToken.account, OneTimeToken.email, OneTimeToken.payload, OneTimeToken.expires_at
            )
            .where(
                (OneTimeToken.account == account_id)
                & (OneTimeToken.purpose == purpose.value)
                & OneTimeToken.used_at.is_null()
                & (OneTimeToken.expires_at > clock.now())
            )
            .order_by(OneTimeToken.id, ascending=False)
        )
        return [_grant(purpose, row) for row in rows]

    async def revoke(
        self, purpose: TokenPurpose | str, *, account_id: int | None = None, email: str | None = None
    ) -> int:
        """Mark every unused token of `purpose` for the account (or the address) used, e.g. when a new link
        replaces the old ones or a password reset succeeded. Returns how many were revoked."""
        purpose = TokenPurpose(purpose)
        if account_id is None and email is None:
            raise ValueError("revoke needs an account_id or an email")
        condition = (OneTimeToken.purpose == purpose.value) & OneTimeToken.used_at.is_null()
        if account_id is not None:
            condition &= OneTimeToken.account == account_id
        if email is not None:
            condition &= OneTimeToken.email == email
        rows = (
            await OneTimeToken.update({OneTimeToken.used_at: clock.now()}).where(condition).returning(OneTimeToken.id)
        )
        return len(rows)

    # Signed, non-expiring tokens (core/tokens.py).

    def unsubscribe_token(self, subject: str) -> str:
        """The token of an unsubscribe link for `subject` (core.tokens.account_subject / person_subject)."""
        return rules.sign(self._secret, TokenPurpose.UNSUBSCRIBE, subject)

    def read_unsubscribe(self, token: object) -> str | None:
        """The subject of a genuine unsubscribe token; None for anything else."""
        return rules.unsign(self._secret, TokenPurpose.UNSUBSCRIBE, token)


def _grant(purpose: TokenPurpose, row: dict[str, Any]) -> TokenGrant:
    payload = row["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload or "{}")
    return TokenGrant(
        purpose=purpose,
        account_id=row["account"],
        email=row["email"],
        payload=payload,
        expires_at=row["expires_at"],
    )
