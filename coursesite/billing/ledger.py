"""The ledger: what was issued and paid, read back. Invoice and credit-note lists with what was paid and credited and
the status today (filtered by status in SQL, over every invoice), one invoice with its credit notes and payments,
the payment lists, the overdue list, a customer's ledger, and the documents and payments an export reads in batches.

Reads only; issuing, payments and exports are their own services (billing/issuing.py, payments.py, exports.py). A
method that shows staff a person's billing data takes the staff member as `reader` and writes the staff-audit row
itself, so every caller is audited; the participant's own reads (`account_id=` their own) are not staff reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from piccolo.columns import Date
from piccolo.columns.combination import Combinable
from piccolo.query import Select
from piccolo.query.functions.aggregate import Max, Min
from piccolo.table import Table

from coursesite.accounts.service import Principal
from coursesite.billing.document import DocumentKind, InvoiceDocument
from coursesite.billing.records import booked_from_row, document_from_row
from coursesite.billing.sie import BookedDocument
from coursesite.billing.status import (
    InvoiceStatus,
    LedgerEntry,
    LedgerRow,
    creditable_ore,
    invoice_status,
    ledger,
    owed_ore,
    status_sql,
)
from coursesite.core.clock import today
from coursesite.core.errors import NotFound
from coursesite.core.formatting import to_stockholm
from coursesite.core.weeks import Week, days_overdue, week_of
from coursesite.db.billing import Customer, Invoice, Payment
from coursesite.privacy.audit import AuditLog

LIST_LIMIT = 500
HOME_OVERDUE = 10  # the longest overdue invoices on finance's start page; the rest on /ekonomi/forfallna
WHY_HOME = "Fakturering: ekonomis startsida (förfallna fakturor)"
EXPORT_BATCH = 1000
WHY_INVOICE_LIST = "Fakturering: fakturalistan"
WHY_INVOICE_LIST_API = "Fakturering: fakturalistan via API"
WHY_OVERDUE = "Fakturering: förfallna fakturor"
WHY_DOCUMENT = "Fakturering"
WHAT_PDF = "PDF (köparens namn, adress och belopp)"
WHAT_UBL = "UBL (köparens namn, adress, org.nr och belopp)"


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


@dataclass(frozen=True)
class InvoiceDetails:
    """One invoice or credit note as finance sees it: the document, its amounts and status, and for an invoice its
    credit notes and payments."""

    document: InvoiceDocument
    view: InvoiceView
    credit_notes: list[InvoiceView]
    payments: list[PaymentView]


@dataclass(frozen=True)
class CustomerAccount:
    """A customer as finance sees them: the billing details, the documents and the ledger with its balance."""

    account_id: int
    customer: dict[str, Any] | None
    invoices: list[InvoiceView]
    ledger: list[LedgerRow]


@dataclass(frozen=True)
class IssuedCount:
    documents: int
    customers: int


@dataclass(frozen=True)
class Tally:
    count: int
    ore: int


@dataclass(frozen=True)
class OverdueLine:
    invoice: InvoiceView
    days: int  # days past the due date


@dataclass(frozen=True)
class FinanceHome:
    """Finance's start page: what is owed, what is late, what came in this week (Monday to Sunday, Stockholm)."""

    today: date
    week: Week
    unpaid: Tally  # owed and not yet due (unpaid or partly paid): what is still to be paid
    overdue: Tally  # owed after the due date
    longest_overdue: list[OverdueLine]  # the HOME_OVERDUE longest overdue, most days first
    received_this_week: Tally  # payments dated this week, placed or not
    unmatched: Tally  # payments not yet placed on an invoice (any source)
    unmatched_bgmax: int  # of which read from BgMax files


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
_BOOKED_COLUMNS = (  # what records.booked_from_row reads; the JSON left as text, decoded there
    Invoice.id,
    Invoice.kind,
    Invoice.number,
    Invoice.issue_date,
    Invoice.credited_invoice,
    Invoice.buyer,
    Invoice.lines,
    Invoice.net_ore,
    Invoice.vat_ore,
    Invoice.rounding_ore,
    Invoice.total_ore,
)
_PAYMENT_COLUMNS = (
    Payment.id,
    Payment.amount_ore,
    Payment.payment_date,
    Payment.reference,
    Payment.payer_name,
    Payment.source,
    Payment.invoice.number,
    Payment.note,
)
# What each invoice has been paid and credited, as derived tables to join on invoice.id.
_AMOUNTS_JOIN = (
    "LEFT JOIN (SELECT invoice, SUM(amount_ore) AS paid FROM payment WHERE invoice IS NOT NULL GROUP BY invoice) "
    "AS p ON p.invoice = i.id "
    "LEFT JOIN (SELECT credited_invoice, -SUM(total_ore) AS credited FROM invoice "
    "WHERE kind = 'credit_note' AND credited_invoice IS NOT NULL GROUP BY credited_invoice) "
    "AS c ON c.credited_invoice = i.id"
)


