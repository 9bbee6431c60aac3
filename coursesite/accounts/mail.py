"""The account's messages (issue 11 §2, §3): the address confirmation, a change of address, the password reset and
the security notices. Each message is queued in the outbox in the transaction of the change it belongs to
(docs/mail.md); each link is a one-time token (accounts/tokens.py).

- Registration queues ``verify_email`` (a hook of AccountService.register); staff accounts count as confirmed.
- :meth:`AccountMail.confirm` uses a ``verify_email`` token: it proves the address (privacy/linkage.py: from then on
  the form rows, cases and consents under it are the account's), or, with ``new_email`` in its payload, makes a
  change of address take effect (the other sessions end, the old address is told).
- :meth:`AccountMail.request_password_reset` answers the same whether or not the address has an account, and does
  the same work either way (a render, a revoke, the limits); :meth:`AccountMail.reset_password` goes through
  AccountService.set_password (every session ends, the failed logins are forgotten, the notice is queued).
- Notices: password changed (a change or a reset), e-mail changed (to the old address), a login from a browser without
  the account's device cookie (not the first login after registration).

Every sending endpoint is rate limited per client and per recipient (accounts/limits.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.limits import (
    CONFIRMATION_PER_CLIENT,
    CONFIRMATION_PER_RECIPIENT,
    RESET_PER_CLIENT,
    RESET_PER_RECIPIENT,
)
from coursesite.accounts.proof import address_proven
from coursesite.accounts.service import AccountService, Principal
from coursesite.accounts.tokens import TokenService
from coursesite.accounts.validation import normalise_email
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound, RateLimited
from coursesite.core.formatting import format_datetime_long
from coursesite.core.tokens import TokenPurpose, new_token
from coursesite.db.accounts import Account
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.mail.message import Mail
from coursesite.mail.outbox import MailOutbox
from coursesite.privacy.linkage import link_proven_rows
from coursesite.privacy.rights import RightsService

CONFIRM_PATH = "/bekrafta-epost"
RESET_PATH = "/nytt-losenord"
BAD_LINK = "Länken går inte att använda: den är okänd, redan använd eller för gammal. Be om en ny länk."
BAD_ADDRESS_FIELD = "Ange en giltig e-postadress, till exempel namn@exempel.se."


@dataclass(frozen=True)
class Confirmed:
    account_id: int
    email: str  # the address now proven
    changed_from: str | None = None  # a change of address took effect: the old one


def _bad_link() -> Invalid:
    return Invalid(BAD_LINK, field_errors={"token": BAD_LINK})


def _address(value: str | None) -> str:
    try:
        return normalise_email((value or "")[:300])
    except ValueError as exc:
        raise Invalid(str(exc), field_errors={"email": str(exc)}) from None


class AccountMail:
    """Built once in create_app; registers its hooks on the account service (registration, password changed, new
    browser), so that every caller of those (the pages, the API) sends the same messages."""

    def __init__(
        self, engine: Engine, accounts: AccountService, tokens: TokenService, outbox: MailOutbox, rights: RightsService
    ) -> None:
        self.engine = engine
        self.accounts = accounts
        self.tokens = tokens
        self.outbox = outbox
        self.rights = rights
        self.limiter = accounts.limiter
        accounts.on_registered(self._registered)
        accounts.on_password_changed(self._password_changed)
        accounts.on_new_browser(self._new_browser)

    # -- the address confirmation -----------------------------------------------------------------------------------

    async def _queue_confirmation(self, account_id: int, email: str, first_name: str) -> None:
        token = await self.tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=account_id, email=email)
        await self.outbox.queue(
            Mail(
                to=email,
                template="verify_email",
                context={"first_name": first_name, "link": self.outbox.link(f"{CONFIRM_PATH}?token={token}")},
                account_id=account_id,
            )
        )

    async def _registered(self, principal: Principal) -> None:
        if not principal.email_verified:  # a staff account is confirmed by the operator who made it
            await self._queue_confirmation(principal.account_id, principal.email, principal.first_name)

    async def _account(self, account_id: int) -> dict[str, Any]:
        rows = await Account.select(Account.email, Account.first_name, Account.role, Account.email_verified_at).where(
            Account.id == account_id
        )
        if not rows:
            raise NotFound("Kontot finns inte.")
        return rows[0]

    async def resend_confirmation(self, account_id: int, client_address: str) -> bool:
        """A new confirmation link ("Skicka en ny länk"); the older ones stop working. False when the address is
        already confirmed (nothing sent). RateLimited per client and per recipient."""
        account = await self._account(account_id)
        if address_proven(account["role"], account["email_verified_at"]):
            return False
        await self.limiter.hit(CONFIRMATION_PER_CLIENT, client_address)
        await self.limiter.hit(CONFIRMATION_PER_RECIPIENT, account["email"])
        async with write_transaction(self.engine):
            await self.tokens.revoke(TokenPurpose.VERIFY_EMAIL, account_id=account_id, email=account["email"])
            await self._queue_confirmation(account_id, account["email"], account["first_name"])
        return True

    async def link_target(self, token: object) -> str | None:
        """For the page a confirmation link opens (which never confirms: a mail scanner follows links): the address
        the link would confirm, or None when it cannot be used."""
        grant = await self.tokens.peek(TokenPurpose.VERIFY_EMAIL, token)
        return grant.email if grant is not None else None

    async def confirm(
        self, token: object, *, session_account_id: int | None = None, session_token: str | None = None
    ) -> Confirmed:
        """Use a confirmation link (the POST behind the page's button, or the API). Invalid (400) for a token that
        is unknown, used, expired, or for an address the account no longer has. ``session_*``: the confirming
        request's own login, kept when it is this account's (every other session ends on a change of address)."""
        async with write_transaction(self.engine):
            grant = await self.tokens.consume(TokenPurpose.VERIFY_EMAIL, token)
            if grant is None or grant.account_id is None or grant.email is None:
                raise _bad_link()
            account_id = grant.account_id
            await lock_account_rows(self.engine, account_id)
            account = await self._account(account_id)
            now = clock.now()
            new = grant.payload.get("new_email")
            if new:
                if new != grant.email:
                    raise _bad_link()
                keep = session_token if session_account_id == account_id else None
                old, _ = await self.rights.apply_confirmed_email(account_id, new, keep_session=keep, now=now)
                await self.tokens.revoke(TokenPurpose.VERIFY_EMAIL, account_id=account_id)  # older links: moot now
                await self.outbox.queue(
                    Mail(
                        to=old,
                        template="email_changed",
                        context={"when": format_datetime_long(now), "reset_link": self.outbox.link("/glomt-losenord")},
                        account_id=account_id,
                    )
                )
                return Confirmed(account_id, new, old)
            if grant.email != account["email"]:
                raise _bad_link()  # the address changed since the link was sent
            if account["email_verified_at"] is None:
                await Account.update({Account.email_verified_at: now}).where(Account.id == account_id)
                await link_proven_rows(account_id, account["email"], now)
            return Confirmed(account_id, account["email"])

    # -- a change of address ------------------------------------------------------------------------------------------

    async def pending_email(self, account_id: int) -> str | None:
        """The new address that waits for its confirmation, if any (the newest)."""
        for grant in await self.tokens.outstanding(TokenPurpose.VERIFY_EMAIL, account_id=account_id):
            if grant.payload.get("new_email"):
                return str(grant.payload["new_email"])
        return None

    async def request_email_change(self, account_id: int, new_email: str | None, client_address: str) -> str | None:
        """The person asks for a new login address (the caller asked for the password first). Nothing changes yet:
        a link goes to the new address, and the change takes effect when it is used (:meth:`confirm`). Returns the
        address that waits, or None when it is the current one. Invalid for a bad address, Conflict when another
        account has it, RateLimited per client and per recipient."""
        new = _address(new_email)
        account = await self._account(account_id)
        if new == account["email"]:
            return None
        if await Account.exists().where((Account.email == new) & (Account.id != account_id)):
            raise Conflict(
                "Det finns redan ett konto med den e-postadressen.",
                field_errors={"email": "E-postadressen används redan."},
            )
        await self.limiter.hit(CONFIRMATION_PER_CLIENT, client_address)
        await self.limiter.hit(CONFIRMATION_PER_RECIPIENT, new)
        async with write_transaction(self.engine):
            for grant in await self.tokens.outstanding(TokenPurpose.VERIFY_EMAIL, account_id=account_id):
                if grant.payload.get("new_email"):  # one change waits at a time: the newest
                    await self.tokens.revoke(TokenPurpose.VERIFY_EMAIL, account_id=account_id, email=grant.email)
            token = await self.tokens.issue(
                TokenPurpose.VERIFY_EMAIL, account_id=account_id, email=new, payload={"new_email": new}
            )
            await self.outbox.queue(
                Mail(
                    to=new,
                    template="confirm_new_email",
                    context={
                        "first_name": account["first_name"],
                        "link": self.outbox.link(f"{CONFIRM_PATH}?token={token}"),
                    },
                    account_id=account_id,
                )
            )
        return new

    # -- the password reset -------------------------------------------------------------------------------------------

    async def request_password_reset(self, email: str | None, client_address: str) -> None:
        """ "Glömt lösenordet?": a reset link to the address when it has an account. The caller answers 202 either
        way; this does the same work either way (the limits, a revoke, a rendered message, in one transaction) and
        never says whether the address has an account. Too many requests for one address are dropped silently (a
        429 would say nothing about an account either, but the limit's job is to stop mail, not to talk); too many
        from one client are RateLimited. Invalid only for something that is not an address."""
        await self.limiter.hit(RESET_PER_CLIENT, client_address)
        address = _address(email)
        async with write_transaction(self.engine):
            try:
                await self.limiter.hit(RESET_PER_RECIPIENT, address)
                allowed = True
            except RateLimited:
                allowed = False
            rows = await Account.select(Account.id).where(Account.email == address)
            # The older links of the address go, unless this request is dropped: then the same query matches nothing
            # (a flood of requests must not take away the link the owner already has).
            await self.tokens.revoke(TokenPurpose.PASSWORD_RESET, email=address if allowed else "")
            account_id = rows[0]["id"] if rows and allowed else None
            token = (
                await self.tokens.issue(TokenPurpose.PASSWORD_RESET, account_id=account_id, email=address)
                if account_id is not None
                else new_token()
            )
            mail = Mail(
                to=address,
                template="password_reset",
                context={"link": self.outbox.link(f"{RESET_PATH}?token={token}")},
                account_id=account_id,
            )
            if account_id is not None:
                await self.outbox.queue(mail)
            else:
                self.outbox.composer.compose(mail)  # the same rendering, nothing stored or sent

    async def reset_target(self, token: object) -> bool:
        """Whether a reset link can be used (the page shows the form, or says to ask for a new link)."""
        return await self.tokens.peek(TokenPurpose.PASSWORD_RESET, token) is not None

    async def reset_password(self, token: object, password: str) -> int:
        """A new password through a reset link: the one rule (Invalid on ``password``), every session ends, the failed
        logins are forgotten, the notice is queued, all with the token used up in one transaction. The link proved
        the address, so an unconfirmed one is confirmed too. Invalid (on ``token``) for a bad link. Returns the
        account id."""
        grant = await self.tokens.peek(TokenPurpose.PASSWORD_RESET, token)
        if grant is None or grant.account_id is None:
            raise _bad_link()
        account_id = grant.account_id

        async def use_the_link() -> None:
            used = await self.tokens.consume(TokenPurpose.PASSWORD_RESET, token)
            if used is None or used.account_id != account_id:
                raise _bad_link()
            await self.tokens.revoke(TokenPurpose.PASSWORD_RESET, account_id=account_id)
            account = await self._account(account_id)
            if account["email"] == used.email and account["email_verified_at"] is None:
                now = clock.now()
                await Account.update({Account.email_verified_at: now}).where(Account.id == account_id)
                await link_proven_rows(account_id, account["email"], now)

        await self.accounts.set_password(account_id, password, field="password", first=use_the_link)
        return account_id

    # -- security notices (hooks, inside the change's transaction) ---------------------------------------------------

    async def _password_changed(self, account_id: int, now: datetime) -> None:
        account = await self._account(account_id)
        await self.outbox.queue(
            Mail(
                to=account["email"],
                template="password_changed",
                context={"when": format_datetime_long(now), "reset_link": self.outbox.link("/glomt-losenord")},
                account_id=account_id,
            )
        )

    async def _new_browser(self, account_id: int, label: str | None, now: datetime) -> None:
        account = await self._account(account_id)
        await self.outbox.queue(
            Mail(
                to=account["email"],
                template="new_browser_login",
                context={
                    "when": format_datetime_long(now),
                    "browser": label or "en webbläsare vi inte känner igen",
                    "reset_link": self.outbox.link("/glomt-losenord"),
                },
                account_id=account_id,
            )
        )
