"""Only what the books need (issue 12 §7), on both engines: a private buyer's invoice snapshot keeps name and address,
not the e-mail (a company's keeps it: the UBL invoice sends it); the payer's name in the bank's BgMax file is not
stored (payments are matched by OCR), so the access export's source statement holds; the migration blanks what
older rows kept."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from coursesite.accounts.roles import Role
from coursesite.billing.bgmax import BgMaxFile, Deposit, Payer, write_bgmax
from coursesite.billing.bgmax import Payment as BankPayment
from coursesite.billing.config import load_billing_config
from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.billing.exports import ExportService
from coursesite.billing.payments import PaymentService
from coursesite.core.clock import today
from coursesite.db.billing import Invoice, Payment
from migrations.m0023_retention_ends import _blank_private_buyer_emails
from tests.conftest import accounts
from tests.support import invoicing_for_tests

PRIVATE = {"customer_type": "private", "address_line": "Storgatan 1", "postal_code": "11455", "city": "Stockholm"}
COMPANY = PRIVATE | {"customer_type": "company", "company_name": "Exempel AB", "org_number": "5560473521"}


@pytest.fixture
def books(db):
    """Issuing, payments and the exports, wired as create_app wires them."""
    config = load_billing_config()
    invoicing = invoicing_for_tests(db, config)
    return SimpleNamespace(
        invoicing=invoicing,
        payments=PaymentService(db, invoicing.ledger),
        exports=ExportService(invoicing.ledger, config, invoicing.ledger.audit),
    )


async def person(email: str, role: Role = Role.PARTICIPANT):
    return await accounts.register(
        email=email, password="ett-bra-losenord", first_name="Anna", last_name="Berg", role=role
    )


async def test_clause_a_private_buyers_invoice_keeps_no_email_a_companys_does(books):
    anna = await person("anna@example.se")
    await books.invoicing.enrol(anna, accept_terms_version=TERMS_VERSION, **PRIVATE)
    bolaget = await person("eva@bolaget.se")
    company = await books.invoicing.enrol(bolaget, accept_terms_version=TERMS_VERSION, **COMPANY)
    buyers = {
        row["account"]: row["buyer"]
        for row in await Invoice.select(Invoice.account, Invoice.buyer).output(load_json=True)
    }
    private_buyer = buyers[anna.account_id]
    assert private_buyer["email"] == "" and "anna@example.se" not in json.dumps(private_buyer)
    assert (private_buyer["name"], private_buyer["address_line"], private_buyer["city"]) == (
        "Anna Berg",
        "Storgatan 1",
        "Stockholm",
    )
    assert buyers[bolaget.account_id]["email"] == "eva@bolaget.se"  # sent in the company's UBL invoice
    finance = await person("ekonomi@example.se", Role.FINANCE)
    _, ubl = await books.exports.ubl(finance, company.number)
    assert b"eva@bolaget.se" in ubl


async def test_clause_the_payers_name_from_the_bank_is_not_stored(books):
    anna = await person("anna@example.se")
    issued = await books.invoicing.enrol(anna, accept_terms_version=TERMS_VERSION, **PRIVATE)
    finance = await person("ekonomi@example.se", Role.FINANCE)
    day = today()
    data = write_bgmax(
        BgMaxFile(
            created_at=datetime(day.year, day.month, day.day, 6, 0),
            deposits=(
                Deposit(
                    payee_bankgiro="50501055",
                    date=day,
                    serial=1,
                    payments=(
                        BankPayment(
                            amount_ore=1250000,
                            reference=issued.ocr or "",
                            reference_code=2,
                            bgc_serial=1,
                            payer=Payer(name="Anna Berg", street="Storgatan 1", postal_code="11455"),
                        ),
                        BankPayment(
                            amount_ore=500, reference="12345", reference_code=2, bgc_serial=2, payer=Payer(name="Okänd")
                        ),
                    ),
                ),
            ),
        )
    )
    result = await books.payments.import_bgmax(finance, data, "bgmax.txt")
    assert len(result.matched) == 1 and len(result.unmatched) == 1  # matched by OCR, without the name
    rows = await Payment.select(Payment.payer_name, Payment.reference, Payment.amount_ore)
    assert [row["payer_name"] for row in rows] == [None, None]
    assert {row["reference"] for row in rows} == {issued.ocr, "12345"}


async def test_the_migration_blanks_a_private_buyers_email_and_the_payer_names(books):
    anna = await person("anna@example.se")
    await books.invoicing.enrol(anna, accept_terms_version=TERMS_VERSION, **PRIVATE)
    bolaget = await person("eva@bolaget.se")
    await books.invoicing.enrol(bolaget, accept_terms_version=TERMS_VERSION, **COMPANY)
    # As rows written before the change held them.
    [row] = (
        await Invoice.select(Invoice.id, Invoice.buyer).where(Invoice.account == anna.account_id).output(load_json=True)
    )
    await Invoice.update({Invoice.buyer: json.dumps(row["buyer"] | {"email": "anna@example.se"})}).where(
        Invoice.id == row["id"]
    )
    await Payment.insert(
        Payment(
            amount_ore=100, payment_date=date(2026, 1, 5), payer_name="Anna Berg", source="bgmax", created_at=_now()
        )
    )

    await _blank_private_buyer_emails()

    buyers = {
        r["account"]: r["buyer"] for r in await Invoice.select(Invoice.account, Invoice.buyer).output(load_json=True)
    }
    assert buyers[anna.account_id]["email"] == "" and buyers[anna.account_id]["name"] == "Anna Berg"
    assert buyers[bolaget.account_id]["email"] == "eva@bolaget.se"
    assert [r["payer_name"] for r in await Payment.select(Payment.payer_name)] == [None]


def _now() -> datetime:
    return datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
