"""The application factory. All wiring lives here; nothing is built at import time."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine as Jinja
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from coursesite.billing.certificates import CertificateService
from coursesite.billing.config import load_billing_config
from coursesite.billing.exports import ExportService
from coursesite.billing.issuing import InvoicingService
from coursesite.billing.ledger import LedgerService
from coursesite.billing.payments import PaymentService
from coursesite.billing.pdf import PdfRenderer
from coursesite.course.catalog import CourseCatalog
from coursesite.db.engine import build_engine
from coursesite.db.tables import bind_tables
from coursesite.grading.service import AnswerService
from coursesite.privacy.audit import AuditLog
from coursesite.privacy.cases import CaseService
from coursesite.privacy.forms import PublicForms
from coursesite.privacy.pageviews import PageViewMiddleware, PageViewRecorder, TechnicalDataConfig
from coursesite.privacy.processors import ProcessorNotices
from coursesite.privacy.rights import RightsService
from coursesite.privacy.subsidiaries import SubsidiaryService
from coursesite.review.service import ReviewService
from coursesite.settings import REPO_ROOT, Settings
from coursesite.web import guards, templating
from coursesite.web.controllers import ROUTES
from coursesite.web.controllers.subsidiary_api import SECURITY_COMPONENTS as SUBSIDIARY_SECURITY
from coursesite.web.deps import Services
from coursesite.web.errors import EXCEPTION_HANDLERS
from coursesite.web.middleware import SessionMiddleware, add_security_headers

TEMPLATES_DIR = REPO_ROOT / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_REQUEST_BODY_BYTES = 256 * 1024


def create_app(settings: Settings) -> Litestar:
    settings.validate()
    catalog = CourseCatalog(settings.lessons_dir)  # refuses to start on broken content, naming the file
    billing_config = load_billing_config(settings.billing_config)  # refuses to start on a wrong value, naming it
    engine = build_engine(settings.database)
    bind_tables(engine)

    async def open_pool() -> None:
        if settings.database.engine == "postgres" and settings.db_pool_size:
            await engine.start_connection_pool(max_size=settings.db_pool_size)  # type: ignore[call-arg]

    async def close_pool() -> None:
        if settings.database.engine == "postgres" and settings.db_pool_size:
            await engine.close_connection_pool()

    pageviews = PageViewRecorder(TechnicalDataConfig())  # batched: requests never wait on it
    pdf = PdfRenderer()  # a process pool, started on the first PDF: rendering never blocks the event loop

    audit_log = AuditLog()
    ledger = LedgerService(audit_log)
    invoicing = InvoicingService(engine, billing_config, ledger)
    answers = AnswerService(engine, catalog, access=invoicing.has_course_access)
    services = Services(
        settings=settings,
        audit=audit_log,
        catalog=catalog,
        invoicing=invoicing,
        payments=PaymentService(engine, ledger),
        ledger=ledger,
        billing_exports=ExportService(ledger, billing_config, audit_log),
        answers=answers,
        review=ReviewService(engine, catalog, pseudonym_key=settings.secret_key),
        pdf=pdf,
        pageviews=pageviews,
        certificates=CertificateService(engine, answers),
        rights=RightsService(engine),
        cases=CaseService(engine),
        processor_notices=ProcessorNotices(engine),
        forms=PublicForms(engine),
        subsidiaries=SubsidiaryService(engine, catalog),
    )
    app = Litestar(
        route_handlers=[
            *ROUTES,
            create_static_files_router(
                path="/static", directories=[STATIC_DIR], guards=[guards.public], include_in_schema=False
            ),
        ],
        middleware=[SessionMiddleware(), PageViewMiddleware(pageviews)],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            header_name="x-csrftoken",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR,
            engine=Jinja,
            engine_callback=functools.partial(_configure_jinja, company_name=billing_config.seller.name),
        ),
        plugins=[HTMXPlugin()],
        dependencies=services.providers(),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_send=[add_security_headers],
        on_startup=[open_pool, pageviews.start],
        on_shutdown=[pageviews.stop, close_pool, pdf.close],
        openapi_config=OpenAPIConfig(
            title="Kurssajten API",
            version="1.0.0",
            path="/schema",
            components=[SUBSIDIARY_SECURITY],
            render_plugins=[JsonRenderPlugin()],
            openapi_router=Router(path="/schema", route_handlers=[], guards=[guards.public]),
        ),
        request_max_body_size=MAX_REQUEST_BODY_BYTES,
        # Expected errors (400, 403, 404 …) are answers, not incidents: only the 500 handler logs, in web/errors.py.
        logging_config=LoggingConfig(log_exceptions="debug"),
        debug=settings.debug,
    )
    app.state.services = services
    app.state.engine = engine
    # Transitional: the accessors in web/deps.py and some controllers still read these; they go as handlers take
    # their services as parameters.
    for field in dataclasses.fields(services):
        setattr(app.state, field.name, getattr(services, field.name))
    return app


def _configure_jinja(engine: Jinja, *, company_name: str) -> None:
    templating.configure(engine.engine, company_name=company_name)
