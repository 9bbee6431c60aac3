"""Helpers for the tests (plain functions and constants; fixtures are in conftest.py): right and wrong responses for
any question from its answer key, and what several test modules share (no test module imports another)."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coursesite.accounts.limits import RESET_PER_RECIPIENT, RateLimiter
from coursesite.accounts.validation import normalise_mobile
from coursesite.billing import bgmax
from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.billing.issuing import InvoicingService
from coursesite.certificates.codes import new_certificate_code, short_name
from coursesite.core import clock
from coursesite.core.formatting import STOCKHOLM
from coursesite.course.model import (
    Essay,
    Matching,
    MultipleChoice,
    Numeric,
    Ordering,
    Question,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from coursesite.db.accounts import Account, LoginAttempt, RateLimitHit
from coursesite.db.answers import Answer, LessonProgress
from coursesite.db.billing import Certificate, Invoice, InvoiceReminder, Payment
from coursesite.db.mail import OneTimeToken, OutboxMessage
from coursesite.db.privacy import (
    AccountPrivacy,
    CaseNote,
    Consent,
    Disclosure,
    DisclosureSubject,
    FormSubmission,
    PageView,
    Person,
    ProcessorNotice,
    RecipientNotice,
    StaffAudit,
    Subsidiary,
    SupportCase,
)
from coursesite.db.review import AnswerFlag, GradeEvent
from coursesite.db.tables import TABLES
from coursesite.privacy.access import AccessExports, ExportSettings
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.registry import ConfiguredPeriods
from coursesite.privacy.request_mail import RequestMail
from coursesite.privacy.rights import RightsService
from coursesite.settings import REPO_ROOT
from coursesite.signups import catalogue
from coursesite.signups.forms import FORMS
from coursesite.signups.processors import subscriber_ref
from coursesite.support.cases import CaseService
from coursesite.support.requests import RequestService
from tests.conftest import PASSWORD, TEST_SECRET, accounts, api_post, csrf_token, register


def without_icons(page: str) -> str:
    """The page without its decorative icons (web/templating.py: icon()), so a test can read the words as written."""
    return re.sub(r'<svg class="icon[^"]*" aria-hidden="true"[^>]*>.*?</svg>', "", page, flags=re.S)


def _number(value: Decimal) -> str:
    return format(value, "f").replace(".", ",")


def correct_response(question: Question) -> Any:
    if isinstance(question, SingleChoice):
        return max(question.choices, key=lambda c: c.fraction).id
    if isinstance(question, MultipleChoice):
        return [c.id for c in question.choices if c.fraction > 0]
    if isinstance(question, TrueFalse):
        return question.answer
    if isinstance(question, ShortAnswer):
        best = max((a for a in question.answers if a.text.strip() != "*"), key=lambda a: a.fraction)
        return best.text.replace("*", "")  # a wildcard matches the empty run too
    if isinstance(question, Numeric):
        closest = max((a for a in question.answers if not a.is_catch_all), key=lambda a: a.fraction)
        bounds = closest.bounds()
        assert bounds is not None  # only a catch-all has none, and it is left out above
        low, high = bounds
        return _number(closest.value if closest.value is not None else (low + high) / 2)
    if isinstance(question, Matching):
        return {pair.left.id: pair.right_id for pair in question.pairs}
    if isinstance(question, Ordering):
        return [item.id for item in question.items]
    if isinstance(question, Essay):
        return "Mitt svar: en plan med buffert, budget och sparande varje månad."
    raise TypeError(question)


def wrong_response(question: Question) -> Any:
    if isinstance(question, SingleChoice):
        return min(question.choices, key=lambda c: c.fraction).id
    if isinstance(question, MultipleChoice):
        return []
    if isinstance(question, TrueFalse):
        return not question.answer
    if isinstance(question, ShortAnswer):
        return "helt fel svar zzz"
    if isinstance(question, Numeric):
        return "987654321"
    if isinstance(question, Matching):
        rights = [r.id for r in question.rights]
        return {pair.left.id: next(r for r in rights if r != pair.right_id) for pair in question.pairs}
    if isinstance(question, Ordering):
        return [item.id for item in reversed(question.items)]
    if isinstance(question, Essay):
        return "Vet inte."
    raise TypeError(question)


async def open_every_lesson(account_id: int, course) -> None:
    """Mark every lesson complete for the account, so every act and lesson is open (tests only)."""
    from coursesite.core import clock
    from coursesite.db.answers import LessonProgress

    now = clock.now()
    for lesson in course.lessons():
        await LessonProgress.insert(
            LessonProgress(account=account_id, lesson_slug=lesson.slug, completed_at=now, updated_at=now)
        )


# --- helpers shared by test modules -----------------------------------------------------------------------------------


def concrete(path: str) -> str:
    """A route's path with its parameters filled in, to request it."""
    path = re.sub(r"\{[a-z_]+:int\}", "1", path)
    return re.sub(r"\{[a-z_]+:(str|path)\}", "budget", path)


