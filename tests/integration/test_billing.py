"""Enrolment, gap-free invoice numbers, credit notes, payments, status and the ledger on the database (SQLite and
PostgreSQL)."""

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest

from coursesite.accounts.roles import Role
from coursesite.billing.config import load_billing_config
from coursesite.billing.document import CustomerType, DocumentKind
from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.billing.exports import ExportService
from coursesite.billing.issuing import InvoicingService
from coursesite.billing.ledger import LedgerService
from coursesite.billing.ocr import is_valid_ocr
from coursesite.billing.payments import PaymentService
from coursesite.billing.status import InvoiceStatus
from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.db.billing import Enrollment, Invoice, InvoiceCounter, Payment
from tests.conftest import accounts
from tests.support import invoicing_for_tests

PRIVATE = {"customer_type": "private", "address_line": "Storgatan 1", "postal_code": "11455", "city": "Stockholm"}
COMPANY = PRIVATE | {
    "customer_type": "company",
    "company_name": "Exempel AB",
    "org_number": "5560473521",
    "reference": "Eva",
}


@pytest.fixture
def config():
    return load_billing_config()


@dataclasses.dataclass(frozen=True)
class Billing:
    """The four billing services, wired as create_app wires them."""

    invoicing: InvoicingService
    payments: PaymentService
    ledger: LedgerService
    exports: ExportService


def billing_services(db, config) -> Billing:
    invoicing = invoicing_for_tests(db, config)
    ledger, audit = invoicing.ledger, invoicing.ledger.audit
    return Billing(
        invoicing=invoicing,
        payments=PaymentService(db, ledger),
        ledger=ledger,
        exports=ExportService(ledger, config, audit),
    )


@pytest.fixture
def billing(db, config):
    return billing_services(db, config)


async def person(email: str, role: Role = Role.PARTICIPANT):
    return await accounts.register(
        email=email, password="ett-bra-losenord", first_name="Anna", last_name="Berg", role=role
    )


async def enrolled(billing, email="anna@example.se", details=PRIVATE):
    principal = await person(email)
    issued = await billing.invoicing.enrol(principal, accept_terms_version=TERMS_VERSION, **details)
    return principal, issued


async def test_enrolment_issues_the_invoice_and_opens_the_course(billing, config):
    principal = await person("anna@example.se")
    assert not await billing.invoicing.has_course_access(principal.account_id)
    issued = await billing.invoicing.enrol(principal, accept_terms_version=TERMS_VERSION, **PRIVATE)
    year = today().year
    assert issued.number == f"{year}-00001"
    assert is_valid_ocr(issued.ocr) and issued.ocr.startswith(f"{year}00001")
    assert issued.total_ore == 1250000 and issued.due_date == today() + timedelta(days=30)
    assert await billing.invoicing.has_course_access(principal.account_id)
    enrolment = (await Enrollment.select())[0]
    assert enrolment["terms_version"] == TERMS_VERSION and enrolment["terms_accepted_at"] is not None
    doc = await billing.ledger.document(issued.number)
    assert doc.kind is DocumentKind.INVOICE and doc.seller == config.seller
    assert (doc.buyer.name, doc.buyer.address_line, doc.buyer.postal_code) == ("Anna Berg", "Storgatan 1", "114 55")
    assert (doc.totals.net_ore, doc.totals.vat_ore, doc.totals.rounding_ore, doc.totals.total_ore) == (
        1000000,
        250000,
        0,
        1250000,
    )
    with pytest.raises(Conflict):
        await billing.invoicing.enrol(principal, accept_terms_version=TERMS_VERSION, **PRIVATE)
    assert await Invoice.count() == 1


async def test_a_company_buyer_is_named_by_the_company(billing):
    _, issued = await enrolled(billing, details=COMPANY)
    buyer = (await billing.ledger.document(issued.number)).buyer
    assert (buyer.customer_type, buyer.name, buyer.contact_name) == (CustomerType.COMPANY, "Exempel AB", "Anna Berg")
    assert (buyer.org_number, buyer.reference) == ("556047-3521", "Eva")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_type": "alien"}, "customer_type"),
        ({"customer_type": "company"}, "company_name"),
        ({"customer_type": "company", "company_name": "X AB", "org_number": "556047-3522"}, "org_number"),
        ({"postal_code": "1145"}, "postal_code"),
        ({"address_line": ""}, "address_line"),
        ({"city": "x" * 101}, "city"),
        ({"address_line": "Storgatan 1, pnr 811228-9874"}, "address_line"),
        ({"accept": None}, "accept_terms_version"),
        ({"accept": "2020-01"}, "accept_terms_version"),
    ],
)
async def test_bad_enrolments_say_which_field_and_store_nothing(billing, changes, field):
    principal = await person("anna@example.se")
    accept = changes.pop("accept", TERMS_VERSION)
    with pytest.raises(Invalid) as caught:
        await billing.invoicing.enrol(principal, accept_terms_version=accept, **(PRIVATE | changes))
    assert field in caught.value.field_errors
    assert await Enrollment.count() == 0 and await Invoice.count() == 0


