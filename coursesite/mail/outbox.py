"""The transactional outbox: a message is a row written in the same transaction as the change that causes it, so a
committed change always has its message and a rolled-back one never does. mail/sender.py delivers the rows.

    async with write_transaction(engine):
        ...  # the change
        await outbox.queue(Mail(to=email, template="verify_email", context={"link": link}))
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from piccolo.query.functions.aggregate import Count

from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.mail import OutboxMessage
from coursesite.mail import catalog
from coursesite.mail.composer import MailComposer
from coursesite.mail.message import (
    STATUS_LABELS_SV,
    AttachmentRef,
    Mail,
    MailKind,
    MailStatus,
    unsubscribe_headers,
    valid_address,
)
from coursesite.privacy.audit import AuditLog

LIST_LIMIT = 200


@dataclass(frozen=True)
class OutboxRow:
    """One message as the admin page lists it; the bodies only where the caller asked for them (development)."""

    id: int
    kind: str
    template: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    body_text: str | None = None
    body_html: str | None = None

    @property
    def status_sv(self) -> str:
        return STATUS_LABELS_SV.get(MailStatus(self.status), self.status)


class MailOutbox:
    """Queues messages (rendered now, delivered by the sender). Built once in create_app (Services.outbox)."""

    def __init__(self, composer: MailComposer, *, mail_from: tuple[str, str], audit: AuditLog | None = None) -> None:
        self.composer = composer
        self.mail_from = mail_from
        self.audit = audit or AuditLog()

    def link(self, path: str) -> str:
        """An absolute link for a message (COURSESITE_PUBLIC_URL + path)."""
        return self.composer.link(path)

    async def queue(self, mail: Mail) -> int:
        """Render `mail` and write it to the outbox in the caller's open transaction (when there is none, the row is
        written on its own). Returns the row's id. A wrong call (a bad address, a marketing message without an
        unsubscribe link, a template that needs a missing value) raises ValueError or a Jinja error, so the
        caller's transaction rolls back with it: check the address before calling."""
        problems = mail.problems() + catalog.problems(mail.template, mail.kind)
        if problems:
            raise ValueError("; ".join(problems))
        composed = self.composer.compose(mail)
        now = clock.now()
        domain = self.mail_from[1].partition("@")[2]
        rows = await OutboxMessage.insert(
            OutboxMessage(
                kind=MailKind(mail.kind).value,
                template=mail.template,
                account=mail.account_id,
                recipient=mail.to,
                subject=composed.subject,
                message_id=make_msgid(domain=domain),
                body_text=composed.text,
                body_html=composed.html,
                headers=json.dumps(unsubscribe_headers(mail.unsubscribe_url)),
                attachments=json.dumps([attachment.as_json() for attachment in mail.attachments]),
                status=MailStatus.QUEUED.value,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        ).returning(OutboxMessage.id)
        return int(rows[0]["id"])

    async def to_account(
        self,
        account_id: int | None,
        template: str,
        context: dict[str, Any],
        *,
        attachments: tuple[AttachmentRef, ...] = (),
    ) -> bool:
        """Queue a transactional message to an account's login address, with its `first_name` added to the context
        (the course's own messages: invoices, grades, the certificate). False, and nothing queued, when the account
        is gone (erased) or its address is not one a message can go to."""
        if account_id is None:
            return False
        rows = await Account.select(Account.email, Account.first_name).where(Account.id == account_id)
        if not rows or not valid_address(rows[0]["email"]):
            return False
        await self.queue(
            Mail(
                to=rows[0]["email"],
                template=template,
                context={**context, "first_name": rows[0]["first_name"]},
                account_id=account_id,
                attachments=attachments,
            )
        )
        return True

    async def messages(self, *, with_bodies: bool = False, limit: int = LIST_LIMIT) -> list[OutboxRow]:
        """The newest messages first, for the admin page (/personal/utkorg). Bodies only when asked (development)."""
        columns: list[Any] = [
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.template,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
            OutboxMessage.sent_at,
            OutboxMessage.next_attempt_at,
        ]
        if with_bodies:
            columns += [OutboxMessage.body_text, OutboxMessage.body_html]
        rows = await OutboxMessage.select(*columns).order_by(OutboxMessage.id, ascending=False).limit(limit)
        return [OutboxRow(**row) for row in rows]

    async def staff_view(self, actor_id: int, *, with_bodies: bool) -> list[OutboxRow]:
        """The list for an administrator (/personal/utkorg), audited: a read row for every account in it."""
        rows = await self.messages(with_bodies=with_bodies)
        accounts = (
            await OutboxMessage.select(OutboxMessage.account).where(
                OutboxMessage.id.is_in([row.id for row in rows]) & OutboxMessage.account.is_not_null()
            )
            if rows
            else []
        )
        await self.audit.record_many(
            actor_id,
            "read",
            ((row["account"], None) for row in accounts),
            what="E-post i utkorgen: mottagare, ämne, status" + (" och innehåll" if with_bodies else ""),
            why="Administratören såg utkorgen (/personal/utkorg)",
        )
        return rows

    async def counts(self) -> dict[str, int]:
        """How many messages have each status."""
        rows = await OutboxMessage.select(OutboxMessage.status, Count(OutboxMessage.id, alias="n")).group_by(
            OutboxMessage.status
        )
        return {row["status"]: row["n"] for row in rows}
