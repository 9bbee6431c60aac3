"""The two documents generated from the policy as code (privacy/policy.py): the public privacy page, and the record
of processing (art. 30) for staff, as HTML and as PDF. Neither holds anyone's personal data.

The controller (personuppgiftsansvarig) is the seller in the billing configuration, so the company's name, number,
address and email are written in one place only.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from coursesite.accounts.roles import Role
from coursesite.billing.enrolment import TERMS_PATH, TERMS_TITLE
from coursesite.billing.issuing import InvoicingService
from coursesite.core import clock, formatting
from coursesite.pdf import PdfDocument, PdfRenderer
from coursesite.privacy import policy
from coursesite.privacy.registry import BOOKKEEPING_TEXT_SV
from coursesite.settings import Settings
from coursesite.web import guards
from coursesite.web.deps import periods_of
from coursesite.web.downloads import render_holder

RECORD_PDF_TEMPLATE = "privacy/record_pdf.html"
STAFF_ROLES = (Role.ADMIN, Role.CUSTOMER_SERVICE)
STAFF_HEADERS = {"cache-control": "private, no-store"}

Channel = Annotated[
    str | None,
    QueryParameter(max_length=40, description="A subsidiary's channel: its more specific policy takes precedence"),
]


def document_context(settings: Settings, invoicing: InvoicingService) -> dict[str, Any]:
    """Everything both documents show, from privacy/policy.py, the seller in the billing configuration (the
    controller, personuppgiftsansvarig) and the retention periods in the settings."""
    periods = periods_of(settings)
    return {
        "policy": policy,
        "version": policy.POLICY_VERSION,
        "title": policy.POLICY_TITLE,
        "controller": invoicing.config.seller,
        "categories": [
            {
                "category": category,
                "purposes": policy.purposes_of(category.key),
                "retention": policy.retention_of(category.key, periods),
                "fields": policy.fields_of(category.key),
            }
            for category in policy.categories()
        ],
        "purposes": policy.purposes(),
        "recipients": policy.recipients(periods.webinar_sharing_months),
        "processors": [r for r in policy.recipients() if r.kind is policy.RecipientKind.PROCESSOR],
        "subsidiaries": policy.subsidiary_recipients(periods.webinar_sharing_months),
        "transfers": policy.transfers(),
        "rights": policy.RIGHTS_SV,
        "authority": policy.SUPERVISORY_AUTHORITY,
        "seven_years": BOOKKEEPING_TEXT_SV,
        "security_measures": policy.security_measures_sv(periods),
        "privacy_email": policy.privacy_contact_email(settings.privacy_email, invoicing.config.seller.email),
        "staff": policy.STAFF_RECORD,
        "crm_tables": policy.CRM_TABLES,
        "channel_policies": list(policy.CHANNEL_POLICIES.values()),
        "terms_path": TERMS_PATH,
        "terms_title": TERMS_TITLE,
    }


# -- the public privacy page


@get(policy.POLICY_PATH, guards=[guards.public], name="privacy_policy", include_in_schema=False)
async def privacy_policy(
    settings: NamedDependency[Settings], invoicing: NamedDependency[InvoicingService], kanal: Channel = None
) -> Template:
    """The policy in Swedish; `?kanal=` shows a subsidiary channel's more specific wording where it has one."""
    channel = policy.channel_policy(kanal)
    return Template(
        "privacy/policy.html",
        context=document_context(settings, invoicing)
        | {
            "texts": policy.section_texts(kanal),
            "channel": channel,
            "unknown_channel": bool(kanal) and channel is None,
        },
    )


# -- the record of processing, for staff


def _record_context(settings: Settings, invoicing: InvoicingService) -> dict[str, Any]:
    return document_context(settings, invoicing) | {"generated_on": formatting.format_date_long(clock.today())}


@get(policy.RECORD_PATH, guards=[guards.roles(*STAFF_ROLES)], name="record_of_processing", include_in_schema=False)
async def record_of_processing(
    settings: NamedDependency[Settings], invoicing: NamedDependency[InvoicingService]
) -> Template:
    return Template("privacy/record.html", context=_record_context(settings, invoicing), headers=STAFF_HEADERS)


@get(
    policy.RECORD_PATH + ".pdf",
    guards=[guards.roles(*STAFF_ROLES)],
    name="record_of_processing_pdf",
    include_in_schema=False,
    media_type="application/pdf",
)
async def record_of_processing_pdf(
    request: Request,
    settings: NamedDependency[Settings],
    invoicing: NamedDependency[InvoicingService],
    pdf: NamedDependency[PdfRenderer],
) -> Response[bytes]:
    content = await pdf.render(record_pdf(_record_context(settings, invoicing)), holder=render_holder(request))
    filename = f"behandlingsregister-{clock.today().isoformat()}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{filename}"'} | STAFF_HEADERS,
    )


def record_pdf(context: dict[str, Any]) -> PdfDocument:
    """The record as a PDF to render. Its stylesheet is in the template; nothing is fetched from anywhere."""
    return PdfDocument(RECORD_PDF_TEMPLATE, context)


ROUTES = [privacy_policy, record_of_processing, record_of_processing_pdf]