def handlers(app):
    """Every route handler, less the OPTIONS handlers Litestar adds by itself (CORS preflight, no data)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if getattr(handler, "http_methods", None) != {"OPTIONS"}:
                yield route.path, handler


def guard_functions(handler):
    return [guard for layer in handler.ownership_layers for guard in (layer.guards or ())]


def page_text(response) -> str:
    """What a reader sees: tags removed, entities decoded, whitespace collapsed."""
    text = re.sub(r"</?(?:strong|em|span|a|code)\b[^>]*>", "", response.text)  # inline: no space
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- the public forms ---

PERSONNUMMER = "20000101-2384"


CARD = "4111 1111 1111 1111"


def valid(form: str, email: str = "anna@example.se") -> dict:
    """A complete, valid submission of every field the form takes."""
    full = {
        "first_name": "Anna",
        "last_name": "Andersson",
        "email": email,
        "mobile": "070-123 45 67",
        "source": "En vän tipsade mig",
        "message": "Hej! När startar nästa kurs?",
        "webinar": "budget-pa-en-timme",
        "event": "konferens-hushallsekonomi",
        "ebook": "hushallsbudgeten",
        "newsletter_consent": True,
        "consent": True,
    }
    return {name: full[name] for name in FORMS[form].fields}


async def make_account(
    email: str,
    first_name: str = "Karin",
    last_name: str = "Konto",
    mobile: str | None = "+46731234567",
    *,
    verified: bool = True,
) -> int:
    """An account row; `verified`: its address confirmed (what is held under the address is then its own)."""
    account = Account(
        email=email,
        password_hash="not-a-real-hash",
        first_name=first_name,
        last_name=last_name,
        mobile=mobile,
        created_at=clock.now(),
        email_verified_at=clock.now() if verified else None,
    )
    await account.save()
    return account.id


# --- enrolment and finance ---

PRIVATE = {
    "customer_type": "private",
    "address_line": "Storgatan 1",
    "postal_code": "114 55",
    "city": "Stockholm",
    "accept_terms_version": TERMS_VERSION,
}


COMPANY = PRIVATE | {"customer_type": "company", "company_name": "Bolaget AB", "org_number": "556047-3521"}


async def enrol(client, email: str, body=PRIVATE, first_name: str = "Anna") -> dict:
    client.cookies.clear()
    await register(client, email, first_name, enrolled=False)
    response = await api_post(client, "/api/v1/enrollments", body)
    assert response.status_code == 201, response.text
    return response.json()


def bgmax_file(*payments: tuple[int, str, str], day: date | None = None) -> bytes:
    """A BgMax file with one deposit: (amount in öre, reference, payer name) per payment."""
    day = day or clock.today() - timedelta(days=1)
    deposit = bgmax.Deposit(
        payee_bankgiro="5050-1055",
        date=day,
        serial=1,
        payments=tuple(
            bgmax.Payment(
                amount_ore=amount,
                reference=reference,
                reference_code=bgmax.ReferenceCode.OCR if reference.isdigit() else bgmax.ReferenceCode.ONE,
                bgc_serial=index + 1,
                payer=bgmax.Payer(name=name),
            )
            for index, (amount, reference, name) in enumerate(payments)
        ),
        payee_account="123456789",
    )
    return bgmax.write_bgmax(
        bgmax.BgMaxFile(created_at=datetime.combine(day, datetime.min.time(), UTC), deposits=(deposit,))
    )


async def post_form(client, path, data, page="/ekonomi", files=None):
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "_csrf_token": token}, files=files, follow_redirects=False)


async def participant_answers(client, course, email: str, first_name: str, question_id: str, response) -> int:
    account = await register(client, email, first_name)
    await open_every_lesson(account["id"], course)
    reply = await api_post(client, "/api/v1/answers", {"question_id": question_id, "response": response})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


async def new_case(client, body: dict) -> int:
    """Register a case through the support API (the client is logged in as customer service)."""
    response = await client.post("/api/v1/support/cases", json=body, headers={"x-csrftoken": await csrf_token(client)})
    assert response.status_code == 201, response.text
    return response.json()["id"]


# --- a person with a row in every table that holds personal data (rights, erasure) ---

ESSAY = "Min hemliga budgetplan heter Zebrafinken-Kvarnström-42"


async def seed_person(
    billing: InvoicingService,
    *,
    email: str = "zelmira.quist@example.se",
    first_name: str = "Zelmira",
    last_name: str = "Quistgaard",
    mobile: str = "070-987 65 43",
    address: str = "Ovanliga gränd 17",
    essay: str = ESSAY,
) -> dict:
    """A person with a row in every table that holds personal data; returns the account id and the tables seeded."""
    now = clock.now()
    principal = await accounts.register(
        email=email, password=PASSWORD, first_name=first_name, last_name=last_name, mobile=mobile, source="En vän"
    )
    aid = principal.account_id
    # the address confirmed: what is held under it (form rows, cases, consents) is the person's own
    await Account.update({Account.email_verified_at: now}).where(Account.id == aid)
    seeded = {"account"}
    await accounts.start_session(aid, days=14)
    seeded.add("user_session")
    await LoginAttempt.insert(LoginAttempt(key_hash=accounts.attempt_key("email", email), attempted_at=now))
    seeded.add("login_attempt")
    issued = await billing.enrol(
        principal,
        accept_terms_version=TERMS_VERSION,
        customer_type="private",
        address_line=address,
        postal_code="114 55",
        city="Stockholm",
    )
    seeded |= {"customer", "enrollment", "invoice"}
    invoice_id = (await Invoice.select(Invoice.id).where(Invoice.number == issued.number))[0]["id"]
    await Payment.insert(
        Payment(
            invoice=invoice_id,
            amount_ore=issued.total_ore,
            payment_date=clock.today(),
            reference=issued.ocr,
            payer_name=f"{first_name} {last_name}",
            source="manual",
            created_at=now,
        )
    )
    seeded.add("payment")
    await InvoiceReminder.insert(InvoiceReminder(invoice=invoice_id, sequence=1, sent_at=now, fee_ore=0))
    seeded.add("invoice_reminder")
    rows = await Answer.insert(
        Answer(
            account=aid,
            question_id="akt1/essa",
            lesson_slug="akt1",
            attempt=1,
            raw_response=json.dumps(essay),
            normalized_response=json.dumps(essay),
            status="graded",
            score_milli=1000,
            max_score_milli=1000,
            feedback=json.dumps(["Bra"]),
            reviewer_comment=f"Bra skrivet, {first_name}!",
            created_at=now,
        )
    ).returning(Answer.id)
    answer_id = rows[0]["id"]
    seeded.add("answer")
    await LessonProgress.insert(LessonProgress(account=aid, lesson_slug="akt1", answered=1, updated_at=now))
    seeded.add("lesson_progress")
    await AnswerFlag.insert(
        AnswerFlag(answer=answer_id, reason=f"Jag, {first_name}, tycker att det var rätt", created_at=now)
    )
    seeded.add("answer_flag")
    await GradeEvent.insert(
        GradeEvent(answer=answer_id, kind="manual_grade", new_score_milli=1000, reason="Fint", created_at=now)
    )
    seeded.add("grade_event")
    await Certificate.insert(
        Certificate(
            account=aid,
            code=new_certificate_code(),
            completed_on=clock.today(),
            holder_short_name=short_name(first_name, last_name),
            issued_at=now,
        )
    )
    seeded.add("certificate")
    person = (
        await Person.insert(
            Person(
                email=email,
                first_name=first_name,
                last_name=last_name,
                mobile=normalise_mobile(mobile),
                created_at=now,
                updated_at=now,
            )
        ).returning(Person.id)
    )[0]["id"]
    seeded.add("person")
    await FormSubmission.insert(
        FormSubmission(
            person=person,
            form="contact",
            details=json.dumps({"message": f"Hej, det är {first_name}"}),
            channel="kurssajten",
            created_at=now,
        )
    )
    seeded.add("form_submission")
    await Consent.insert(
        Consent(
            person=person,
            kind="newsletter",
            text="Ja, skicka nyhetsbrevet",
            policy_version="2026-11",
            channel="kurssajten",
            given_at=now,
            confirmed_at=now,
            confirmed_via="email_link",
        ),
        Consent(
            account=aid,
            kind="offers",
            text="Ja, erbjudanden",
            policy_version="2026-11",
            channel="kurssajten",
            given_at=now,
            confirmed_at=now,
            confirmed_via="email_link",
        ),
    )
    seeded.add("consent")
    await AccountPrivacy.insert(AccountPrivacy(account=aid, updated_at=now))
    seeded.add("account_privacy")
    await PageView.insert(
        PageView(
            path="/min-kurs",
            viewed_at=now,
            user_agent="Testwebbläsare",
            accept_language="sv-SE",
            ip_address="192.0.2.44",
            account=aid,
        )
    )
    seeded.add("page_view")
    case = (
        await SupportCase.insert(
            SupportCase(
                kind="complaint",
                account=aid,
                contact_name=f"{first_name} {last_name}",
                contact_email=email,
                subject=f"Reklamation från {first_name}",
                description=f"{first_name} bor på {address}",
                received_on=clock.today(),
                created_at=now,
            )
        ).returning(SupportCase.id)
    )[0]["id"]
    seeded.add("support_case")
    await CaseNote.insert(CaseNote(case=case, text=f"Ringde {mobile}", created_at=now))
    seeded.add("case_note")
    await StaffAudit.insert(
        StaffAudit(action="read", subject_account=aid, what="account.email", why=f"ärende om {email}", created_at=now)
    )
    seeded.add("staff_audit")
    existing = await Subsidiary.select(Subsidiary.id).where(Subsidiary.name == "Kursbolaget AB")
    subsidiary = (
        existing[0]["id"]
        if existing
        else (
            await Subsidiary.insert(
                Subsidiary(name="Kursbolaget AB", purpose="course_site", token_hash="a" * 64, created_at=now)
            ).returning(Subsidiary.id)
        )[0]["id"]
    )
    disclosure = (
        await Disclosure.insert(
            Disclosure(
                recipient="Kursbolaget AB",
                subsidiary=subsidiary,
                purpose="course_site",
                fields=json.dumps(["account.id", "account.first_name", "account.email"]),
                people=1,
                created_at=now,
            )
        ).returning(Disclosure.id)
    )[0]["id"]
    await DisclosureSubject.insert(DisclosureSubject(disclosure=disclosure, account=aid))
    seeded.add("disclosure_subject")
    await RecipientNotice.insert(
        RecipientNotice(
            subsidiary=subsidiary,
            kind="rectification",
            subject_ref=str(aid),
            changes=json.dumps({"account.first_name": first_name}),
            created_at=now,
        )
    )
    seeded.add("recipient_notice")
    newsletter = (
        await Disclosure.insert(
            Disclosure(
                recipient="Apsis",
                purpose="newsletter",
                people=1,
                created_at=now,
                fields=json.dumps(["person.email", "person.first_name", "disclosure_subject.subject_ref"]),
            )
        ).returning(Disclosure.id)
    )[0]["id"]
    await DisclosureSubject.insert(
        DisclosureSubject(disclosure=newsletter, person=person, subject_ref=subscriber_ref(TEST_SECRET, email))
    )
    await ProcessorNotice.insert(
        ProcessorNotice(
            recipient="Apsis",
            kind="rectification",
            subject_ref=subscriber_ref(TEST_SECRET, email),
            account=aid,
            changes=json.dumps({"account.first_name": first_name}),
            created_at=now,
        )
    )
    seeded.add("processor_notice")
    await OutboxMessage.insert(
        OutboxMessage(
            kind="transactional",
            template="test_message",
            account=aid,
            recipient=email,
            subject=f"Hej {first_name}",
            message_id=f"<{aid}@example.se>",
            body_text=f"Hej {first_name} {last_name}!",
            headers="{}",
            status="sent",
            attempts=1,
            next_attempt_at=now,
            created_at=now,
            sent_at=now,
        )
    )
    seeded.add("outbox_message")
    await OneTimeToken.insert(
        OneTimeToken(
            token_hash="0" * 63 + str(aid % 10),
            purpose="verify_email",
            account=aid,
            email=email,
            payload=json.dumps({"new_email": email}),
            created_at=now,
            expires_at=now + timedelta(hours=48),
        )
    )
    seeded.add("one_time_token")
    await RateLimitHit.insert(  # a reset asked for the address (a per-recipient mail limit)
        RateLimitHit(key_hash=RateLimiter(TEST_SECRET).key(RESET_PER_RECIPIENT, email), occurred_at=now)
    )
    seeded.add("rate_limit_hit")
    return {"account_id": aid, "seeded": seeded, "subsidiary": subsidiary, "case": case, "principal": principal}


async def dump() -> dict[str, str]:
    """Every table, every row, as text."""
    out = {}
    for table in TABLES:
        rows = await table.raw(f"SELECT * FROM {table._meta.tablename}")
        out[table._meta.tablename] = "\n".join(repr(sorted(row.items())) for row in rows)
    return out


# The free-text fields of each public form (tests/integration/test_forms.py, tests/web/test_forms.py).
FREE_TEXT = {
    "contact": ("first_name", "last_name", "email", "message"),
    "webinar": ("first_name", "last_name", "email", "source"),
    "signup": ("first_name", "last_name", "email"),
    "ebook": ("email", "first_name"),
    "newsletter": ("email", "first_name"),
}


def request_service(engine: Any) -> RequestService:
    """Customer service's request work (support/requests.py) as create_app builds it, on `engine`."""
    exports = AccessExports(
        ExportSettings(
            ConfiguredPeriods(ip_days=3, page_view_months=6, session_days=2, login_window_seconds=120),
            controller="Balans Ekonomi AB",
            login_secret="test-secret-key-0123456789abcdef0123456789",
        )
    )
    mail = request_mail(engine)
    return RequestService(engine, AuditLog(), RightsService(engine, mail), exports, mail)


