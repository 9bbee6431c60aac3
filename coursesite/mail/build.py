"""Builds the outbox and the sender from the settings: create_app and the `coursesite mail` commands use this one."""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Environment
from piccolo.engine.base import Engine

from coursesite.mail.composer import MailComposer
from coursesite.mail.outbox import MailOutbox
from coursesite.mail.sender import AttachmentSource, MailSender
from coursesite.mail.transport import ConsoleTransport, SmtpTransport, Transport
from coursesite.privacy.audit import AuditLog
from coursesite.settings import Settings, parse_mail_from


def transport_for(settings: Settings) -> Transport | None:
    """SMTP when COURSESITE_SMTP_URL is set; otherwise the console outside production, and nothing in production
    (the messages wait in the outbox: a printed message would put personal data in a production log)."""
    smtp = settings.smtp
    if smtp is not None:
        return SmtpTransport(smtp)
    if settings.environment == "production":
        return None
    return ConsoleTransport()


def build_mail(
    settings: Settings,
    engine: Engine,
    environment: Environment,
    *,
    transport: Transport | None = None,
    audit: AuditLog | None = None,
    attachments: Mapping[str, AttachmentSource] | None = None,
) -> tuple[MailOutbox, MailSender]:
    """The outbox and its sender; `attachments` renders what messages attach by reference (create_app: the invoice
    and credit-note PDFs, billing/mail.py)."""
    mail_from = parse_mail_from(settings.mail_from)
    outbox = MailOutbox(MailComposer(environment, public_url=settings.base_url), mail_from=mail_from, audit=audit)
    sender = MailSender(
        engine,
        transport if transport is not None else transport_for(settings),
        mail_from=mail_from,
        poll_seconds=settings.mail_poll_seconds,
        attachments=attachments,
    )
    return outbox, sender