async def test_a_failed_enrolment_leaves_no_gap(billing, config, monkeypatch):
    first, _ = await enrolled(billing, "a@example.se")
    failing = await person("b@example.se")

    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    original = Invoice.insert
    monkeypatch.setattr(Invoice, "insert", broken)
    with pytest.raises(RuntimeError):
        await billing.invoicing.enrol(failing, accept_terms_version=TERMS_VERSION, **PRIVATE)
    monkeypatch.setattr(Invoice, "insert", original)
    assert not await billing.invoicing.is_enrolled(failing.account_id)  # the enrolment rolled back with the number
    _, third = await enrolled(billing, "c@example.se")
    assert third.number.endswith("-00002")


async def test_one_hundred_concurrent_enrolments_get_one_hundred_numbers_without_gaps(db, billing):
    people = [await person(f"p{i}@example.se") for i in range(100)]

    async def enrol(principal):
        return await billing.invoicing.enrol(principal, accept_terms_version=TERMS_VERSION, **PRIVATE)

    # On PostgreSQL the test's loop has a pool (tests/conftest.py: db), as the app has: 100 transactions wait for
    # connections instead of exhausting the server.
    issued = await asyncio.gather(*(enrol(p) for p in people))
    sequences = sorted(int(i.number.split("-")[1]) for i in issued)
    assert sequences == list(range(1, 101))
    assert len({i.ocr for i in issued}) == 100
    assert (await InvoiceCounter.select(InvoiceCounter.last_sequence))[0]["last_sequence"] == 100


async def test_numbers_restart_each_year(billing):
    await enrolled(billing, "a@example.se")
    next_year = clock.now().replace(year=clock.now().year + 1, month=1, day=10)
    clock.set_now(lambda: next_year)
    try:
        _, issued = await enrolled(billing, "b@example.se")
    finally:
        clock.set_now(None)
    assert issued.number == f"{next_year.year}-00001"


async def test_full_credit_note_mirrors_the_invoice_and_takes_the_next_number(billing):
    principal, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    with pytest.raises(Invalid):
        await billing.invoicing.credit(finance, issued.number, amount_ore=None, reason=" ")
    credit = await billing.invoicing.credit(finance, issued.number, amount_ore=None, reason="Ångrat köp")
    assert credit.number.endswith("-00002") and credit.ocr is None and credit.total_ore == -1250000
    doc = await billing.ledger.document(credit.number)
    invoice = await billing.ledger.document(issued.number)
    assert doc.kind is DocumentKind.CREDIT_NOTE and doc.credited_number == issued.number and doc.reason == "Ångrat köp"
    assert (doc.totals.net_ore, doc.totals.vat_ore, doc.totals.total_ore) == (
        -invoice.totals.net_ore,
        -invoice.totals.vat_ore,
        -invoice.totals.total_ore,
    )
    [view] = [v for v in await billing.ledger.invoices() if v.number == issued.number]
    assert view.status is InvoiceStatus.CREDITED and view.owed_ore == 0
    with pytest.raises(Conflict):
        await billing.invoicing.credit(finance, issued.number, amount_ore=None, reason="Igen")
    with pytest.raises(Conflict):
        await billing.invoicing.credit(finance, credit.number, amount_ore=None, reason="En kreditfaktura")


async def test_partial_credits_never_exceed_the_invoice(billing):
    _, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    partial = await billing.invoicing.credit(finance, issued.number, amount_ore=250000, reason="Rabatt")
    doc = await billing.ledger.document(partial.number)
    assert doc.totals.total_ore == -250000 and doc.totals.net_ore == -200000 and doc.totals.vat_ore == -50000
    with pytest.raises(Invalid):
        await billing.invoicing.credit(finance, issued.number, amount_ore=1000001, reason="För mycket")
    rest = await billing.invoicing.credit(finance, issued.number, amount_ore=None, reason="Resten")
    assert rest.total_ore == -1000000
    [view] = [v for v in await billing.ledger.invoices() if v.number == issued.number]
    assert view.credited_ore == 1250000 and view.status is InvoiceStatus.CREDITED


