"""The participant's side of billing (issue 4): the course terms, enrolment with billing details, Mina fakturor
with the PDFs and the transaction history, and the participant's JSON API. The work is in the billing services:
billing/issuing.py (enrolment) and billing/ledger.py (the participant's own invoices and ledger). Services arrive
by parameter (web/deps.py); the enrolment form is read through a typed form class (web/forms.read_form).

Paths with a file suffix (`/mina-fakturor/2026-00001.pdf`, `/api/v1/me/invoices/2026-00001.pdf`): Litestar 2 does
not match a path parameter followed by a literal suffix in the same segment (`{number:str}.pdf` never matches; it
was tried), so these routes take the whole last segment and split the suffix off themselves (`split_suffix`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from coursesite.billing import terms
from coursesite.billing.document import DocumentKind, InvoiceDocument
from coursesite.billing.enrolment import (
    ADDRESS_MAX,
    CITY_MAX,
    COMPANY_NAME_MAX,
    REFERENCE_MAX,
    TERMS_PATH,
    TERMS_TITLE,
    TERMS_VERSION,
)
from coursesite.billing.issuing import InvoicingService
from coursesite.billing.ledger import InvoiceView, LedgerService
from coursesite.billing.money import Line, compute_totals
from coursesite.billing.orgnr import MSG_PERSONNUMMER
from coursesite.billing.pdf import invoice_pdf
from coursesite.billing.status import STATUS_LABELS_SV
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.pdf import PdfRenderer
from coursesite.privacy.pii import find_forbidden
from coursesite.web import guards
from coursesite.web.deps import principal_of
from coursesite.web.downloads import render_holder
from coursesite.web.forms import read_form

ENROL_FIELDS = ("customer_type", "company_name", "org_number", "reference", "address_line", "postal_code", "city")
FIELD_MAX = {
    "customer_type": 20,
    "company_name": COMPANY_NAME_MAX,
    "org_number": 40,
    "reference": REFERENCE_MAX,
    "address_line": ADDRESS_MAX,
    "postal_code": 20,
    "city": CITY_MAX,
    "accept_terms_version": 40,
}
KIND_LABELS_SV = {"invoice": "Faktura", "credit_note": "Kreditfaktura", "payment": "Betalning"}
_INVOICE_NUMBER = re.compile(r"[0-9]{4}-[0-9]{5,19}")

# The last path segment: an invoice number and, for the file routes, its suffix.
FileName = Annotated[
    str, PathParameter(max_length=40, description="The invoice number and a suffix, e.g. 2026-00001.pdf")
]


def checked_number(number: str) -> str:
    """An invoice number as written ("2026-00001"); anything else is a 404, the same as a missing invoice."""
    if not _INVOICE_NUMBER.fullmatch(number):
        raise NotFound("Fakturan finns inte.")
    return number


def split_suffix(name: str, suffix: str) -> str:
    """`"2026-00001.pdf"`, `".pdf"` → `"2026-00001"`; anything else is a 404 (the same as a missing invoice)."""
    return checked_number(name[: -len(suffix)] if name.endswith(suffix) else "")


def document_filename(doc: InvoiceDocument, extension: str) -> str:
    prefix = "kreditfaktura" if doc.kind is DocumentKind.CREDIT_NOTE else "faktura"
    return f"{prefix}-{doc.number}.{extension}"


async def pdf_response(request: Request, pdf: PdfRenderer, doc: InvoiceDocument) -> Response[bytes]:
    """The document as a PDF, rendered off the event loop by the app's PdfRenderer (a process pool), in one of the
    request's render slots."""
    content = await pdf.render(invoice_pdf(doc), holder=render_holder(request))
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{document_filename(doc, "pdf")}"',
            "cache-control": "private, no-store",
        },
    )


def price_summary(service: InvoicingService) -> dict[str, int]:
    """The course price for the enrolment page, by the same rule the invoice uses."""
    config = service.config
    totals = compute_totals(
        (Line(config.description, 1, config.price_ore, config.vat_rate),), round_to_krona=config.round_to_krona
    )
    return {
        "net_ore": totals.net_ore,
        "vat_ore": totals.vat_ore,
        "total_ore": totals.total_ore,
        "vat_percent": int(config.vat_rate * 100),
    }


