"""Payment reminders (påminnelser) of overdue invoices, as billing.toml [reminders] says: the first a number of days
after the due date, then one every interval, at most a number of times, with the optional reminder fee.

`next_reminder` is the rule (pure). `ReminderService.send_due` finds the invoices it picks and, one invoice per
transaction, records the reminder (`invoice_reminder`) and queues its message together. A paid or fully credited
invoice is never reminded (only status `overdue` is: billing/status.py). Running it twice, or in two workers at once,
sends nothing twice: the reminder's (invoice, sequence) is unique (migration m0020) and the rule is checked again
inside the transaction. It runs from the mail sender's loop (every REMINDER_ROUND) and as
`coursesite billing send-reminders`.

The fee is stated in the message and kept on the reminder row; it is never added to the invoice or its ledger
(docs/billing.md says how finance books it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.billing.config import BillingConfig, ReminderConfig
from coursesite.billing.ledger import InvoiceView, LedgerService
from coursesite.billing.mail import BillingMail
from coursesite.billing.status import InvoiceStatus
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import NotFound
from coursesite.core.formatting import to_stockholm
from coursesite.db.billing import Invoice, InvoiceReminder
from coursesite.db.engine import write_transaction

logger = logging.getLogger("coursesite.billing")

REMINDER_ROUND = timedelta(hours=1)  # how often the sender loop looks for reminders due
PAY_WITHIN_DAYS = 10  # "Betala senast": this many days after the reminder


def next_reminder(
    config: ReminderConfig, *, due_date: date | None, on: date, sent: int, last_sent_on: date | None
) -> int | None:
    """The sequence number of the reminder due `on` for an overdue invoice that has had `sent` reminders (the last
    on `last_sent_on`), or None when none is due. Pure."""
    if due_date is None or sent >= config.max_reminders:
        return None
    if sent == 0:
        return 1 if on >= due_date + timedelta(days=config.days_after_due) else None
    if last_sent_on is None or on < last_sent_on + timedelta(days=config.interval_days):
        return None
    return sent + 1


@dataclass(frozen=True)
class ReminderView:
    number: str  # the invoice's
    sequence: int
    sent_at: datetime
    fee_ore: int


@dataclass
class ReminderReport:
    """What one round did, as counts (never a name or an address)."""

    queued: int = 0
    without_address: int = 0

    def line(self) -> str:
        return f"{self.queued} reminder(s) queued, {self.without_address} invoice(s) without an address"


class ReminderService:
    def __init__(self, engine: Engine, config: BillingConfig, ledger: LedgerService, mail: BillingMail) -> None:
        self.engine = engine
        self.config = config.reminders
        self.ledger = ledger
        self.mail = mail

    async def send_due(self) -> ReminderReport:
        """Record and queue every reminder due today."""
        report = ReminderReport()
        if self.config.max_reminders == 0:
            return report
        on = today()
        overdue = await self.ledger.invoices(status=InvoiceStatus.OVERDUE, limit=None)
        reminded = await self._reminded([view.id for view in overdue])
        for view in overdue:
            sent, last = reminded.get(view.id, (0, None))
            if next_reminder(self.config, due_date=view.due_date, on=on, sent=sent, last_sent_on=last) is None:
                continue
            outcome = await self._remind(view.number, on)
            if outcome == "queued":
                report.queued += 1
            elif outcome == "no address":
                report.without_address += 1
        if report.queued or report.without_address:
            logger.info("billing: %s", report.line())
        return report

    async def _remind(self, number: str, on: date) -> str:
        try:
            return await self._remind_one(number, on)
        except _NoAddress:
            return "no address"

    async def _remind_one(self, number: str, on: date) -> str:
        """One invoice, in one transaction: the rule checked again on fresh data, the reminder row, its message."""
        async with write_transaction(self.engine):
            view = await self.ledger.invoice_view(number)
            if view.status is not InvoiceStatus.OVERDUE:
                return "not due"
            sent, last = (await self._reminded([view.id])).get(view.id, (0, None))
            sequence = next_reminder(self.config, due_date=view.due_date, on=on, sent=sent, last_sent_on=last)
            if sequence is None:
                return "not due"
            rows = await (
                InvoiceReminder.insert(
                    InvoiceReminder(
                        invoice=view.id, sequence=sequence, sent_at=clock.now(), fee_ore=self.config.fee_ore
                    )
                )
                .on_conflict(action="DO NOTHING")
                .returning(InvoiceReminder.id)
            )
            if not rows:  # another worker recorded it meanwhile
                return "not due"
            queued = await self.mail.reminder(
                view.account_id,
                number=view.number,
                ocr=view.ocr,
                owed_ore=view.owed_ore,
                due_date=view.due_date,
                sequence=sequence,
                fee_ore=self.config.fee_ore,
                pay_by=on + timedelta(days=PAY_WITHIN_DAYS),
            )
            if not queued:
                raise _NoAddress
        return "queued"

    async def _reminded(self, invoice_ids: list[int]) -> dict[int, tuple[int, date | None]]:
        """How many reminders each invoice has had, and the day of the last one."""
        found: dict[int, tuple[int, date | None]] = {}
        for start in range(0, len(invoice_ids), 5000):  # bounded: SQLite's parameter limit
            part = invoice_ids[start : start + 5000]
            rows = await InvoiceReminder.select(
                InvoiceReminder.invoice, InvoiceReminder.sequence, InvoiceReminder.sent_at
            ).where(InvoiceReminder.invoice.is_in(part))
            for row in rows:
                count, last = found.get(row["invoice"], (0, None))
                day = to_stockholm(row["sent_at"]).date()
                found[row["invoice"]] = (count + 1, max(last, day) if last else day)
        return found

    # -- what finance sees

    async def reminders_of(self, reader: Principal, number: str) -> list[ReminderView]:
        """The reminders of one invoice, oldest first. Audited: a read on the buyer's account."""
        rows = await Invoice.select(Invoice.id, Invoice.account).where(Invoice.number == number)
        if not rows:
            raise NotFound("Fakturan finns inte.")
        await self.ledger.audit.record(
            reader.account_id,
            "read",
            subject_account=rows[0]["account"],
            what=f"invoice {number}: påminnelser (när och avgift)",
            why="ekonomi: påminnelser",
        )
        reminders = await (
            InvoiceReminder.select(InvoiceReminder.sequence, InvoiceReminder.sent_at, InvoiceReminder.fee_ore)
            .where(InvoiceReminder.invoice == rows[0]["id"])
            .order_by(InvoiceReminder.sequence)
        )
        return [ReminderView(number, r["sequence"], r["sent_at"], r["fee_ore"]) for r in reminders]

    async def summary(self, views: list[InvoiceView]) -> dict[int, tuple[int, date | None]]:
        """For a list finance already sees: invoice id -> (reminders sent, the day of the last)."""
        return await self._reminded([view.id for view in views])


class _NoAddress(Exception):
    """Rolls the reminder row back: an invoice whose account is gone is not recorded as reminded."""
