"""The outbox and the sender on both engines, against a real SMTP server (aiosmtpd) in the test process: a
committed change sends exactly once, a rolled-back one nothing, also with two senders at once; retries back off;
refusals fail with the reason; the retention job drops the bodies and later the log."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from datetime import timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader
from piccolo.engine.postgres import PostgresEngine

from coursesite.accounts.tokens import TokenService
from coursesite.billing.config import load_billing_config
from coursesite.billing.issuing import InvoicingService
from coursesite.billing.ledger import LedgerService
from coursesite.billing.mail import INVOICE_PDF, BillingMail, InvoicePdfSource
from coursesite.core.tokens import TokenPurpose
from coursesite.db.billing import Invoice
from coursesite.db.engine import write_transaction
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.mail.build import build_mail
from coursesite.mail.message import (
    LEASE,
    MAX_ATTEMPTS,
    Attachment,
    AttachmentRef,
    Mail,
    MailKind,
    attachment_refs,
)
from coursesite.mail.transport import ConsoleTransport
from coursesite.pdf import PdfRenderer
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.retention import run_retention
from coursesite.web.templating import build_environment
from tests.conftest import PASSWORD, PUBLIC_URL, TEST_SECRET, accounts
from tests.support import PRIVATE, TEST_CATALOGUE, links, make_account

EXTRA_TEMPLATES = {
    # A message with a token link, as the features built on the outbox send them.
    "mail/confirm_test.txt": (
        '{% extends "mail/base.txt" %}{% set subject = "Bekräfta, " ~ first_name %}'
        "{% block body %}Hej {{ first_name }}!\n\nBekräfta här: {{ link }}{% endblock %}"
        "{% block reason %}Du får det för att du bad om det.{% endblock %}"
    ),
}


@pytest.fixture
def mail(db, smtp_settings):
    """(outbox, sender) on the test database, delivering to smtp_server."""
    from coursesite.web.templating import build_environment

    environment = build_environment(company_name="Balansekonomi Svenska AB")
    environment.loader = ChoiceLoader([DictLoader(EXTRA_TEMPLATES), environment.loader])
    return build_mail(smtp_settings, db, environment)


def test_mail(to: str = "anna@example.se", **overrides) -> Mail:
    return Mail(to=to, template="test_message", **overrides)


test_mail.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


async def statuses() -> list[tuple[str, int]]:
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)
    return [(row["status"], row["attempts"]) for row in rows]


async def test_a_committed_message_is_sent_once_with_its_headers(db, mail, smtp_server):
    outbox, sender = mail
    async with write_transaction(db):
        await outbox.queue(test_mail())
    report = await sender.send_pending()
    assert (report.sent, report.failed) == (1, 0)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["From"] == "Kurssajten <kurs@balansekonomi.se>"
    assert message["To"] == "anna@example.se"
    assert message["Subject"] == "Testmeddelande från Kurssajten"
    assert message["Message-ID"].endswith("@balansekonomi.se>")
    assert message["Date"].datetime is not None
    assert message["List-Unsubscribe"] is None
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert smtp_server.envelopes == [("kurs@balansekonomi.se", ["anna@example.se"])]
    assert await statuses() == [("sent", 1)]
    row = (await OutboxMessage.select(OutboxMessage.sent_at, OutboxMessage.message_id))[0]
    assert row["sent_at"] is not None and row["message_id"] == message["Message-ID"]
    assert (await sender.send_pending()).claimed_ids == []  # nothing twice
    assert len(smtp_server.messages) == 1


async def test_a_rolled_back_change_queues_nothing(db, mail, smtp_server):
    outbox, sender = mail
    with pytest.raises(RuntimeError):
        async with write_transaction(db):
            await outbox.queue(test_mail())
            raise RuntimeError("the change failed")
    assert await OutboxMessage.count() == 0
    await sender.send_pending()
    assert smtp_server.messages == []


class FailingAfterQueueing(BillingMail):
    """The enrolment's message is queued, then the enrolment fails (the last step of its transaction)."""

    async def invoice_issued(self, account_id: int, **document) -> bool:
        await super().invoice_issued(account_id, **document)
        raise RuntimeError("the enrolment failed after its message was queued")


