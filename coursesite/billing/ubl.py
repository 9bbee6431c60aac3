"""An invoice or credit note as a Peppol BIS Billing 3.0 document (UBL 2.1, EN 16931), for company buyers. Pure.

Elements are written in the order the UBL 2.1 schema's sequences require (tests/unit/billing/ubl_checker.py checks
it). Choices, with the rule behind each:

- Amounts: `.` decimal mark, two decimals, currencyID on every amount (PEPPOL-EN16931-R051).
- A credit note is a UBL `CreditNote` (type 381) with positive amounts: our credit notes carry negative lines
  (money.py), while in UBL the document type says "credit" and a price may not be negative (BR-27). It refers to the
  credited invoice in `cac:BillingReference` and gives the reason as its note.
- Seller: EndpointID and PartyLegalEntity/CompanyID are the org number as 10 digits (EAS 0007, SE-R-003/004/013);
  VAT number in PartyTaxScheme "VAT" (SE-R-001/002); "Godkänd för F-skatt" in PartyTaxScheme "TAX" (SE-R-005).
- Buyer: EndpointID is its org number with scheme 0007 (Peppol requires an electronic address, R010, from Peppol's
  own EAS list, PEPPOL-EN16931-CL008, which leaves out "EM" for e-mail). So a Peppol document is made only for a
  Swedish company that gave a valid org number; `peppol_refusal` says why not otherwise, in Swedish, and finance
  sends the PDF by e-mail instead.
- BuyerReference (PEPPOL-EN16931-R003): the buyer's own reference, else the person who enrolled, else the company.
- Payment: code 30 with the bankgiro number as digits and branch "SE:BANKGIRO" (SE-R-008/009/011), the OCR number as
  PaymentID; payment terms as a note. Only on an invoice: nothing is to be paid on a credit note.
- VAT: category S per rate (SE-R-006 allows 25, 12 and 6 %); the amounts are the stored totals, never recomputed.
- The öresutjämning is PayableRoundingAmount, only when it is not zero.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from coursesite.billing.document import CustomerType, DocumentKind, InvoiceDocument
from coursesite.billing.orgnr import normalise_org_number

__all__ = ["CUSTOMIZATION_ID", "PROFILE_ID", "NS", "SCHEME_SE_ORG_NUMBER", "peppol_refusal", "ubl_invoice"]

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
NS = {
    "Invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "CreditNote": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
ET.register_namespace("cac", NS["cac"])
ET.register_namespace("cbc", NS["cbc"])

_SWEDISH_RATES = {Decimal(25), Decimal(12), Decimal(6)}  # SE-R-006
F_TAX_TEXT = "Godkänd för F-skatt"
SCHEME_SE_ORG_NUMBER = "0007"  # Peppol EAS/ICD: Swedish organisation number

_BY_EMAIL = " Skicka PDF:en med e-post i stället."
MSG_PRIVATE_BUYER = "Köparen är en privatperson. E-faktura via Peppol finns bara för fakturor till företag." + _BY_EMAIL
MSG_NO_ORG_NUMBER = "Köparen har inget organisationsnummer, så fakturan kan inte skickas via Peppol." + _BY_EMAIL
MSG_BAD_ORG_NUMBER = (
    "Köparens organisationsnummer är inte giltigt, så fakturan kan inte skickas via Peppol." + _BY_EMAIL
)
MSG_FOREIGN_BUYER = (
    "Köparen är inte ett svenskt företag. Vi skickar Peppol bara till svenska organisationsnummer." + _BY_EMAIL
)
MSG_VAT_RATE = "Fakturan har en momssats som inte är 25, 12 eller 6 procent, så den kan inte skickas via Peppol."
MSG_NO_CREDITED_INVOICE = "Kreditfakturan saknar den faktura den krediterar, så den kan inte skickas via Peppol."


def _buyer_org_digits(doc: InvoiceDocument) -> str | None:
    """The buyer's org number as ten digits, or None when it has none or it is not a valid one."""
    try:
        return normalise_org_number(doc.buyer.org_number or "").replace("-", "")
    except ValueError:
        return None


