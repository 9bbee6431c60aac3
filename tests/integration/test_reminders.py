"""Payment reminders on both engines (billing/reminders.py): due a configured number of days after the due date,
then every interval, never beyond the maximum, never for a paid or fully credited invoice, idempotent when run twice
or by two workers at once; the message states the amount, OCR, bankgiro, due date and fee; the fee never reaches the
invoice's ledger. Also `coursesite billing send-reminders`."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from coursesite.accounts.roles import Role
from coursesite.billing.config import DEFAULT_PATH, ReminderConfig, load_billing_config
from coursesite.billing.mail import BillingMail
from coursesite.billing.reminders import ReminderService
from coursesite.billing.status import InvoiceStatus
from coursesite.cli import main
from coursesite.core import clock
from coursesite.db.billing import Invoice, InvoiceReminder, Payment
from coursesite.db.mail import OutboxMessage
from tests.conftest import TEST_SECRET, accounts, run_in_own_loop
from tests.support import PRIVATE, invoicing_for_tests, outbox_for_tests

FEE = 6000
REMINDERS = ReminderConfig(days_after_due=7, max_reminders=2, interval_days=14, fee_ore=FEE)


@pytest.fixture
def config():
    return dataclasses.replace(load_billing_config(), reminders=REMINDERS)


@pytest.fixture
def billing(db, config):
    invoicing = invoicing_for_tests(db, config)
    reminders = ReminderService(db, config, invoicing.ledger, BillingMail(outbox_for_tests(), config))
    return invoicing, reminders


async def enrolled(invoicing, email: str):
    principal = await accounts.register(email=email, password="ett-bra-losenord", first_name="Anna", last_name="Berg")
    return await invoicing.enrol(principal, **PRIVATE)


async def pay(number: str, amount_ore: int) -> None:
    [row] = await Invoice.select(Invoice.id).where(Invoice.number == number)
    await Payment.insert(
        Payment(
            invoice=row["id"],
            amount_ore=amount_ore,
            payment_date=clock.today(),
            source="manual",
            created_at=clock.now(),
        )
    )


async def reminded() -> list[tuple[str, int, int]]:
    rows = await InvoiceReminder.select(
        InvoiceReminder.invoice.number, InvoiceReminder.sequence, InvoiceReminder.fee_ore
    ).order_by(InvoiceReminder.id)
    return [(row["invoice.number"], row["sequence"], row["fee_ore"]) for row in rows]


async def reminder_mails() -> list[dict]:
    return await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body_text, OutboxMessage.kind).where(
        OutboxMessage.template == "billing/reminder"
    )


async def test_reminders_follow_the_configuration_and_skip_paid_and_credited_invoices(db, billing, frozen):
    invoicing, reminders = billing
    unpaid = await enrolled(invoicing, "obetald@example.se")
    paid = await enrolled(invoicing, "betald@example.se")
    credited = await enrolled(invoicing, "krediterad@example.se")
    partly = await enrolled(invoicing, "delvis@example.se")
    await pay(paid.number, paid.total_ore)
    await pay(partly.number, 500_000)
    finance = await accounts.create_staff(
        email="ekonomi@balansekonomi.se", role=Role.FINANCE, password="ett-bra-losenord", first_name="E", last_name="K"
    )
    await invoicing.credit(finance, credited.number, amount_ore=None, reason="Ångrade sig")
    assert unpaid.due_date is not None
    start, start_day = frozen["now"], clock.today()

    def on(day: date) -> None:
        frozen["now"] = start + (day - start_day)  # the same time of day, on that date

    on(unpaid.due_date + timedelta(days=6))
    assert (await reminders.send_due()).queued == 0

    on(unpaid.due_date + timedelta(days=7))
    assert (await reminders.send_due()).queued == 2
    assert (await reminders.send_due()).queued == 0  # run twice: nothing twice
    assert sorted(await reminded()) == sorted([(unpaid.number, 1, FEE), (partly.number, 1, FEE)])

    on(unpaid.due_date + timedelta(days=20))
    assert (await reminders.send_due()).queued == 0  # the interval has not passed
    on(unpaid.due_date + timedelta(days=21))
    assert (await reminders.send_due()).queued == 2
    on(unpaid.due_date + timedelta(days=80))
    assert (await reminders.send_due()).queued == 0  # never beyond the maximum
    assert len(await reminded()) == 4

    mails = await reminder_mails()
    assert len(mails) == 4 and {m["kind"] for m in mails} == {"transactional"}
    second = next(m for m in mails if m["subject"] == f"Påminnelse 2: faktura {unpaid.number}")
    text = second["body_text"]
    assert unpaid.ocr and unpaid.ocr in text and "5050-1055" in text
    assert "Kvar att betala: 12\xa0500,00\xa0kr" in text and "Påminnelseavgift: 60,00\xa0kr" in text
    assert "Totalt: 12\xa0560,00\xa0kr" in text
    partly_mail = next(m for m in mails if partly.number in m["subject"])
    assert "Kvar att betala: 7\xa0500,00\xa0kr" in partly_mail["body_text"]

    # the fee is the reminder's, never the invoice's: the ledger and the status stay as they were
    view = await invoicing.ledger.invoice_view(unpaid.number)
    assert (view.total_ore, view.owed_ore, view.status) == (unpaid.total_ore, unpaid.total_ore, InvoiceStatus.OVERDUE)
    assert [row.balance_ore for row in await invoicing.ledger.ledger(view.account_id)] == [unpaid.total_ore]


async def test_paying_after_the_first_reminder_stops_the_next(db, billing, frozen):
    invoicing, reminders = billing
    issued = await enrolled(invoicing, "anna@example.se")
    assert issued.due_date is not None
    frozen["now"] += timedelta(days=(issued.due_date - clock.today()).days + 7)
    assert (await reminders.send_due()).queued == 1
    await pay(issued.number, issued.total_ore)
    frozen["now"] += timedelta(days=30)
    assert (await reminders.send_due()).queued == 0
    assert await reminded() == [(issued.number, 1, FEE)]


async def test_two_workers_at_once_remind_each_invoice_once(db, billing, frozen):
    invoicing, reminders = billing
    issued = [await enrolled(invoicing, f"p{n}@example.se") for n in range(6)]
    assert issued[0].due_date is not None
    frozen["now"] += timedelta(days=(issued[0].due_date - clock.today()).days + 7)
    reports = await asyncio.gather(reminders.send_due(), reminders.send_due())
    assert sum(report.queued for report in reports) == 6
    assert sorted(number for number, _, _ in await reminded()) == sorted(i.number for i in issued)
    assert len(await reminder_mails()) == 6


def test_the_command_queues_what_is_due_once(db, database_url, tmp_path, frozen):
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    path = tmp_path / "billing.toml"
    path.write_text(text.replace("fee_ore = 0 ", f"fee_ore = {FEE} "), encoding="utf-8")
    config = load_billing_config(path)
    assert config.reminders.fee_ore == FEE
    invoicing = invoicing_for_tests(db, config)
    issued = run_in_own_loop(enrolled(invoicing, "anna@example.se"))
    assert issued.due_date is not None
    frozen["now"] += timedelta(days=(issued.due_date - clock.today()).days + config.reminders.days_after_due)
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
        "COURSESITE_BILLING_CONFIG": str(path),
    }
    first = CliRunner().invoke(main, ["billing", "send-reminders"], env=env)
    assert first.exit_code == 0, first.output
    assert "Reminders: 1 reminder(s) queued, 0 invoice(s) without an address." in first.output
    again = CliRunner().invoke(main, ["billing", "send-reminders"], env=env)
    assert again.exit_code == 0 and "Reminders: 0 reminder(s) queued" in again.output
    assert run_in_own_loop(reminded()) == [(issued.number, 1, FEE)]
    assert "anna@example.se" not in first.output + again.output  # counts only

    off = tmp_path / "off.toml"
    off.write_text(text[: text.index("[reminders]")], encoding="utf-8")
    result = CliRunner().invoke(main, ["billing", "send-reminders"], env=env | {"COURSESITE_BILLING_CONFIG": str(off)})
    assert result.exit_code == 0 and "Reminders are off" in result.output