def status_label(view: InvoiceView) -> str:
    if view.kind is DocumentKind.CREDIT_NOTE:
        return f"Kreditering av {view.credited_number}" if view.credited_number else "Kreditfaktura"
    return STATUS_LABELS_SV[view.status] if view.status is not None else ""


def _jinja_helpers() -> dict[str, Any]:
    return {"status_label": status_label, "kind_labels": KIND_LABELS_SV}


# -- the course terms


def _terms_context(service: InvoicingService) -> dict[str, Any]:
    return {
        "terms_title": TERMS_TITLE,
        "terms_version": TERMS_VERSION,
        "price": price_summary(service),
        "config": service.config,
        "seller": service.config.seller,
    }


@get(TERMS_PATH, name="terms", include_in_schema=False)
async def terms_page(
    invoicing: NamedDependency[InvoicingService],
    version: Annotated[str | None, QueryParameter(max_length=terms.VERSION_MAX)] = None,
) -> Template:
    """The terms in force, or with `?version=` any earlier version (the text an enrolment of that version accepted):
    400 for a malformed version, 404 for one that never existed."""
    shown = terms.CURRENT
    if version:
        if not terms.is_well_formed(version):
            raise Invalid(
                "Ange villkorens version som ÅÅÅÅ-MM, till exempel 2026-11.", field_errors={"version": "ÅÅÅÅ-MM"}
            )
        found = terms.find(version)
        if found is None:
            raise NotFound(f"Det finns ingen version {version} av villkoren. Se listan över versioner på {TERMS_PATH}.")
        shown = found
    context = _terms_context(invoicing) | {
        "shown": shown,
        "superseded_on": terms.superseded_on(shown),
        "versions": terms.TERMS_VERSIONS,
        "terms_path": TERMS_PATH,
    }
    return Template("billing/terms.html", context=context)


# -- enrolment


@dataclass
class EnrolForm:
    customer_type: str = ""
    company_name: str = ""
    org_number: str = ""
    reference: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    accept_terms_version: str = ""
    consent_start_now: str = ""
    acknowledge_withdrawal_lost: str = ""


WITHDRAWAL_BOXES = ("consent_start_now", "acknowledge_withdrawal_lost")
# Asked separately, in these words (the terms, §4, say the same).
WITHDRAWAL_TEXTS_SV = (
    ("consent_start_now", "Jag samtycker uttryckligen till att kursen börjar genast, under ångerfristen."),
    ("acknowledge_withdrawal_lost", "Jag förstår att min ångerrätt upphör när jag har börjat kursen."),
)


def _clean_form_values(form: EnrolForm) -> dict[str, str]:
    """Each field trimmed and cut one over its limit (so the service still says it is too long)."""
    raw = dataclasses.asdict(form)
    values = {name: raw[name].strip()[: limit + 1] for name, limit in FIELD_MAX.items()}
    return values | {name: "true" if raw[name].strip() == "true" else "" for name in WITHDRAWAL_BOXES}


def _shown_values(values: dict[str, str], errors: dict[str, str]) -> dict[str, str]:
    """What is typed back into the form: everything, except a refused personnummer or card number (never echoed)."""
    shown = {}
    for name, value in values.items():
        refused = name in errors and (
            bool(find_forbidden(value)) or (name == "org_number" and errors[name] == MSG_PERSONNUMMER)
        )
        shown[name] = "" if refused else value
    return shown