MAIL_PUBLIC_URL = "https://kurs.example.se"  # the links of the messages request_mail queues


def outbox_for_tests():
    """A MailOutbox as create_app builds it (links on MAIL_PUBLIC_URL), for services a test builds itself: what they
    queue is in `outbox_message`, for a test that does not deliver it."""
    from coursesite.mail.composer import MailComposer
    from coursesite.mail.outbox import MailOutbox
    from coursesite.web.templating import build_environment

    composer = MailComposer(build_environment(company_name="Balans Ekonomi AB"), public_url=MAIL_PUBLIC_URL)
    return MailOutbox(composer, mail_from=("Kurssajten", "kurs@example.se"))


def invoicing_for_tests(engine: Any, config: Any = None):
    """InvoicingService and its ledger as create_app wires them (the messages queued in the outbox), on `engine`,
    with `config` or the billing configuration in force."""
    from coursesite.billing.config import load_billing_config
    from coursesite.billing.ledger import LedgerService
    from coursesite.billing.mail import BillingMail

    config = config or load_billing_config()
    ledger = LedgerService(AuditLog())
    return InvoicingService(engine, config, ledger, BillingMail(outbox_for_tests(), config))


def request_mail(engine: Any) -> RequestMail:
    """The messages of a data-subject request (privacy/request_mail.py) as create_app builds them, on `engine`."""
    from coursesite.accounts.limits import RateLimiter
    from coursesite.accounts.tokens import TokenService

    return RequestMail(outbox_for_tests(), TokenService(engine, secret=TEST_SECRET), RateLimiter(TEST_SECRET))