async def test_a_rolled_back_enrolment_sends_nothing_and_a_committed_one_exactly_once(
    db, mail, smtp_settings, smtp_server
):
    """The same for a real change: the enrolment's confirmation (with its invoice attached by reference, rendered by
    the sender) is part of the enrolment's transaction."""
    outbox, _ = mail
    config = load_billing_config()
    ledger = LedgerService(AuditLog())
    pdf = PdfRenderer(build_environment(company_name=config.seller.name), workers=1)
    try:
        sender = build_mail(
            smtp_settings, db, pdf.environment, attachments={INVOICE_PDF: InvoicePdfSource(ledger, pdf)}
        )[1]
        anna = await accounts.register(email="anna@example.se", password=PASSWORD, first_name="Anna", last_name="B")
        failing = InvoicingService(db, config, ledger, FailingAfterQueueing(outbox, config))
        with pytest.raises(RuntimeError):
            await failing.enrol(anna, **PRIVATE)
        assert await OutboxMessage.count() == 0 and await Invoice.count() == 0
        await sender.send_pending()
        assert smtp_server.messages == []

        issued = await InvoicingService(db, config, ledger, BillingMail(outbox, config)).enrol(anna, **PRIVATE)
        assert (await sender.send_pending()).sent == 1
        assert (await sender.send_pending()).claimed_ids == []  # nothing twice
        [message] = smtp_server.to("anna@example.se")
        [attached] = list(message.iter_attachments())
        assert attached.get_filename() == f"faktura-{issued.number}.pdf"
        assert attached.get_content().startswith(b"%PDF")
    finally:
        pdf.close()


async def test_an_attachment_that_cannot_be_rendered_is_tried_again_and_an_unknown_one_fails(db, mail, smtp_server):
    outbox, sender = mail
    calls = []

    async def broken(ref: str) -> Attachment:
        calls.append(ref)
        raise OSError("the renderer is gone")

    with_source = type(sender)(db, sender.transport, mail_from=sender.mail_from, attachments={"invoice_pdf": broken})
    await outbox.queue(test_mail(attachments=(AttachmentRef("invoice_pdf", "2026-00001"),)))
    await outbox.queue(test_mail("bo@example.se", attachments=(AttachmentRef("unknown_pdf", "x"),)))
    report = await with_source.send_pending()
    assert (report.retried, report.failed, report.sent) == (1, 1, 0) and calls == ["2026-00001"]
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.last_error).order_by(OutboxMessage.id)
    assert [(row["status"], row["last_error"]) for row in rows] == [
        ("queued", "attachment invoice_pdf: OSError"),
        ("failed", "attachment unknown_pdf: no source"),
    ]
    assert smtp_server.messages == []


async def test_the_sender_loop_runs_its_scheduled_jobs_and_outlives_a_failing_one(db, mail, frozen):
    _, sender = mail
    runs: list[str] = []

    async def job() -> None:
        runs.append("ran")

    async def failing() -> None:
        raise RuntimeError("no database")

    scheduled = type(sender)(db, sender.transport, mail_from=sender.mail_from)
    scheduled.schedule("failing", failing, every=timedelta(hours=1))
    scheduled.schedule("reminders", job, every=timedelta(hours=1))
    await scheduled.run_scheduled()
    await scheduled.run_scheduled()  # not due again yet
    assert runs == ["ran"]
    frozen["now"] += timedelta(hours=1)
    await scheduled.run_scheduled()
    assert runs == ["ran", "ran"]


async def test_a_marketing_message_has_a_one_click_unsubscribe(db, mail, smtp_server):
    outbox, sender = mail
    tokens = TokenService(db, secret=TEST_SECRET)
    url = f"{PUBLIC_URL}/avsluta?token={tokens.unsubscribe_token('p:7')}"
    await outbox.queue(test_mail(kind=MailKind.MARKETING, unsubscribe_url=url))
    await sender.send_pending()
    message = smtp_server.messages[0]
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = links(message, PUBLIC_URL)[-1].split("token=")[1]
    assert tokens.read_unsubscribe(token) == "p:7"
    with pytest.raises(ValueError, match="unsubscribe_url"):
        await outbox.queue(test_mail(kind=MailKind.MARKETING))


async def test_a_token_link_survives_the_trip(db, mail, smtp_server):
    outbox, sender = mail
    tokens = TokenService(db, secret=TEST_SECRET)
    account_id = await make_account("vera@example.se", first_name="Vera")
    async with write_transaction(db):
        token = await tokens.issue(TokenPurpose.VERIFY_EMAIL, account_id=account_id, email="vera@example.se")
        link = outbox.link(f"/bekrafta-epost?token={token}")
        await outbox.queue(
            Mail(
                to="vera@example.se",
                template="confirm_test",
                context={"first_name": "Vera", "link": link},
                account_id=account_id,
            )
        )
    await sender.send_pending()
    [message] = smtp_server.to("vera@example.se")
    assert message["Subject"] == "Bekräfta, Vera"
    [path] = [found for found in links(message, PUBLIC_URL) if found.startswith("/bekrafta-epost")]
    grant = await tokens.consume(TokenPurpose.VERIFY_EMAIL, path.split("token=")[1])
    assert grant is not None and grant.account_id == account_id
    assert message.get_content_type() == "text/plain"  # no .html template: plain text only


