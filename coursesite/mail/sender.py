"""Delivers the outbox: claims due messages, hands them to the transport, marks each sent, queued again for a later
attempt (exponential backoff) or failed with the reason.

Claiming is its own short transaction that sets status `sending` and a lease: on PostgreSQL the due rows are
selected `FOR UPDATE SKIP LOCKED`, so several workers and servers claim disjoint rows and never send a message twice;
on SQLite the claim runs under BEGIN IMMEDIATE, and the single writer serialises the claimers. Delivery happens
outside any transaction. A sender that dies mid-delivery leaves its rows `sending` until the lease ends; then they are
claimed again (at least once, never lost).

Runs in every app worker as a background loop (create_app: on_startup/on_shutdown, COURSESITE_MAIL_WORKER) and as
`coursesite mail send-pending` for a cron job or a separate worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from coursesite.core import clock
from coursesite.db.engine import write_transaction
from coursesite.db.mail import OutboxMessage
from coursesite.mail.message import (
    LEASE,
    Attachment,
    MailStatus,
    attachment_refs,
    build_message,
    error_text,
    retry_at,
)
from coursesite.mail.transport import DeliveryFailed, Transport

logger = logging.getLogger("coursesite.mail")
BATCH = 20

# Renders an attachment from its reference when the message is delivered (mail/message.py: AttachmentRef).
AttachmentSource = Callable[[str], Awaitable[Attachment]]
# A job the sender loop runs every so often besides delivering (e.g. queueing the payment reminders due).
PeriodicJob = Callable[[], Awaitable[Any]]


@dataclass
class _Scheduled:
    name: str  # for the log: never personal data
    job: PeriodicJob
    every: timedelta
    next_run: Any = None  # datetime; None: on the loop's first round


@dataclass
class SendReport:
    """What one send_pending did, as counts (never an address)."""

    sent: int = 0
    printed: int = 0
    retried: int = 0
    failed: int = 0
    claimed_ids: list[int] = field(default_factory=list)

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.printed += other.printed
        self.retried += other.retried
        self.failed += other.failed
        self.claimed_ids += other.claimed_ids

    def line(self) -> str:
        return f"{self.sent} sent, {self.printed} printed, {self.retried} to retry, {self.failed} failed"


class MailSender:
    """`transport` None: nothing is delivered (production without COURSESITE_SMTP_URL); the messages wait."""

    def __init__(
        self,
        engine: Engine,
        transport: Transport | None,
        *,
        mail_from: tuple[str, str],
        batch: int = BATCH,
        poll_seconds: float = 10,
        attachments: Mapping[str, AttachmentSource] | None = None,
    ) -> None:
        self.engine = engine
        self.transport = transport
        self.mail_from = mail_from
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.attachments = dict(attachments or {})
        self._scheduled: list[_Scheduled] = []
        self._loops: dict[asyncio.AbstractEventLoop, _Loop] = {}

    def schedule(self, name: str, job: PeriodicJob, *, every: timedelta) -> None:
        """Run `job` from the sender loop on its first round and then every `every` (create_app: the payment
        reminders). The job must be safe to run twice at once: every app worker runs its own loop."""
        self._scheduled.append(_Scheduled(name, job, every))

    async def run_scheduled(self) -> None:
        """The scheduled jobs that are due; a failing job is logged (its kind, never its data) and tried next time."""
        now = clock.now()
        for scheduled in self._scheduled:
            if scheduled.next_run is not None and scheduled.next_run > now:
                continue
            scheduled.next_run = now + scheduled.every
            try:
                await scheduled.job()
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a failing job
                logger.warning("mail: scheduled job %s failed (%s)", scheduled.name, type(exc).__name__)

    async def claim(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Claim up to `limit` due messages for this sender (status sending, a lease, one more attempt)."""
        now = clock.now()
        due = ((OutboxMessage.status == MailStatus.QUEUED.value) & (OutboxMessage.next_attempt_at <= now)) | (
            (OutboxMessage.status == MailStatus.SENDING.value) & (OutboxMessage.lease_until < now)
        )
        async with write_transaction(self.engine):
            query = (
                OutboxMessage.select(OutboxMessage.id)
                .where(due)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit or self.batch)
            )
            if isinstance(self.engine, PostgresEngine):
                query = query.lock_rows("UPDATE", skip_locked=True)
            ids = [row["id"] for row in await query]
            if not ids:
                return []
            rows = (
                await OutboxMessage.update(
                    {
                        OutboxMessage.status: MailStatus.SENDING.value,
                        OutboxMessage.lease_until: now + LEASE,
                        OutboxMessage.attempts: OutboxMessage.attempts + 1,
                    }
                )
                .where(OutboxMessage.id.is_in(ids))
                .returning(
                    OutboxMessage.id,
                    OutboxMessage.recipient,
                    OutboxMessage.subject,
                    OutboxMessage.message_id,
                    OutboxMessage.body_text,
                    OutboxMessage.body_html,
                    OutboxMessage.headers,
                    OutboxMessage.attachments,
                    OutboxMessage.attempts,
                )
            )
        return sorted(rows, key=lambda row: row["id"])

    async def send_pending(self, *, max_messages: int | None = None) -> SendReport:
        """Deliver every due message (or up to `max_messages`), batch by batch, until none is due."""
        report = SendReport()
        if self.transport is None:
            return report
        while max_messages is None or len(report.claimed_ids) < max_messages:
            room = self.batch if max_messages is None else min(self.batch, max_messages - len(report.claimed_ids))
            rows = await self.claim(room)
            if not rows:
                break
            for row in rows:
                report.add(await self._deliver(row))
        return report

    async def _deliver(self, row: dict[str, Any]) -> SendReport:
        assert self.transport is not None
        headers = row["headers"]
        if isinstance(headers, str):
            headers = json.loads(headers or "{}")
        report = SendReport(claimed_ids=[row["id"]])
        try:
            attachments = [await self._render(ref.kind, ref.ref) for ref in attachment_refs(row.get("attachments"))]
        except DeliveryFailed as exc:
            return await self._failed(row, exc, report)
        message = build_message(
            sender=self.mail_from,
            recipient=row["recipient"],
            subject=row["subject"],
            text=row["body_text"] or "",
            html=row["body_html"],
            headers=headers,
            message_id=row["message_id"],
            date=clock.now(),
            attachments=attachments,
        )
        mine = (OutboxMessage.id == row["id"]) & (OutboxMessage.status == MailStatus.SENDING.value)
        try:
            await self.transport.deliver(message)
        except DeliveryFailed as exc:
            return await self._failed(row, exc, report)
        status = MailStatus.SENT if self.transport.sends else MailStatus.PRINTED
        await OutboxMessage.update(
            {
                OutboxMessage.status: status.value,
                OutboxMessage.sent_at: clock.now(),
                OutboxMessage.lease_until: None,
                OutboxMessage.last_error: None,
            }
        ).where(mine)
        if status is MailStatus.SENT:
            report.sent += 1
        else:
            report.printed += 1
        return report

    async def _render(self, kind: str, ref: str) -> Attachment:
        """An attachment rendered from its reference. No source for the kind: permanent (a wrong deployment); the
        source failing: temporary (tried again with the message)."""
        source = self.attachments.get(kind)
        if source is None:
            raise DeliveryFailed(f"attachment {kind}: no source", permanent=True)
        try:
            return await source(ref)
        except Exception as exc:  # noqa: BLE001 - a failed render is a failed attempt, never a lost message
            raise DeliveryFailed(f"attachment {kind}: {type(exc).__name__}", permanent=False) from None

    async def _failed(self, row: dict[str, Any], exc: DeliveryFailed, report: SendReport) -> SendReport:
        """Queue the message again after a temporary failure (backoff), or mark it failed, with the reason."""
        mine = (OutboxMessage.id == row["id"]) & (OutboxMessage.status == MailStatus.SENDING.value)
        now = clock.now()
        again = None if exc.permanent else retry_at(row["attempts"], now)
        reason = error_text(exc.reason, row["recipient"])
        if again is None:
            await OutboxMessage.update(
                {
                    OutboxMessage.status: MailStatus.FAILED.value,
                    OutboxMessage.lease_until: None,
                    OutboxMessage.last_error: reason,
                }
            ).where(mine)
            report.failed += 1
            logger.warning("mail: message #%d failed after %d attempt(s)", row["id"], row["attempts"])
        else:
            await OutboxMessage.update(
                {
                    OutboxMessage.status: MailStatus.QUEUED.value,
                    OutboxMessage.lease_until: None,
                    OutboxMessage.next_attempt_at: again,
                    OutboxMessage.last_error: reason,
                }
            ).where(mine)
            report.retried += 1
            logger.info("mail: message #%d will be tried again (attempt %d)", row["id"], row["attempts"])
        return report

    # The background loop, one per event loop that started the app (the test client runs each app on its own).

    async def start(self) -> None:
        """Start delivering in the background on this event loop (an on_startup hook)."""
        if self.transport is None:
            logger.warning("mail: COURSESITE_SMTP_URL is not set; messages wait in the outbox")
            return
        loop = asyncio.get_running_loop()
        if loop not in self._loops:
            state = _Loop(asyncio.Event())
            state.task = asyncio.create_task(self._run(state), name="mail-sender")
            self._loops[loop] = state

    def running(self) -> bool:
        """Whether this event loop's sender is delivering (readiness): started, and its task has not ended."""
        try:
            state = self._loops.get(asyncio.get_running_loop())
        except RuntimeError:
            return False
        return state is not None and state.task is not None and not state.task.done() and not state.stopping

    async def stop(self) -> None:
        """Stop this loop's sender after the message it is delivering (an on_shutdown hook)."""
        state = self._loops.pop(asyncio.get_running_loop(), None)
        if state is not None and state.task is not None:
            state.stopping = True
            state.wake.set()
            await state.task

    async def _run(self, state: _Loop) -> None:
        while not state.stopping:
            report = SendReport()
            await self.run_scheduled()
            try:
                report = await self.send_pending(max_messages=self.batch)  # a batch a round: stop waits for one
                if report.claimed_ids:
                    logger.info("mail: %s", report.line())
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                logger.warning("mail: sending stopped for now (%s)", type(exc).__name__)
            if len(report.claimed_ids) >= self.batch:
                continue  # more may be due
            try:
                await asyncio.wait_for(state.wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass
            state.wake.clear()


@dataclass
class _Loop:
    wake: asyncio.Event
    stopping: bool = False
    task: asyncio.Task | None = None