def case_service(engine: Any) -> CaseService:
    """Customer service's cases (support/cases.py) as create_app builds them, on `engine`."""
    return CaseService(engine, AuditLog(), request_service(engine))


# --- A real SMTP server in the test process (aiosmtpd), for the mail tests (fixtures: smtp_server, smtp_app) ------


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port, in a thread of its own. `messages` holds what it accepted, parsed with
    the standard `email` package; `refuse(reply, times)` makes it answer RCPT with an error reply the next `times`
    messages (e.g. "451 4.3.0 Try again later" or "550 5.1.1 No such user")."""

    def __init__(self) -> None:
        self.messages: list[Any] = []  # email.message.EmailMessage
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TOs)
        self._refusals: list[str] = []
        self.controller: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget what earlier tests received or asked to refuse, and listen again if a test stopped the server."""
        if self.controller is None:
            self.start()
        self.messages.clear()
        self.envelopes.clear()
        self._refusals.clear()

    def refuse(self, reply: str, times: int = 1) -> None:
        self._refusals += [reply] * times

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if self._refusals:
            return self._refusals.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email
        from email import policy

        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpServer:
        import socket

        from aiosmtpd.controller import Controller

        if not self.port:  # a free port (the controller checks it is up by connecting to it); kept on a restart
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[Any]:
        """The messages whose To is `address`."""
        return [message for message in self.messages if message["To"] == address]


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


