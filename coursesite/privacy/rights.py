"""The participant's rights, as services ("Mina uppgifter"): rectification with notices to recipients (art. 16, 19),
the restriction they ask for (art. 18), the profile switch, consents and their one-click withdrawal (art. 7.3), and
the erasure request with its deadline (art. 17, 12.3). Access and portability are in privacy/access.py, the erasure
itself in privacy/erasure.py.

What customer service does with a person's request (rectifying a form person, applying a restriction it registered,
lifting a restriction, completing a request) is in coursesite/support/requests.py, built on the pieces here that both
sides share: `check_contact`, `RightsService.restrict` and `RightsService.notify_rectification` (each inside the
caller's transaction), `queue_restriction_notices`, and `REASON_RULE`, the one rule for a restriction's reason.

Restriction: `account_privacy.restricted_at` (and `person.restricted_at` for form rows with the account's email) is
the one switch other parts read: while it is set there is no marketing, no profiling, no sharing and no newsletter
export. Only customer service lifts it (support/requests.py), telling the person first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from piccolo.columns import Column
from piccolo.columns.combination import Combinable
from piccolo.engine.base import Engine

from coursesite.accounts.service import end_account_sessions
from coursesite.accounts.validation import (
    PersonalNumberRefused,
    normalise_email,
    normalise_mobile,
    normalise_name,
    normalise_source,
)
from coursesite.billing.enrolment import validate_billing_details
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.core.text import TextRefused, TextRule, clean_text
from coursesite.db.accounts import Account
from coursesite.db.billing import Customer
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.db.privacy import (
    AccountPrivacy,
    Consent,
    Person,
    RecipientNotice,
    Subsidiary,
    SupportCase,
)
from coursesite.privacy.deadlines import deadline
from coursesite.privacy.labels import CONSENT_KIND_SV, consent_kind_sv
from coursesite.privacy.linkage import claimed_address, link_proven_rows, person_rows
from coursesite.privacy.request_mail import Recipient, RequestMail
from coursesite.privacy.sharing import allowed_fields
from coursesite.signups.double_opt_in import ConsentState, consent_state
from coursesite.signups.processors import NEWSLETTER_CONSENT, received_by_processors, subject_link
from coursesite.signups.processors import queue as queue_processor_notices
from coursesite.subsidiaries import service as subsidiaries

REASON_MAX = 1000
CONSENT_KIND_MAX = 30
CONTACT_FIELDS = ("first_name", "last_name", "mobile", "source")
BILLING_FIELDS = ("customer_type", "company_name", "org_number", "reference", "address_line", "postal_code", "city")
OPEN_STATUSES = ("open", "extended")

KIND_LABELS_SV = CONSENT_KIND_SV  # the consents' Swedish names live in privacy/labels.py


@dataclass(frozen=True)
class Rectified:
    changed: tuple[str, ...]  # registry names: "account.first_name", "customer.city" …
    notified: tuple[str, ...]  # the recipients told: subsidiaries, and newsletter processors (through staff)


@dataclass(frozen=True)
class PrivacyState:
    profile_enabled: bool
    restricted_at: datetime | None
    restriction_reason: str | None
    lift_notice_sent_at: datetime | None


@dataclass(frozen=True)
class ConsentView:
    id: int
    kind: str
    label: str
    text: str
    policy_version: str
    channel: str
    given_at: datetime
    withdrawn_at: datetime | None
    confirmed_at: datetime | None = None  # double opt-in: None while pending (signups/double_opt_in.py)
    confirmed_via: str | None = None

    @property
    def state(self) -> ConsentState:
        return consent_state(confirmed_at=self.confirmed_at, withdrawn_at=self.withdrawn_at)

    @property
    def active(self) -> bool:
        """The consent counts: confirmed and not withdrawn."""
        return self.state is ConsentState.GIVEN

    @property
    def pending(self) -> bool:
        return self.state is ConsentState.PENDING


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    status: str
    received_on: date
    deadline: date | None
    outcome: str | None = None


@dataclass
class ProfileChanges:
    contact: dict[str, Any] = field(default_factory=dict)
    billing: dict[str, Any] | None = None
    profile_enabled: bool | None = None
    email: str | None = None  # a new login address: the caller has asked for the password again (confirm_password)
    # A new login address ends the account's other sessions; this one (the person's own request) stays.
    keep_session: str | None = None


REASON_RULE = TextRule(
    REASON_MAX,
    subject="Skälet",
    multiline=True,
    required=True,
    missing="Skriv kort varför du vill begränsa behandlingen.",
)


def clean_reason(text: str | None) -> str:
    """A restriction's reason by the one free-text rule (core/text.py): refused, never stripped, when it holds a
    control or bidi character, a personnummer or a card number, or is too long; runs of white space become one space.
    Invalid with the message under `reason`."""
    try:
        reason = clean_text(text, REASON_RULE)
    except TextRefused as refused:
        missing = refused.message == REASON_RULE.missing
        field = "Fyll i ett skäl." if missing else refused.message
        raise Invalid(refused.message, field_errors={"reason": field}) from None
    return " ".join(reason.split())


def check_contact(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    checks = {
        "first_name": lambda v: normalise_name(v, "first"),
        "last_name": lambda v: normalise_name(v, "last"),
        "mobile": normalise_mobile,
        "source": normalise_source,
    }
    cleaned, errors = {}, {}
    for name, value in values.items():
        if name not in checks:
            errors[name] = "Det här fältet kan inte ändras här."
            continue
        try:
            cleaned[name] = checks[name](value)
        except PersonalNumberRefused as exc:
            errors[name] = str(exc)
        except ValueError as exc:
            errors[name] = str(exc)
    return cleaned, errors


async def queue_restriction_notices(
    link: Any, now: datetime, *, account_id: int | None = None, person_id: int | None = None
) -> None:
    """Art. 19: every recipient that received the person's data is told of the restriction (inside the caller's
    transaction): a `restriction` notice to each subsidiary, by the id it knows the person by, and one for staff to
    carry out at each newsletter processor."""
    for item in await subsidiaries.received_by(link):
        await RecipientNotice.insert(
            RecipientNotice(
                subsidiary=item.subsidiary,
                kind="restriction",
                subject_ref=item.subject_ref,
                changes=json.dumps([]),
                created_at=now,
            )
        )
    await queue_processor_notices(
        "restriction", await received_by_processors(link), now=now, account_id=account_id, person_id=person_id
    )


class RightsService:
    def __init__(self, engine: Engine, mail: RequestMail | None = None) -> None:
        self.engine = engine
        # The request's messages (received, with the confirmation link): create_app always passes it; a test that
        # builds the service for the rights alone may leave it out, and then no message is queued.
        self.mail = mail

    # -- reading

    async def email_of(self, account_id: int) -> str:
        rows = await Account.select(Account.email).where(Account.id == account_id)
        if not rows:
            raise NotFound("Kontot finns inte.")
        return rows[0]["email"]

    async def _person_ids(self, account_id: int, email: str) -> list[int]:
        """The account's form persons: linked to it, or with its address once the address is proven (`email` is
        the address the caller read; an unproven one claims nothing, privacy/linkage.py)."""
        proven = email if await claimed_address(account_id) == email else None
        rows = await Person.select(Person.id).where(person_rows(account_id, proven))
        return [row["id"] for row in rows]

    async def contact(self, account_id: int) -> dict[str, Any]:
        rows = await Account.select(
            Account.email, Account.first_name, Account.last_name, Account.mobile, Account.source
        ).where(Account.id == account_id)
        if not rows:
            raise NotFound("Kontot finns inte.")
        return rows[0]

    async def privacy_state(self, account_id: int) -> PrivacyState:
        rows = await AccountPrivacy.select().where(AccountPrivacy.account == account_id)
        if not rows:
            return PrivacyState(True, None, None, None)
        row = rows[0]
        return PrivacyState(
            row["profile_enabled"], row["restricted_at"], row["restriction_reason"], row["lift_notice_sent_at"]
        )

    async def _ensure_privacy_row(self, account_id: int, now: datetime) -> None:
        await AccountPrivacy.insert(AccountPrivacy(account=account_id, updated_at=now)).on_conflict(action="DO NOTHING")

    # -- rectification (art. 16) and notices (art. 19)

    async def rectify(self, account_id: int, changes: ProfileChanges) -> Rectified:
        """Correct contact data (account and the form rows with the same email), billing data (the customer row) and
        the profile switch. A changed field that a subsidiary already received is sent to it as a notice."""
        contact, errors = check_contact(changes.contact)
        new_email = None
        if changes.email is not None:
            try:
                new_email = normalise_email(changes.email)
            except ValueError as exc:
                errors["email"] = str(exc)
        details = None
        if changes.billing is not None:
            unknown = set(changes.billing) - set(BILLING_FIELDS)
            for name in unknown:
                errors[name] = "Det här fältet kan inte ändras här."
            details, billing_errors = validate_billing_details(**{k: changes.billing.get(k) for k in BILLING_FIELDS})
            errors.update(billing_errors)
        if errors:
            raise Invalid("Kontrollera de markerade fälten.", field_errors=errors)
        now = clock.now()
        async with write_transaction(self.engine, account_id=account_id):
            current = await self.contact(account_id)
            email = current["email"]
            person_ids = await self._person_ids(account_id, email)  # before the e-mail changes: whose form rows
            changed: dict[str, Any] = {}
            updates: dict[Column | str, Any] = {}
            for name, value in contact.items():
                if current[name] != value:
                    changed[f"account.{name}"] = value
                    updates[Account._meta.get_column_by_name(name)] = value
            if updates:
                await Account.update(updates).where(Account.id == account_id)
                person_updates: dict[Column | str, Any] = {
                    Person._meta.get_column_by_name(k): v for k, v in contact.items()
                }
                await Person.update(person_updates | {Person.updated_at: now}).where(
                    Person.id.is_in(person_ids or [0])  # the account's form rows: none until the address is proven
                )
            if new_email is not None and new_email != email:
                await self._change_email(account_id, new_email, now, person_ids)
                await end_account_sessions(account_id, keep_token=changes.keep_session)
                changed["account.email"] = new_email
            if details is not None:
                changed.update(await self._rectify_billing(account_id, details, now))
            if changes.profile_enabled is not None:
                await self._ensure_privacy_row(account_id, now)
                await AccountPrivacy.update(
                    {AccountPrivacy.profile_enabled: changes.profile_enabled, AccountPrivacy.updated_at: now}
                ).where(AccountPrivacy.account == account_id)
                await Person.update({Person.profile_enabled: changes.profile_enabled, Person.updated_at: now}).where(
                    Person.id.is_in(person_ids or [0])
                )
            notified = await self.notify_rectification(
                subject_link(account_id, person_ids), changed, now, account_id=account_id
            )
        return Rectified(tuple(changed), notified)

    async def notify_rectification(
        self,
        link: Any,
        changed: dict[str, Any],
        now: datetime,
        *,
        account_id: int | None = None,
        person_id: int | None = None,
    ) -> tuple[str, ...]:
        """Art. 19 for a correction (inside the caller's transaction): the subsidiaries and the newsletter processors
        that received a corrected field. Returns the recipients told."""
        if not changed:
            return ()
        notified = await self._queue_rectification_notices(link, changed, now)
        return notified + await queue_processor_notices(
            "rectification",
            await received_by_processors(link),
            now=now,
            account_id=account_id,
            person_id=person_id,
            changes=changed,
        )

    async def _change_email(self, account_id: int, new: str, now: datetime, person_ids: list[int]) -> None:
        """The login address, changed by customer service (inside rectify's transaction; the person's own change waits
        for the new address to confirm it: :meth:`apply_confirmed_email`). The account's form rows (`person_ids`:
        with the old address only if it was proven) follow it and are linked to the account. An address that already has form rows of someone not linked to the account is
        refused: the address is not verified, and the account would otherwise see those rows."""
        if await Account.exists().where((Account.email == new) & (Account.id != account_id)):
            raise Conflict(
                "Det finns redan ett konto med den e-postadressen.",
                field_errors={"email": "E-postadressen används redan."},
            )
        theirs = await Person.select(Person.id, Person.account).where(Person.email == new)
        if theirs and theirs[0]["account"] != account_id:
            raise Conflict(
                "Den e-postadressen finns redan hos oss från ett formulär och kan inte bli din inloggningsadress. "
                "Välj en annan adress.",
                field_errors={"email": "Välj en annan adress."},
            )
        await Account.update({Account.email: new}).where(Account.id == account_id)
        mine = Person.id.is_in(person_ids or [0])
        if theirs:  # the person with the new address is this one (checked): both rows are linked to the account
            await Person.update({Person.account: account_id, Person.updated_at: now}).where(
                mine | (Person.id == theirs[0]["id"])
            )
        else:
            await Person.update({Person.email: new, Person.account: account_id, Person.updated_at: now}).where(mine)

    async def apply_confirmed_email(
        self, account_id: int, new: str, *, keep_session: str | None, now: datetime
    ) -> tuple[str, tuple[str, ...]]:
        """The person's new login address, confirmed through the link sent to it (inside the caller's transaction,
        which used up the token): the address is proven, so the form rows under it become the account's, and those
        of the old address follow it when that one was proven too. Every other session ends (``keep_session``: the
        confirming browser's own, when it is logged in to this account). Recipients that received the address are
        told (art. 19). Returns the old address and the recipients told. Conflict when another account took the
        address meanwhile."""
        await lock_account_rows(self.engine, account_id)
        if await Account.exists().where((Account.email == new) & (Account.id != account_id)):
            raise Conflict(
                "Det finns redan ett konto med den e-postadressen.",
                field_errors={"email": "E-postadressen används redan."},
            )
        old = await self.email_of(account_id)
        person_ids = await self._person_ids(account_id, old)  # the old address's rows: only when it was proven
        await Account.update({Account.email: new, Account.email_verified_at: now}).where(Account.id == account_id)
        if person_ids:
            await Person.update({Person.account: account_id, Person.updated_at: now}).where(Person.id.is_in(person_ids))
            if not await Person.exists().where(Person.email == new):  # one row per address: the old one moves
                await Person.update({Person.email: new}).where(Person.id.is_in(person_ids) & (Person.email == old))
        await link_proven_rows(account_id, new, now)
        await end_account_sessions(account_id, keep_token=keep_session)
        person_ids = await self._person_ids(account_id, new)
        notified = await self.notify_rectification(
            subject_link(account_id, person_ids), {"account.email": new}, now, account_id=account_id
        )
        return old, notified

    async def _rectify_billing(self, account_id: int, details, now: datetime) -> dict[str, Any]:
        rows = await Customer.select().where(Customer.account == account_id)
        if not rows:
            raise Conflict("Du har inga faktureringsuppgifter ännu; de lämnas vid anmälan.")
        new = {
            "customer_type": details.customer_type.value,
            "company_name": details.company_name,
            "org_number": details.org_number,
            "reference": details.reference,
            "address_line": details.address_line,
            "postal_code": details.postal_code,
            "city": details.city,
        }
        changed = {f"customer.{k}": v for k, v in new.items() if rows[0][k] != v}
        if changed:
            values: dict[Column | str, Any] = {Customer._meta.get_column_by_name(k): v for k, v in new.items()}
            await Customer.update(values | {Customer.updated_at: now}).where(Customer.account == account_id)
        return changed

    async def _queue_rectification_notices(self, link: Any, changed: dict[str, Any], now: datetime) -> tuple[str, ...]:
        """One notice per subsidiary and id it knows the person by (the `link` on DisclosureSubject: the account and
        its form persons, which rectify corrects too, or one form person), with the corrected fields it both received
        (by the disclosure log) and is allowed to receive (by its purpose's allow-list): `account.x`, and `person.x`
        for the same value."""
        received = await subsidiaries.received_by(link)
        if not received:
            return ()
        purposes = {
            row["id"]: row
            for row in await Subsidiary.select(Subsidiary.id, Subsidiary.name, Subsidiary.purpose).where(
                Subsidiary.id.is_in(sorted({r.subsidiary for r in received}))
            )
        }
        corrected = changed | {
            "person." + name.partition(".")[2]: value for name, value in changed.items() if name.startswith("account.")
        }
        notified: list[str] = []
        for got in received:
            sub = purposes[got.subsidiary]
            allowed = set(allowed_fields(sub["purpose"])) & got.fields
            corrections = {name: value for name, value in corrected.items() if name in allowed}
            if not corrections:
                continue
            await RecipientNotice.insert(
                RecipientNotice(
                    subsidiary=sub["id"],
                    kind="rectification",
                    subject_ref=got.subject_ref,
                    changes=json.dumps(corrections, ensure_ascii=False),
                    created_at=now,
                )
            )
            if sub["name"] not in notified:
                notified.append(sub["name"])
        return tuple(notified)

    # -- restriction (art. 18)

    async def request_restriction(self, account_id: int, reason: str | None) -> RequestView:
        """The person asks from Mina uppgifter: the restriction applies at once, and a case is opened for customer
        service."""
        reason = clean_reason(reason)
        async with write_transaction(self.engine, account_id=account_id):
            contact = await self.contact(account_id)
            await self.restrict(account_id, contact["email"], reason)
            return await self._open_case(account_id, contact, "restriction", "Begäran om begränsning", reason)

    async def restrict(self, account_id: int, email: str, reason: str) -> None:
        """Set the restriction (inside the caller's transaction): account_privacy and the person rows with the email,
        with a notice to every recipient that received the data. `reason` is checked by the caller (clean_reason)."""
        now = clock.now()
        await self._ensure_privacy_row(account_id, now)
        await AccountPrivacy.update(
            {
                AccountPrivacy.restricted_at: now,
                AccountPrivacy.restriction_reason: reason,
                AccountPrivacy.lift_notice_sent_at: None,
                AccountPrivacy.updated_at: now,
            }
        ).where(AccountPrivacy.account == account_id)
        person_ids = await self._person_ids(account_id, email)  # none until the address is proven
        if person_ids:
            await Person.update(
                {Person.restricted_at: now, Person.restriction_reason: reason, Person.updated_at: now}
            ).where(Person.id.is_in(person_ids))
        await queue_restriction_notices(subject_link(account_id, person_ids), now, account_id=account_id)

    # -- consents (art. 7.3)

    async def consents(self, account_id: int) -> list[ConsentView]:
        return await self._consents(account_id, await self._person_ids(account_id, await self.email_of(account_id)))

    async def _consents(self, account_id: int, person_ids: list[int]) -> list[ConsentView]:
        condition: Combinable = Consent.account == account_id
        if await claimed_address(account_id) is None:
            # a consent given through a form under the address (it carries the account it was linked to then) is
            # not the account's until the address is proven
            condition = condition & Consent.person.is_null()
        if person_ids:
            condition = condition | Consent.person.is_in(person_ids)
        rows = await Consent.select().where(condition).order_by(Consent.given_at, ascending=False)
        return [
            ConsentView(
                id=row["id"],
                kind=row["kind"],
                label=consent_kind_sv(row["kind"]),
                text=row["text"],
                policy_version=row["policy_version"],
                channel=row["channel"],
                given_at=row["given_at"],
                withdrawn_at=row["withdrawn_at"],
                confirmed_at=row["confirmed_at"],
                confirmed_via=row["confirmed_via"],
            )
            for row in rows
        ]

    async def withdraw_consent(self, account_id: int, kind: str) -> int:
        """Withdraw every consent of `kind` not yet withdrawn (the account's, and its form person's; pending ones
        too). The rows stay, with the time of withdrawal, as proof of what was agreed before; 404 when there is none
        of that kind."""
        if not kind or len(kind) > CONSENT_KIND_MAX:
            raise NotFound("Det finns inget sådant samtycke.")
        async with write_transaction(self.engine):
            person_ids = await self._person_ids(account_id, await self.email_of(account_id))
            active = [
                c for c in await self._consents(account_id, person_ids) if c.kind == kind and c.withdrawn_at is None
            ]
            if not active:
                raise NotFound("Det finns inget gällande samtycke av det slaget.")
            now = clock.now()
            await Consent.update({Consent.withdrawn_at: now}).where(
                Consent.id.is_in([c.id for c in active]) & Consent.withdrawn_at.is_null()
            )
            if kind == NEWSLETTER_CONSENT:
                # The processors that got the person in an export still hold them: staff unsubscribe them there.
                link = subject_link(account_id, person_ids)
                await queue_processor_notices(
                    "withdrawal", await received_by_processors(link), now=now, account_id=account_id
                )
        return len(active)

    # -- requests as cases

    async def _open_case(
        self, account_id: int, contact: dict[str, Any], kind: str, subject: str, description: str
    ) -> RequestView:
        received = today()
        due = deadline(received, False)
        person_ids = await self._person_ids(account_id, contact["email"])
        rows = await SupportCase.insert(
            SupportCase(
                kind=kind,
                account=account_id,
                person=person_ids[0] if person_ids else None,
                contact_name=f"{contact['first_name']} {contact['last_name']}",
                contact_email=contact["email"],
                subject=subject,
                description=description,
                status="open",
                received_on=received,
                deadline=due,
                created_at=clock.now(),
            )
        ).returning(SupportCase.id)
        if self.mail is not None:  # the person hears that it was received, and confirms it through the link
            to = Recipient(contact["email"], account_id)
            await self.mail.received(rows[0]["id"], kind, to, received_on=received, deadline=due)
        return RequestView(rows[0]["id"], kind, "open", received, due)

    async def request_erasure(self, account_id: int) -> RequestView:
        """The person asks for erasure from Mina uppgifter: a case for customer service, who confirms the identity and
        carries it out (privacy/erasure.py). A second request while one is open returns the open one."""
        async with write_transaction(self.engine, account_id=account_id):
            existing = await self.requests(account_id, kind="erasure", open_only=True)
            if existing:
                return existing[0]
            contact = await self.contact(account_id)
            return await self._open_case(
                account_id,
                contact,
                "erasure",
                "Begäran om radering",
                "Begäran om radering skickad från Mina uppgifter.",
            )

    async def requests(self, account_id: int, *, kind: str | None = None, open_only: bool = False) -> list[RequestView]:
        condition: Combinable = SupportCase.account == account_id
        if kind:
            condition = condition & (SupportCase.kind == kind)
        if open_only:
            condition = condition & SupportCase.status.is_in(list(OPEN_STATUSES))
        rows = (
            await SupportCase.select(
                SupportCase.id,
                SupportCase.kind,
                SupportCase.status,
                SupportCase.received_on,
                SupportCase.deadline,
                SupportCase.outcome,
            )
            .where(condition)
            .order_by(SupportCase.id, ascending=False)
            .limit(50)
        )
        return [
            RequestView(r["id"], r["kind"], r["status"], r["received_on"], r["deadline"], r["outcome"]) for r in rows
        ]


__all__ = [
    "REASON_RULE",
    "ProfileChanges",
    "Rectified",
    "RightsService",
    "check_contact",
    "clean_reason",
    "queue_restriction_notices",
]
