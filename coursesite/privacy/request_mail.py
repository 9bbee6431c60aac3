"""The messages of a data-subject request (issue 11 §4, §6), each queued in the caller's transaction (docs/mail.md):

- **received**, with the deadline and the link that confirms the request (`/bekrafta-begaran?token=…`, purpose
  request_confirm, payload `{"case_id": …}`): for a request customer service registers and for one the person makes on
  Mina uppgifter. Customer service can send the link again (older links of the case stop working; rate limited per
  recipient);
- **completed**: an access request of an account ("Ditt utdrag är klart", a link to Mina uppgifter, no data in the
  mail), of someone known only from the forms (a time-limited download link `/registerutdrag?token=…`, purpose
  export_download), a rectification, a restriction;
- **erased**: what was erased, what was kept and why, from the erasure's own report, to the address read before the
  erasure, queued after the erasure deleted the person's other messages (the outbox keeps it through the erasure
  that deletes the address);
- **rejected** (art. 12.4): the reason (customer service's closing note) and the right to complain to IMY;
- **lifting announced** (art. 18.3): the restriction is lifted from a day at least privacy/policy.LIFT_NOTICE_DAYS
  ahead.

Messages go to the address on file only (the account's, else the form person's), never to an address someone gave on
the phone. They say what was asked and when, never more personal data than that. Used by privacy/rights.py (Mina
uppgifter) and support/requests.py (customer service); built once in create_app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from coursesite.accounts.limits import Limit, RateLimiter
from coursesite.accounts.tokens import TokenService
from coursesite.core import clock
from coursesite.core.tokens import TokenPurpose, lifetime
from coursesite.db.mail import OneTimeToken
from coursesite.mail.message import Mail
from coursesite.mail.outbox import MailOutbox
from coursesite.privacy.labels import REQUEST_NAME_SV
from coursesite.privacy.policy import SUPERVISORY_AUTHORITY
from coursesite.privacy.registry import MAIL_LOG_MONTHS

if TYPE_CHECKING:
    from coursesite.privacy.erasure import ErasureReport

CONFIRM_PATH = "/bekrafta-begaran"
EXPORT_PATH = "/registerutdrag"
MY_DATA_PATH = "/mina-uppgifter"

# What the person asked for, as the messages and the link's page say it.
ASKED_SV = {
    "access": "en kopia av de personuppgifter vi har om dig (registerutdrag)",
    "rectification": "att vi rättar dina personuppgifter",
    "restriction": "att vi begränsar behandlingen av dina personuppgifter",
    "erasure": "att vi raderar dina personuppgifter",
}
NAME_SV = REQUEST_NAME_SV  # privacy/labels.py: one mapping for the pages and the mails
DONE_SV = {
    "rectification": "Vi har rättat dina personuppgifter som du bad om. Mottagare som har fått uppgifterna får veta det.",
    "restriction": (
        "Behandlingen av dina personuppgifter är begränsad: vi lagrar dem, men använder dem inte till marknadsföring, "
        "profilering eller delning. Vi meddelar dig innan begränsningen hävs."
    ),
}
# The policy's own words on the person's rights (shared/policy/villkor-och-integritetspolicy.txt, "RÄTTIGHETER").
POLICY_RIGHTS_SV = "Du kan också kräva korrigeringar, begränsningar eller borttagande av personuppgifter"

RESEND_PER_RECIPIENT = Limit(
    "request-link-recipient",
    3,
    3600,
    "Vi har nyss skickat en bekräftelselänk till personen.",
    per_client=False,
)


def _payload(case_id: int) -> dict[str, int]:
    return {"case_id": case_id}


def _loaded(payload: Any) -> dict[str, Any]:
    """A token's payload as stored: JSON text (SQLite) or already parsed (PostgreSQL's json column)."""
    value = json.loads(payload or "{}") if isinstance(payload, str) else payload
    return value if isinstance(value, dict) else {}


def _case_id(payload: dict[str, Any]) -> int | None:
    value = payload.get("case_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Recipient:
    """The address on file for a request: the account's, else the form person's."""

    email: str
    account_id: int | None


class RequestMail:
    def __init__(self, outbox: MailOutbox, tokens: TokenService, limiter: RateLimiter) -> None:
        self.outbox = outbox
        self.tokens = tokens
        self.limiter = limiter

    # -- received, with the confirmation link

    async def received(
        self, case_id: int, kind: str, to: Recipient, *, received_on: date, deadline: date | None, again: bool = False
    ) -> None:
        """The request was received: its deadline and the link that confirms it (older links of the case stop
        working). Inside the caller's transaction, with the case."""
        await self.revoke_links(case_id, to.email)
        token = await self.tokens.issue(
            TokenPurpose.REQUEST_CONFIRM, account_id=to.account_id, email=to.email, payload=_payload(case_id)
        )
        await self.outbox.queue(
            Mail(
                to=to.email,
                template="requests/received",
                context={
                    "asked": ASKED_SV[kind],
                    "name": NAME_SV[kind],
                    "received_on": received_on,
                    "deadline": deadline,
                    "again": again,
                    "valid_days": lifetime(TokenPurpose.REQUEST_CONFIRM).days,
                    "link": self.outbox.link(f"{CONFIRM_PATH}?token={token}"),
                },
                account_id=to.account_id,
            )
        )

    async def resend(self, case_id: int, kind: str, to: Recipient, *, received_on: date, deadline: date | None) -> None:
        """Customer service sends the link again: RateLimited (nothing sent) when the recipient got one too often."""
        await self.limiter.hit(RESEND_PER_RECIPIENT, to.email)
        await self.received(case_id, kind, to, received_on=received_on, deadline=deadline, again=True)

    async def revoke_links(self, case_id: int, email: str) -> int:
        """Every unused confirmation link of the case (sent to `email`) stops working."""
        rows = await OneTimeToken.select(OneTimeToken.id, OneTimeToken.payload).where(
            (OneTimeToken.purpose == TokenPurpose.REQUEST_CONFIRM.value)
            & OneTimeToken.used_at.is_null()
            & (OneTimeToken.email == email)
        )
        ids = [row["id"] for row in rows if _case_id(_loaded(row["payload"])) == case_id]
        if ids:
            await OneTimeToken.update({OneTimeToken.used_at: clock.now()}).where(OneTimeToken.id.is_in(ids))
        return len(ids)

    async def link_case(self, token: object) -> int | None:
        """The case a usable confirmation link is for, without using it (the page the link opens)."""
        grant = await self.tokens.peek(TokenPurpose.REQUEST_CONFIRM, token)
        return None if grant is None else _case_id(grant.payload)

    async def use_link(self, token: object) -> int | None:
        """Use a confirmation link (inside the transaction that confirms): its case, or None for a link that is
        unknown, used or expired."""
        grant = await self.tokens.consume(TokenPurpose.REQUEST_CONFIRM, token)
        return None if grant is None else _case_id(grant.payload)

    # -- completed

    async def export_ready(self, case_id: int, to: Recipient, *, until: datetime) -> None:
        """An access request is carried out. An account: a notice that the export is on Mina uppgifter. Someone known
        only from the forms: a download link, valid until the token or the export expires, whichever comes first."""
        if to.account_id is not None:
            context = {"link": self.outbox.link(MY_DATA_PATH), "until": until, "account": True}
        else:
            token = await self.tokens.issue(TokenPurpose.EXPORT_DOWNLOAD, email=to.email, payload=_payload(case_id))
            grant = await self.tokens.peek(TokenPurpose.EXPORT_DOWNLOAD, token)
            expires = grant.expires_at if grant is not None and grant.expires_at is not None else until
            context = {"link": self.outbox.link(f"{EXPORT_PATH}?token={token}"), "until": min(until, expires)}
            context["account"] = False
        await self.outbox.queue(
            Mail(to=to.email, template="requests/export_ready", context=context, account_id=to.account_id)
        )

    async def export_case(self, token: object) -> int | None:
        """The case a usable download link is for. The link is not used up: the person may download both formats,
        and again, until it expires."""
        grant = await self.tokens.peek(TokenPurpose.EXPORT_DOWNLOAD, token)
        return None if grant is None else _case_id(grant.payload)

    async def done(self, kind: str, to: Recipient) -> None:
        """A rectification or a restriction is carried out."""
        await self.outbox.queue(
            Mail(
                to=to.email,
                template="requests/done",
                context={"name": NAME_SV[kind], "done": DONE_SV[kind]},
                account_id=to.account_id,
            )
        )

    async def erased(self, to: Recipient, report: ErasureReport) -> None:
        """What was erased, what was kept and why, from the erasure's own report. Queued in the erasure's
        transaction to the address read before it; no account link (the account is gone with the commit)."""
        await self.outbox.queue(
            Mail(
                to=to.email,
                template="requests/erased",
                context={
                    "erased": report.erased,
                    "kept": report.kept,
                    "notified": report.notified,
                    "processors": report.processors,
                    "policy_rights": POLICY_RIGHTS_SV,
                    "log_months": MAIL_LOG_MONTHS,
                },
            )
        )

    async def rejected(self, kind: str, to: Recipient, *, received_on: date, reason: str) -> None:
        """Art. 12.4: the request is not carried out. The person is told why (customer service's closing note) and
        that they may complain to IMY and seek a judicial remedy."""
        await self.outbox.queue(
            Mail(
                to=to.email,
                template="requests/rejected",
                context={
                    "name": NAME_SV[kind],
                    "asked": ASKED_SV[kind],
                    "received_on": received_on,
                    "reason": reason,
                    "authority": SUPERVISORY_AUTHORITY,
                },
                account_id=to.account_id,
            )
        )

    async def lifting_announced(self, to: Recipient, *, lift_on: datetime) -> None:
        """Art. 18.3: the restriction will be lifted, not before `lift_on`."""
        await self.outbox.queue(
            Mail(
                to=to.email,
                template="requests/lifting",
                context={"lift_on": lift_on, "link": self.outbox.link(MY_DATA_PATH)},
                account_id=to.account_id,
            )
        )