LINK = re.compile(r"https?://[^\s<>\"']+")


def links(message, base: str) -> list[str]:
    """The links in a message's plain text that start with `base` (COURSESITE_PUBLIC_URL), as paths with their query
    (what a test client GETs), in order."""
    return [url[len(base) :] or "/" for url in LINK.findall(text_body(message)) if url.startswith(base)]


async def deliver(app, server: SmtpServer) -> list[Any]:
    """Run the app's mail sender once, as its background loop would, and return every message `server` holds."""
    await app.state.services.mail_sender.send_pending()
    return server.messages


IDENTITY_CHECKED = "Legitimation visad i receptionen."


async def confirm_identity(cases: CaseService, case_id: int, actor_id: int) -> None:
    """Customer service records how it confirmed the person's identity (support/identity.py), so that the request
    can be carried out."""
    await cases.confirm_identity(case_id, actor_id, method="id_document_at_office", note=IDENTITY_CHECKED)


async def confirm_identity_by_api(client, case_id: int) -> None:
    """The same through the API, as the logged-in customer service (CSRF included)."""
    response = await api_post(
        client,
        f"/api/v1/support/requests/{case_id}/confirm-identity",
        {"method": "id_document_at_office", "note": IDENTITY_CHECKED},
    )
    assert response.status_code == 200, response.text


