"""mail/message.py: addresses, the message as sent, unsubscribe headers, backoff and error texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from coursesite.mail import message as mail
from coursesite.mail.message import Attachment, AttachmentRef, Mail, MailKind

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "address, ok",
    [
        ("anna@example.se", True),
        ("anna.b+kurs@mail.example.co.uk", True),
        ("ANNA@EXAMPLE.SE", True),
        ("anna@localhost", False),  # no dot in the domain
        ("anna", False),
        ("@example.se", False),
        ("anna@@example.se", False),
        ("Anna <anna@example.se>", False),
        ("anna@example.se\r\nBcc: x@y.se", False),
        ("anna @example.se", False),
        ("ånna@example.se", False),
        ("a" * 65 + "@example.se", False),
        ("anna@" + "a" * 250 + ".se", False),
        (None, False),
    ],
)
def test_valid_address(address, ok):
    assert mail.valid_address(address) is ok


@pytest.mark.parametrize(
    "message, problem",
    [
        (Mail(to="anna@example.se", template="verify_email"), None),
        (Mail(to="anna", template="verify_email"), "`to`"),
        (Mail(to="anna@example.se", template="../base"), "`template`"),
        (Mail(to="anna@example.se", template="news", kind=MailKind.MARKETING), "unsubscribe_url"),
        (Mail(to="anna@example.se", template="news", kind="marketing", unsubscribe_url="/avsluta"), "absolute"),
        (Mail(to="anna@example.se", template="news", kind="marketing", unsubscribe_url="https://x.se/avsluta"), None),
        (Mail(to="anna@example.se", template="x", attachments=(AttachmentRef("invoice_pdf", "2026-00001"),)), None),
        (Mail(to="anna@example.se", template="x", attachments=(AttachmentRef("../pdf", "1"),)), "attachment"),
        (Mail(to="anna@example.se", template="x", attachments=(AttachmentRef("invoice_pdf", ""),)), "attachment"),
        (
            Mail(to="anna@example.se", template="x", attachments=(AttachmentRef("invoice_pdf", "9" * 101),)),
            "attachment",
        ),
    ],
)
def test_mail_problems(message, problem):
    found = message.problems()
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0]


def test_unsubscribe_headers_follow_rfc_8058():
    assert mail.unsubscribe_headers("https://kurs.example.se/avsluta?token=abc") == {
        "List-Unsubscribe": "<https://kurs.example.se/avsluta?token=abc>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert mail.unsubscribe_headers(None) == {}


def _built(**overrides):
    values = dict(
        sender=("Kurssajten", "kurs@balansekonomi.se"),
        recipient="anna@example.se",
        subject="Bekräfta din e-post",
        text="Hej Anna!\n",
        html="<p>Hej Anna!</p>",
        headers={},
        message_id="<1@balansekonomi.se>",
        date=NOW,
    )
    values.update(overrides)
    return mail.build_message(**values)


def test_the_message_is_text_with_an_html_alternative():
    parsed = message_from_bytes(_built().as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["From"] == "Kurssajten <kurs@balansekonomi.se>"
    assert parsed["To"] == "anna@example.se"
    assert parsed["Subject"] == "Bekräfta din e-post"
    assert parsed["Message-ID"] == "<1@balansekonomi.se>"
    assert parsed["Date"].datetime == NOW
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_body(("plain",)).get_content() == "Hej Anna!\n"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Hej Anna!</p>"


def test_without_html_the_message_is_plain_text():
    parsed = message_from_bytes(_built(html=None).as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "text/plain"


def test_a_line_break_in_a_subject_cannot_add_a_header():
    raw = _built(subject="Hej\r\nBcc: eve@example.se").as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and parsed["Subject"] == "Hej Bcc: eve@example.se"


@pytest.mark.parametrize(
    "attempts, delay",
    [
        (1, timedelta(minutes=1)),
        (2, timedelta(minutes=2)),
        (3, timedelta(minutes=4)),
        (7, timedelta(minutes=64)),
        (8, None),  # MAX_ATTEMPTS used up
        (20, None),
    ],
)
def test_retry_backs_off_exponentially_and_stops(attempts, delay):
    found = mail.retry_at(attempts, NOW)
    assert (found - NOW if found else None) == delay


def test_the_delay_is_capped():
    assert max(mail.BASE_DELAY * 2 ** (n - 1) for n in range(1, mail.MAX_ATTEMPTS)) <= mail.MAX_DELAY


@pytest.mark.parametrize(
    "code, permanent", [(550, True), (554, True), (500, True), (451, False), (421, False), (None, False)]
)
def test_is_permanent(code, permanent):
    assert mail.is_permanent(code) is permanent


def test_the_error_text_leaves_the_address_out_and_is_bounded():
    text = mail.error_text("550 5.1.1 <Anna@Example.se>: Recipient\n address rejected", "anna@example.se")
    assert text == "550 5.1.1 <<mottagaren>>: Recipient address rejected"
    assert len(mail.error_text("x" * 2000, "anna@example.se")) == mail.MAX_ERROR_LENGTH


def test_an_attachment_follows_the_text_and_its_html_alternative():
    built = mail.build_message(
        sender=("Kurssajten", "kurs@example.se"),
        recipient="anna@example.se",
        subject="Din faktura",
        text="Hej",
        html="<p>Hej</p>",
        headers={},
        message_id="<1@example.se>",
        date=NOW,
        attachments=[Attachment("faktura-2026-00001.pdf", "application/pdf", b"%PDF-1.7 ...")],
    )
    parsed = message_from_bytes(built.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    [attached] = list(parsed.iter_attachments())
    assert attached.get_filename() == "faktura-2026-00001.pdf" and attached.get_content() == b"%PDF-1.7 ..."


def test_attachment_references_read_back_from_either_engine():
    stored = [{"kind": "invoice_pdf", "ref": "2026-00001"}, {"kind": "broken"}]
    assert mail.attachment_refs(stored) == [AttachmentRef("invoice_pdf", "2026-00001")]  # PostgreSQL: parsed
    assert mail.attachment_refs('[{"kind": "invoice_pdf", "ref": "2026-00001"}]') == [
        AttachmentRef("invoice_pdf", "2026-00001")
    ]  # SQLite: text
    assert mail.attachment_refs(None) == [] and mail.attachment_refs("{}") == []
