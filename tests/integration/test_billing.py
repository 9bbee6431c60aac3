"""Enrolment, gap-free invoice numbers, credit notes, payments, status and the ledger on the database (SQLite and
PostgreSQL)."""

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest

from coursesite.accounts import service as accounts
from coursesite.accounts.roles import Role
from coursesite.billing.config import load_billing_config
from coursesite.billing.document import CustomerType, DocumentKind
from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.billing.ocr import is_valid_ocr
from coursesite.billing.service import BillingService, today
from coursesite.billing.status import InvoiceStatus
from coursesite.core import clock
from coursesite.core.errors import Conflict, Invalid, NotFound
from coursesite.db.billing import Enrollment, Invoice, InvoiceCounter, Payment

PRIVATE = {"customer_type": "private", "address_line": "Storgatan 1", "postal_code": "11455", "city": "Stockholm"}
COMPANY = PRIVATE | {"customer_type": "company", "company_name": "Exempel AB", "org_number": "5560473521", "reference": "Eva"}


@pytest.fixture
def config():
    return load_billing_config()


@pytest.fixture
def billing(db, config):
    return BillingService(db, config)


async def person(email: str, role: Role = Role.PARTICIPANT):
    return await accounts.register(email=email, password="ett-bra-losenord", first_name="Anna", last_name="Berg", role=role)


async def enrolled(billing, email="anna@example.se", details=PRIVATE):
    principal = await person(email)
    issued = await billing.enrol(principal, accept_terms_version=TERMS_VERSION, **details)
    return principal, issued


async def test_enrolment_issues_the_invoice_and_opens_the_course(billing, config):
    principal = await person("anna@example.se")
    assert not await billing.has_course_access(principal.account_id)
    issued = await billing.enrol(principal, accept_terms_version=TERMS_VERSION, **PRIVATE)
    year = today().year
    assert issued.number == f"{year}-00001"
    assert is_valid_ocr(issued.ocr) and issued.ocr.startswith(f"{year}00001")
    assert issued.total_ore == 1250000 and issued.due_date == today() + timedelta(days=30)
    assert await billing.has_course_access(principal.account_id)
    enrolment = (await Enrollment.select())[0]
    assert enrolment["terms_version"] == TERMS_VERSION and enrolment["terms_accepted_at"] is not None
    doc = await billing.document(issued.number)
    assert doc.kind is DocumentKind.INVOICE and doc.seller == config.seller
    assert (doc.buyer.name, doc.buyer.address_line, doc.buyer.postal_code) == ("Anna Berg", "Storgatan 1", "114 55")
    assert (doc.totals.net_ore, doc.totals.vat_ore, doc.totals.rounding_ore, doc.totals.total_ore) == (1000000, 250000, 0, 1250000)
    with pytest.raises(Conflict):
        await billing.enrol(principal, accept_terms_version=TERMS_VERSION, **PRIVATE)
    assert await Invoice.count() == 1


async def test_a_company_buyer_is_named_by_the_company(billing):
    _, issued = await enrolled(billing, details=COMPANY)
    buyer = (await billing.document(issued.number)).buyer
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
        await billing.enrol(principal, accept_terms_version=accept, **(PRIVATE | changes))
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
        await billing.enrol(failing, accept_terms_version=TERMS_VERSION, **PRIVATE)
    monkeypatch.setattr(Invoice, "insert", original)
    assert not await billing.is_enrolled(failing.account_id)  # the enrolment rolled back with the number
    _, third = await enrolled(billing, "c@example.se")
    assert third.number.endswith("-00002")


async def test_one_hundred_concurrent_enrolments_get_one_hundred_numbers_without_gaps(db, billing):
    from piccolo.engine.postgres import PostgresEngine

    people = [await person(f"p{i}@example.se") for i in range(100)]

    async def enrol(principal):
        return await billing.enrol(principal, accept_terms_version=TERMS_VERSION, **PRIVATE)

    pooled = isinstance(db, PostgresEngine)
    if pooled:  # as in the app: a pool, so 100 transactions wait for connections instead of exhausting the server
        await db.start_connection_pool(max_size=10)
    try:
        issued = await asyncio.gather(*(enrol(p) for p in people))
    finally:
        if pooled:
            await db.close_connection_pool()
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
        await billing.credit(finance, issued.number, amount_ore=None, reason=" ")
    credit = await billing.credit(finance, issued.number, amount_ore=None, reason="Ångrat köp")
    assert credit.number.endswith("-00002") and credit.ocr is None and credit.total_ore == -1250000
    doc = await billing.document(credit.number)
    invoice = await billing.document(issued.number)
    assert doc.kind is DocumentKind.CREDIT_NOTE and doc.credited_number == issued.number and doc.reason == "Ångrat köp"
    assert (doc.totals.net_ore, doc.totals.vat_ore, doc.totals.total_ore) == (
        -invoice.totals.net_ore, -invoice.totals.vat_ore, -invoice.totals.total_ore,
    )  # fmt: skip
    [view] = [v for v in await billing.invoices() if v.number == issued.number]
    assert view.status is InvoiceStatus.CREDITED and view.owed_ore == 0
    with pytest.raises(Conflict):
        await billing.credit(finance, issued.number, amount_ore=None, reason="Igen")
    with pytest.raises(Conflict):
        await billing.credit(finance, credit.number, amount_ore=None, reason="En kreditfaktura")


