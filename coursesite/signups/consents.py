"""Consent that can be proven and withdrawn by anyone (issue 11 §5): the double opt-in and the one-click unsubscribe.
The pure rules are in signups/double_opt_in.py.

- **Double opt-in.** A consent given through a public form is recorded pending (``confirmed_at`` NULL), and
  :meth:`ConsentService.request_confirmation` queues, in the form's own transaction, a transactional mail to the
  address with ``{COURSESITE_PUBLIC_URL}/bekrafta-samtycke?token=…`` (a ``consent_confirm`` token: single use, 7 days,
  naming the consents it confirms). :meth:`confirm` uses the token and records ``confirmed_at`` and
  ``confirmed_via = email_link``. Until then the consent does not count anywhere. The mails are rate limited per
  client and per recipient (no mail bombing through the forms).
- **One-click unsubscribe.** :meth:`unsubscribe_url` is the signed, non-expiring link for a person or an account;
  :meth:`unsubscribe` withdraws that person's newsletter consents at once (``withdrawn_via = link``), pending ones
  too, and queues the art. 19 notices to every processor that received the person in an export. Idempotent: a second
  use changes nothing and queues nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.limits import Limit, RateLimiter
from coursesite.accounts.tokens import TokenService
from coursesite.core import clock
from coursesite.core.errors import Invalid, RateLimited
from coursesite.core.tokens import LIFETIMES, TokenPurpose, account_subject, person_subject
from coursesite.db.accounts import Account
from coursesite.db.engine import write_transaction
from coursesite.db.privacy import Consent, Person
from coursesite.mail.message import Mail
from coursesite.mail.outbox import MailOutbox
from coursesite.signups.double_opt_in import CONFIRM_PATH, UNSUBSCRIBE_PATH, WITHDRAWN_VIA_LINK, ConfirmedVia
from coursesite.signups.processors import NEWSLETTER_CONSENT, queue, received_by_processors, subject_link

__all__ = ["CONFIRM_PER_CLIENT", "CONFIRM_PER_RECIPIENT", "ConsentService", "PendingConsent"]

MAX_CONSENTS_PER_TOKEN = 20  # a form gives one or two; the payload stays small

# A form that needs a confirmation mail: at most this many per client address and per recipient address.
CONFIRM_PER_CLIENT = Limit(
    "consent-confirm-client",
    20,
    3600,
    "Många formulär har skickats härifrån på kort tid.",
)
CONFIRM_PER_RECIPIENT = Limit(
    "consent-confirm-recipient",
    5,
    86400,
    "Vi har redan skickat flera bekräftelser till den här e-postadressen i dag.",
    per_client=False,
)

MSG_BAD_CONFIRM = (
    "Länken går inte att använda: den är fel, redan använd eller för gammal (den gäller i 7 dagar). "
    "Fyll i formuläret igen så skickar vi en ny."
)
MSG_BAD_UNSUBSCRIBE = "Länken går inte att använda. Kopiera hela länken från e-postmeddelandet och försök igen."


@dataclass(frozen=True)
class PendingConsent:
    """A consent waiting for its confirmation, as the confirmation page shows it."""

    kind: str
    text: str
    given_at: datetime


class ConsentService:
    """Double opt-in and the unsubscribe link. Built once in create_app (Services.consents)."""

    def __init__(
        self,
        engine: Engine,
        *,
        tokens: TokenService,
        outbox: MailOutbox,
        limiter: RateLimiter,
        per_client: Limit = CONFIRM_PER_CLIENT,
        per_recipient: Limit = CONFIRM_PER_RECIPIENT,
    ) -> None:
        self.engine = engine
        self.tokens = tokens
        self.outbox = outbox
        self.limiter = limiter
        self.per_client = per_client
        self.per_recipient = per_recipient

    # -- double opt-in

    async def request_confirmation(
        self,
        *,
        email: str,
        first_name: str | None,
        consent_ids: Sequence[int],
        account_id: int | None,
        client_address: str | None,
    ) -> bool:
        """Queue the confirmation mail for pending consents, inside the caller's open transaction (the form's): a
        rolled-back form sends nothing. Returns whether a mail was queued.

        RateLimited (429) when the client sent too many: the caller's transaction rolls back, nothing of the form is
        kept. When the *address* had too many mails today, the form is kept and no mail goes: the person has the
        earlier ones (their links stay valid and name the same pending consent), and someone typing another's address
        over and over can neither flood the inbox nor stop the owner from registering."""
        if not consent_ids:
            return False
        if client_address:
            await self.limiter.hit(self.per_client, client_address)
        try:
            await self.limiter.hit(self.per_recipient, email)
        except RateLimited:
            return False
        rows = await Consent.select(Consent.text).where(Consent.id.is_in(list(consent_ids))).order_by(Consent.id)
        token = await self.tokens.issue(
            TokenPurpose.CONSENT_CONFIRM,
            account_id=account_id,
            email=email,
            payload={"consents": list(consent_ids)[:MAX_CONSENTS_PER_TOKEN]},
        )
        await self.outbox.queue(
            Mail(
                to=email,
                template="consent_confirm",
                context={
                    "first_name": first_name or "",
                    "texts": [row["text"] for row in rows],
                    "link": self.outbox.link(f"{CONFIRM_PATH}?token={token}"),
                    "days": LIFETIMES[TokenPurpose.CONSENT_CONFIRM].days,
                },
                account_id=account_id,
            )
        )
        return True

    async def pending(self, token: object) -> list[PendingConsent] | None:
        """What a confirmation link would confirm, for its page (the token is not used): None when the link cannot
        be used (unknown, used, expired, or nothing left to confirm)."""
        grant = await self.tokens.peek(TokenPurpose.CONSENT_CONFIRM, token)
        if grant is None:
            return None
        rows = await Consent.select(Consent.kind, Consent.text, Consent.given_at).where(_pending(_ids(grant.payload)))
        return [PendingConsent(r["kind"], r["text"], r["given_at"]) for r in rows] or None

    async def confirm(self, token: object) -> int:
        """Confirm the consents a link names: ``confirmed_at`` now, ``confirmed_via = email_link``. Returns how many.
        Invalid (400) for a token that is unknown, used or expired, or whose consents are gone (withdrawn or erased
        before the click); the token is then left as it was."""
        now = clock.now()
        async with write_transaction(self.engine):
            grant = await self.tokens.consume(TokenPurpose.CONSENT_CONFIRM, token)
            if grant is None:
                raise Invalid(MSG_BAD_CONFIRM, field_errors={"token": MSG_BAD_CONFIRM})
            confirmed = (
                await Consent.update({Consent.confirmed_at: now, Consent.confirmed_via: ConfirmedVia.EMAIL_LINK.value})
                .where(_pending(_ids(grant.payload)))
                .returning(Consent.id)
            )
            if not confirmed:
                raise Invalid(MSG_BAD_CONFIRM, field_errors={"token": MSG_BAD_CONFIRM})
        return len(confirmed)

    # -- the unsubscribe link

    def unsubscribe_url(self, *, person_id: int | None = None, account_id: int | None = None) -> str:
        """The one-click unsubscribe link for a form person (preferred) or an account: for a marketing message's
        ``Mail(unsubscribe_url=…)`` and the newsletter export's column."""
        if person_id is not None:
            subject = person_subject(person_id)
        elif account_id is not None:
            subject = account_subject(account_id)
        else:
            raise ValueError("unsubscribe_url needs a person_id or an account_id")
        return self.outbox.link(f"{UNSUBSCRIBE_PATH}?token={self.tokens.unsubscribe_token(subject)}")

    def check_unsubscribe(self, token: object) -> bool:
        """Whether an unsubscribe token is genuine (for the page; nothing is looked up)."""
        return self.tokens.read_unsubscribe(token) is not None

    async def unsubscribe(self, token: object) -> int:
        """Withdraw the newsletter consents of the person the link was made for, at once (pending ones too), with
        ``withdrawn_via = link``, and queue the withdrawal notices to the processors that received them. Returns how
        many consents were withdrawn: 0 when none was left (a second click, or a person since erased). Invalid (400)
        for a link that is not ours."""
        subject = self.tokens.read_unsubscribe(token)
        if subject is None:
            raise Invalid(MSG_BAD_UNSUBSCRIBE, field_errors={"token": MSG_BAD_UNSUBSCRIBE})
        kind, _, number = subject.partition(":")
        now = clock.now()
        async with write_transaction(self.engine):
            people, accounts = await _same_person(int(number), is_account=kind == "a")
            if not people and not accounts:
                return 0
            withdrawn = (
                await Consent.update({Consent.withdrawn_at: now, Consent.withdrawn_via: WITHDRAWN_VIA_LINK})
                .where((Consent.kind == NEWSLETTER_CONSENT) & Consent.withdrawn_at.is_null() & _owned(people, accounts))
                .returning(Consent.id)
            )
            if withdrawn:
                account_id = min(accounts) if accounts else None
                received = await received_by_processors(subject_link(account_id, sorted(people)))
                if received:
                    await queue(
                        "withdrawal",
                        received,
                        now=now,
                        account_id=account_id,
                        person_id=min(people) if people else None,
                    )
        return len(withdrawn)


