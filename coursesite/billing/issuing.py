"""Issuing: enrolment with its invoice, credit notes and the gap-free numbering they share, plus what enrolment
decides (is the person enrolled, may they open the lessons).

One service, `InvoicingService`, because these belong together: every path that inserts an `invoice` row (an
enrolment's invoice, a credit note) takes its number from the same counter in the same write transaction, and an
issued document is inserted once and never changed. Reading documents back is the ledger's work (billing/ledger.py),
placing payments is billing/payments.py, the SIE, CSV and UBL files are billing/exports.py.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from piccolo.engine.base import Engine

from coursesite.accounts.service import Principal
from coursesite.billing.config import BillingConfig
from coursesite.billing.document import Buyer, DocumentKind
from coursesite.billing.enrolment import TERMS_VERSION, BillingDetails, validate_billing_details
from coursesite.billing.ledger import LedgerService
from coursesite.billing.mail import BillingMail
from coursesite.billing.money import Line
from coursesite.billing.records import buyer_from, buyer_of, credit_lines, document_row, lines_from
from coursesite.billing.status import creditable_ore
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid
from coursesite.core.text import TextRefused, TextRule, clean_text
from coursesite.db.billing import Customer, Enrollment, Invoice, InvoiceCounter, enrolled_sql
from coursesite.db.engine import lock_account_rows, write_transaction
from coursesite.db.fastsql import Statement, fetch

REASON_MAX = 500
# Why a credit note is issued: typed by finance, printed on the credit note and sent in its UBL note. A textarea, so
# line breaks are typed text (folded into spaces as before); everything else the one rule refuses is refused.
CREDIT_REASON = TextRule(
    max_chars=REASON_MAX, subject="Skälet", multiline=True, required=True, missing="Ange varför fakturan krediteras."
)


@dataclasses.dataclass(frozen=True)
class IssuedInvoice:
    number: str
    ocr: str | None
    total_ore: int
    due_date: date | None


class InvoicingService:
    def __init__(self, engine: Engine, config: BillingConfig, ledger: LedgerService, mail: BillingMail) -> None:
        self.engine = engine
        self.config = config
        self.ledger = ledger
        self.mail = mail  # the confirmation and credit-note messages, queued with the document

    # -- enrolment and access

    async def is_enrolled(self, account_id: int) -> bool:
        # A fixed statement (db/fastsql.py): the access check runs on every lesson view and every submission, and
        # building Piccolo's EXISTS query was the larger part of its cost (docs/performance.md, issue 14).
        rows = await fetch(Enrollment._meta.db, _ENROLLED, account_id)
        return bool(rows[0]["enrolled"])

    async def enrolment_terms(self, account_id: int) -> dict | None:
        """The terms an enrolment accepted and its answers on the right of withdrawal, or None when not enrolled."""
        return await (
            Enrollment.select(
                Enrollment.terms_version,
                Enrollment.terms_accepted_at,
                Enrollment.start_consent_at,
                Enrollment.withdrawal_ack_at,
            )
            .where(Enrollment.account == account_id)
            .first()
        )

    async def has_course_access(self, account_id: int, *, enrolled: bool | None = None) -> bool:
        """Enrolled, and either the course opens before payment (the default) or the invoice is paid. `enrolled`:
        already read by the caller, in a statement of its own work (db/billing.py: enrolled_sql)."""
        if not (await self.is_enrolled(account_id) if enrolled is None else enrolled):
            return False
        if self.config.open_before_payment:
            return True
        views = await self.ledger.invoices(account_id=account_id)
        return any(v.kind is DocumentKind.INVOICE and v.owed_ore <= 0 for v in views)

    async def customer(self, account_id: int) -> dict | None:
        """The participant's billing details, or None."""
        return await self.ledger.customer(account_id)

    async def enrol(
        self,
        principal: Principal,
        *,
        accept_terms_version: str | None,
        consent_start_now: bool = False,
        acknowledge_withdrawal_lost: bool = False,
        **fields: str | None,
    ) -> IssuedInvoice:
        """Enrol the participant: check the billing details and the accepted terms, then issue the invoice, all in one
        transaction. The express consent to start at once and the acknowledgement that the right of withdrawal is
        then lost are asked separately and stored with the time (both or neither: one alone waives nothing).
        Invalid (400) with a message per field; Conflict (409) when already enrolled."""
        details, errors = validate_billing_details(**fields)
        if accept_terms_version != TERMS_VERSION:
            errors["accept_terms_version"] = "Godkänn villkoren för utbildningen för att anmäla dig."
        if consent_start_now != acknowledge_withdrawal_lost:
            missing = "acknowledge_withdrawal_lost" if consent_start_now else "consent_start_now"
            errors[missing] = (
                "Kryssa i båda rutorna om ångerrätten, eller ingen av dem: samtycket att börja genast och "
                "bekräftelsen att ångerrätten då upphör hör ihop."
            )
        if errors:
            raise Invalid("Kontrollera uppgifterna i anmälan.", field_errors=errors)
        now = clock.now()
        async with write_transaction(self.engine, account_id=principal.account_id):
            if await self.is_enrolled(principal.account_id):
                raise Conflict("Du är redan anmäld till kursen.")
            await self._save_customer(principal.account_id, details, now)
            await Enrollment.insert(
                Enrollment(
                    account=principal.account_id,
                    terms_version=TERMS_VERSION,
                    terms_accepted_at=now,
                    start_consent_at=now if consent_start_now else None,
                    withdrawal_ack_at=now if acknowledge_withdrawal_lost else None,
                    created_at=now,
                )
            )
            buyer = buyer_of(principal.first_name, principal.last_name, principal.email, details)
            line = Line(self.config.description, 1, self.config.price_ore, self.config.vat_rate)
            issued = await self._issue(DocumentKind.INVOICE, principal.account_id, buyer, (line,))
            await self.mail.invoice_issued(
                principal.account_id,
                number=issued.number,
                ocr=issued.ocr,
                total_ore=issued.total_ore,
                due_date=issued.due_date,
            )
            return issued

    async def _save_customer(self, account_id: int, details: BillingDetails, now: datetime) -> None:
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
            await Customer.update(values).where(Customer.account == account_id)  # type: ignore[arg-type]
        else:
            await Customer.insert(
                Customer({column: v for column, v in values.items()} | {Customer.account: account_id})
            )

    # -- numbering and issuing

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
        issued_on = today()
        row = document_row(
            self.config,
            kind,
            sequence=await self._next_sequence(issued_on.year),
            issued_on=issued_on,
            account_id=account_id,
            buyer=buyer,
            lines=lines,
            created_at=clock.now(),
            credited_id=credited_id,
            reason=reason,
        )
        await Invoice.insert(Invoice(**row))
        return IssuedInvoice(number=row["number"], ocr=row["ocr"], total_ore=row["total_ore"], due_date=row["due_date"])

    # -- credit notes

    async def credit(
        self, actor: Principal, number: str, *, amount_ore: int | None, reason: str | None
    ) -> IssuedInvoice:
        """A credit note for the whole invoice (no amount) or part of it (an amount including VAT, in öre). The
        reason goes through the one free-text rule (core/text.py): refused, nothing is issued."""
        try:
            reason = " ".join(clean_text(reason, CREDIT_REASON).split())
        except TextRefused as refused:
            field = "Skriv ett skäl." if refused.message == CREDIT_REASON.missing else refused.message
            raise Invalid(refused.message, field_errors={"reason": field}) from None
        async with write_transaction(self.engine):
            row = await self.ledger.invoice_row(number)
            if row["kind"] != DocumentKind.INVOICE.value:
                raise Conflict("En kreditfaktura kan inte krediteras.")
            if row["account"] is not None:
                await lock_account_rows(self.engine, row["account"])
            credited = await self.ledger.credited_ore(row["id"])
            remaining = creditable_ore(row["total_ore"], credited)
            if remaining <= 0:
                raise Conflict("Fakturan är redan krediterad i sin helhet.")
            if amount_ore is not None and not 0 < amount_ore <= remaining:
                raise Invalid(
                    f"Beloppet måste vara större än 0 och högst {remaining // 100} kr.",
                    field_errors={"amount_ore": "Utanför det som går att kreditera."},
                )
            # The whole invoice: its lines negated, so the credit note is exactly the invoice mirrored.
            whole = credited == 0 and amount_ore in (None, remaining)
            gross_ore = None if whole else remaining if amount_ore is None else amount_ore
            issued = await self._issue(
                DocumentKind.CREDIT_NOTE,
                row["account"],
                buyer_from(row["buyer"]),
                credit_lines(number, lines_from(row["lines"]), gross_ore),
                credited_id=row["id"],
                reason=reason,
            )
            await self.mail.credit_issued(
                row["account"], number=issued.number, credited_number=number, total_ore=issued.total_ore
            )
            return issued


_ENROLLED = Statement.same(f"SELECT {enrolled_sql('$1')} AS enrolled", 1)
