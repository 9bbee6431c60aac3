"""The application factory. All wiring lives here; nothing is built at import time."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXConfig, HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine as Jinja
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from coursesite.accounts.limits import RateLimiter
from coursesite.accounts.mail import AccountMail
from coursesite.accounts.password_rule import common_passwords
from coursesite.accounts.service import account_service
from coursesite.accounts.sessions import SessionCache
from coursesite.accounts.tokens import TokenService
from coursesite.billing.config import load_billing_config
from coursesite.billing.exports import ExportService
from coursesite.billing.issuing import InvoicingService
from coursesite.billing.ledger import LedgerService
from coursesite.billing.mail import INVOICE_PDF, BillingMail, InvoicePdfSource
from coursesite.billing.payments import PaymentService
from coursesite.billing.reminders import REMINDER_ROUND, ReminderService
from coursesite.certificates.service import CertificateService
from coursesite.core.client_address import TrustedProxies
from coursesite.course.catalog import CourseCatalog
from coursesite.db.engine import build_engine, close_connections
from coursesite.db.tables import bind_tables
from coursesite.grading.service import AnswerService
from coursesite.insight.service import InsightService
from coursesite.mail.build import build_mail
from coursesite.ops.logs import flush_logs, litestar_logging_config
from coursesite.ops.metrics import metrics_route, metrics_source, process_stopped
from coursesite.ops.requests import RequestObserver
from coursesite.pdf import PdfRenderer, RenderSlots
from coursesite.privacy import policy
from coursesite.privacy.access import AccessExports, ExportSettings
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.erasure_ledger import erasure_ledger
from coursesite.privacy.pageviews import PageViewMiddleware, PageViewRecorder, TechnicalDataConfig
from coursesite.privacy.request_mail import RequestMail
from coursesite.privacy.rights import RightsService
from coursesite.review.comments import CommentBank
from coursesite.review.regrading import RegradeService
from coursesite.review.service import ReviewService
from coursesite.review.versions import QuestionVersions
from coursesite.settings import Settings
from coursesite.signups import catalogue
from coursesite.signups.consents import ConsentService
from coursesite.signups.forms import PublicForms
from coursesite.signups.newsletter import NewsletterExport
from coursesite.signups.processors import ProcessorNotices
from coursesite.signups.unsubscribes import UnsubscribeImport
from coursesite.subsidiaries.service import SubsidiaryService
from coursesite.support.cases import CaseService
from coursesite.support.requests import RequestService
from coursesite.web import guards, templating
from coursesite.web.busy import BusyResponder
from coursesite.web.controllers import ROUTES
from coursesite.web.controllers.subsidiary_api import SECURITY_COMPONENTS as SUBSIDIARY_SECURITY
from coursesite.web.deps import Services, periods_of, resolve_in_order
from coursesite.web.errors import EXCEPTION_HANDLERS
from coursesite.web.hardening import (
    InputGuardMiddleware,
    OriginCheckMiddleware,
    SessionCsrfMiddleware,
    hardening_headers,
)
from coursesite.web.middleware import ClientAddressMiddleware, SessionMiddleware, add_security_headers
from coursesite.web.openapi import ApiDocumentation

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_REQUEST_BODY_BYTES = 256 * 1024


def create_app(settings: Settings) -> Litestar:
    """The app: the settings checked, the engine built and bound to every table, the services on it."""
    settings.validate()
    engine = build_engine(settings.database)
    bind_tables(engine)
    services = build_services(settings, engine)
    # The services live as long as the app: their PDF workers stop with it.
    return build_app(services, engine, on_shutdown=[services.pdf.close])


def build_services(settings: Settings, engine: Engine) -> Services:
    """Every service, once, on `engine` (already bound to the tables). Refuses broken course content or billing
    configuration, naming the file or the value."""
    catalog = CourseCatalog(settings.lessons_dir)
    # webinars, events and e-books (lessons/catalogue.toml), loaded here only and handed to the forms and the sharing:
    # a broken file stops the start, naming entry and key
    offers = catalogue.load_catalogue(settings.lessons_dir / catalogue.CATALOGUE_FILE)
    billing_config = load_billing_config(settings.billing_config)
    pageviews = PageViewRecorder(TechnicalDataConfig())  # batched: requests never wait on it
    # The one Jinja environment: the pages (build_app's TemplateConfig) and every PDF render with it.
    environment = templating.build_environment(company_name=billing_config.seller.name)
    # Each form's art. 13 notice (templates/_macros/privacy.html), with the configured periods.
    environment.globals["privacy_notice"] = functools.partial(policy.at_form_notice, periods=periods_of(settings))
    # A process pool, started on the first PDF: WeasyPrint never blocks the loop. Bounded: a 429 beyond the slots.
    slots = RenderSlots(settings.pdf_slots, settings.pdf_slots_per_account, settings.pdf_retry_after_seconds)
    pdf = PdfRenderer(environment, slots=slots)

    audit_log = AuditLog()
    ledger = LedgerService(audit_log)
    # rendered with the same one; an invoice or credit note is attached by its number and rendered at delivery
    outbox, mail_sender = build_mail(
        settings, engine, environment, audit=audit_log, attachments={INVOICE_PDF: InvoicePdfSource(ledger, pdf)}
    )
    billing_mail = BillingMail(outbox, billing_config)
    invoicing = InvoicingService(engine, billing_config, ledger, billing_mail)
    reminders = ReminderService(engine, billing_config, ledger, billing_mail)
    mail_sender.schedule("payment reminders", reminders.send_due, every=REMINDER_ROUND)
    # The session cache (accounts/sessions.py): filled by the account service, confirmed by the answer service.
    sessions = SessionCache()
    answers = AnswerService(
        engine,
        catalog,
        access=invoicing.has_course_access,
        repeat_seconds=settings.answer_repeat_seconds,
        sessions=sessions,
    )
    versions = QuestionVersions(engine)
    accounts = account_service(settings, engine, sessions)  # the same builder the CLI uses
    common_passwords()  # the password rule's list, loaded once here rather than in the first registration
    tokens = TokenService(engine, secret=settings.secret_key)
    request_mail = RequestMail(outbox, tokens, RateLimiter(settings.secret_key))  # a request's messages to the person
    rights = RightsService(engine, request_mail)
    # the confirmation, the reset and the security notices; hooks itself onto the account service
    account_mail = AccountMail(engine, accounts, tokens, outbox, rights)
    exports = AccessExports(
        ExportSettings(
            periods_of(settings),
            controller=billing_config.seller.name,
            login_secret=settings.secret_key,
            policy_url=settings.base_url.rstrip("/") + policy.POLICY_PATH,
        )
    )
    consents = ConsentService(engine, tokens=tokens, outbox=outbox, limiter=RateLimiter(settings.secret_key))
    return Services(
        settings=settings,
        accounts=accounts,
        audit=audit_log,
        catalog=catalog,
        invoicing=invoicing,
        reminders=reminders,
        payments=PaymentService(engine, ledger),
        ledger=ledger,
        billing_exports=ExportService(ledger, billing_config, audit_log),
        answers=answers,
        review=ReviewService(engine, catalog, pseudonym_key=settings.secret_key, audit=audit_log, outbox=outbox),
        comments=CommentBank(engine),
        regrading=RegradeService(engine, catalog, versions),
        versions=versions,
        insight=InsightService(audit_log),
        pdf=pdf,
        pageviews=pageviews,
        certificates=CertificateService(engine, answers, outbox),
        rights=rights,
        exports=exports,
        cases=CaseService(
            engine,
            audit_log,
            RequestService(engine, audit_log, rights, exports, request_mail, erasure_ledger(settings)),
        ),
        processor_notices=ProcessorNotices(engine, audit_log),
        forms=PublicForms(engine, consents, offers),
        newsletter=NewsletterExport(
            engine,
            audit_log,
            ref_key=settings.secret_key,
            unsubscribe_url=lambda s: consents.unsubscribe_url(person_id=s.person_id, account_id=s.account_id),
        ),
        consents=consents,
        unsubscribes=UnsubscribeImport(engine, audit_log),
        subsidiaries=SubsidiaryService(engine, catalog, offers, webinar_sharing_months=settings.webinar_sharing_months),
        tokens=tokens,
        outbox=outbox,
        mail_sender=mail_sender,
        account_mail=account_mail,
    )


def build_app(services: Services, engine: Engine, *, on_shutdown: Sequence[Callable[[], Any]] = ()) -> Litestar:
    """The Litestar app over `services`; `engine` is theirs (its pool opened on start-up, closed on shutdown).
    `on_shutdown` runs last, after the app has stopped (create_app stops the PDF workers there; the tests build the
    services and an app once, and stop the workers at the end of the run)."""
    settings = services.settings
    mail_sender = services.mail_sender
    # The sender loop in each worker (COURSESITE_MAIL_WORKER; off in an app a test builds unless it asks).
    mail_hooks = ([mail_sender.start], [mail_sender.stop]) if settings.mail_worker else ([], [])

    async def open_pool() -> None:
        if isinstance(engine, PostgresEngine) and settings.db_pool_size:  # SQLite has no pool
            await engine.start_connection_pool(max_size=settings.db_pool_size)

    async def close_pool() -> None:
        if isinstance(engine, PostgresEngine) and settings.db_pool_size:
            await engine.close_connection_pool()
        await close_connections(engine)  # SQLite's long-lived connections of this loop

    metrics = metrics_source(settings, services.outbox.counts, services.pageviews, engine)
    app = Litestar(
        route_handlers=[
            *ROUTES,
            *metrics_route(metrics),
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], guards=[guards.public], include_in_schema=False
            ),
        ],
        middleware=[
            ClientAddressMiddleware(
                TrustedProxies.parse(",".join(settings.trusted_proxies))
            ),  # first: the rest count this address
            InputGuardMiddleware(MAX_REQUEST_BODY_BYTES),  # before anything reads the request (web/hardening.py)
            SessionMiddleware(services.accounts),
            OriginCheckMiddleware(settings.base_url),
            SessionCsrfMiddleware(settings.secret_key, secure=settings.secure_cookies),
            PageViewMiddleware(services.pageviews),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(instance=Jinja.from_environment(services.pdf.environment)),
        # HTMXRequest only where a handler reads request.htmx (web/controllers/course.py: answer_submit): it refers
        # to itself, so each one is left to the cycle collector instead of freed at once. ApiDocumentation comes
        # before Litestar's OpenAPI plugin: web/openapi.py.
        plugins=[HTMXPlugin(HTMXConfig(set_request_class_globally=False)), ApiDocumentation()],
        dependencies=services.providers(),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_send=[add_security_headers, hardening_headers(hsts=settings.environment == "production")],
        on_startup=[open_pool, services.pageviews.start, *mail_hooks[0]],
        on_shutdown=[*mail_hooks[1], services.pageviews.stop, close_pool, process_stopped, *on_shutdown, flush_logs],
        openapi_config=OpenAPIConfig(
            title="Kurssajten API",
            version="1.0.0",
            path="/schema",
            components=[SUBSIDIARY_SECURITY],
            render_plugins=[JsonRenderPlugin()],
            openapi_router=Router(path="/schema", route_handlers=[], guards=[guards.public], include_in_schema=False),
        ),
        request_max_body_size=MAX_REQUEST_BODY_BYTES,
        logging_config=litestar_logging_config(),  # JSON lines without personal data (ops/logs.py)
        debug=settings.debug,
    )
    guards.run_in_place(app)  # no copy of the handler per guard per request (web/guards.py)
    resolve_in_order(app)  # no task per dependency per request (web/deps.py)
    # Around everything, routing included: a request id, one log line and the request metrics per request; inside it,
    # the 503 of a request turned away for want of a turn (web/busy.py, core/turns.py).
    app.asgi_handler = RequestObserver(
        BusyResponder(app.asgi_handler, services.pdf.environment), observe=metrics.after_request
    )
    return app