# -- the catalogue of webinars, events and e-books (lessons/catalogue.toml) ------------------------------------------

_SHIPPED_CATALOGUE = catalogue.load_catalogue(REPO_ROOT / "lessons" / catalogue.CATALOGUE_FILE)
# The shipped entries, each webinar and event moved to 2099: the suite does not depend on when it runs.
TEST_CATALOGUE = catalogue.Catalogue(
    tuple(
        dataclasses.replace(entry, starts=entry.starts.replace(year=2099)) if entry.starts else entry
        for entry in _SHIPPED_CATALOGUE.entries
    )
)


def catalogue_with(
    held_on: Mapping[str, date] | None = None, *, capacity: Mapping[str, int] | None = None, closed: Iterable[str] = ()
) -> catalogue.Catalogue:
    """TEST_CATALOGUE with these webinars or events held on these days (18:00 in Stockholm), these capacities and
    these slugs closed."""
    held_on, capacity, shut = held_on or {}, capacity or {}, set(closed)
    entries = []
    for entry in TEST_CATALOGUE.entries:
        if entry.slug in held_on:
            day = held_on[entry.slug]
            entry = dataclasses.replace(entry, starts=datetime(day.year, day.month, day.day, 18, tzinfo=STOCKHOLM))
        if entry.slug in capacity:
            entry = dataclasses.replace(entry, capacity=capacity[entry.slug])
        if entry.slug in shut:
            entry = dataclasses.replace(entry, open=False)
        entries.append(entry)
    return catalogue.Catalogue(tuple(entries))


def copy_lessons(folder: Path) -> Path:
    """A copy of the repository's lessons/ (catalogue.toml included) under `folder`, for a test that edits the content
    and points COURSESITE_LESSONS_DIR (Settings.lessons_dir) at it."""
    copy = folder / "lessons"
    shutil.copytree(REPO_ROOT / "lessons", copy, ignore=shutil.ignore_patterns(".revision*"))
    return copy


