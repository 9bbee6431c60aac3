"""Every message the site sends: its kind (transactional or marketing) and where each value its template shows comes
from. Pure. `MailOutbox.queue` refuses a registered template queued as the wrong kind; tests/unit/mail/test_catalog.py
checks that every template under templates/mail/ is registered, that it shows only the values listed here, and that
every value that is personal data is a field privacy/registry.py classifies, for a purpose a transactional message
may serve (providing the service, keeping the account safe). docs/mail.md lists the same messages for people.

A value's source is a registry field ("table.column"), or None for what is no one's personal data: a link, a date of
the message itself, a fixed text, course content.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coursesite.mail.message import MailKind


@dataclass(frozen=True)
class MessageSpec:
    kind: MailKind | None  # None: either (the test message, which shows how both look)
    values: dict[str, str | None] = field(default_factory=dict)  # context name -> registry field, or None


T = MailKind.TRANSACTIONAL
FIRST_NAME = {"first_name": "account.first_name"}
INVOICE = {
    "number": "invoice.number",
    "ocr": "invoice.ocr",
    "due_date": None,  # a property of the invoice (registry: not personal)
    "bankgiro": None,  # the seller's
    "contact": None,  # the seller's address
    "invoices_link": None,
}

MESSAGES: dict[str, MessageSpec] = {
    "test_message": MessageSpec(None),
    "verify_email": MessageSpec(T, {**FIRST_NAME, "link": None}),
    "confirm_new_email": MessageSpec(T, {**FIRST_NAME, "link": None}),
    "password_reset": MessageSpec(T, {"link": None}),
    "password_changed": MessageSpec(T, {"when": None, "reset_link": None}),
    "email_changed": MessageSpec(T, {"when": None, "reset_link": None}),
    "new_browser_login": MessageSpec(T, {"when": None, "browser": "user_session.client_label", "reset_link": None}),
    # A month before an unused account is erased (privacy/retention.py); the date follows from the policy's period.
    "account_inactive": MessageSpec(T, {"erase_on": None, "login_link": None}),
    "consent_confirm": MessageSpec(
        T, {"first_name": "person.first_name", "texts": "consent.text", "days": None, "link": None}
    ),
    "requests/received": MessageSpec(
        T,
        {
            "again": None,
            "asked": None,
            "name": None,
            "received_on": "support_case.received_on",
            "deadline": "support_case.deadline",
            "valid_days": None,
            "link": None,
        },
    ),
    "requests/export_ready": MessageSpec(
        T, {"account": None, "link": None, "until": "support_case.export_available_until"}
    ),
    "requests/done": MessageSpec(T, {"name": None, "done": None}),
    "requests/erased": MessageSpec(
        T,
        {
            "erased": "support_case.outcome",
            "kept": "support_case.outcome",
            "notified": "support_case.outcome",
            "processors": "support_case.outcome",
            "policy_rights": None,
            "log_months": None,
        },
    ),
    "requests/rejected": MessageSpec(
        T,
        {
            "name": None,
            "asked": None,
            "received_on": "support_case.received_on",
            "reason": "support_case.outcome",
            "authority": None,
        },
    ),
    "requests/lifting": MessageSpec(T, {"lift_on": None, "link": None}),
    "billing/enrolled": MessageSpec(
        T, {**FIRST_NAME, **INVOICE, "course": None, "course_link": None, "total_ore": "invoice.total_ore"}
    ),
    "billing/credit_note": MessageSpec(
        T,
        {
            **FIRST_NAME,
            "number": "invoice.number",
            "credited_number": "invoice.number",
            "credited_ore": "invoice.total_ore",
            "invoices_link": None,
        },
    ),
    "billing/reminder": MessageSpec(
        T,
        {
            **FIRST_NAME,
            **INVOICE,
            "owed_ore": "invoice.total_ore",  # less what was paid and credited
            "sequence": "invoice_reminder.sequence",
            "fee_ore": "invoice_reminder.fee_ore",
            "pay_by": None,
        },
    ),
    "review/answer_reviewed": MessageSpec(
        T, {**FIRST_NAME, "event": "grade_event.kind", "lesson_title": None, "link": None}
    ),
    "certificates/issued": MessageSpec(
        T, {**FIRST_NAME, "course_title": None, "code": "certificate.code", "link": None, "check_link": None}
    ),
}


def problems(template: str, kind: MailKind) -> list[str]:
    """What is wrong with queueing `template` as `kind` (empty when fine, or when the template is not registered:
    the tests' own templates)."""
    spec = MESSAGES.get(template)
    if spec is not None and spec.kind is not None and spec.kind is not MailKind(kind):
        return [f"{template} is a {spec.kind.value} message (mail/catalog.py)"]
    return []