def _status_expression(on: date) -> str:
    return status_sql(
        total="i.total_ore",
        credited="COALESCE(c.credited, 0)",
        paid="COALESCE(p.paid, 0)",
        due_date="i.due_date",
        today=on,
    )


def _payment_view(row: dict[str, Any]) -> PaymentView:
    return PaymentView(
        id=row["id"],
        amount_ore=row["amount_ore"],
        payment_date=row["payment_date"],
        reference=row["reference"],
        payer_name=row["payer_name"],
        source=row["source"],
        invoice_number=row["invoice.number"],
        note=row["note"],
    )


class LedgerService:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    # -- one document

    async def invoice_row(self, number: str) -> dict[str, Any]:
        """The stored row of an invoice or credit note (read with load_json); NotFound otherwise."""
        rows = await Invoice.select().where(Invoice.number == number).output(load_json=True)
        if not rows:
            raise NotFound("Fakturan finns inte.")
        return rows[0]

    async def document(self, number: str, *, account_id: int | None = None) -> InvoiceDocument:
        """An invoice or credit note; with `account_id`, only that person's own (404 otherwise, never 403)."""
        row = await self.invoice_row(number)
        if account_id is not None and row["account"] != account_id:
            raise NotFound("Fakturan finns inte.")
        credited = None
        if row["credited_invoice"] is not None:
            found = await Invoice.select(Invoice.number).where(Invoice.id == row["credited_invoice"])
            credited = found[0]["number"] if found else None
        return document_from_row(row, credited)

    async def staff_document(self, reader: Principal, number: str) -> InvoiceDocument:
        """An invoice or credit note for finance's PDF download: one audited read, on the buyer's account."""
        doc = await self.document(number)
        await self.record_document_read(reader, number, WHAT_PDF)
        return doc

    async def record_document_read(self, reader: Principal, number: str, what: str) -> None:
        """The audit row of a staff download of one document (`what`: WHAT_PDF or WHAT_UBL), on the buyer's account."""
        rows = await Invoice.select(Invoice.account).where(Invoice.number == number)
        await self.audit.record(
            reader.account_id,
            "read",
            subject_account=rows[0]["account"] if rows else None,
            what=f"invoice {number}: {what}",
            why=WHY_DOCUMENT,
        )

    async def invoice_view(self, number: str) -> InvoiceView:
        """One invoice or credit note with what was paid and credited and its status today."""
        rows = await Invoice.select(*_VIEW_COLUMNS).where(Invoice.number == number).output(load_json=True)
        if not rows:
            raise NotFound("Fakturan finns inte.")
        return (await self._views(rows))[0]

    async def invoice_details(self, reader: Principal, number: str) -> InvoiceDetails:
        """Finance's page of one invoice or credit note. Audited: the buyer's name and address, amounts, payments."""
        doc = await self.document(number)
        view = await self.invoice_view(number)
        await self.audit.record(
            reader.account_id,
            "read",
            subject_account=view.account_id,
            what=f"invoice {number}: köparens namn och adress, belopp och betalningar",
            why="ekonomi: fakturan",
        )
        credit_notes: list[InvoiceView] = []
        payments: list[PaymentView] = []
        if doc.kind is DocumentKind.INVOICE:
            credit_notes = await self.credit_notes_of(number)
            payments = await self.payments_of(number)
        return InvoiceDetails(document=doc, view=view, credit_notes=credit_notes, payments=payments)

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

    async def credited_ore(self, invoice_id: int) -> int:
        """What the credit notes of this invoice took off it in all (positive)."""
        rows = await Invoice.select(Invoice.total_ore).where(
            (Invoice.kind == DocumentKind.CREDIT_NOTE.value) & (Invoice.credited_invoice == invoice_id)
        )
        return -sum(r["total_ore"] for r in rows)

    # -- lists

    async def invoices(
        self,
        *,
        account_id: int | None = None,
        status: InvoiceStatus | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int | None = LIST_LIMIT,
    ) -> list[InvoiceView]:
        """Invoices and credit notes, newest first, with what was paid and credited and the status today. A status
        is filtered in SQL (billing/status.py: status_sql), so the list reaches every invoice. `limit=None`: all."""
        on = today()
        if status is None:
            query = Invoice.select(*_VIEW_COLUMNS).output(load_json=True)
            if account_id is not None:
                query = query.where(Invoice.account == account_id)
            if date_from is not None:
                query = query.where(Invoice.issue_date >= date_from)
            if date_to is not None:
                query = query.where(Invoice.issue_date <= date_to)
            query = query.order_by(Invoice.id, ascending=False)
            rows = await (query.limit(limit) if limit is not None else query)
            return await self._views(rows, on)
        conditions = ["i.kind = 'invoice'", f"{_status_expression(on)} = {{}}"]
        args: list[Any] = [status.value]
        if account_id is not None:
            conditions.append("i.account = {}")
            args.append(account_id)
        if date_from is not None:
            conditions.append("i.issue_date >= {}")
            args.append(date_from)
        if date_to is not None:
            conditions.append("i.issue_date <= {}")
            args.append(date_to)
        if status is InvoiceStatus.OVERDUE:
            conditions.append("i.due_date < {}")  # implied by the rule; lets the database use the due date first
            args.append(on)
        return await self._views_by_ids(
            await self._ids(" AND ".join(conditions), args, order="i.id DESC", limit=limit), on
        )

    async def invoice_list(
        self,
        reader: Principal,
        *,
        status: InvoiceStatus | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = LIST_LIMIT,
        why: str = WHY_INVOICE_LIST,
    ) -> list[InvoiceView]:
        """`invoices` as finance sees them: one audit row per buyer shown (one insert)."""
        views = await self.invoices(status=status, date_from=date_from, date_to=date_to, limit=limit)
        await self._record_list(reader, views, why)
        return views

    async def overdue(self, reader: Principal) -> list[InvoiceView]:
        """Invoices past their due date with something still owed, oldest due first: the reminder list (at most
        LIST_LIMIT, the longest overdue). Audited: one row per buyer shown."""
        on = today()
        conditions = f"i.kind = 'invoice' AND i.due_date < {{}} AND {_status_expression(on)} = {{}}"
        ids = await self._ids(conditions, [on, InvoiceStatus.OVERDUE.value], order="i.due_date, i.id", limit=LIST_LIMIT)
        views = sorted(await self._views_by_ids(ids, on), key=lambda v: (v.due_date or on, v.number))
        await self._record_list(reader, views, WHY_OVERDUE)
        return views

    async def home(self, reader: Principal, *, now: datetime) -> FinanceHome:
        """Finance's start page in a fixed number of statements (six reads): the sums by status, the payments' sums,
        the longest overdue (ids, then their views). Audited: one row per buyer shown in the overdue list."""
        on = to_stockholm(now).date()
        week = week_of(now)
        owed = "i.total_ore - COALESCE(c.credited, 0) - COALESCE(p.paid, 0)"
        open_statuses = (InvoiceStatus.UNPAID, InvoiceStatus.PARTLY_PAID, InvoiceStatus.OVERDUE)
        rows = await Invoice.raw(
            "SELECT s.status AS status, COUNT(*) AS n, SUM(s.owed) AS owed FROM "
            f"(SELECT {_status_expression(on)} AS status, {owed} AS owed FROM invoice AS i {_AMOUNTS_JOIN} "
            "WHERE i.kind = 'invoice') AS s "
            f"WHERE s.status IN ({', '.join('{}' for _ in open_statuses)}) GROUP BY s.status",
            *(status.value for status in open_statuses),
        )
        by_status = {row["status"]: Tally(int(row["n"]), int(row["owed"] or 0)) for row in rows}
        none = Tally(0, 0)
        unpaid, partly = by_status.get("unpaid", none), by_status.get("partly_paid", none)
        sums = (
            await Payment.raw(
                "SELECT COALESCE(SUM(CASE WHEN payment_date >= {} AND payment_date <= {} THEN 1 ELSE 0 END), 0) "
                "AS week_n, "
                "COALESCE(SUM(CASE WHEN payment_date >= {} AND payment_date <= {} THEN amount_ore ELSE 0 END), 0) "
                "AS week_ore, "
                "COALESCE(SUM(CASE WHEN invoice IS NULL THEN 1 ELSE 0 END), 0) AS unmatched_n, "
                "COALESCE(SUM(CASE WHEN invoice IS NULL THEN amount_ore ELSE 0 END), 0) AS unmatched_ore, "
                "COALESCE(SUM(CASE WHEN invoice IS NULL AND source = 'bgmax' THEN 1 ELSE 0 END), 0) AS unmatched_bgmax "
                "FROM payment",
                week.monday,
                week.sunday,
                week.monday,
                week.sunday,
            )
        )[0]
        conditions = f"i.kind = 'invoice' AND i.due_date < {{}} AND {_status_expression(on)} = {{}}"
        ids = await self._ids(
            conditions, [on, InvoiceStatus.OVERDUE.value], order="i.due_date, i.id", limit=HOME_OVERDUE
        )
        views = await self._views_by_ids(ids, on)
        await self._record_list(reader, views, WHY_HOME)
        return FinanceHome(
            today=on,
            week=week,
            unpaid=Tally(unpaid.count + partly.count, unpaid.ore + partly.ore),
            overdue=by_status.get("overdue", none),
            longest_overdue=[OverdueLine(view, days_overdue(view.due_date or on, on)) for view in views],
            received_this_week=Tally(int(sums["week_n"]), int(sums["week_ore"])),
            unmatched=Tally(int(sums["unmatched_n"]), int(sums["unmatched_ore"])),
            unmatched_bgmax=int(sums["unmatched_bgmax"]),
        )

    async def _record_list(self, reader: Principal, views: list[InvoiceView], why: str) -> None:
        await self.audit.record_many(
            reader.account_id,
            "read",
            ((v.account_id, None) for v in views),
            what="invoice: köparens namn, fakturanummer, belopp och status",
            why=why,
        )

    async def _ids(self, conditions: str, args: list[Any], *, order: str, limit: int | None) -> list[int]:
        sql = f"SELECT i.id AS id FROM invoice AS i {_AMOUNTS_JOIN} WHERE {conditions} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT {}"
            args = [*args, limit]
        return [row["id"] for row in await Invoice.raw(sql, *args)]

    async def _views_by_ids(self, ids: list[int], on: date) -> list[InvoiceView]:
        """Views of these invoices, in the order of `ids`."""
        if not ids:
            return []
        rows = await Invoice.select(*_VIEW_COLUMNS).where(Invoice.id.is_in(ids)).output(load_json=True)
        by_id = {view.id: view for view in await self._views(rows, on)}
        return [by_id[i] for i in ids if i in by_id]

    async def _views(self, rows: list[dict[str, Any]], on: date | None = None) -> list[InvoiceView]:
        """Views of invoice rows (read with load_json), with what was paid and credited, and the status on `on`."""
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
        on = on or today()
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

    async def _sums(self, sql: str, ids: list[int]) -> dict[int, int]:
        sums: dict[int, int] = {}
        for start in range(0, len(ids), 5000):  # bounded: SQLite takes at most 32,766 parameters a statement
            part = ids[start : start + 5000]
            rows = await Invoice.raw(sql.replace("{ids}", ", ".join("{}" for _ in part)), *part)
            sums |= {row["id"]: int(row["total"]) for row in rows}
        return sums

    # -- payments

    async def payments(self, *, unmatched_only: bool = False, limit: int = LIST_LIMIT) -> list[PaymentView]:
        """Payments, newest first; `unmatched_only`: those waiting for finance to place them."""
        query = Payment.select(*_PAYMENT_COLUMNS)
        if unmatched_only:
            query = query.where(Payment.invoice.is_null())
        rows = await query.order_by(Payment.id, ascending=False).limit(limit)
        return [_payment_view(r) for r in rows]

    async def payment(self, payment_id: int) -> PaymentView:
        """One payment by its id, however old."""
        rows = await Payment.select(*_PAYMENT_COLUMNS).where(Payment.id == payment_id)
        if not rows:
            raise NotFound("Betalningen finns inte.")
        return _payment_view(rows[0])

    async def payments_of(self, number: str) -> list[PaymentView]:
        """The payments placed on this invoice, oldest first."""
        rows = await Payment.select(*_PAYMENT_COLUMNS).where(Payment.invoice.number == number).order_by(Payment.id)
        return [_payment_view(r) for r in rows]

    # -- a customer

    async def customer(self, account_id: int) -> dict[str, Any] | None:
        """The billing details the participant gave (and may have corrected), or None."""
        rows = await Customer.select().where(Customer.account == account_id)
        return rows[0] if rows else None

    async def ledger(self, account_id: int) -> list[LedgerRow]:
        """Invoices, credit notes and payments of one customer, all of them, with a running balance."""
        return await self._ledger(account_id, await self.invoices(account_id=account_id, limit=None))

    async def _ledger(self, account_id: int, views: list[InvoiceView]) -> list[LedgerRow]:
        entries = [LedgerEntry(v.issue_date, v.kind.value, v.number, v.total_ore, order=v.id) for v in views]
        payments = await Payment.select(
            Payment.id, Payment.amount_ore, Payment.payment_date, Payment.invoice.number
        ).where(Payment.invoice.account == account_id)
        entries += [
            LedgerEntry(p["payment_date"], "payment", p["invoice.number"], -p["amount_ore"], order=p["id"])
            for p in payments
        ]
        return ledger(entries)

    async def customer_account(self, reader: Principal, account_id: int) -> CustomerAccount:
        """Finance's page of one customer: billing details, documents and ledger. NotFound when the account has
        neither. Audited: one read row on the customer's account."""
        views = await self.invoices(account_id=account_id, limit=None)
        customer = await self.customer(account_id)
        if customer is None and not views:
            raise NotFound("Kunden finns inte.")
        await self.audit.record(
            reader.account_id,
            "read",
            subject_account=account_id,
            what="customer: faktureringsuppgifter; fakturor, betalningar och reskontra",
            why="ekonomi: kundens reskontra",
        )
        return CustomerAccount(
            account_id=account_id,
            customer=customer,
            invoices=views[:LIST_LIMIT],
            ledger=await self._ledger(account_id, views),
        )

    # -- what the exports read, in batches: memory stays flat

    async def count_issued(self, date_from: date, date_to: date) -> IssuedCount:
        """How many invoices and credit notes were issued in the range, and to how many customers."""
        rows = await Invoice.raw(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT account) AS people FROM invoice "
            "WHERE issue_date >= {} AND issue_date <= {}",
            date_from,
            date_to,
        )
        return IssuedCount(documents=int(rows[0]["n"] or 0), customers=int(rows[0]["people"] or 0))

    async def documents_issued(
        self, date_from: date, date_to: date, *, with_status: bool = True
    ) -> AsyncIterator[list[tuple[InvoiceDocument, InvoiceView | None]]]:
        """Invoices and credit notes issued in the range, oldest first, in batches, with their status."""
        batches = _dated_in_id_order(
            Invoice, Invoice.issue_date, date_from, date_to, lambda: Invoice.select().output(load_json=True)
        )
        async for rows in batches:
            views = {v.id: v for v in await self._views(rows)} if with_status else {}
            numbers = await self._credited_numbers(rows)
            yield [(document_from_row(row, numbers.get(row["credited_invoice"])), views.get(row["id"])) for row in rows]

    async def documents_booked(self, date_from: date, date_to: date) -> AsyncIterator[list[BookedDocument]]:
        """What the SIE books of the invoices and credit notes issued in the range, oldest first, in batches: only the
        columns it needs, without building each document (issue 14 P5: that was a third of the export's CPU)."""
        async for rows in _dated_in_id_order(
            Invoice, Invoice.issue_date, date_from, date_to, lambda: Invoice.select(*_BOOKED_COLUMNS)
        ):
            numbers = await self._credited_numbers(rows)
            yield [booked_from_row(row, numbers.get(row["credited_invoice"])) for row in rows]

    async def _credited_numbers(self, rows: list[dict[str, Any]]) -> dict[int, str]:
        credited_ids = {row["credited_invoice"] for row in rows if row["credited_invoice"]}
        if not credited_ids:
            return {}
        found = await Invoice.select(Invoice.id, Invoice.number).where(Invoice.id.is_in(list(credited_ids)))
        return {r["id"]: r["number"] for r in found}

    async def payments_placed(self, date_from: date, date_to: date) -> AsyncIterator[list[PaymentView]]:
        """Payments placed on an invoice and paid in the range, oldest first, in batches."""
        async for rows in _dated_in_id_order(
            Payment,
            Payment.payment_date,
            date_from,
            date_to,
            lambda: Payment.select(*_PAYMENT_COLUMNS),
            where=Payment.invoice.is_not_null(),
        ):
            yield [_payment_view(r) for r in rows]


