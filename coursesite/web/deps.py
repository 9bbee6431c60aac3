"""Dependency injection: the services create_app builds once, handed to handlers by parameter name.

A handler asks for a service by naming it as a parameter (``ledger: LedgerService``); Litestar fills it from
:meth:`Services.providers`. A service that create_app did not build is a missing field of ``Services``, so the app
fails at start-up, never at request time. ``course`` is the course in force, read from the catalog per request
(an import may have replaced it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from litestar import Litestar, Request
from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.di import Provide

from coursesite.accounts.mail import AccountMail
from coursesite.accounts.service import AccountService, Principal
from coursesite.accounts.tokens import TokenService
from coursesite.billing.exports import ExportService
from coursesite.billing.issuing import InvoicingService
from coursesite.billing.ledger import LedgerService
from coursesite.billing.payments import PaymentService
from coursesite.billing.reminders import ReminderService
from coursesite.certificates.service import CertificateService
from coursesite.grading.service import AnswerService
from coursesite.insight.service import InsightService
from coursesite.mail.outbox import MailOutbox
from coursesite.mail.sender import MailSender
from coursesite.pdf import PdfRenderer
from coursesite.privacy.access import AccessExports
from coursesite.privacy.pageviews import PageViewRecorder
from coursesite.privacy.registry import ConfiguredPeriods
from coursesite.privacy.rights import RightsService
from coursesite.review.comments import CommentBank
from coursesite.review.regrading import RegradeService
from coursesite.review.service import ReviewService
from coursesite.review.versions import QuestionVersions
from coursesite.settings import Settings
from coursesite.signups.consents import ConsentService
from coursesite.signups.forms import PublicForms
from coursesite.signups.newsletter import NewsletterExport
from coursesite.signups.processors import ProcessorNotices
from coursesite.signups.unsubscribes import UnsubscribeImport
from coursesite.subsidiaries.service import SubsidiaryService
from coursesite.support.cases import CaseService


@dataclass(frozen=True, slots=True)
class Services:
    """Every service of the app, built once in create_app. The field name is the handler parameter's name."""

    settings: Settings
    accounts: AccountService
    audit: Any  # privacy.audit.AuditLog, handed to the services that show or change a person's data
    catalog: Any  # course.catalog.CourseCatalog
    invoicing: InvoicingService  # enrolment, invoices, credit notes; has_course_access
    reminders: ReminderService  # payment reminders of overdue invoices (billing.toml [reminders])
    payments: PaymentService  # payments by hand and from BgMax
    ledger: LedgerService  # invoice and payment lists, status, overdue, a customer's ledger
    billing_exports: ExportService  # SIE, CSV and UBL downloads
    answers: AnswerService
    review: ReviewService
    comments: CommentBank  # the instructors' comment banks
    regrading: RegradeService
    versions: QuestionVersions  # the grading keys each question has had
    insight: InsightService
    pdf: PdfRenderer  # every PDF, through one process pool
    pageviews: PageViewRecorder
    certificates: CertificateService
    rights: RightsService
    exports: AccessExports  # the access export (art. 15, 20)
    cases: CaseService
    processor_notices: ProcessorNotices
    forms: PublicForms
    newsletter: NewsletterExport
    unsubscribes: UnsubscribeImport  # the newsletter services' unsubscribe exports, imported
    subsidiaries: SubsidiaryService
    tokens: TokenService  # one-time link tokens (verify e-mail, password reset, confirmations, unsubscribe)
    outbox: MailOutbox  # queue a message in the caller's transaction (docs/mail.md)
    mail_sender: MailSender  # delivers the outbox; the app's background loop and `coursesite mail send-pending`
    account_mail: AccountMail  # address confirmation, e-mail change, password reset, security notices
    consents: ConsentService  # double opt-in and the one-click unsubscribe (issue 11 §5)

    def providers(self) -> dict[str, Provide]:
        """Litestar dependencies: one per service, plus ``course`` (the course in force, per request)."""
        provided = {field.name: _constant(getattr(self, field.name)) for field in dataclasses.fields(self)}
        catalog = self.catalog
        provided["course"] = Provide(lambda: catalog.course, sync_to_thread=False)
        return provided


def _constant(value: Any) -> Provide:
    return Provide(lambda: value, use_cache=True, sync_to_thread=False)


class _InOrder(KwargsModel):
    """A handler's kwargs with its dependencies resolved one after the other. Litestar resolves the independent
    dependencies of a handler (the lesson page's `course` and `answers`, say) in an anyio task group, a task each on
    every request; every dependency here is a value at hand (the services above, the catalog's course), so the tasks
    were pure cost: about a tenth of the lesson page's CPU, and event-loop turns that lengthened its tail
    (docs/performance.md). The same dependencies, the same values; the first error is raised, as Litestar raises the
    first of its group."""

    __slots__ = ()  # the same layout, so an existing model can take the class

    async def resolve_dependencies(self, connection: ASGIConnection, kwargs: dict[str, Any]) -> DependencyCleanupGroup:
        cleanup_group = DependencyCleanupGroup()
        for batch in self.dependency_batches:
            for dependency in batch:
                await resolve_dependency(dependency, connection, kwargs, cleanup_group)
        return cleanup_group


def resolve_in_order(app: Litestar) -> None:
    """Every HTTP route of `app` resolves its handler's dependencies in order, not as concurrent tasks (_InOrder)."""
    for route in app.routes:
        for _, kwargs_model in getattr(route, "route_handler_map", {}).values():
            if type(kwargs_model) is KwargsModel:
                kwargs_model.__class__ = _InOrder


def principal_of(request: Request) -> Principal:
    principal = request.scope.get("user")
    assert principal is not None, "guarded by guards.logged_in"
    return principal


def periods_of(settings: Settings) -> ConfiguredPeriods:
    """The retention periods the settings configure, which the privacy page, the record of processing and the access
    export state (privacy/registry.py: retention_texts_sv)."""
    return ConfiguredPeriods(
        ip_days=settings.page_view_ip_days,
        page_view_months=settings.page_view_retention_months,
        session_days=settings.session_days,
        login_window_seconds=settings.login_window_seconds,
        inactive_account_months=settings.inactive_account_months,
        registrant_months=settings.registrant_months,
        webinar_sharing_months=settings.webinar_sharing_months,
    )