async def test_payments_move_the_status(billing):
    principal, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)

    async def status():
        return next(v for v in await billing.ledger.invoices() if v.number == issued.number).status

    assert await status() is InvoiceStatus.UNPAID
    await billing.payments.register_payment(finance, amount_ore=500000, payment_date=today(), ocr=issued.ocr)
    assert await status() is InvoiceStatus.PARTLY_PAID
    await billing.payments.register_payment(
        finance, amount_ore=750000, payment_date=today(), invoice_number=issued.number
    )
    assert await status() is InvoiceStatus.PAID
    await billing.payments.register_payment(finance, amount_ore=100, payment_date=today(), ocr=issued.ocr)
    assert await status() is InvoiceStatus.OVERPAID
    with pytest.raises(NotFound):
        await billing.payments.register_payment(finance, amount_ore=100, payment_date=today(), ocr="1234574")
    with pytest.raises(Invalid) as caught:
        await billing.payments.register_payment(finance, amount_ore=0, payment_date=today() + timedelta(days=1))
    assert set(caught.value.field_errors) == {"amount_ore", "date", "ocr"}


async def test_unpaid_after_the_due_date_is_overdue_and_listed(billing):
    _, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    later = clock.now() + timedelta(days=31)
    clock.set_now(lambda: later)
    try:
        [view] = await billing.ledger.overdue(finance)
    finally:
        clock.set_now(None)
    assert view.number == issued.number and view.status is InvoiceStatus.OVERDUE


async def test_unmatched_payment_is_placed_by_hand(billing):
    _, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await Payment.insert(
        Payment(
            amount_ore=1250000,
            payment_date=today(),
            reference="999",
            source="bgmax",
            note="Okänd OCR",
            created_at=clock.now(),
        )
    )
    [unmatched] = await billing.ledger.payments(unmatched_only=True)
    with pytest.raises(NotFound):
        await billing.payments.place_payment(finance, unmatched.id, "2000-99999")
    placed = await billing.payments.place_payment(finance, unmatched.id, issued.number)
    assert placed.invoice_number == issued.number
    assert await billing.ledger.payments(unmatched_only=True) == []
    with pytest.raises(Conflict):
        await billing.payments.place_payment(finance, unmatched.id, issued.number)


async def test_a_payment_older_than_the_newest_five_hundred_is_placed_and_returned(billing):
    """Issue 10: placing used to look the payment up among the newest 500 and answer 500 (StopIteration) after the
    commit when it was older."""
    _, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)

    def unmatched(reference: str) -> Payment:
        return Payment(
            amount_ore=100, payment_date=today(), reference=reference, source="bgmax", created_at=clock.now()
        )

    old = await Payment.insert(unmatched("111")).returning(Payment.id)
    await Payment.insert(*(unmatched(str(n)) for n in range(501)))  # newer, in one statement
    placed = await billing.payments.place_payment(finance, old[0]["id"], issued.number)
    assert (placed.id, placed.invoice_number, placed.reference) == (old[0]["id"], issued.number, "111")
    assert placed.note == f"Kopplad för hand av konto {finance.account_id}."
    assert old[0]["id"] not in {p.id for p in await billing.ledger.payments()}  # beyond the list, still found


async def test_ledger_runs_a_balance_and_invoices_are_private(billing):
    principal, issued = await enrolled(billing)
    other, _ = await enrolled(billing, "other@example.se")
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await billing.invoicing.credit(finance, issued.number, amount_ore=250000, reason="Rabatt")
    await billing.payments.register_payment(finance, amount_ore=1000000, payment_date=today(), ocr=issued.ocr)
    rows = await billing.ledger.ledger(principal.account_id)
    assert [(r.entry.kind, r.entry.amount_ore, r.balance_ore) for r in rows] == [
        ("invoice", 1250000, 1250000),
        ("credit_note", -250000, 1000000),
        ("payment", -1000000, 0),
    ]
    with pytest.raises(NotFound):
        await billing.ledger.document(issued.number, account_id=other.account_id)
    assert {v.number for v in await billing.ledger.invoices(account_id=other.account_id)} == {f"{today().year}-00002"}


async def test_course_waits_for_payment_when_configured(db, config):
    strict = billing_services(db, dataclasses.replace(config, open_before_payment=False))
    principal, issued = await enrolled(strict)
    assert not await strict.invoicing.has_course_access(principal.account_id)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await strict.payments.register_payment(finance, amount_ore=issued.total_ore, payment_date=today(), ocr=issued.ocr)
    assert await strict.invoicing.has_course_access(principal.account_id)