def _ids(payload: dict[str, Any]) -> list[int]:
    raw = payload.get("consents")
    if not isinstance(raw, list):
        return []
    return [int(value) for value in raw[:MAX_CONSENTS_PER_TOKEN] if isinstance(value, int)]


def _pending(ids: list[int]) -> Any:
    return Consent.id.is_in(ids or [0]) & Consent.confirmed_at.is_null() & Consent.withdrawn_at.is_null()


def _owned(people: Iterable[int], accounts: Iterable[int]) -> Any:
    people, accounts = sorted(people), sorted(accounts)
    condition: Any = Consent.person.is_in(people) if people else None
    if accounts:
        by_account = Consent.account.is_in(accounts)
        condition = by_account if condition is None else condition | by_account
    return condition if condition is not None else Consent.id.is_null()


async def _same_person(number: int, *, is_account: bool) -> tuple[set[int], set[int]]:
    """The form persons and accounts that are one person with the link's subject: the row itself, its account or
    the account with its e-mail, and that account's form persons (as on Mina uppgifter and in the imports)."""
    people: set[int] = set()
    accounts: set[int] = set()
    if is_account:
        row = await Account.select(Account.id, Account.email).where(Account.id == number).first()
        if row is None:
            return people, accounts
        accounts.add(row["id"])
        email = row["email"]
    else:
        person = await Person.select(Person.id, Person.email, Person.account).where(Person.id == number).first()
        if person is None:
            return people, accounts
        people.add(person["id"])
        email = person["email"]
        if person["account"] is not None:
            accounts.add(person["account"])
        owner = await Account.select(Account.id).where(Account.email == email).first()
        if owner is not None:
            accounts.add(owner["id"])
    linked = Person.email == email
    if accounts:
        linked = linked | Person.account.is_in(sorted(accounts))
    people.update(row["id"] for row in await Person.select(Person.id).where(linked))
    return people, accounts