def install_catalogue(services: Any, offers: catalogue.Catalogue) -> catalogue.Catalogue:
    """Give the app's services (app.build_services: the forms and the sharing) `offers` in place of the catalogue they
    were built with (tests/conftest.py: Sites gives them TEST_CATALOGUE again for the next test)."""
    services.forms.catalogue = offers
    services.subsidiaries.catalogue = offers
    return offers


# --- Consents: double opt-in and the unsubscribe link (issue 11 §5) ---------------------------------------------------


def consent_service(engine: Any):
    """The ConsentService as create_app builds it, on the test database (links on conftest.PUBLIC_URL; the mail is
    queued in the outbox, for tests that do not deliver it)."""
    from coursesite.accounts.limits import RateLimiter
    from coursesite.accounts.tokens import TokenService
    from coursesite.mail.build import build_mail
    from coursesite.settings import Settings
    from coursesite.signups.consents import ConsentService
    from coursesite.web.templating import build_environment
    from tests.conftest import PUBLIC_URL

    settings = Settings(secret_key=TEST_SECRET, environment="test", public_url=PUBLIC_URL)
    outbox, _ = build_mail(settings, engine, build_environment(company_name="Balansekonomi Svenska AB"))
    tokens = TokenService(engine, secret=TEST_SECRET)
    return ConsentService(engine, tokens=tokens, outbox=outbox, limiter=RateLimiter(TEST_SECRET))


def public_forms(engine: Any, offers: catalogue.Catalogue = TEST_CATALOGUE):
    from coursesite.signups.forms import PublicForms

    return PublicForms(engine, consent_service(engine), offers)


def newsletter_export(engine: Any):
    from coursesite.signups.newsletter import NewsletterExport

    consents = consent_service(engine)
    return NewsletterExport(
        engine,
        AuditLog(),
        ref_key=TEST_SECRET,
        unsubscribe_url=lambda s: consents.unsubscribe_url(person_id=s.person_id, account_id=s.account_id),
    )


CONFIRM_LINK = re.compile(r"/bekrafta-samtycke\?token=([A-Za-z0-9_-]{43})")


async def confirmation_tokens(email: str) -> list[str]:
    """The tokens of the confirmation links queued to `email` (read from the outbox rows' plain text), newest last."""
    rows = (
        await OutboxMessage.select(OutboxMessage.body_text)
        .where((OutboxMessage.recipient == email) & (OutboxMessage.template == "consent_confirm"))
        .order_by(OutboxMessage.id)
    )
    return [match for row in rows for match in CONFIRM_LINK.findall(row["body_text"] or "")]


async def deliver_to_console(engine: Any) -> None:
    """Deliver the queued mail as a development server does without SMTP (printed, then marked `printed`)."""
    import io

    from coursesite.mail.sender import MailSender
    from coursesite.mail.transport import ConsoleTransport

    await MailSender(
        engine, ConsoleTransport(io.StringIO()), mail_from=("Kurssajten", "kurs@example.se")
    ).send_pending()


async def confirm_consents(engine: Any, email: str) -> int:
    """Confirm what the newest confirmation mail to `email` asks for, the way the person does: the mail is delivered
    (to the console), then its link's token used."""
    await deliver_to_console(engine)
    tokens = await confirmation_tokens(email)
    assert tokens, f"no confirmation mail was queued to {email}"
    return await consent_service(engine).confirm(tokens[-1])


# --- requests from a given address ---


@contextmanager
def from_address(app, address: str):
    """Requests arrive from `address` (the test client's peer is the word "testclient")."""
    inner = app.asgi_handler

    async def with_peer(scope, receive, send):
        if scope["type"] == "http":
            scope["client"] = (address, 50123)
        await inner(scope, receive, send)

    app.asgi_handler = with_peer
    try:
        yield
    finally:
        app.asgi_handler = inner


async def confirmed_consent(account_id: int, kind: str = "newsletter") -> None:
    """A consent of `kind`, given and confirmed (double opt-in) now, for the account."""
    await Consent.insert(
        Consent(
            account=account_id,
            kind=kind,
            text="Ja, skicka nyhetsbrevet",
            policy_version="2026-11",
            channel="kurssajten",
            given_at=clock.now(),
            confirmed_at=clock.now(),
        )
    )