# -- BgMax, exports and UBL through the service ---------------------------------------------------------------------


def bgmax_file(deposit_day, payments):
    from datetime import datetime

    from coursesite.billing.bgmax import BgMaxFile, Deposit
    from coursesite.billing.bgmax import Payment as BankPayment

    return BgMaxFile(
        created_at=datetime(deposit_day.year, deposit_day.month, deposit_day.day, 6, 0),
        deposits=(
            Deposit(
                payee_bankgiro="50501055",
                date=deposit_day,
                serial=1,
                payments=tuple(
                    BankPayment(amount_ore=amount, reference=reference, reference_code=2, bgc_serial=n + 1)
                    for n, (reference, amount) in enumerate(payments)
                ),
            ),
        ),
    )


async def test_bgmax_import_matches_by_ocr_and_lists_the_rest(billing):
    from coursesite.billing.bgmax import write_bgmax

    _, paid_in_full = await enrolled(billing, "a@example.se")
    _, paid_in_part = await enrolled(billing, "b@example.se")
    finance = await person("ekonomi@example.se", Role.FINANCE)
    day = today()
    data = write_bgmax(
        bgmax_file(
            day,
            [
                (paid_in_full.ocr, 1250000),
                (paid_in_part.ocr, 600000),
                ("1234574", 1000),  # a valid OCR that is not ours
                ("12345", 500),  # not an OCR number at all
            ],
        )
    )
    result = await billing.payments.import_bgmax(finance, data, "bgmax.txt")
    assert (result.payments, result.total_ore) == (4, 1250000 + 600000 + 1500)
    assert {(p.invoice_number, p.amount_ore) for p in result.matched} == {
        (paid_in_full.number, 1250000),
        (paid_in_part.number, 600000),
    }
    assert sorted(p.note for p in result.unmatched) == [
        "Ingen faktura har OCR-numret 1234574.",
        "Referensen '12345' är inget giltigt OCR-nummer.",
    ]
    statuses = {v.number: v.status for v in await billing.ledger.invoices()}
    assert statuses[paid_in_full.number] is InvoiceStatus.PAID
    assert statuses[paid_in_part.number] is InvoiceStatus.PARTLY_PAID
    assert {p.reference for p in await billing.ledger.payments(unmatched_only=True)} == {"1234574", "12345"}
    with pytest.raises(Conflict):
        await billing.payments.import_bgmax(finance, data, "again.txt")
    with pytest.raises(Invalid) as caught:
        await billing.payments.import_bgmax(finance, b"01BGMAX trasig\r\n", "broken.txt")
    assert "Rad" in str(caught.value)
    assert await Payment.count() == 4


async def collect(stream) -> bytes:
    return b"".join([chunk async for chunk in stream])


async def test_csv_export_for_excel(billing):
    import csv
    import io

    _, issued = await enrolled(billing, details=COMPANY)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await billing.invoicing.credit(finance, issued.number, amount_ore=250000, reason="Rabatt")
    data = await collect(await billing.exports.invoice_csv(finance, today() - timedelta(days=1), today()))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:3] == ["typ", "nummer", "krediterar"]
    assert [r[0] for r in rows[1:]] == ["Faktura", "Kreditfaktura"]
    assert rows[1][11] == "12500,00" and rows[2][11] == "-2500,00" and rows[2][2] == issued.number
    assert rows[1][5] == "Exempel AB" and rows[1][13] == "Obetald"
    assert (
        await collect(await billing.exports.invoice_csv(finance, date(2000, 1, 1), date(2000, 12, 31)))
        == data[: data.index(b"\r\n") + 2]
    )


async def test_sie_export_is_read_back_balanced(billing):
    from tests.unit.billing.sie_reader import read_sie

    _, issued = await enrolled(billing, "åsa@example.se")
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await billing.invoicing.credit(finance, issued.number, amount_ore=250000, reason="Rabatt")
    await billing.payments.register_payment(finance, amount_ore=1000000, payment_date=today(), ocr=issued.ocr)
    data = await collect(await billing.exports.sie_export(finance, today() - timedelta(days=1), today()))
    sie = read_sie(data)  # the strict reader: order, CP437, #KONTO for every account, balanced vouchers
    assert sie.org_number == "556047-3521"
    assert [sorted(v.transactions) for v in sie.vouchers] == [
        [("1510", 1250000), ("2611", -250000), ("3001", -1000000)],
        [("1510", -250000), ("2611", 50000), ("3001", 200000)],
        [("1510", -1000000), ("1930", 1000000)],
    ]
    empty = read_sie(await collect(await billing.exports.sie_export(finance, date(2000, 1, 1), date(2000, 1, 2))))
    assert empty.vouchers == [] and set(empty.accounts) == {"1510", "1930", "2611", "3001", "3740"}


