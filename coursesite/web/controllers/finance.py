"""Finance's pages (/ekonomi) and JSON API (/api/v1/finance): invoices with status, credit notes, payments by hand
and from BgMax files, the overdue list, a customer's ledger and the CSV and SIE exports. Finance and admins only;
the work is in the billing services (billing/issuing.py, payments.py, ledger.py, exports.py), which also write the
staff-audit rows of what finance reads. docs/finance.md describes how finance uses them.

Every route here is in one Router carrying the finance guard once (`ROUTES`). HTML forms are read through the typed
form classes below (web/forms.read_form); the BgMax upload is a file, read as one.

Amounts typed on the pages are kronor ("12 500,00"), parsed to integer öre by web/amounts.py; the API takes öre.
Paths ending in a suffix (`.pdf`, `.xml`) are split by hand: see controllers/billing.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Redirect, Stream, Template

from coursesite.accounts.roles import Role
from coursesite.billing.document import CustomerType
from coursesite.billing.exports import ExportService
from coursesite.billing.issuing import REASON_MAX, InvoicingService
from coursesite.billing.ledger import LIST_LIMIT, WHY_INVOICE_LIST, WHY_INVOICE_LIST_API, InvoiceView, LedgerService
from coursesite.billing.payments import FILENAME_RULE, MAX_AMOUNT_ORE, PaymentService, PaymentView
from coursesite.billing.reminders import ReminderService, ReminderView
from coursesite.billing.status import STATUS_LABELS_SV, InvoiceStatus
from coursesite.billing.ubl import peppol_refusal
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.pdf import PdfRenderer
from coursesite.privacy.pii import find_forbidden
from coursesite.web import guards
from coursesite.web.amounts import parse_kronor
from coursesite.web.controllers.billing import (
    KIND_LABELS_SV,
    FileName,
    checked_number,
    document_filename,
    pdf_response,
    split_suffix,
    status_label,
)
from coursesite.web.deps import principal_of
from coursesite.web.forms import read_form
from coursesite.web.openapi import ERRORS_OPT

FINANCE = guards.roles(Role.FINANCE, Role.ADMIN)
MAX_BGMAX_BYTES = 5 * 1024 * 1024
MAX_RANGE_DAYS = 366 * 10 + 3  # an export covers at most ten years
SIE_MEDIA_TYPE = "text/plain; charset=IBM437"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

Number = Annotated[str, PathParameter(max_length=40, description="An invoice number, e.g. 2026-00001")]
AccountId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
PaymentId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
DateText = Annotated[str | None, QueryParameter(max_length=10)]


def _helpers() -> dict[str, Any]:
    return {
        "status_label": status_label,
        "kind_labels": KIND_LABELS_SV,
        "status_labels": {s.value: label for s, label in STATUS_LABELS_SV.items()},
    }


def _page(template: str, section: str, status_code: int = 200, **context: Any) -> Template:
    return Template(f"finance/{template}", context={"section": section} | _helpers() | context, status_code=status_code)


# -- dates and ranges


def parse_day(text: str | None, label: str) -> date | None:
    """ "2026-01-31" → date; empty → None. ValueError with a Swedish message otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("x")
    except ValueError:
        raise ValueError(f"Ange {label} som ÅÅÅÅ-MM-DD, till exempel 2026-01-31.") from None


def default_range() -> tuple[date, date]:
    on = today()
    return date(on.year, 1, 1), on