async def _dated_in_id_order(
    table: type[Table],
    dated: Date,
    date_from: date,
    date_to: date,
    select: Callable[[], Select],
    *,
    where: Combinable | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """The rows `select()` reads of `table` dated within [date_from, date_to] (and matching `where`), in id order, up
    to EXPORT_BATCH ids at a time. The ids the range spans are read once; each batch then asks by id alone and the
    dates are checked here. With the dates in the batch's statement too, PostgreSQL's generic plan for it (a prepared
    statement's plan from its sixth run on) read the whole range by the date index and sorted it for every batch,
    which made every export after a worker's first twice as slow (docs/performance.md, P5)."""
    key = table._meta.primary_key
    in_range = (dated >= date_from) & (dated <= date_to)
    span = await table.select(Min(key, alias="low"), Max(key, alias="high")).where(
        in_range if where is None else in_range & where
    )
    low, high = (span[0]["low"], span[0]["high"]) if span else (None, None)
    if low is None or high is None:
        return
    name, key_name = dated._meta.name, key._meta.name
    last_id = low - 1
    while last_id < high:
        by_id = (key > last_id) & (key <= high)
        rows = await select().where(by_id if where is None else by_id & where).order_by(key).limit(EXPORT_BATCH)
        if not rows:
            return
        last_id = rows[-1][key_name]
        kept = [row for row in rows if date_from <= row[name] <= date_to]
        if kept:
            yield kept