async def test_sie_export_streams_in_batches(billing, monkeypatch):
    from coursesite.billing import ledger as billing_ledger
    from coursesite.billing.sie import BasAccounts, SieCompany, invoice_voucher, payment_voucher, write_sie
    from tests.unit.billing.sie_reader import read_sie

    monkeypatch.setattr(billing_ledger, "EXPORT_BATCH", 2)
    issued = [(await enrolled(billing, f"p{n}@example.se"))[1] for n in range(5)]
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await billing.invoicing.credit(finance, issued[0].number, amount_ore=250000, reason="Rabatt")
    await billing.payments.register_payment(finance, amount_ore=1000000, payment_date=today(), ocr=issued[1].ocr)
    chunks = [chunk async for chunk in await billing.exports.sie_export(finance, today(), today())]
    assert len(chunks) >= 5  # the head, then one chunk per batch of two
    assert len(read_sie(b"".join(chunks)).vouchers) == 7
    # Byte for byte the file write_sie makes of every voucher at once, booked from the whole documents.
    config = billing.exports.config.accounts
    accounts = BasAccounts(
        **{name: getattr(config, name) for name in ("receivables", "sales", "output_vat", "bank", "rounding")}
    )
    docs = [doc async for batch in billing.ledger.documents_issued(today(), today()) for doc, _ in batch]
    payments = [p async for batch in billing.ledger.payments_placed(today(), today()) for p in batch]
    vouchers = [invoice_voucher(doc, accounts) for doc in docs] + [
        payment_voucher(p.payment_date, p.amount_ore, p.invoice_number or "", accounts, ocr=p.reference)
        for p in payments
    ]
    seller = billing.exports.config.seller
    whole = write_sie(SieCompany(seller.org_number, seller.name), accounts.chart(), vouchers, generated=today())
    assert b"".join(chunks) == b"".join(whole)


async def test_the_exports_take_what_is_dated_in_the_range_in_id_order_across_batches(billing, monkeypatch):
    """The exports batch by id within the range's ids and check the dates themselves (ledger._dated_in_id_order):
    documents and payments dated outside the range are left out even where their ids fall between ones inside it."""
    from coursesite.billing import ledger as billing_ledger

    monkeypatch.setattr(billing_ledger, "EXPORT_BATCH", 2)
    issued = [(await enrolled(billing, f"p{n}@example.se"))[1] for n in range(6)]  # issued today
    first, last = today() - timedelta(days=3), today() - timedelta(days=1)
    days = [first, first - timedelta(days=10), first + timedelta(days=1), today(), last, last]
    for doc, day in zip(issued, days, strict=True):
        await Invoice.update({Invoice.issue_date: day}).where(Invoice.number == doc.number)
    moved = {issued[1].number, issued[3].number}  # before the range, and after it
    finance = await person("ekonomi@example.se", Role.FINANCE)
    for n, day in enumerate((last, first - timedelta(days=1), first, today(), last)):
        await billing.payments.register_payment(finance, amount_ore=100 + n, payment_date=day, ocr=issued[n].ocr)
    inside = [doc.number for doc in issued if doc.number not in moved]

    booked = [doc.number async for batch in billing.ledger.documents_booked(first, last) for doc in batch]
    documents = [doc.number async for batch in billing.ledger.documents_issued(first, last) for doc, _ in batch]
    paid = [p.amount_ore async for batch in billing.ledger.payments_placed(first, last) for p in batch]
    assert booked == documents == inside
    assert paid == [100, 102, 104]
    assert [doc async for doc in billing.ledger.documents_booked(date(2000, 1, 1), date(2000, 1, 2))] == []


async def test_ubl_only_for_company_buyers(billing):
    from tests.unit.billing.ubl_checker import check_ubl

    _, company = await enrolled(billing, "foretag@example.se", details=COMPANY)
    _, private = await enrolled(billing, "privat@example.se")
    finance = await person("ekonomi@example.se", Role.FINANCE)
    _, xml = await billing.exports.ubl(finance, company.number)
    assert check_ubl(xml) == []
    assert company.ocr.encode() in xml and b"SE556047352101" in xml
    with pytest.raises(Conflict):
        await billing.exports.ubl(finance, private.number)
