"""The mail outbox and the one-time tokens its links carry (mail/outbox.py, accounts/tokens.py).

Every column is classified in privacy/registry.py.
"""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from coursesite.db.accounts import Account


class OneTimeToken(Table, tablename="one_time_token"):
    """A single-use link token (core/tokens.py). Only the SHA-256 of the token is stored."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    token_hash = Varchar(length=64, unique=True, index=True)
    purpose = Varchar(length=30)
    account = ForeignKey(Account, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    email = Varchar(length=254, null=True, default=None)  # the address the link was sent to, when it matters
    payload = JSON(default="{}")  # small: ids and values the confirmed action needs (e.g. a new e-mail address)
    created_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    used_at = Timestamptz(null=True, default=None)


class OutboxMessage(Table, tablename="outbox_message"):
    """One e-mail, written in the transaction of the change that causes it, delivered by mail/sender.py.

    status: queued → sending (claimed, until lease_until) → sent | failed; printed when there is no SMTP server
    (development: written to the console instead). The bodies and headers are dropped after delivery plus a short
    period (privacy/retention.py); the rest is the delivery log."""

    id: Serial  # the primary key Piccolo adds; declared for the type checker only
    kind = Varchar(length=20)  # transactional | marketing
    template = Varchar(length=100)  # which message (templates/mail/<template>.txt)
    account = ForeignKey(Account, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    recipient = Varchar(length=254, index=True)
    subject = Varchar(length=200)
    message_id = Varchar(length=250)  # the Message-ID header, the same on every attempt
    body_text = Text(null=True, default=None)  # NULL once dropped by the retention job
    body_html = Text(null=True, default=None)
    headers = JSON(default="{}")  # extra headers: List-Unsubscribe, List-Unsubscribe-Post
    # What to attach, by reference ([{"kind": "invoice_pdf", "ref": "2026-00001"}]): the sender renders it when it
    # delivers (mail/sender.py), so no document's bytes sit in the outbox.
    attachments = JSON(default="[]")
    status = Varchar(length=10, default="queued", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    lease_until = Timestamptz(null=True, default=None)
    last_error = Varchar(length=500, null=True, default=None)  # the SMTP reply or the kind of error, never the body
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    bodies_dropped_at = Timestamptz(null=True, default=None)