def check_range(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise Invalid(
            "Startdatumet ligger efter slutdatumet.", field_errors={"from": "Startdatumet ligger efter slutdatumet."}
        )
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        raise Invalid("Välj högst tio år åt gången.", field_errors={"to": "Välj högst tio år åt gången."})


def _range_from_text(fran: str | None, till: str | None) -> tuple[date, date, dict[str, str]]:
    errors: dict[str, str] = {}
    first, last = default_range()
    try:
        first = parse_day(fran, "startdatum") or first
    except ValueError as exc:
        errors["from"] = str(exc)
    try:
        last = parse_day(till, "slutdatum") or last
    except ValueError as exc:
        errors["to"] = str(exc)
    if not errors:
        try:
            check_range(first, last)
        except Invalid as exc:
            errors.update(exc.field_errors)
    return first, last, errors


def _stamp(day: date) -> str:
    return day.strftime("%Y%m%d")


def csv_download(content: AsyncIterator[bytes], date_from: date, date_to: date) -> Stream:
    return Stream(
        content,
        media_type=CSV_MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="fakturor-{_stamp(date_from)}-{_stamp(date_to)}.csv"'},
    )


def sie_download(content: AsyncIterator[bytes], date_from: date, date_to: date) -> Stream:
    return Stream(
        content,
        media_type=SIE_MEDIA_TYPE,
        headers={"content-disposition": f'attachment; filename="kurssajten-{_stamp(date_from)}-{_stamp(date_to)}.si"'},
    )


async def ubl_response(request: Request, exports: ExportService, number: str) -> Response[bytes]:
    doc, content = await exports.ubl(principal_of(request), number)
    return Response(
        content,
        media_type="application/xml",
        headers={"content-disposition": f'attachment; filename="{document_filename(doc, "xml")}"'},
    )


# -- the HTML forms


@dataclass
class CreditForm:
    mode: str = ""  # whole | partial
    amount: str = ""  # kronor, for a partial credit
    reason: str = ""


CREDIT_FIELDS = {"amount", "reason"}  # the credit form's fields that show their own error


@dataclass
class PaymentForm:
    date: str = ""
    amount: str = ""  # kronor
    ocr: str = ""
    invoice_number: str = ""


@dataclass
class PlaceForm:
    invoice_number: str = ""


# -- pages: the invoice list


@get("/ekonomi", name="finance", include_in_schema=False)
async def invoices_page(
    request: Request,
    ledger: NamedDependency[LedgerService],
    reminders: NamedDependency[ReminderService],
    status: Annotated[str | None, QueryParameter(max_length=20)] = None,
    fran: DateText = None,
    till: DateText = None,
) -> Template:
    errors: dict[str, str] = {}
    chosen: InvoiceStatus | None = None
    if status:
        try:
            chosen = InvoiceStatus(status)
        except ValueError:
            errors["status"] = "Välj en status i listan."
    bounds: dict[str, date | None] = {}
    for key, text, label in (("from", fran, "startdatum"), ("to", till, "slutdatum")):
        try:
            bounds[key] = parse_day(text, label)
        except ValueError as exc:
            errors[key], bounds[key] = str(exc), None
    home = await ledger.home(principal_of(request), now=clock.now())
    views = await ledger.invoice_list(
        principal_of(request), status=chosen, date_from=bounds["from"], date_to=bounds["to"], why=WHY_INVOICE_LIST
    )
    return _page(
        "invoices.html",
        "invoices",
        status_code=400 if errors else 200,
        home=home,
        invoices=views,
        reminded=await reminders.summary(views),
        errors=errors,
        limit=LIST_LIMIT,
        filters={"status": status or "", "fran": fran or "", "till": till or ""},
    )


# -- pages: one invoice


async def _invoice_page(
    request: Request,
    ledger: LedgerService,
    reminders: ReminderService,
    number: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Template:
    details = await ledger.invoice_details(principal_of(request), number)
    doc, view = details.document, details.view
    return _page(
        "invoice.html",
        "invoices",
        status_code=status_code,
        doc=doc,
        view=view,
        credit_notes=details.credit_notes,
        payments=details.payments,
        reminders=await reminders.reminders_of(principal_of(request), number) if doc.kind.value == "invoice" else [],
        is_company=doc.buyer.customer_type is CustomerType.COMPANY,
        peppol_refusal=peppol_refusal(doc),
        remaining_ore=view.creditable_ore,
        errors=errors or {},
        values=values or {"mode": "whole"},
        message=message,
        notice=notice,
        reason_max=REASON_MAX,
    )


NOTICES = {
    "krediterad": "Kreditfakturan är utfärdad.",
    "registrerad": "Betalningen är registrerad.",
    "kopplad": "Betalningen är kopplad till fakturan.",
}


@get("/ekonomi/faktura/{name:str}", name="finance_invoice", include_in_schema=False)
async def invoice_page(
    request: Request,
    ledger: NamedDependency[LedgerService],
    reminders: NamedDependency[ReminderService],
    billing_exports: NamedDependency[ExportService],
    pdf: NamedDependency[PdfRenderer],
    name: FromPath[FileName],
    klar: Annotated[str | None, QueryParameter(max_length=20)] = None,
) -> Template | Response[bytes]:
    """The invoice's page; with `.pdf` its PDF and with `.xml` its UBL document (company buyers only)."""
    if name.endswith(".pdf"):
        doc = await ledger.staff_document(principal_of(request), split_suffix(name, ".pdf"))
        return await pdf_response(request, pdf, doc)
    if name.endswith(".xml"):
        return await ubl_response(request, billing_exports, split_suffix(name, ".xml"))
    return await _invoice_page(request, ledger, reminders, checked_number(name), notice=NOTICES.get(klar or ""))


@post("/ekonomi/faktura/{number:str}/kreditera", status_code=303, include_in_schema=False)
async def credit_submit(
    request: Request,
    invoicing: NamedDependency[InvoicingService],
    ledger: NamedDependency[LedgerService],
    reminders: NamedDependency[ReminderService],
    number: FromPath[Number],
) -> Template | Redirect:
    number = checked_number(number)
    form = read_form(CreditForm, await request.form())
    values = {"mode": form.mode[:10], "amount": form.amount[:41], "reason": form.reason[: REASON_MAX + 1]}
    amount_ore: int | None = None
    if values["mode"] == "partial":
        try:
            amount_ore = parse_kronor(values["amount"])
        except ValueError as exc:
            return await _invoice_page(
                request, ledger, reminders, number, errors={"amount": str(exc)}, values=values, status_code=400
            )
    try:
        issued = await invoicing.credit(principal_of(request), number, amount_ore=amount_ore, reason=form.reason)
    except (Invalid, Conflict) as exc:
        errors = {("amount" if key == "amount_ore" else key): text for key, text in exc.field_errors.items()}
        if "reason" in errors and find_forbidden(values["reason"]):
            values["reason"] = ""  # a personnummer or card number is never shown again
        return await _invoice_page(
            request,
            ledger,
            reminders,
            number,
            errors=errors,
            values=values,
            # each error once: at its field when the form has that field, else above the page
            message=None if errors and set(errors) <= CREDIT_FIELDS else exc.message,
            status_code=409 if isinstance(exc, Conflict) else 400,
        )
    return Redirect(f"/ekonomi/faktura/{number}?klar=krediterad&kreditfaktura={issued.number}", status_code=303)


# -- pages: payments


async def _payments_page(
    ledger: LedgerService,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    message: str | None = None,
    place_errors: dict[int, str] | None = None,
    status_code: int = 200,
) -> Template:
    unmatched = await ledger.payments(unmatched_only=True)
    recent = await ledger.payments(limit=50)
    return _page(
        "payments.html",
        "payments",
        status_code=status_code,
        unmatched=unmatched,
        recent=recent,
        errors=errors or {},
        values=values or {"date": today().isoformat()},
        message=message,
        place_errors=place_errors or {},
    )


@get("/ekonomi/betalningar", name="finance_payments", include_in_schema=False)
async def payments_page(ledger: NamedDependency[LedgerService]) -> Template:
    return await _payments_page(ledger)


@post("/ekonomi/betalningar", status_code=303, include_in_schema=False)
async def payment_submit(
    request: Request, payments: NamedDependency[PaymentService], ledger: NamedDependency[LedgerService]
) -> Template | Redirect:
    form = read_form(PaymentForm, await request.form())
    values = {key: value.strip()[:41] for key, value in dataclasses.asdict(form).items()}
    errors: dict[str, str] = {}
    amount_ore = payment_date = None
    try:
        amount_ore = parse_kronor(values["amount"])
    except ValueError as exc:
        errors["amount"] = str(exc)
    try:
        payment_date = parse_day(values["date"], "betalningsdagen")
        if payment_date is None:
            errors["date"] = "Ange betalningsdagen."
    except ValueError as exc:
        errors["date"] = str(exc)
    if bool(values["ocr"]) == bool(values["invoice_number"]):
        errors["ocr"] = "Ange antingen OCR-nummer eller fakturanummer."
    if errors:
        return await _payments_page(
            ledger, errors=errors, values=values, message="Kontrollera betalningen.", status_code=400
        )
    assert amount_ore is not None and payment_date is not None
    try:
        payment = await payments.register_payment(
            principal_of(request),
            amount_ore=amount_ore,
            payment_date=payment_date,
            ocr=values["ocr"] or None,
            invoice_number=values["invoice_number"] or None,
        )
    except (Invalid, NotFound) as exc:
        field = "ocr" if values["ocr"] else "invoice_number"
        errors = {("amount" if k == "amount_ore" else k): v for k, v in exc.field_errors.items()} or {
            field: exc.message
        }
        return await _payments_page(ledger, errors=errors, values=values, message=exc.message, status_code=400)
    return Redirect(f"/ekonomi/faktura/{payment.invoice_number}?klar=registrerad", status_code=303)


@post("/ekonomi/betalningar/{payment_id:int}/koppla", status_code=303, include_in_schema=False)
async def place_submit(
    request: Request,
    payments: NamedDependency[PaymentService],
    ledger: NamedDependency[LedgerService],
    payment_id: FromPath[PaymentId],
) -> Template | Redirect:
    number = read_form(PlaceForm, await request.form()).invoice_number.strip()[:41]
    if not number:
        return await _payments_page(ledger, place_errors={payment_id: "Ange fakturanumret."}, status_code=400)
    try:
        payment = await payments.place_payment(principal_of(request), payment_id, number)
    except (NotFound, Conflict) as exc:
        message = next(iter(exc.field_errors.values()), exc.message)
        status = 409 if isinstance(exc, Conflict) else 400
        return await _payments_page(ledger, place_errors={payment_id: message}, status_code=status)
    return Redirect(f"/ekonomi/faktura/{payment.invoice_number}?klar=kopplad", status_code=303)


# -- pages: BgMax


@get("/ekonomi/bgmax", name="finance_bgmax", include_in_schema=False)
async def bgmax_page() -> Template:
    return _page("bgmax.html", "bgmax", result=None, errors={}, max_mb=MAX_BGMAX_BYTES // (1024 * 1024))


async def _read_upload(upload: Any) -> tuple[bytes, str]:
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("Välj en BgMax-fil.", field_errors={"file": "Välj en BgMax-fil."})
    try:
        data = await upload.read(MAX_BGMAX_BYTES + 1)
    finally:
        await upload.close()
    if len(data) > MAX_BGMAX_BYTES:
        message = f"Filen är för stor: högst {MAX_BGMAX_BYTES // (1024 * 1024)} MB."
        raise Invalid(message, field_errors={"file": message})
    return data, upload.filename[: FILENAME_RULE.max_chars + 1]  # one past: the rule sees it is too long


@post(
    "/ekonomi/bgmax",
    status_code=200,
    request_max_body_size=MAX_BGMAX_BYTES + 64 * 1024,
    include_in_schema=False,
)
async def bgmax_submit(request: Request, payments: NamedDependency[PaymentService]) -> Template:
    form = await request.form()  # the one field is a file: read as an upload, not through a form class
    max_mb = MAX_BGMAX_BYTES // (1024 * 1024)
    try:
        data, filename = await _read_upload(form.get("file"))
        result = await payments.import_bgmax(principal_of(request), data, filename)
    except (Invalid, Conflict) as exc:
        return _page(
            "bgmax.html",
            "bgmax",
            status_code=409 if isinstance(exc, Conflict) else 400,
            result=None,
            errors={"file": exc.field_errors.get("file") or exc.message},  # once, at the file field
            max_mb=max_mb,
        )
    return _page("bgmax.html", "bgmax", result=result, errors={}, max_mb=max_mb)


# -- pages: overdue, a customer, exports


@get("/ekonomi/forfallna", name="finance_overdue", include_in_schema=False)
async def overdue_page(
    request: Request, ledger: NamedDependency[LedgerService], reminders: NamedDependency[ReminderService]
) -> Template:
    views = await ledger.overdue(principal_of(request))
    return _page("overdue.html", "overdue", invoices=views, today=today(), reminded=await reminders.summary(views))


@get("/ekonomi/kund/{account_id:int}", name="finance_customer", include_in_schema=False)
async def customer_page(
    request: Request, ledger: NamedDependency[LedgerService], account_id: FromPath[AccountId]
) -> Template:
    account = await ledger.customer_account(principal_of(request), account_id)
    return _page(
        "customer.html",
        "invoices",
        customer=account.customer,
        invoices=account.invoices,
        ledger=account.ledger,
        account_id=account_id,
    )


@get("/ekonomi/export", name="finance_export", include_in_schema=False)
async def export_page() -> Template:
    first, last = default_range()
    return _page("export.html", "export", values={"fran": first.isoformat(), "till": last.isoformat()}, errors={})


async def _export(
    request: Request, exports: ExportService, fran: str | None, till: str | None, kind: str
) -> Template | Stream:
    first, last, errors = _range_from_text(fran, till)
    if errors:
        return _page(
            "export.html", "export", status_code=400, values={"fran": fran or "", "till": till or ""}, errors=errors
        )
    reader = principal_of(request)
    if kind == "csv":
        return csv_download(await exports.invoice_csv(reader, first, last), first, last)
    return sie_download(await exports.sie_export(reader, first, last), first, last)


@get("/ekonomi/export/fakturor.csv", include_in_schema=False)
async def export_csv_page(
    request: Request, billing_exports: NamedDependency[ExportService], fran: DateText = None, till: DateText = None
) -> Template | Stream:
    return await _export(request, billing_exports, fran, till, "csv")


@get("/ekonomi/export/sie", include_in_schema=False)
async def export_sie_page(
    request: Request, billing_exports: NamedDependency[ExportService], fran: DateText = None, till: DateText = None
) -> Template | Stream:
    return await _export(request, billing_exports, fran, till, "sie")


# -- the finance API

Reason = Annotated[str, msgspec.Meta(max_length=REASON_MAX * 2)]
Ore = Annotated[int, msgspec.Meta(ge=1, le=MAX_AMOUNT_ORE)]
FromDate = Annotated[date | None, QueryParameter(name="from", description="First issue date, YYYY-MM-DD")]
ToDate = Annotated[date | None, QueryParameter(name="to", description="Last issue date, YYYY-MM-DD")]


class FinanceInvoiceOut(msgspec.Struct):
    number: str
    kind: str  # invoice | credit_note
    ocr: str | None
    issue_date: date
    due_date: date | None
    buyer_name: str
    account_id: int | None
    total_ore: int
    credited_ore: int
    paid_ore: int
    owed_ore: int
    status: str | None  # None on a credit note
    credited_number: str | None


class CreditBody(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    amount_ore: Ore | None = None  # including VAT; none: the whole remaining amount


class CreditOut(msgspec.Struct):
    credit_note_number: str
    invoice_number: str
    total_ore: int  # negative


class PaymentBody(msgspec.Struct, forbid_unknown_fields=True):
    amount_ore: Ore
    payment_date: date = msgspec.field(name="date")
    ocr: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    invoice_number: Annotated[str, msgspec.Meta(max_length=40)] | None = None


class PaymentOut(msgspec.Struct):
    id: int
    amount_ore: int
    date: date
    reference: str | None
    payer_name: str | None
    source: str
    invoice_number: str | None


class BgMaxOut(msgspec.Struct):
    payments: int
    total_ore: int
    matched: list[PaymentOut]
    unmatched: list[PaymentOut]


def finance_invoice_out(view: InvoiceView) -> FinanceInvoiceOut:
    return FinanceInvoiceOut(
        number=view.number,
        kind=view.kind.value,
        ocr=view.ocr,
        issue_date=view.issue_date,
        due_date=view.due_date,
        buyer_name=view.buyer_name,
        account_id=view.account_id,
        total_ore=view.total_ore,
        credited_ore=view.credited_ore,
        paid_ore=view.paid_ore,
        owed_ore=view.owed_ore,
        status=view.status.value if view.status else None,
        credited_number=view.credited_number,
    )


def payment_out(payment: PaymentView) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        amount_ore=payment.amount_ore,
        date=payment.payment_date,
        reference=payment.reference,
        payer_name=payment.payer_name,
        source=payment.source,
        invoice_number=payment.invoice_number,
    )


@get("/api/v1/finance/invoices", tags=["finance"])
async def api_invoices(
    request: Request,
    ledger: NamedDependency[LedgerService],
    status: Annotated[InvoiceStatus | None, QueryParameter()] = None,
    date_from: FromDate = None,
    date_to: ToDate = None,
    limit: Annotated[int, QueryParameter(ge=1, le=LIST_LIMIT)] = LIST_LIMIT,
) -> list[FinanceInvoiceOut]:
    """Invoices and credit notes, newest first, with amounts paid and credited and the status today. Filter by
    `status` (unpaid, partly_paid, paid, overpaid, credited, overdue) and the issue date (`from`, `to`)."""
    views = await ledger.invoice_list(
        principal_of(request),
        status=status,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        why=WHY_INVOICE_LIST_API,
    )
    return [finance_invoice_out(view) for view in views]


class ReminderOut(msgspec.Struct):
    invoice_number: str
    sequence: int  # 1 for the first reminder of the invoice
    sent_at: datetime
    fee_ore: int  # the reminder fee the message asked for (not part of the invoice); 0: none


def reminder_out(view: ReminderView) -> ReminderOut:
    return ReminderOut(invoice_number=view.number, sequence=view.sequence, sent_at=view.sent_at, fee_ore=view.fee_ore)


@get("/api/v1/finance/invoices/{number:str}/reminders", tags=["finance"])
async def api_invoice_reminders(
    request: Request, reminders: NamedDependency[ReminderService], number: Number
) -> list[ReminderOut]:
    """The payment reminders sent for an invoice, oldest first (billing.toml [reminders]). 404 for an unknown
    number; an empty list when it was never reminded."""
    return [reminder_out(view) for view in await reminders.reminders_of(principal_of(request), checked_number(number))]


@post("/api/v1/finance/invoices/{number:str}/credit", status_code=201, tags=["finance"])
async def api_credit(
    request: Request, invoicing: NamedDependency[InvoicingService], number: Number, data: JSONBody[CreditBody]
) -> CreditOut:
    """Issue a credit note: the whole invoice without `amount_ore`, or part of it (öre including VAT). `reason` is
    required. 409 when the invoice is already fully credited or is itself a credit note."""
    issued = await invoicing.credit(principal_of(request), number, amount_ore=data.amount_ore, reason=data.reason)
    return CreditOut(credit_note_number=issued.number, invoice_number=number, total_ore=issued.total_ore)


@post("/api/v1/finance/payments", status_code=201, tags=["finance"], opt={ERRORS_OPT: (404,)})  # no such invoice/OCR
async def api_register_payment(
    request: Request, payments: NamedDependency[PaymentService], data: JSONBody[PaymentBody]
) -> PaymentOut:
    """Register a payment by hand, placed on the invoice that `ocr` or `invoice_number` (exactly one) names.
    404 when no invoice matches."""
    payment = await payments.register_payment(
        principal_of(request),
        amount_ore=data.amount_ore,
        payment_date=data.payment_date,
        ocr=data.ocr,
        invoice_number=data.invoice_number,
    )
    return payment_out(payment)


@post(
    "/api/v1/finance/bgmax",
    status_code=201,
    tags=["finance"],
    request_max_body_size=MAX_BGMAX_BYTES + 64 * 1024,
)
async def api_bgmax(
    request: Request,
    payments: NamedDependency[PaymentService],
    data: Annotated[dict[str, UploadFile], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> BgMaxOut:
    """Import a Bankgirot BgMax file (multipart, field `file`). Payments are matched to invoices by OCR; the rest
    are listed as unmatched for placing by hand. 400 lists the file's problems with line numbers; 409 when the
    same file was imported before."""
    file_data, filename = await _read_upload(data.get("file"))
    result = await payments.import_bgmax(principal_of(request), file_data, filename)
    return BgMaxOut(
        payments=result.payments,
        total_ore=result.total_ore,
        matched=[payment_out(p) for p in result.matched],
        unmatched=[payment_out(p) for p in result.unmatched],
    )


def _api_range(date_from: date | None, date_to: date | None) -> tuple[date, date]:
    first, last = default_range()
    first, last = date_from or first, date_to or last
    check_range(first, last)
    return first, last


@get("/api/v1/finance/exports/invoices.csv", tags=["finance"], media_type=CSV_MEDIA_TYPE)
async def api_export_csv(
    request: Request,
    billing_exports: NamedDependency[ExportService],
    date_from: FromDate = None,
    date_to: ToDate = None,
) -> Stream:
    """Invoices and credit notes issued in the range, for Excel: UTF-8 with BOM, `;`, decimal comma. Streamed.
    Defaults: this year to today."""
    first, last = _api_range(date_from, date_to)
    return csv_download(await billing_exports.invoice_csv(principal_of(request), first, last), first, last)


@get("/api/v1/finance/exports/sie", tags=["finance"], media_type=SIE_MEDIA_TYPE)
async def api_export_sie(
    request: Request,
    billing_exports: NamedDependency[ExportService],
    date_from: FromDate = None,
    date_to: ToDate = None,
) -> Stream:
    """A SIE 4I file (CP437) of the invoices, credit notes and payments in the range, one balanced voucher each.
    Streamed. Defaults: this year to today."""
    first, last = _api_range(date_from, date_to)
    return sie_download(await billing_exports.sie_export(principal_of(request), first, last), first, last)


@get(
    "/api/v1/finance/invoices/{name:str}",
    tags=["finance"],
    media_type="application/xml",
    summary="GET /api/v1/finance/invoices/{number}.xml",
)
async def api_invoice_ubl(
    request: Request, billing_exports: NamedDependency[ExportService], name: FromPath[FileName]
) -> Response[bytes]:
    """The invoice as a Peppol BIS Billing 3.0 UBL document: `/api/v1/finance/invoices/2026-00001.xml`. The path
    segment is the number with the `.xml` suffix (split here: Litestar cannot match a parameter with a suffix).
    409 with the reason in Swedish when the document cannot go over Peppol: a private buyer, or a company without a
    valid Swedish org number (Peppol's electronic address, scheme 0007)."""
    return await ubl_response(request, billing_exports, split_suffix(name, ".xml"))


# Every finance page and API route, under the finance guard once.
ROUTES: list[Any] = [
    Router(
        path="/",
        guards=[FINANCE],
        route_handlers=[
            invoices_page,
            invoice_page,
            credit_submit,
            payments_page,
            payment_submit,
            place_submit,
            bgmax_page,
            bgmax_submit,
            overdue_page,
            customer_page,
            export_page,
            export_csv_page,
            export_sie_page,
            api_invoices,
            api_credit,
            api_invoice_reminders,
            api_register_payment,
            api_bgmax,
            api_export_csv,
            api_export_sie,
            api_invoice_ubl,
        ],
    )
]