def _enrol_page(
    request: Request,
    invoicing: InvoicingService,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> Template:
    context = _terms_context(invoicing) | {
        "values": values or {"customer_type": "private"},
        "errors": errors or {},
        "message": message,
        "principal": principal_of(request),
        "terms_path": TERMS_PATH,
        "limits": FIELD_MAX,
        "withdrawal_boxes": WITHDRAWAL_TEXTS_SV,
    }
    return Template("billing/enrol.html", context=context, status_code=status_code)


def _already_enrolled(request: Request, status_code: int = 200) -> Template:
    return Template(
        "billing/already_enrolled.html", context={"principal": principal_of(request)}, status_code=status_code
    )


@get("/anmalan", name="enrol", include_in_schema=False)
async def enrol_page(request: Request, invoicing: NamedDependency[InvoicingService]) -> Template:
    if await invoicing.is_enrolled(principal_of(request).account_id):
        return _already_enrolled(request)
    return _enrol_page(request, invoicing)


@post("/anmalan", status_code=303, include_in_schema=False)
async def enrol_submit(request: Request, invoicing: NamedDependency[InvoicingService]) -> Template | Redirect:
    values = _clean_form_values(read_form(EnrolForm, await request.form()))
    fields = {name: values[name] or None for name in ENROL_FIELDS}
    try:
        await invoicing.enrol(
            principal_of(request),
            accept_terms_version=values["accept_terms_version"] or None,
            consent_start_now=values["consent_start_now"] == "true",
            acknowledge_withdrawal_lost=values["acknowledge_withdrawal_lost"] == "true",
            **fields,
        )
    except Conflict:
        return _already_enrolled(request, status_code=409)
    except Invalid as exc:
        errors = dict(exc.field_errors)
        return _enrol_page(
            request,
            invoicing,
            values=_shown_values(values, errors),
            errors=errors,
            message=exc.message,
            status_code=400,
        )
    return Redirect("/anmalan/klar", status_code=303)


@get("/anmalan/klar", name="enrol_done", include_in_schema=False)
async def enrol_done(
    request: Request, ledger: NamedDependency[LedgerService], invoicing: NamedDependency[InvoicingService]
) -> Template | Redirect:
    """The confirmation: the invoice the enrolment issued (the participant's newest invoice), with what it takes to
    pay it (the bankgiro and the OCR number) on the page, not only in the PDF."""
    views = await ledger.invoices(account_id=principal_of(request).account_id, limit=50)
    invoice = next((v for v in views if v.kind is DocumentKind.INVOICE), None)
    if invoice is None:
        return Redirect("/anmalan", status_code=303)
    return Template(
        "billing/enrolled.html",
        context={"invoice": invoice, "principal": principal_of(request), "seller": invoicing.config.seller},
    )


# -- Mina fakturor


@get("/mina-fakturor", name="my_invoices", include_in_schema=False)
async def my_invoices(
    request: Request, invoicing: NamedDependency[InvoicingService], ledger: NamedDependency[LedgerService]
) -> Template:
    account_id = principal_of(request).account_id
    views = await ledger.invoices(account_id=account_id)
    rows = await ledger.ledger(account_id)
    return Template(
        "billing/my_invoices.html",
        context={
            "invoices": views,
            "ledger": rows,
            "enrolled": await invoicing.is_enrolled(account_id),
            "enrolment": await invoicing.enrolment_terms(account_id),
            "terms_path": TERMS_PATH,
        }
        | _jinja_helpers(),
    )


@get("/mina-fakturor/{name:str}", name="my_invoice_pdf", include_in_schema=False)
async def my_invoice_pdf(
    request: Request,
    ledger: NamedDependency[LedgerService],
    pdf: NamedDependency[PdfRenderer],
    name: FromPath[FileName],
) -> Response[bytes]:
    doc = await ledger.document(split_suffix(name, ".pdf"), account_id=principal_of(request).account_id)
    return await pdf_response(request, pdf, doc)


# -- the participant's API

Text = Annotated[str, msgspec.Meta(max_length=1000)]


class TermsOut(msgspec.Struct):
    version: str
    title: str
    url: str


class EnrollmentBody(msgspec.Struct, forbid_unknown_fields=True):
    customer_type: Annotated[str, msgspec.Meta(max_length=20)] = ""
    address_line: Text = ""
    postal_code: Annotated[str, msgspec.Meta(max_length=40)] = ""
    city: Text = ""
    accept_terms_version: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    consent_start_now: bool = False  # the express consent to start at once (Distance Contracts Act 2 kap. 11 §)
    acknowledge_withdrawal_lost: bool = False  # and that the right of withdrawal is then lost: both or neither
    company_name: Text | None = None
    org_number: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    reference: Text | None = None


class EnrollmentOut(msgspec.Struct):
    invoice_number: str
    ocr: str | None
    total_ore: int
    due_date: date | None


class MyInvoiceOut(msgspec.Struct):
    number: str
    kind: str  # "invoice" | "credit_note"
    ocr: str | None
    issue_date: date
    due_date: date | None
    total_ore: int
    status: str | None  # unpaid | partly_paid | paid | overpaid | credited | overdue; None on a credit note
    credited_number: str | None = None  # a credit note: the invoice it corrects


def invoice_out(view: InvoiceView) -> MyInvoiceOut:
    return MyInvoiceOut(
        number=view.number,
        kind=view.kind.value,
        ocr=view.ocr,
        issue_date=view.issue_date,
        due_date=view.due_date,
        total_ore=view.total_ore,
        status=view.status.value if view.status is not None else None,
        credited_number=view.credited_number,
    )


@get("/api/v1/terms", tags=["billing"])
async def api_terms() -> TermsOut:
    """The course terms in force: accept this `version` when enrolling."""
    return TermsOut(version=TERMS_VERSION, title=TERMS_TITLE, url=TERMS_PATH)


@post("/api/v1/enrollments", status_code=201, tags=["billing"])
async def api_enrol(
    request: Request, invoicing: NamedDependency[InvoicingService], data: JSONBody[EnrollmentBody]
) -> EnrollmentOut:
    """Enrol in the course: issues the invoice at once. `customer_type` is "private" or "company" (a company needs
    `company_name`; `org_number` and `reference` are optional). `accept_terms_version` must be the current terms'
    version (GET /api/v1/terms). 400 with `errors` per field; 409 when already enrolled."""
    issued = await invoicing.enrol(
        principal_of(request),
        accept_terms_version=data.accept_terms_version,
        consent_start_now=data.consent_start_now,
        acknowledge_withdrawal_lost=data.acknowledge_withdrawal_lost,
        customer_type=data.customer_type,
        company_name=data.company_name,
        org_number=data.org_number,
        reference=data.reference,
        address_line=data.address_line,
        postal_code=data.postal_code,
        city=data.city,
    )
    return EnrollmentOut(
        invoice_number=issued.number, ocr=issued.ocr, total_ore=issued.total_ore, due_date=issued.due_date
    )


@get("/api/v1/me/invoices", tags=["billing"])
async def api_my_invoices(request: Request, ledger: NamedDependency[LedgerService]) -> list[MyInvoiceOut]:
    """My invoices and credit notes, newest first, with the status today."""
    views = await ledger.invoices(account_id=principal_of(request).account_id)
    return [invoice_out(view) for view in views]


@get(
    "/api/v1/me/invoices/{name:str}",
    tags=["billing"],
    media_type="application/pdf",
    summary="GET /api/v1/me/invoices/{number}.pdf",
)
async def api_my_invoice_pdf(
    request: Request,
    ledger: NamedDependency[LedgerService],
    pdf: NamedDependency[PdfRenderer],
    name: FromPath[FileName],
) -> Response[bytes]:
    """One of my invoices or credit notes as a PDF: `/api/v1/me/invoices/2026-00001.pdf`. The path segment is the
    number with the `.pdf` suffix (Litestar cannot match a parameter followed by a suffix, so it is split here).
    404 for another person's invoice."""
    doc = await ledger.document(split_suffix(name, ".pdf"), account_id=principal_of(request).account_id)
    return await pdf_response(request, pdf, doc)


# The two public routes under the public guard, every other route under the login guard: each named once.
ROUTES: list[Any] = [
    Router(path="/", guards=[guards.public], route_handlers=[terms_page, api_terms]),
    Router(
        path="/",
        guards=[guards.logged_in],
        route_handlers=[
            enrol_page,
            enrol_submit,
            enrol_done,
            my_invoices,
            my_invoice_pdf,
            api_enrol,
            api_my_invoices,
            api_my_invoice_pdf,
        ],
    ),
]