async def test_two_senders_at_once_send_every_message_exactly_once(db, mail, smtp_server):
    outbox, sender = mail
    addresses = [f"person{n}@example.se" for n in range(24)]
    async with write_transaction(db):
        for address in addresses:
            await outbox.queue(test_mail(address))
    first = type(sender)(db, sender.transport, mail_from=sender.mail_from, batch=3)
    second = type(sender)(db, sender.transport, mail_from=sender.mail_from, batch=3)
    reports = await asyncio.gather(first.send_pending(), second.send_pending())
    claimed = reports[0].claimed_ids + reports[1].claimed_ids
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == len(addresses)
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(addresses)
    assert await statuses() == [("sent", 1)] * len(addresses)


async def test_postgres_claimers_skip_each_others_locked_rows(db, mail, smtp_server):
    if not isinstance(db, PostgresEngine):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite's single writer serialises the claims (the test above)")
    outbox, sender = mail
    for n in range(6):
        await outbox.queue(test_mail(f"person{n}@example.se"))
    first_claimed = asyncio.Event()
    release = asyncio.Event()
    held: list[int] = []

    async def hold_a_claim():
        # A claim transaction left open: its rows stay locked while the second claimer runs.
        async with db.transaction():
            rows = (
                await OutboxMessage.select(OutboxMessage.id)
                .order_by(OutboxMessage.id)
                .limit(3)
                .lock_rows("UPDATE", skip_locked=True)
            )
            held.extend(row["id"] for row in rows)
            first_claimed.set()
            await release.wait()

    async def claim_meanwhile():
        await first_claimed.wait()
        try:
            return [row["id"] for row in await sender.claim(10)]
        finally:
            release.set()

    _, second = await asyncio.gather(hold_a_claim(), claim_meanwhile())
    assert len(held) == 3 and len(second) == 3 and not set(held) & set(second)


async def test_a_temporary_refusal_is_retried_with_backoff(db, mail, smtp_server, frozen):
    outbox, sender = mail
    await outbox.queue(test_mail())
    smtp_server.refuse("451 4.3.0 <anna@example.se> greylisted, try again later")
    report = await sender.send_pending()
    assert (report.sent, report.retried) == (0, 1)
    row = (await OutboxMessage.select())[0]
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert row["last_error"].startswith("451") and "anna@example.se" not in row["last_error"]
    assert row["next_attempt_at"] == frozen["now"] + timedelta(minutes=1)
    assert (await sender.send_pending()).claimed_ids == []  # not due yet
    frozen["now"] += timedelta(minutes=1)
    assert (await sender.send_pending()).sent == 1
    assert await statuses() == [("sent", 2)]
    assert len(smtp_server.messages) == 1


async def test_a_permanent_refusal_fails_at_once_with_the_reason(db, mail, smtp_server):
    outbox, sender = mail
    await outbox.queue(test_mail())
    smtp_server.refuse("550 5.1.1 <anna@example.se>: Recipient address rejected")
    assert (await sender.send_pending()).failed == 1
    row = (await OutboxMessage.select())[0]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert row["last_error"] == "550 5.1.1 <<mottagaren>>: Recipient address rejected"
    assert smtp_server.messages == []