async def test_partial_credits_never_exceed_the_invoice(billing):
    _, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    partial = await billing.credit(finance, issued.number, amount_ore=250000, reason="Rabatt")
    doc = await billing.document(partial.number)
    assert doc.totals.total_ore == -250000 and doc.totals.net_ore == -200000 and doc.totals.vat_ore == -50000
    with pytest.raises(Invalid):
        await billing.credit(finance, issued.number, amount_ore=1000001, reason="För mycket")
    rest = await billing.credit(finance, issued.number, amount_ore=None, reason="Resten")
    assert rest.total_ore == -1000000
    [view] = [v for v in await billing.invoices() if v.number == issued.number]
    assert view.credited_ore == 1250000 and view.status is InvoiceStatus.CREDITED


async def test_payments_move_the_status(billing):
    principal, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)

    async def status():
        return next(v for v in await billing.invoices() if v.number == issued.number).status

    assert await status() is InvoiceStatus.UNPAID
    await billing.register_payment(finance, amount_ore=500000, payment_date=today(), ocr=issued.ocr)
    assert await status() is InvoiceStatus.PARTLY_PAID
    await billing.register_payment(finance, amount_ore=750000, payment_date=today(), invoice_number=issued.number)
    assert await status() is InvoiceStatus.PAID
    await billing.register_payment(finance, amount_ore=100, payment_date=today(), ocr=issued.ocr)
    assert await status() is InvoiceStatus.OVERPAID
    with pytest.raises(NotFound):
        await billing.register_payment(finance, amount_ore=100, payment_date=today(), ocr="1234574")
    with pytest.raises(Invalid) as caught:
        await billing.register_payment(finance, amount_ore=0, payment_date=today() + timedelta(days=1))
    assert set(caught.value.field_errors) == {"amount_ore", "date", "ocr"}


async def test_unpaid_after_the_due_date_is_overdue_and_listed(billing):
    _, issued = await enrolled(billing)
    later = clock.now() + timedelta(days=31)
    clock.set_now(lambda: later)
    try:
        [view] = await billing.overdue()
    finally:
        clock.set_now(None)
    assert view.number == issued.number and view.status is InvoiceStatus.OVERDUE


async def test_unmatched_payment_is_placed_by_hand(billing):
    _, issued = await enrolled(billing)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await Payment.insert(Payment(amount_ore=1250000, payment_date=today(), reference="999", source="bgmax", note="Okänd OCR", created_at=clock.now()))
    [unmatched] = await billing.payments(unmatched_only=True)
    with pytest.raises(NotFound):
        await billing.place_payment(finance, unmatched.id, "2000-99999")
    placed = await billing.place_payment(finance, unmatched.id, issued.number)
    assert placed.invoice_number == issued.number
    assert await billing.payments(unmatched_only=True) == []
    with pytest.raises(Conflict):
        await billing.place_payment(finance, unmatched.id, issued.number)


async def test_ledger_runs_a_balance_and_invoices_are_private(billing):
    principal, issued = await enrolled(billing)
    other, _ = await enrolled(billing, "other@example.se")
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await billing.credit(finance, issued.number, amount_ore=250000, reason="Rabatt")
    await billing.register_payment(finance, amount_ore=1000000, payment_date=today(), ocr=issued.ocr)
    rows = await billing.ledger(principal.account_id)
    assert [(r.entry.kind, r.entry.amount_ore, r.balance_ore) for r in rows] == [
        ("invoice", 1250000, 1250000), ("credit_note", -250000, 1000000), ("payment", -1000000, 0),
    ]  # fmt: skip
    with pytest.raises(NotFound):
        await billing.document(issued.number, account_id=other.account_id)
    assert {v.number for v in await billing.invoices(account_id=other.account_id)} == {"%d-00002" % today().year}


async def test_course_waits_for_payment_when_configured(db, config):
    strict = BillingService(db, dataclasses.replace(config, open_before_payment=False))
    principal, issued = await enrolled(strict)
    assert not await strict.has_course_access(principal.account_id)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    await strict.register_payment(finance, amount_ore=issued.total_ore, payment_date=today(), ocr=issued.ocr)
    assert await strict.has_course_access(principal.account_id)
