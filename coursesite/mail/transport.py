"""How a message leaves: over SMTP (aiosmtplib), or printed to the console when no SMTP server is configured
(development only: a printed message holds personal data, which never goes to a production log)."""

from __future__ import annotations

import sys
from email.message import EmailMessage
from typing import Protocol, TextIO

import aiosmtplib

from coursesite.mail.message import MESSAGE_POLICY, is_permanent
from coursesite.settings import SmtpUrl

SMTP_TIMEOUT_SECONDS = 30


class DeliveryFailed(Exception):
    """The server did not take the message. `permanent`: trying again will not help (a 5xx reply)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Transport(Protocol):
    sends: bool  # False: the message is only shown (console), and its row is marked printed, not sent

    async def deliver(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    sends = True

    def __init__(self, url: SmtpUrl, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout

    async def deliver(self, message: EmailMessage) -> None:
        # Flattened here, not by aiosmtplib (whose SMTP policy folds headers at 78 characters): see MESSAGE_POLICY.
        raw = message.as_bytes(policy=MESSAGE_POLICY.clone(linesep="\r\n"))
        sender = message["From"].addresses[0].addr_spec
        try:
            await aiosmtplib.send(
                raw,
                sender=sender,
                recipients=[str(message["To"])],
                hostname=self.url.host,
                port=self.url.port,
                username=self.url.username,
                password=self.url.password,
                use_tls=self.url.security == "tls",
                start_tls=self.url.security == "starttls",
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0] if exc.recipients else None
            code = refused.code if refused is not None else None
            text = f"{code} {refused.message}" if refused is not None else "recipient refused"
            raise DeliveryFailed(text, permanent=is_permanent(code)) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"{exc.code} {exc.message}", permanent=is_permanent(exc.code)) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # No reply to go by (refused connection, time-out, TLS): temporary.
            raise DeliveryFailed(type(exc).__name__, permanent=False) from None


class ConsoleTransport:
    """Development without COURSESITE_SMTP_URL: the message is printed where `make run` shows its output."""

    sends = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def deliver(self, message: EmailMessage) -> None:
        stream = self.stream or sys.stdout
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        stream.write(
            "\n----- e-post (utkorgen, ej skickat: COURSESITE_SMTP_URL saknas) -----\n"
            f"Till: {message['To']}\nÄmne: {message['Subject']}\n"
            + "".join(f"{name}: {message[name]}\n" for name in ("List-Unsubscribe",) if message[name])
            + "".join(f"Bilaga: {part.get_filename()}\n" for part in message.iter_attachments())
            + f"\n{text}\n----- slut -----\n"
        )
        stream.flush()
