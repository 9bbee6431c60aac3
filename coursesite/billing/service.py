"""Finance's flows: enrolment with its invoice, credit notes, payments (by hand and from BgMax), the ledger, the
overdue list and course access. Every issued invoice and credit note is inserted once and never changed."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.billing.config import BillingConfig
from coursesite.billing.document import Buyer, CustomerType, DocumentKind, InvoiceDocument, Seller
from coursesite.billing.enrolment import TERMS_VERSION, BillingDetails, validate_billing_details
from coursesite.billing.money import Line, Totals, VatAmount, compute_totals, split_gross
from coursesite.billing.status import (
    InvoiceStatus,
    LedgerEntry,
    LedgerRow,
    creditable_ore,
    invoice_status,
    ledger,
    owed_ore,
)
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.db.billing import BgMaxImport, Customer, Enrollment, Invoice, InvoiceCounter, Payment
from coursesite.db.engine import lock_account_rows, write_transaction

MAX_AMOUNT_ORE = 100_000_000_00  # a million kronor: far above any real payment, below integer trouble
REASON_MAX = 500
LIST_LIMIT = 500


def _number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:05d}"


@dataclass(frozen=True)
class IssuedInvoice:
    number: str
    ocr: str | None
    total_ore: int
    due_date: date | None


@dataclass(frozen=True)
class InvoiceView:
    id: int
    kind: DocumentKind
    number: str
    ocr: str | None
    issue_date: date
    due_date: date | None
    buyer_name: str
    account_id: int | None
    total_ore: int
    credited_ore: int
    paid_ore: int
    status: InvoiceStatus | None  # None for a credit note
    credited_number: str | None

    @property
    def owed_ore(self) -> int:
        return owed_ore(self.total_ore, self.credited_ore, self.paid_ore)

    @property
    def creditable_ore(self) -> int:
        return creditable_ore(self.total_ore, self.credited_ore)


@dataclass(frozen=True)
class PaymentView:
    id: int
    amount_ore: int
    payment_date: date
    reference: str | None
    payer_name: str | None
    source: str
    invoice_number: str | None
    note: str | None


def _lines_data(lines: tuple[Line, ...]) -> str:
    return json.dumps(
        [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_price_ore": line.unit_price_ore,
                "vat_rate": str(line.vat_rate),
            }
            for line in lines
        ],
        ensure_ascii=False,
    )


def _lines_from(data: list[dict[str, Any]]) -> tuple[Line, ...]:
    return tuple(
        Line(d["description"], int(d["quantity"]), int(d["unit_price_ore"]), Decimal(d["vat_rate"])) for d in data
    )


def _totals_from(row: Mapping[str, Any], lines: tuple[Line, ...]) -> Totals:
    """The stored amounts, with the VAT per rate from the lines (the same rule that computed them)."""
    by_rate = compute_totals(lines, round_to_krona=False).vat
    return Totals(
        net_ore=row["net_ore"],
        vat=tuple(VatAmount(v.rate, v.taxable_ore, v.vat_ore) for v in by_rate),
        vat_ore=row["vat_ore"],
        gross_ore=row["net_ore"] + row["vat_ore"],
        rounding_ore=row["rounding_ore"],
        total_ore=row["total_ore"],
    )


def document_from_row(row: Mapping[str, Any], credited_number: str | None = None) -> InvoiceDocument:
    """The stored invoice or credit note as a document for the PDF, UBL, CSV and SIE. `row` read with load_json."""
    lines = _lines_from(row["lines"])
    buyer = dict(row["buyer"])
    buyer["customer_type"] = CustomerType(buyer["customer_type"])
    return InvoiceDocument(
        kind=DocumentKind(row["kind"]),
        number=row["number"],
        ocr=row["ocr"] or "",
        issue_date=row["issue_date"],
        supply_date=row["supply_date"],
        due_date=row["due_date"],
        seller=Seller(**row["seller"]),
        buyer=Buyer(**buyer),
        lines=lines,
        totals=_totals_from(row, lines),
        currency=row["currency"],
        payment_terms_days=row["payment_terms_days"],
        credited_number=credited_number,
        reason=row["reason"],
    )


EXPORT_BATCH = 1000
_VIEW_COLUMNS = (
    Invoice.id,
    Invoice.kind,
    Invoice.number,
    Invoice.ocr,
    Invoice.issue_date,
    Invoice.due_date,
    Invoice.buyer,
    Invoice.account,
    Invoice.total_ore,
    Invoice.credited_invoice,
)


@dataclass(frozen=True)
class BgMaxResult:
    import_id: int
    payments: int
    total_ore: int
    matched: list[PaymentView]
    unmatched: list[PaymentView]


def _slices(items: list, size: int = 200) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


class BillingService:
    def __init__(self, engine: Engine, config: BillingConfig) -> None:
        self.engine = engine
        self.config = config

    # -- enrolment and access

    async def is_enrolled(self, account_id: int) -> bool:
        return await Enrollment.exists().where(Enrollment.account == account_id)

    async def has_course_access(self, account_id: int) -> bool:
        """Enrolled, and either the course opens before payment (the default) or the invoice is paid."""
        if not await self.is_enrolled(account_id):
            return False
        if self.config.open_before_payment:
            return True
        views = await self.invoices(account_id=account_id)
        return any(v.kind is DocumentKind.INVOICE and v.owed_ore <= 0 for v in views)

    async def customer(self, account_id: int) -> dict[str, Any] | None:
        rows = await Customer.select().where(Customer.account == account_id)
        return rows[0] if rows else None

    async def enrol(
        self, principal: Principal, *, accept_terms_version: str | None, **fields: str | None
    ) -> IssuedInvoice:
        """Enrol the participant: check the billing details and the accepted terms, then issue the invoice, all in one
        transaction. Invalid (400) with a message per field; Conflict (409) when already enrolled."""
        details, errors = validate_billing_details(**fields)
        if accept_terms_version != TERMS_VERSION:
            errors["accept_terms_version"] = "Godkänn villkoren för utbildningen för att anmäla dig."
        if errors:
            raise Invalid("Kontrollera uppgifterna i anmälan.", field_errors=errors)
        now = clock.now()
        async with write_transaction(self.engine):
            await lock_account_rows(self.engine, principal.account_id)
            if await self.is_enrolled(principal.account_id):
                raise Conflict("Du är redan anmäld till kursen.")
            await self._save_customer(principal.account_id, details, now)
            await Enrollment.insert(
                Enrollment(
                    account=principal.account_id, terms_version=TERMS_VERSION, terms_accepted_at=now, created_at=now
                )
            )
            buyer = self._buyer(principal, details)
            line = Line(self.config.description, 1, self.config.price_ore, self.config.vat_rate)
            return await self._issue(DocumentKind.INVOICE, principal.account_id, buyer, (line,))

    async def _save_customer(self, account_id: int, details: BillingDetails, now) -> None:
        values = {
            Customer.customer_type: details.customer_type.value,
            Customer.company_name: details.company_name,
            Customer.org_number: details.org_number,
            Customer.reference: details.reference,
            Customer.address_line: details.address_line,
            Customer.postal_code: details.postal_code,
            Customer.city: details.city,
            Customer.updated_at: now,
        }
        if await Customer.exists().where(Customer.account == account_id):
            await Customer.update(values).where(Customer.account == account_id)
        else:
            await Customer.insert(
                Customer(account=account_id, **{column._meta.name: v for column, v in values.items()})
            )

    def _buyer(self, principal: Principal, details: BillingDetails) -> Buyer:
        person = f"{principal.first_name} {principal.last_name}"
        company = details.customer_type is CustomerType.COMPANY
        return Buyer(
            customer_type=details.customer_type,
            name=details.company_name if company and details.company_name else person,
            contact_name=person,
            address_line=details.address_line,
            postal_code=details.postal_code,
            city=details.city,
            email=principal.email,
            org_number=details.org_number,
            reference=details.reference,
        )

    # -- issuing

    async def _next_sequence(self, year: int) -> int:
        """The next number of the series this year. Call inside the write transaction that inserts the invoice: the
        counter row stays locked until it commits, so concurrent enrolments queue and no number is lost."""
        series = self.config.series
        await InvoiceCounter.insert(InvoiceCounter(series=series, year=year, last_sequence=0)).on_conflict(
            action="DO NOTHING"
        )
        rows = await InvoiceCounter.raw(
            "UPDATE invoice_counter SET last_sequence = last_sequence + 1 WHERE series = {} AND year = {} "
            "RETURNING last_sequence",
            series,
            year,
        )
        return int(rows[0]["last_sequence"])

    async def _issue(
        self,
        kind: DocumentKind,
        account_id: int | None,
        buyer: Buyer,
        lines: tuple[Line, ...],
        *,
        credited_id: int | None = None,
        reason: str | None = None,
    ) -> IssuedInvoice:
        from coursesite.billing.ocr import ocr_for_invoice_number

        issued_on = today()
        sequence = await self._next_sequence(issued_on.year)
        number = _number(issued_on.year, sequence)
        totals = compute_totals(lines, round_to_krona=self.config.round_to_krona)
        is_invoice = kind is DocumentKind.INVOICE
        ocr = ocr_for_invoice_number(number) if is_invoice else None
        due = issued_on + timedelta(days=self.config.payment_terms_days) if is_invoice else None
        buyer_data = dataclasses.asdict(buyer) | {"customer_type": buyer.customer_type.value}
        await Invoice.insert(
            Invoice(
                kind=kind.value,
                series=self.config.series,
                year=issued_on.year,
                sequence=sequence,
                number=number,
                ocr=ocr,
                account=account_id,
                credited_invoice=credited_id,
                reason=reason,
                issue_date=issued_on,
                supply_date=issued_on,
                due_date=due,
                buyer=json.dumps(buyer_data, ensure_ascii=False),
                seller=json.dumps(dataclasses.asdict(self.config.seller), ensure_ascii=False),
                lines=_lines_data(lines),
                net_ore=totals.net_ore,
                vat_ore=totals.vat_ore,
                rounding_ore=totals.rounding_ore,
                total_ore=totals.total_ore,
                currency="SEK",
                payment_terms_days=self.config.payment_terms_days,
                created_at=clock.now(),
            )
        )
        return IssuedInvoice(number=number, ocr=ocr, total_ore=totals.total_ore, due_date=due)

    # -- reading

    async def _row(self, number: str) -> dict[str, Any]:
        rows = await Invoice.select().where(Invoice.number == number).output(load_json=True)
        if not rows:
            raise NotFound("Fakturan finns inte.")
        return rows[0]

    async def document(self, number: str, *, account_id: int | None = None) -> InvoiceDocument:
        """An invoice or credit note; with `account_id`, only that person's own (404 otherwise, never 403)."""
        row = await self._row(number)
        if account_id is not None and row["account"] != account_id:
            raise NotFound("Fakturan finns inte.")
        credited = None
        if row["credited_invoice"] is not None:
            found = await Invoice.select(Invoice.number).where(Invoice.id == row["credited_invoice"])
            credited = found[0]["number"] if found else None
        return document_from_row(row, credited)

    async def invoices(
        self,
        *,
        account_id: int | None = None,
        status: InvoiceStatus | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = LIST_LIMIT,
    ) -> list[InvoiceView]:
        """Invoices and credit notes, newest first, with what was paid and credited and the status today."""
        query = Invoice.select(*_VIEW_COLUMNS).output(load_json=True)
        if account_id is not None:
            query = query.where(Invoice.account == account_id)
        if date_from is not None:
            query = query.where(Invoice.issue_date >= date_from)
        if date_to is not None:
            query = query.where(Invoice.issue_date <= date_to)
        rows = await query.order_by(Invoice.id, ascending=False).limit(limit if status is None else limit * 20)
        views = await self._views(rows)
        return [view for view in views if status is None or view.status is status][:limit]

    async def _views(self, rows: list[dict[str, Any]]) -> list[InvoiceView]:
        """Views of invoice rows (read with load_json), with what was paid and credited, and the status today."""
        ids = [row["id"] for row in rows]
        paid = await self._sums(
            "SELECT invoice AS id, SUM(amount_ore) AS total FROM payment WHERE invoice IN ({ids}) GROUP BY invoice", ids
        )
        credited = await self._sums(
            "SELECT credited_invoice AS id, -SUM(total_ore) AS total FROM invoice "
            "WHERE kind = 'credit_note' AND credited_invoice IN ({ids}) GROUP BY credited_invoice",
            ids,
        )
        numbers = {row["id"]: row["number"] for row in rows}
        missing = {
            row["credited_invoice"]
            for row in rows
            if row["credited_invoice"] and row["credited_invoice"] not in numbers
        }
        if missing:
            found = await Invoice.select(Invoice.id, Invoice.number).where(Invoice.id.is_in(list(missing)))
            numbers |= {r["id"]: r["number"] for r in found}
        on = today()
        views = []
        for row in rows:
            kind = DocumentKind(row["kind"])
            views.append(
                InvoiceView(
                    id=row["id"],
                    kind=kind,
                    number=row["number"],
                    ocr=row["ocr"],
                    issue_date=row["issue_date"],
                    due_date=row["due_date"],
                    buyer_name=row["buyer"].get("name", ""),
                    account_id=row["account"],
                    total_ore=row["total_ore"],
                    credited_ore=credited.get(row["id"], 0),
                    paid_ore=paid.get(row["id"], 0),
                    status=invoice_status(
                        total_ore=row["total_ore"],
                        credited_ore=credited.get(row["id"], 0),
                        paid_ore=paid.get(row["id"], 0),
                        due_date=row["due_date"],
                        today=on,
                    )
                    if kind is DocumentKind.INVOICE
                    else None,
                    credited_number=numbers.get(row["credited_invoice"]) if row["credited_invoice"] else None,
                )
            )
        return views

    async def invoice_view(self, number: str) -> InvoiceView:
        """One invoice or credit note with what was paid and credited and its status today."""
        rows = await Invoice.select(*_VIEW_COLUMNS).where(Invoice.number == number).output(load_json=True)
        if not rows:
            raise NotFound("Fakturan finns inte.")
        return (await self._views(rows))[0]

    async def credit_notes_of(self, number: str) -> list[InvoiceView]:
        """The credit notes that correct this invoice, oldest first."""
        invoice = await Invoice.select(Invoice.id).where(Invoice.number == number)
        if not invoice:
            raise NotFound("Fakturan finns inte.")
        rows = await (
            Invoice.select(*_VIEW_COLUMNS)
            .where(Invoice.credited_invoice == invoice[0]["id"])
            .order_by(Invoice.id)
            .output(load_json=True)
        )
        return await self._views(rows)

    async def payments_of(self, number: str) -> list[PaymentView]:
        """The payments placed on this invoice, oldest first."""
        rows = await (
            Payment.select(
                Payment.id,
                Payment.amount_ore,
                Payment.payment_date,
                Payment.reference,
                Payment.payer_name,
                Payment.source,
                Payment.note,
            )
            .where(Payment.invoice.number == number)
            .order_by(Payment.id)
        )
        return [
            PaymentView(
                id=r["id"],
                amount_ore=r["amount_ore"],
                payment_date=r["payment_date"],
                reference=r["reference"],
                payer_name=r["payer_name"],
                source=r["source"],
                invoice_number=number,
                note=r["note"],
            )
            for r in rows
        ]

    async def _sums(self, sql: str, ids: list[int]) -> dict[int, int]:
        if not ids:
            return {}
        placeholders = ", ".join("{}" for _ in ids)
        rows = await Invoice.raw(sql.replace("{ids}", placeholders), *ids)
        return {row["id"]: int(row["total"]) for row in rows}

    async def overdue(self) -> list[InvoiceView]:
        """Invoices past their due date with something still owed, oldest due first: the reminder list."""
        rows = await Invoice.select(Invoice.id).where(
            (Invoice.kind == DocumentKind.INVOICE.value) & (Invoice.due_date < today())
        )
        if not rows:
            return []
        views = await self.invoices(status=InvoiceStatus.OVERDUE, limit=LIST_LIMIT)
        return sorted(views, key=lambda v: (v.due_date or today(), v.number))

    # -- credit notes

    async def credit(
        self, actor: Principal, number: str, *, amount_ore: int | None, reason: str | None
    ) -> IssuedInvoice:
        """A credit note for the whole invoice (no amount) or part of it (an amount including VAT, in öre)."""
        reason = " ".join((reason or "").split())
        if not reason:
            raise Invalid("Ange varför fakturan krediteras.", field_errors={"reason": "Skriv ett skäl."})
        if len(reason) > REASON_MAX or "\x00" in reason:
            raise Invalid(
                f"Skälet får vara högst {REASON_MAX} tecken.", field_errors={"reason": f"Högst {REASON_MAX} tecken."}
            )
        async with write_transaction(self.engine):
            row = await self._row(number)
            if row["kind"] != DocumentKind.INVOICE.value:
                raise Conflict("En kreditfaktura kan inte krediteras.")
            if row["account"] is not None:
                await lock_account_rows(self.engine, row["account"])
            credited = await self._credited(row["id"])
            remaining = creditable_ore(row["total_ore"], credited)
            if remaining <= 0:
                raise Conflict("Fakturan är redan krediterad i sin helhet.")
            if amount_ore is not None and not 0 < amount_ore <= remaining:
                raise Invalid(
                    f"Beloppet måste vara större än 0 och högst {remaining // 100} kr.",
                    field_errors={"amount_ore": "Utanför det som går att kreditera."},
                )
            lines = _lines_from(row["lines"])
            if credited == 0 and amount_ore in (None, remaining):
                # The whole invoice: its lines negated, so the credit note is exactly the invoice mirrored.
                credit_lines = tuple(dataclasses.replace(line, unit_price_ore=-line.unit_price_ore) for line in lines)
            else:
                credit_lines = self._partial_lines(number, remaining if amount_ore is None else amount_ore, lines)
            buyer = row["buyer"] | {"customer_type": CustomerType(row["buyer"]["customer_type"])}
            return await self._issue(
                DocumentKind.CREDIT_NOTE,
                row["account"],
                Buyer(**buyer),
                credit_lines,
                credited_id=row["id"],
                reason=reason,
            )

    async def _credited(self, invoice_id: int) -> int:
        rows = await Invoice.select(Invoice.total_ore).where(
            (Invoice.kind == DocumentKind.CREDIT_NOTE.value) & (Invoice.credited_invoice == invoice_id)
        )
        return -sum(r["total_ore"] for r in rows)

    def _partial_lines(self, number: str, gross_ore: int, lines: tuple[Line, ...]) -> tuple[Line, ...]:
        rate = lines[0].vat_rate
        return (Line(f"Kreditering av faktura {number}", 1, -split_gross(gross_ore, rate), rate),)

    # -- payments

    async def register_payment(
        self,
        actor: Principal,
        *,
        amount_ore: int,
        payment_date: date,
        ocr: str | None = None,
        invoice_number: str | None = None,
    ) -> PaymentView:
        """A payment finance registers by hand, placed on the invoice its OCR or number names."""
        errors: dict[str, str] = {}
        if not 0 < amount_ore <= MAX_AMOUNT_ORE:
            errors["amount_ore"] = "Beloppet måste vara större än 0."
        if payment_date > today():
            errors["date"] = "Betalningsdagen kan inte ligga i framtiden."
        if bool(ocr) == bool(invoice_number):
            errors["ocr"] = "Ange antingen OCR-nummer eller fakturanummer."
        if errors:
            raise Invalid("Kontrollera betalningen.", field_errors=errors)
        if ocr is not None:
            digits = "".join(ocr.split())
            rows = await Invoice.select(Invoice.id, Invoice.number).where(Invoice.ocr == digits)
            if not rows:
                raise NotFound(f"Ingen faktura har OCR-numret {digits[:25]}.")
        else:
            rows = await Invoice.select(Invoice.id, Invoice.number).where(
                (Invoice.number == (invoice_number or "").strip()) & (Invoice.kind == DocumentKind.INVOICE.value)
            )
            if not rows:
                raise NotFound("Fakturan finns inte.")
        inserted = await Payment.insert(
            Payment(
                invoice=rows[0]["id"],
                amount_ore=amount_ore,
                payment_date=payment_date,
                reference=("".join(ocr.split())[:25] if ocr else None),
                source="manual",
                registered_by=actor.account_id,
                created_at=clock.now(),
            )
        ).returning(Payment.id)
        return PaymentView(
            id=inserted[0]["id"],
            amount_ore=amount_ore,
            payment_date=payment_date,
            reference=ocr,
            payer_name=None,
            source="manual",
            invoice_number=rows[0]["number"],
            note=None,
        )

    async def payments(self, *, unmatched_only: bool = False, limit: int = LIST_LIMIT) -> list[PaymentView]:
        query = Payment.select(
            Payment.id,
            Payment.amount_ore,
            Payment.payment_date,
            Payment.reference,
            Payment.payer_name,
            Payment.source,
            Payment.invoice.number,
            Payment.note,
        )
        if unmatched_only:
            query = query.where(Payment.invoice.is_null())
        rows = await query.order_by(Payment.id, ascending=False).limit(limit)
        return [
            PaymentView(
                id=r["id"],
                amount_ore=r["amount_ore"],
                payment_date=r["payment_date"],
                reference=r["reference"],
                payer_name=r["payer_name"],
                source=r["source"],
                invoice_number=r["invoice.number"],
                note=r["note"],
            )
            for r in rows
        ]

    async def place_payment(self, actor: Principal, payment_id: int, invoice_number: str) -> PaymentView:
        """Put an unmatched payment on an invoice by hand."""
        async with write_transaction(self.engine):
            rows = await Payment.select(Payment.id, Payment.invoice).where(Payment.id == payment_id)
            if not rows:
                raise NotFound("Betalningen finns inte.")
            if rows[0]["invoice"] is not None:
                raise Conflict("Betalningen är redan kopplad till en faktura.")
            invoice = await Invoice.select(Invoice.id).where(
                (Invoice.number == invoice_number.strip()) & (Invoice.kind == DocumentKind.INVOICE.value)
            )
            if not invoice:
                raise NotFound("Fakturan finns inte.", field_errors={"invoice_number": "Ingen faktura med det numret."})
            await Payment.update(
                {Payment.invoice: invoice[0]["id"], Payment.note: f"Kopplad för hand av konto {actor.account_id}."}
            ).where(Payment.id == payment_id)
        return next(p for p in await self.payments() if p.id == payment_id)

    # -- BgMax

    async def import_bgmax(self, actor: Principal, data: bytes, filename: str) -> BgMaxResult:
        """Read a BgMax file from the bank, put each payment whose reference is one of our OCR numbers on that invoice,
        and keep the rest, with the reason, for finance to place by hand. The same file is never imported twice."""
        from coursesite.billing.bgmax import BgMaxError, match_payments, normalise_reference, parse_bgmax

        try:
            parsed = parse_bgmax(data)
        except BgMaxError as exc:
            raise Invalid(str(exc), field_errors={"file": "\n".join(str(p) for p in exc.problems[:50])}) from None
        digest = hashlib.sha256(data).hexdigest()
        references = sorted({normalise_reference(p.reference) for p in parsed.payments if p.reference.strip()})
        known: dict[str, tuple[int, str]] = {}
        for start in range(0, len(references), 500):
            rows = await Invoice.select(Invoice.id, Invoice.number, Invoice.ocr).where(
                Invoice.ocr.is_in(references[start : start + 500])
            )
            known |= {row["ocr"]: (row["id"], row["number"]) for row in rows}
        matched, unmatched = match_payments(parsed.payments, known)
        placed = {id(m.payment): m.invoice for m in matched}
        reasons = {id(u.payment): u.reason for u in unmatched}
        now = clock.now()
        async with write_transaction(self.engine):
            if await BgMaxImport.exists().where(BgMaxImport.file_hash == digest):
                raise Conflict("Den här BgMax-filen är redan inläst.")
            run = await BgMaxImport.insert(
                BgMaxImport(
                    file_hash=digest,
                    filename=filename[:200],
                    imported_by=actor.account_id,
                    payments=len(parsed.payments),
                    matched=len(matched),
                    total_ore=sum(p.amount_ore for p in parsed.payments),
                    created_at=now,
                )
            ).returning(BgMaxImport.id)
            import_id = run[0]["id"]
            views_matched, views_unmatched = [], []
            for deposit in parsed.deposits:
                for payment in deposit.payments:
                    invoice = placed.get(id(payment))
                    inserted = await Payment.insert(
                        Payment(
                            invoice=invoice[0] if invoice else None,
                            amount_ore=payment.amount_ore,
                            payment_date=deposit.date,
                            reference=normalise_reference(payment.reference)[:25] or None,
                            payer_name=payment.payer_name[:100] or None,
                            source="bgmax",
                            bgmax_import=import_id,
                            note=reasons.get(id(payment)),
                            created_at=now,
                        )
                    ).returning(Payment.id)
                    view = PaymentView(
                        id=inserted[0]["id"],
                        amount_ore=payment.amount_ore,
                        payment_date=deposit.date,
                        reference=payment.reference.strip() or None,
                        payer_name=payment.payer_name or None,
                        source="bgmax",
                        invoice_number=invoice[1] if invoice else None,
                        note=reasons.get(id(payment)),
                    )
                    (views_matched if invoice else views_unmatched).append(view)
        return BgMaxResult(
            import_id=import_id,
            payments=len(parsed.payments),
            total_ore=sum(p.amount_ore for p in parsed.payments),
            matched=views_matched,
            unmatched=views_unmatched,
        )

    # -- exports

    async def _documents(
        self, date_from: date, date_to: date, *, with_status: bool = True
    ) -> AsyncIterator[list[tuple[InvoiceDocument, InvoiceView | None]]]:
        """Invoices and credit notes issued in the range, in batches, with their status: memory stays flat."""
        last_id = 0
        while True:
            rows = await (
                Invoice.select()
                .where((Invoice.issue_date >= date_from) & (Invoice.issue_date <= date_to) & (Invoice.id > last_id))
                .order_by(Invoice.id)
                .limit(EXPORT_BATCH)
                .output(load_json=True)
            )
            if not rows:
                return
            last_id = rows[-1]["id"]
            views = {v.id: v for v in await self._views(rows)} if with_status else {}
            credited_ids = {row["credited_invoice"] for row in rows if row["credited_invoice"]}
            numbers = {}
            if credited_ids:
                found = await Invoice.select(Invoice.id, Invoice.number).where(Invoice.id.is_in(list(credited_ids)))
                numbers = {r["id"]: r["number"] for r in found}
            yield [(document_from_row(row, numbers.get(row["credited_invoice"])), views.get(row["id"])) for row in rows]

    async def invoice_csv(self, date_from: date, date_to: date) -> AsyncIterator[bytes]:
        """The invoices and credit notes of the range as CSV for Swedish Excel, streamed."""
        from coursesite.billing import csv_export
        from coursesite.billing.status import STATUS_LABELS_SV

        yield csv_export.header_chunk().encode("utf-8")
        async for batch in self._documents(date_from, date_to):
            for part in _slices(batch):
                rows = [(doc, STATUS_LABELS_SV[view.status] if view and view.status else "") for doc, view in part]
                yield csv_export.rows_chunk(rows).encode("utf-8")
                await asyncio.sleep(0)  # formatting is CPU work: let other requests in between slices

    async def sie_export(self, date_from: date, date_to: date) -> AsyncIterator[bytes]:
        """SIE 4I (CP437), streamed: one voucher per invoice and credit note issued in the range, and one per payment
        placed on an invoice and paid in the range. Payments not yet placed are left out until finance places them."""
        from coursesite.billing.sie import BasAccounts, SieCompany, Voucher, invoice_voucher, payment_voucher, write_sie

        numbers = self.config.accounts
        accounts = BasAccounts(
            receivables=numbers.receivables,
            sales=numbers.sales,
            output_vat=numbers.output_vat,
            bank=numbers.bank,
            rounding=numbers.rounding,
        )

        async def vouchers() -> AsyncIterator[list[Voucher]]:
            async for batch in self._documents(date_from, date_to, with_status=False):
                for part in _slices(batch):
                    yield [invoice_voucher(doc, accounts) for doc, _ in part]
            last_id = 0
            while True:
                rows = await (
                    Payment.select(
                        Payment.id, Payment.amount_ore, Payment.payment_date, Payment.reference, Payment.invoice.number
                    )
                    .where(
                        (Payment.payment_date >= date_from)
                        & (Payment.payment_date <= date_to)
                        & Payment.invoice.is_not_null()
                        & (Payment.id > last_id)
                    )
                    .order_by(Payment.id)
                    .limit(EXPORT_BATCH)
                )
                if not rows:
                    return
                last_id = rows[-1]["id"]
                for part in _slices(rows):
                    yield [
                        payment_voucher(
                            r["payment_date"], r["amount_ore"], r["invoice.number"], accounts, ocr=r["reference"]
                        )
                        for r in part
                        if r["amount_ore"]
                    ]

        company = SieCompany(org_number=self.config.seller.org_number, name=self.config.seller.name)
        on = today()
        head = b"".join(write_sie(company, accounts.chart(), [], generated=on))
        yield head
        async for batch in vouchers():
            # The same head, then this batch's vouchers: write_sie's output less the head is the vouchers alone.
            yield b"".join(write_sie(company, accounts.chart(), batch, generated=on))[len(head) :]
            await asyncio.sleep(0)  # formatting is CPU work: let other requests in between slices

    async def ubl_xml(self, number: str, *, account_id: int | None = None) -> bytes:
        """The invoice or credit note as Peppol BIS Billing 3.0 UBL, for company buyers."""
        from coursesite.billing.ubl import ubl_invoice

        doc = await self.document(number, account_id=account_id)
        if doc.buyer.customer_type is not CustomerType.COMPANY:
            raise Conflict("E-faktura (Peppol) finns bara för fakturor till företag.")
        return ubl_invoice(doc)

    # -- the ledger

    async def ledger(self, account_id: int) -> list[LedgerRow]:
        """Invoices, credit notes and payments of one customer, with a running balance."""
        views = await self.invoices(account_id=account_id, limit=10_000)
        entries = [LedgerEntry(v.issue_date, v.kind.value, v.number, v.total_ore, order=v.id) for v in views]
        ids = [v.id for v in views if v.kind is DocumentKind.INVOICE]
        if ids:
            payments = await Payment.select(
                Payment.id, Payment.amount_ore, Payment.payment_date, Payment.invoice.number
            ).where(Payment.invoice.is_in(ids))
            entries += [
                LedgerEntry(p["payment_date"], "payment", p["invoice.number"], -p["amount_ore"], order=p["id"])
                for p in payments
            ]
        return ledger(entries)