async def test_after_the_last_attempt_the_message_fails(db, mail, smtp_server, frozen):
    outbox, sender = mail
    await outbox.queue(test_mail())
    smtp_server.refuse("421 4.7.0 Try again later", times=MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        await sender.send_pending()
        frozen["now"] += timedelta(hours=3)
    assert await statuses() == [("failed", MAX_ATTEMPTS)]
    assert (await OutboxMessage.select(OutboxMessage.last_error))[0]["last_error"].startswith("421")
    assert (await sender.send_pending()).claimed_ids == []


async def test_an_unreachable_server_is_a_temporary_failure(db, mail, smtp_server):
    outbox, sender = mail
    await outbox.queue(test_mail())
    smtp_server.stop()
    assert (await sender.send_pending()).retried == 1
    row = (await OutboxMessage.select())[0]
    assert row["status"] == "queued" and row["last_error"]  # the kind of error, e.g. SMTPConnectError


async def test_a_claim_whose_sender_died_is_taken_again_after_the_lease(db, mail, smtp_server, frozen):
    outbox, sender = mail
    await outbox.queue(test_mail())
    assert len(await sender.claim()) == 1  # claimed, then the sender "dies"
    assert (await sender.send_pending()).claimed_ids == []  # leased
    frozen["now"] += LEASE + timedelta(seconds=1)
    assert (await sender.send_pending()).sent == 1
    assert await statuses() == [("sent", 2)]


async def test_without_smtp_development_prints_the_message(db, settings):
    from coursesite.web.templating import build_environment

    stream = io.StringIO()
    outbox, sender = build_mail(
        settings, db, build_environment(company_name="Balansekonomi Svenska AB"), transport=ConsoleTransport(stream)
    )
    await outbox.queue(test_mail())
    assert (await sender.send_pending()).printed == 1
    assert "Till: anna@example.se" in stream.getvalue() and "Testmeddelande" in stream.getvalue()
    assert await statuses() == [("printed", 1)]


async def test_production_without_smtp_keeps_the_messages_waiting(db, settings):
    from coursesite.web.templating import build_environment

    production = dataclasses.replace(settings, environment="production", public_url=PUBLIC_URL)
    outbox, sender = build_mail(production, db, build_environment(company_name="Balansekonomi Svenska AB"))
    assert sender.transport is None
    await outbox.queue(test_mail())
    assert (await sender.send_pending()).claimed_ids == []
    assert await statuses() == [("queued", 0)]


async def test_retention_drops_bodies_then_the_log_and_spent_tokens(db, mail, smtp_server, frozen):
    outbox, sender = mail
    tokens = TokenService(db, secret=TEST_SECRET)
    await outbox.queue(test_mail(kind=MailKind.MARKETING, unsubscribe_url=PUBLIC_URL + "/avsluta?token=x"))
    await sender.send_pending()
    # as if it had attached an invoice: the reference (an invoice number) goes with the bodies
    await OutboxMessage.update({OutboxMessage.attachments: '[{"kind": "invoice_pdf", "ref": "2026-00001"}]'}).where(
        OutboxMessage.recipient == "anna@example.se"
    )
    await outbox.queue(test_mail("bo@example.se"))  # still queued: kept whole
    used = await tokens.issue(TokenPurpose.VERIFY_EMAIL, email="anna@example.se")
    await tokens.consume(TokenPurpose.VERIFY_EMAIL, used)
    await tokens.issue(TokenPurpose.PASSWORD_RESET, email="anna@example.se")
    await tokens.issue(TokenPurpose.EXPORT_DOWNLOAD, email="anna@example.se")

    frozen["now"] += timedelta(days=2)
    report = await run_retention(db, catalogue=TEST_CATALOGUE)
    assert report.get("outbox_message", "bodies dropped") == 0
    assert report.get("one_time_token") == 2  # the used one (a day after use) and the expired reset
    assert await OneTimeToken.count() == 1

    frozen["now"] += timedelta(days=29)
    report = await run_retention(db, catalogue=TEST_CATALOGUE)
    assert report.get("outbox_message", "bodies dropped") == 1
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert (rows[0]["body_text"], rows[0]["body_html"], rows[0]["bodies_dropped_at"]) == (None, None, frozen["now"])
    assert attachment_refs(rows[0]["attachments"]) == []
    assert rows[0]["recipient"] == "anna@example.se" and rows[0]["subject"]  # the delivery log stays
    assert rows[1]["body_text"]  # the queued one is untouched

    frozen["now"] += timedelta(days=3 * 366)
    report = await run_retention(db, catalogue=TEST_CATALOGUE)
    assert report.get("outbox_message") == 1
    assert [row["recipient"] for row in await OutboxMessage.select(OutboxMessage.recipient)] == ["bo@example.se"]


async def test_an_erasure_takes_the_mail_sent_and_still_queued_and_leaves_its_own_notice_to_be_delivered(
    db, mail, smtp_server
):
    from coursesite.privacy.erasure import erase_account

    outbox, sender = mail
    account_id = await make_account("vera@example.se", first_name="Vera")
    await outbox.queue(test_mail("vera@example.se", account_id=account_id))
    await sender.send_pending()
    await TokenService(db, secret=TEST_SECRET).issue(TokenPurpose.PASSWORD_RESET, email="vera@example.se")
    # still waiting at the erasure: a confirmation link by address, a notice by account
    await outbox.queue(Mail(to="vera@example.se", template="verify_email", context={"first_name": "V", "link": "x"}))
    await outbox.queue(test_mail("vera@example.se", account_id=account_id))
    async with write_transaction(db):
        report = await erase_account(db, account_id=account_id, actor_id=None, case_id=None)
        await outbox.queue(test_mail("vera@example.se"))  # queued after it, e.g. "what was erased"
    assert ("E-post vi har skickat till dig", 3) in report.erased
    assert await OneTimeToken.count() == 0
    rows = await OutboxMessage.select(OutboxMessage.status, OutboxMessage.account, OutboxMessage.template)
    assert rows == [{"status": "queued", "account": None, "template": "test_message"}]
    assert (await sender.send_pending()).sent == 1
    assert len(smtp_server.to("vera@example.se")) == 2  # the one sent before, and the erasure's own