def peppol_refusal(doc: InvoiceDocument) -> str | None:
    """Why `doc` cannot be a Peppol BIS Billing 3.0 document, as a Swedish sentence for finance; None when it can.
    The one rule for it: `ubl_invoice` refuses what this refuses, the export answers 409 with it and the invoice page
    shows it in place of the UBL link."""
    buyer = doc.buyer
    if buyer.customer_type is not CustomerType.COMPANY:
        return MSG_PRIVATE_BUYER
    if buyer.country != "SE":
        return MSG_FOREIGN_BUYER
    if not (buyer.org_number or "").strip():
        return MSG_NO_ORG_NUMBER
    if _buyer_org_digits(doc) is None:
        return MSG_BAD_ORG_NUMBER
    if any(vat.rate * 100 not in _SWEDISH_RATES for vat in doc.totals.vat):
        return MSG_VAT_RATE
    if doc.kind is DocumentKind.CREDIT_NOTE and not doc.credited_number:
        return MSG_NO_CREDITED_INVOICE
    return None


def _amount(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


def _percent(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


class _Builder:
    def __init__(self, currency: str) -> None:
        self.currency = currency

    @staticmethod
    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        prefix, name = tag.split(":")
        element = ET.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
        if text is not None:
            element.text = text
        return element

    def money(self, parent: ET.Element, tag: str, ore: int) -> ET.Element:
        return self.add(parent, tag, _amount(ore), currencyID=self.currency)


def _address(b: _Builder, party: ET.Element, street: str, city: str, postal_code: str, country: str) -> None:
    address = b.add(party, "cac:PostalAddress")
    b.add(address, "cbc:StreetName", street)
    b.add(address, "cbc:CityName", city)
    b.add(address, "cbc:PostalZone", postal_code)
    b.add(b.add(address, "cac:Country"), "cbc:IdentificationCode", country)


def _seller(b: _Builder, root: ET.Element, doc: InvoiceDocument) -> None:
    s = doc.seller
    org = _digits(s.org_number)
    party = b.add(b.add(root, "cac:AccountingSupplierParty"), "cac:Party")
    b.add(party, "cbc:EndpointID", org, schemeID=SCHEME_SE_ORG_NUMBER)
    b.add(b.add(party, "cac:PartyName"), "cbc:Name", s.name)
    _address(b, party, s.address_line, s.city, s.postal_code, s.country)
    vat = b.add(party, "cac:PartyTaxScheme")
    b.add(vat, "cbc:CompanyID", s.vat_number)
    b.add(b.add(vat, "cac:TaxScheme"), "cbc:ID", "VAT")
    if s.f_tax:
        f_tax = b.add(party, "cac:PartyTaxScheme")
        b.add(f_tax, "cbc:CompanyID", F_TAX_TEXT)
        b.add(b.add(f_tax, "cac:TaxScheme"), "cbc:ID", "TAX")
    legal = b.add(party, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", s.name)
    b.add(legal, "cbc:CompanyID", org)
    if s.phone or s.email:
        contact = b.add(party, "cac:Contact")
        if s.phone:
            b.add(contact, "cbc:Telephone", s.phone)
        if s.email:
            b.add(contact, "cbc:ElectronicMail", s.email)


def _buyer(b: _Builder, root: ET.Element, doc: InvoiceDocument) -> None:
    buyer = doc.buyer
    org = _buyer_org_digits(doc)
    if org is None:  # peppol_refusal refuses it first; kept so that no document goes out without an endpoint
        raise ValueError(MSG_BAD_ORG_NUMBER)
    party = b.add(b.add(root, "cac:AccountingCustomerParty"), "cac:Party")
    b.add(party, "cbc:EndpointID", org, schemeID=SCHEME_SE_ORG_NUMBER)
    b.add(b.add(party, "cac:PartyName"), "cbc:Name", buyer.name)
    _address(b, party, buyer.address_line, buyer.city, buyer.postal_code, buyer.country)
    legal = b.add(party, "cac:PartyLegalEntity")
    b.add(legal, "cbc:RegistrationName", buyer.name)
    b.add(legal, "cbc:CompanyID", org)
    if buyer.contact_name or buyer.email:  # no empty elements (PEPPOL-EN16931-R008)
        contact = b.add(party, "cac:Contact")
        if buyer.contact_name:
            b.add(contact, "cbc:Name", buyer.contact_name)
        if buyer.email:
            b.add(contact, "cbc:ElectronicMail", buyer.email)


def ubl_invoice(doc: InvoiceDocument) -> bytes:
    """The Peppol BIS Billing 3.0 UBL document for `doc`, UTF-8. Raises ValueError with `peppol_refusal`'s Swedish
    reason for a document that cannot be one (a private buyer, no valid org number, a VAT rate SE-R-006 refuses)."""
    refusal = peppol_refusal(doc)
    if refusal is not None:
        raise ValueError(refusal)
    credit = doc.kind is DocumentKind.CREDIT_NOTE
    sign = -1 if credit else 1  # our credit notes carry negative amounts; UBL's carry positive ones
    root_name = "CreditNote" if credit else "Invoice"
    b = _Builder(doc.currency)
    # The root's namespace as a plain xmlns attribute: ElementTree's default_namespace option refuses the unqualified
    # attributes UBL uses (currencyID, schemeID, unitCode).
    root = ET.Element(root_name, {"xmlns": NS[root_name]})

    b.add(root, "cbc:CustomizationID", CUSTOMIZATION_ID)
    b.add(root, "cbc:ProfileID", PROFILE_ID)
    b.add(root, "cbc:ID", doc.number)
    b.add(root, "cbc:IssueDate", doc.issue_date.isoformat())
    if not credit and doc.due_date is not None:
        b.add(root, "cbc:DueDate", doc.due_date.isoformat())
    b.add(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", "381" if credit else "380")
    if credit and doc.reason:
        b.add(root, "cbc:Note", doc.reason)
    b.add(root, "cbc:DocumentCurrencyCode", doc.currency)
    b.add(root, "cbc:BuyerReference", doc.buyer.reference or doc.buyer.contact_name or doc.buyer.name)
    if credit:
        reference = b.add(b.add(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.add(reference, "cbc:ID", doc.credited_number)
    _seller(b, root, doc)
    _buyer(b, root, doc)
    b.add(b.add(root, "cac:Delivery"), "cbc:ActualDeliveryDate", doc.supply_date.isoformat())
    if not credit:
        means = b.add(root, "cac:PaymentMeans")
        b.add(means, "cbc:PaymentMeansCode", "30")
        b.add(means, "cbc:PaymentID", doc.ocr)
        account = b.add(means, "cac:PayeeFinancialAccount")
        b.add(account, "cbc:ID", _digits(doc.seller.bankgiro))
        b.add(b.add(account, "cac:FinancialInstitutionBranch"), "cbc:ID", "SE:BANKGIRO")
        due = f", förfallodag {doc.due_date.isoformat()}" if doc.due_date else ""
        b.add(
            b.add(root, "cac:PaymentTerms"),
            "cbc:Note",
            f"Betalning inom {doc.payment_terms_days} dagar{due}. Ange OCR-nummer {doc.ocr}.",
        )

    totals = doc.totals
    tax_total = b.add(root, "cac:TaxTotal")
    b.money(tax_total, "cbc:TaxAmount", sign * totals.vat_ore)
    for vat in totals.vat:
        subtotal = b.add(tax_total, "cac:TaxSubtotal")
        b.money(subtotal, "cbc:TaxableAmount", sign * vat.taxable_ore)
        b.money(subtotal, "cbc:TaxAmount", sign * vat.vat_ore)
        category = b.add(subtotal, "cac:TaxCategory")
        b.add(category, "cbc:ID", "S")
        b.add(category, "cbc:Percent", _percent(vat.rate))
        b.add(b.add(category, "cac:TaxScheme"), "cbc:ID", "VAT")

    monetary = b.add(root, "cac:LegalMonetaryTotal")
    b.money(monetary, "cbc:LineExtensionAmount", sign * totals.net_ore)
    b.money(monetary, "cbc:TaxExclusiveAmount", sign * totals.net_ore)
    b.money(monetary, "cbc:TaxInclusiveAmount", sign * totals.gross_ore)
    if totals.rounding_ore:
        b.money(monetary, "cbc:PayableRoundingAmount", sign * totals.rounding_ore)
    b.money(monetary, "cbc:PayableAmount", sign * totals.total_ore)

    for number, line in enumerate(doc.lines, start=1):
        element = b.add(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        b.add(element, "cbc:ID", str(number))
        b.add(element, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", str(line.quantity), unitCode="C62")
        b.money(element, "cbc:LineExtensionAmount", sign * line.net_ore)
        item = b.add(element, "cac:Item")
        b.add(item, "cbc:Name", line.description)
        tax = b.add(item, "cac:ClassifiedTaxCategory")
        b.add(tax, "cbc:ID", "S")
        b.add(tax, "cbc:Percent", _percent(line.vat_rate))
        b.add(b.add(tax, "cac:TaxScheme"), "cbc:ID", "VAT")
        b.money(b.add(element, "cac:Price"), "cbc:PriceAmount", sign * line.unit_price_ore)

    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)
