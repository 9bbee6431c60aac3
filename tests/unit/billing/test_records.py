"""The stored shape of an invoice and a credit note (billing/records.py), which the issuing service and the billing
benchmark both write: the buyer an enrolment names, a credit note's lines, and the row itself, read back to the same
document."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from coursesite.billing.config import load_billing_config
from coursesite.billing.document import CustomerType, DocumentKind
from coursesite.billing.enrolment import BillingDetails
from coursesite.billing.money import Line
from coursesite.billing.ocr import is_valid_ocr
from coursesite.billing.records import buyer_from, buyer_of, credit_lines, document_from_row, document_row, lines_from

PRIVATE = BillingDetails(CustomerType.PRIVATE, None, None, None, "Storgatan 1", "114 55", "Stockholm")
COMPANY = dataclasses.replace(
    PRIVATE, customer_type=CustomerType.COMPANY, company_name="Bolaget AB", org_number="556047-3521", reference="Eva"
)
LINES = (Line("Kursavgift", 1, 1_000_000, Decimal("0.25")),)
CREATED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("details", "name", "org_number", "reference", "email"),
    [
        # A private buyer's e-mail is not printed on the invoice and the books do not need it (issue 12 §7).
        (PRIVATE, "Anna Berg", None, None, ""),
        (COMPANY, "Bolaget AB", "556047-3521", "Eva", "anna@example.se"),
        (dataclasses.replace(COMPANY, company_name=None), "Anna Berg", "556047-3521", "Eva", "anna@example.se"),
    ],
)
def test_the_buyer_is_the_company_when_there_is_one_and_the_person_is_the_contact(
    details, name, org_number, reference, email
):
    buyer = buyer_of("Anna", "Berg", "anna@example.se", details)
    assert (buyer.name, buyer.contact_name, buyer.email) == (name, "Anna Berg", email)
    assert (buyer.org_number, buyer.reference, buyer.address_line) == (org_number, reference, "Storgatan 1")


@pytest.mark.parametrize(
    ("gross_ore", "expected"),
    [
        (None, (Line("Kursavgift", 1, -1_000_000, Decimal("0.25")),)),  # the whole invoice, mirrored
        (250_000, (Line("Kreditering av faktura 2026-00007", 1, -200_000, Decimal("0.25")),)),  # 2 500 kr incl. VAT
        (1, (Line("Kreditering av faktura 2026-00007", 1, -1, Decimal("0.25")),)),
    ],
)
def test_a_credit_note_negates_the_lines_or_credits_an_amount_including_vat(gross_ore, expected):
    assert credit_lines("2026-00007", LINES, gross_ore) == expected


def test_an_invoice_row_has_its_number_ocr_due_date_and_snapshots():
    config = load_billing_config()
    buyer = buyer_of("Anna", "Berg", "anna@example.se", COMPANY)
    row = document_row(
        config,
        DocumentKind.INVOICE,
        sequence=7,
        issued_on=date(2026, 3, 2),
        account_id=42,
        buyer=buyer,
        lines=LINES,
        created_at=CREATED,
    )
    assert (row["number"], row["year"], row["sequence"], row["series"]) == ("2026-00007", 2026, 7, config.series)
    assert is_valid_ocr(row["ocr"])
    assert (row["due_date"] - row["issue_date"]).days == config.payment_terms_days
    assert (row["net_ore"], row["vat_ore"], row["total_ore"]) == (1_000_000, 250_000, 1_250_000)
    assert (row["account"], row["credited_invoice"], row["reason"], row["created_at"]) == (42, None, None, CREATED)
    assert buyer_from(json.loads(row["buyer"])) == buyer
    assert lines_from(json.loads(row["lines"])) == LINES
    document = document_from_row(
        row | {key: json.loads(row[key]) for key in ("buyer", "seller", "lines")}, credited_number=None
    )
    assert (document.number, document.seller, document.totals.total_ore) == ("2026-00007", config.seller, 1_250_000)


def test_a_credit_note_row_has_no_ocr_and_no_due_date_and_names_what_it_credits():
    config = load_billing_config()
    row = document_row(
        config,
        DocumentKind.CREDIT_NOTE,
        sequence=8,
        issued_on=date(2026, 3, 5),
        account_id=None,
        buyer=buyer_of("Anna", "Berg", "anna@example.se", PRIVATE),
        lines=credit_lines("2026-00007", LINES, None),
        created_at=CREATED,
        credited_id=3,
        reason="Avbokad.",
    )
    assert (row["kind"], row["number"], row["ocr"], row["due_date"]) == ("credit_note", "2026-00008", None, None)
    assert (row["credited_invoice"], row["reason"], row["total_ore"]) == (3, "Avbokad.", -1_250_000)
