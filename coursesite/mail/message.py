"""What a message is, how it becomes an e-mail, and when a failed delivery is tried again. Pure: no database, no
network (the outbox is mail/outbox.py, the delivery mail/sender.py, the SMTP client mail/transport.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum
from typing import Any


class MailKind(StrEnum):
    TRANSACTIONAL = "transactional"  # caused by something the person did or is owed: confirmations, notices
    MARKETING = "marketing"  # newsletters and offers: needs an unsubscribe link (RFC 8058)


class MailStatus(StrEnum):
    QUEUED = "queued"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a sender until its lease runs out
    SENT = "sent"  # accepted by the SMTP server
    FAILED = "failed"  # refused for good, or out of attempts: last_error says why
    PRINTED = "printed"  # no SMTP server configured (development): written to the console, not sent


# Done with: delivered, refused for good, or shown on the console. Retention acts on these only; a queued message is
# left to be delivered. (An erasure deletes the person's queued messages too; its own notice is queued after that.)
DONE_STATUSES = (MailStatus.SENT.value, MailStatus.FAILED.value, MailStatus.PRINTED.value)

STATUS_LABELS_SV = {
    MailStatus.QUEUED: "I kö",
    MailStatus.SENDING: "Skickas",
    MailStatus.SENT: "Skickat",
    MailStatus.FAILED: "Misslyckades",
    MailStatus.PRINTED: "Utskrivet i konsolen (ingen SMTP-server)",
}

MAX_ADDRESS_LENGTH = 254
MAX_SUBJECT_LENGTH = 200
MAX_ERROR_LENGTH = 500
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
# Headers are not folded (RFC 5322 allows 998 characters a line): a folded List-Unsubscribe URL is where mail
# clients go wrong.
MESSAGE_POLICY = policy.default.clone(max_line_length=998)
_TEMPLATE = re.compile(r"[a-z0-9_]+(?:/[a-z0-9_]+)*")

# Retries: a temporary failure (a 4xx reply, a connection error) waits BASE_DELAY, doubling each time up to
# MAX_DELAY; after MAX_ATTEMPTS attempts the message fails. 1, 2, 4, … 64 minutes: about two hours in all, which
# outlasts greylisting and a short outage, and a person waiting for a reset link is told by the page to ask again.
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=2)
# A claimed message is the claimer's until its lease ends; a sender that died mid-delivery leaves it to be claimed
# again after this (the message may then be sent twice: at least once, never lost).
LEASE = timedelta(minutes=5)


def valid_address(address: object) -> bool:
    """A plain address (local@domain with a dot in the domain), ASCII, without display name, comments or line
    breaks: what a form or an account holds."""
    return isinstance(address, str) and len(address) <= MAX_ADDRESS_LENGTH and _ADDRESS.fullmatch(address) is not None


def valid_template(name: object) -> bool:
    return isinstance(name, str) and len(name) <= 100 and _TEMPLATE.fullmatch(name) is not None


@dataclass(frozen=True)
class AttachmentRef:
    """A document to attach, by reference: the sender asks the source registered for `kind` (mail/build.py) to
    render it when it delivers, so the outbox holds the reference, never the bytes."""

    kind: str  # the source, e.g. "invoice_pdf"
    ref: str  # what it renders, e.g. an invoice number

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref}


@dataclass(frozen=True)
class Attachment:
    """A rendered attachment, as the sender adds it to the message."""

    filename: str
    content_type: str  # "application/pdf"
    data: bytes


_ATTACHMENT_KIND = re.compile(r"[a-z_]{1,30}")
MAX_ATTACHMENT_REF = 100


@dataclass(frozen=True)
class Mail:
    """A message to queue (MailOutbox.queue). `template` names templates/mail/<template>.txt and .html; `context` is
    what they show (no more personal data than the message needs). A marketing message needs `unsubscribe_url`."""

    to: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    kind: MailKind = MailKind.TRANSACTIONAL
    unsubscribe_url: str | None = None
    account_id: int | None = None  # whose message it is, for the access export; None for someone without an account
    attachments: tuple[AttachmentRef, ...] = ()  # rendered by the sender at delivery (see AttachmentRef)

    def problems(self) -> list[str]:
        """What is wrong with the message, in English for the developer who wrote the call (empty when fine)."""
        found = []
        if not valid_address(self.to):
            found.append("`to` is not a plain e-mail address")
        if not valid_template(self.template):
            found.append("`template` is a name such as 'verify_email' or 'account/password_reset'")
        if MailKind(self.kind) is MailKind.MARKETING and not self.unsubscribe_url:
            found.append("a marketing message needs an unsubscribe_url (RFC 8058)")
        if self.unsubscribe_url is not None and not self.unsubscribe_url.startswith(("https://", "http://")):
            found.append("`unsubscribe_url` must be an absolute http(s) URL")
        for attachment in self.attachments:
            if not _ATTACHMENT_KIND.fullmatch(attachment.kind) or not 0 < len(attachment.ref) <= MAX_ATTACHMENT_REF:
                found.append("an attachment is a kind such as 'invoice_pdf' and a short reference")
        return found


def unsubscribe_headers(url: str | None) -> dict[str, str]:
    """RFC 2369 and RFC 8058: a one-click unsubscribe the mail client can offer (a POST to the URL, no login)."""
    if not url:
        return {}
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def one_line(text: str, limit: int) -> str:
    """A header value: line breaks and runs of white space become one space (no header injection), bounded."""
    return " ".join(text.split())[:limit]


def build_message(
    *,
    sender: tuple[str, str],
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    headers: dict[str, str],
    message_id: str,
    date: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """The e-mail as sent: plain text, with the HTML as an alternative when there is one (multipart/alternative),
    and the attachments after them (multipart/mixed)."""
    message = EmailMessage(policy=MESSAGE_POLICY)
    display, address = sender
    local, _, domain = address.partition("@")
    message["From"] = Address(display_name=display, username=local, domain=domain)
    message["To"] = recipient
    message["Subject"] = one_line(subject, MAX_SUBJECT_LENGTH)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back to us
    for name, value in headers.items():
        message[name] = one_line(value, 998)
    message.set_content(text, subtype="plain", charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message


def attachment_refs(stored: object) -> list[AttachmentRef]:
    """The references an outbox row keeps (JSON text on SQLite, parsed on PostgreSQL), the malformed left out."""
    value = json.loads(stored or "[]") if isinstance(stored, str) else stored
    if not isinstance(value, list):
        return []
    return [
        AttachmentRef(str(item["kind"]), str(item["ref"]))
        for item in value
        if isinstance(item, dict) and "kind" in item and "ref" in item
    ]


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts (1 = the first one failed); None when they are used up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = BASE_DELAY * (2 ** max(0, attempts - 1))
    return now + min(delay, MAX_DELAY)


def is_permanent(code: int | None) -> bool:
    """An SMTP reply code that will not change by trying again (5xx). None (no reply: a connection error, a time-out)
    is temporary."""
    return code is not None and 500 <= code <= 599


def error_text(reason: str, recipient: str) -> str:
    """What last_error keeps: the SMTP reply or the kind of error, with the recipient's address taken out (replies
    often repeat it) and bounded."""
    cleaned = " ".join(reason.split())
    if recipient:
        cleaned = re.sub(re.escape(recipient), "<mottagaren>", cleaned, flags=re.IGNORECASE)
    return cleaned[:MAX_ERROR_LENGTH]
