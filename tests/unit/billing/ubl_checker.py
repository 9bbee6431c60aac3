"""A checker for the UBL documents we write, as far as it can go without the official XSD and schematron.

- UBL 2.1 element order: for every element we write, its children must follow the schema's xsd:sequence (the
  sequences below are copied from UBL-Invoice-2.1.xsd, UBL-CreditNote-2.1.xsd and UBL-CommonAggregateComponents-2.1.xsd,
  trimmed to a prefix long enough for the elements used); an element the sequence does not know is reported too.
- EN 16931 business rules that apply to a document with S-rated lines and no allowances or charges: BR-01..BR-16,
  BR-21..BR-27, BR-CO-09/10/13/14/15/16/25, BR-S-08/09, BR-DEC, plus PEPPOL-EN16931-R003/R004/R007/R008/R010/R020/
  R051/R053/R120 and the document types Peppol allows.
- The Swedish national rules SE-R-001..SE-R-013, in their UBL form.

`check_ubl(xml) -> list[str]`: every problem as "RULE-ID: message"; empty when the document passes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from coursesite.core.checksums import luhn_valid

NS = {
    "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# xsd:sequence of each complex type, by local element name (cac and cbc names never clash in these types).
_INVOICE = """UBLExtensions UBLVersionID CustomizationID ProfileID ProfileExecutionID ID CopyIndicator UUID IssueDate
IssueTime DueDate InvoiceTypeCode Note TaxPointDate DocumentCurrencyCode TaxCurrencyCode PricingCurrencyCode
PaymentCurrencyCode PaymentAlternativeCurrencyCode AccountingCostCode AccountingCost LineCountNumeric BuyerReference
InvoicePeriod OrderReference BillingReference DespatchDocumentReference ReceiptDocumentReference
StatementDocumentReference OriginatorDocumentReference ContractDocumentReference AdditionalDocumentReference
ProjectReference Signature AccountingSupplierParty AccountingCustomerParty PayeeParty BuyerCustomerParty
SellerSupplierParty TaxRepresentativeParty Delivery DeliveryTerms PaymentMeans PaymentTerms PrepaidPayment
AllowanceCharge TaxExchangeRate PricingExchangeRate PaymentExchangeRate PaymentAlternativeExchangeRate TaxTotal
WithholdingTaxTotal LegalMonetaryTotal InvoiceLine"""
_CREDIT_NOTE = """UBLExtensions UBLVersionID CustomizationID ProfileID ProfileExecutionID ID CopyIndicator UUID IssueDate
IssueTime TaxPointDate CreditNoteTypeCode Note DocumentCurrencyCode TaxCurrencyCode PricingCurrencyCode
PaymentCurrencyCode PaymentAlternativeCurrencyCode AccountingCostCode AccountingCost LineCountNumeric BuyerReference
InvoicePeriod DiscrepancyResponse OrderReference BillingReference DespatchDocumentReference ReceiptDocumentReference
ContractDocumentReference AdditionalDocumentReference StatementDocumentReference OriginatorDocumentReference Signature
AccountingSupplierParty AccountingCustomerParty PayeeParty BuyerCustomerParty SellerSupplierParty
TaxRepresentativeParty Delivery DeliveryTerms PaymentMeans PaymentTerms TaxExchangeRate PricingExchangeRate
PaymentExchangeRate PaymentAlternativeExchangeRate AllowanceCharge TaxTotal LegalMonetaryTotal CreditNoteLine"""
SEQUENCES: dict[str, list[str]] = {
    "Invoice": _INVOICE.split(),
    "CreditNote": _CREDIT_NOTE.split(),
    "AccountingSupplierParty": "CustomerAssignedAccountID AdditionalAccountID DataSendingCapability Party".split(),
    "AccountingCustomerParty": (
        "CustomerAssignedAccountID SupplierAssignedAccountID AdditionalAccountID Party DeliveryContact"
    ).split(),
    "Party": (
        "MarkCareIndicator MarkAttentionIndicator WebsiteURI LogoReferenceID EndpointID "
        "IndustryClassificationCode PartyIdentification PartyName Language PostalAddress PhysicalLocation "
        "PartyTaxScheme PartyLegalEntity Contact Person AgentParty ServiceProviderParty PowerOfAttorney "
        "FinancialAccount"
    ).split(),
    "PartyName": ["Name"],
    "PostalAddress": (
        "ID AddressTypeCode AddressFormatCode Postbox Floor Room StreetName AdditionalStreetName "
        "BlockName BuildingName BuildingNumber InhouseMail Department MarkAttention MarkCare "
        "PlotIdentification CitySubdivisionName CityName PostalZone CountrySubentity "
        "CountrySubentityCode Region District TimezoneOffset AddressLine Country"
    ).split(),
    "Country": ["IdentificationCode", "Name"],
    "PartyTaxScheme": (
        "RegistrationName CompanyID TaxLevelCode ExemptionReasonCode ExemptionReason RegistrationAddress TaxScheme"
    ).split(),
    "TaxScheme": "ID Name TaxTypeCode CurrencyCode JurisdictionRegionAddress".split(),
    "PartyLegalEntity": (
        "RegistrationName CompanyID RegistrationDate RegistrationExpirationDate CompanyLegalFormCode CompanyLegalForm"
    ).split(),
    "Contact": "ID Name Telephone Telefax ElectronicMail Note OtherCommunication".split(),
    "BillingReference": (
        "InvoiceDocumentReference SelfBilledInvoiceDocumentReference CreditNoteDocumentReference "
        "SelfBilledCreditNoteDocumentReference"
    ).split(),
    "InvoiceDocumentReference": "ID CopyIndicator UUID IssueDate".split(),
    "Delivery": "ID Quantity MinimumQuantity MaximumQuantity ActualDeliveryDate ActualDeliveryTime".split(),
    "PaymentMeans": (
        "ID PaymentMeansCode PaymentDueDate PaymentChannelCode InstructionID InstructionNote PaymentID "
        "CardAccount PayerFinancialAccount PayeeFinancialAccount"
    ).split(),
    "PayeeFinancialAccount": (
        "ID Name AliasName AccountTypeCode AccountFormatCode CurrencyCode PaymentNote "
        "FinancialInstitutionBranch Country"
    ).split(),
    "FinancialInstitutionBranch": "ID Name FinancialInstitution Address".split(),
    "PaymentTerms": "ID PaymentMeansID PrepaidPaymentReferenceID Note".split(),
    "TaxTotal": "TaxAmount RoundingAmount TaxEvidenceIndicator TaxIncludedIndicator TaxSubtotal".split(),
    "TaxSubtotal": (
        "TaxableAmount TaxAmount CalculationSequenceNumeric TransactionCurrencyTaxAmount Percent "
        "BaseUnitMeasure PerUnitAmount TierRange TierRatePercent TaxCategory"
    ).split(),
    "TaxCategory": (
        "ID Name Percent BaseUnitMeasure PerUnitAmount TaxExemptionReasonCode TaxExemptionReason "
        "TierRange TierRatePercent TaxScheme"
    ).split(),
    "ClassifiedTaxCategory": (
        "ID Name Percent BaseUnitMeasure PerUnitAmount TaxExemptionReasonCode "
        "TaxExemptionReason TierRange TierRatePercent TaxScheme"
    ).split(),
    "LegalMonetaryTotal": (
        "LineExtensionAmount TaxExclusiveAmount TaxInclusiveAmount AllowanceTotalAmount "
        "ChargeTotalAmount PrepaidAmount PayableRoundingAmount PayableAmount "
        "PayableAlternativeAmount"
    ).split(),
    "InvoiceLine": (
        "ID UUID Note InvoicedQuantity LineExtensionAmount AccountingCostCode AccountingCost "
        "InvoicePeriod OrderLineReference DespatchLineReference ReceiptLineReference BillingReference "
        "DocumentReference PricingReference OriginatorParty Delivery PaymentTerms AllowanceCharge "
        "TaxTotal WithholdingTaxTotal Item Price"
    ).split(),
    "CreditNoteLine": (
        "ID UUID Note CreditedQuantity LineExtensionAmount TaxPointDate AccountingCostCode "
        "AccountingCost PaymentPurposeCode DiscrepancyResponse DespatchLineReference "
        "ReceiptLineReference BillingReference DocumentReference PricingReference OriginatorParty "
        "Delivery TaxTotal InvoicePeriod Item Price"
    ).split(),
    "Item": (
        "Description PackQuantity PackSizeNumeric CatalogueIndicator Name HazardousRiskIndicator "
        "AdditionalInformation Keyword BrandName ModelName BuyersItemIdentification SellersItemIdentification "
        "ManufacturersItemIdentification StandardItemIdentification CatalogueItemIdentification "
        "AdditionalItemIdentification CatalogueDocumentReference ItemSpecificationDocumentReference "
        "OriginCountry CommodityClassification TransactionConditions HazardousItem ClassifiedTaxCategory"
    ).split(),
    "Price": "PriceAmount BaseQuantity PriceChangeReason PriceTypeCode".split(),
}
_AMOUNT_TAGS = {
    "TaxAmount",
    "TaxableAmount",
    "LineExtensionAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "PayableRoundingAmount",
    "PayableAmount",
    "PriceAmount",
    "PrepaidAmount",
    "AllowanceTotalAmount",
    "ChargeTotalAmount",
}


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _order_problems(element: ET.Element, path: str, problems: list[str]) -> None:
    name = _local(element)
    sequence = SEQUENCES.get(name)
    if sequence is not None:
        last = -1
        for child in element:
            child_name = _local(child)
            if child_name not in sequence:
                problems.append(f"UBL-ORDER: {path}/{child_name} is not an element of {name}")
                continue
            position = sequence.index(child_name)
            if position < last:
                problems.append(f"UBL-ORDER: {path}/{child_name} comes after {sequence[last]}")
            last = max(last, position)
    for child in element:
        _order_problems(child, f"{path}/{_local(child)}", problems)


def _money(text: str | None) -> Decimal | None:
    try:
        return Decimal(text or "")
    except InvalidOperation:
        return None


def check_ubl(xml: bytes) -> list[str]:  # noqa: C901 – a list of rules reads best as one list
    problems: list[str] = []

    def rule(rule_id: str, ok: bool, message: str) -> None:
        if not ok:
            problems.append(f"{rule_id}: {message}")

    root = ET.fromstring(xml)
    kind = _local(root)
    credit = kind == "CreditNote"
    rule(
        "UBL-ROOT",
        root.tag in (f"{{{NS['inv']}}}Invoice", f"{{{NS['cn']}}}CreditNote"),
        f"root element {root.tag} is not a UBL 2.1 Invoice or CreditNote",
    )
    _order_problems(root, kind, problems)

    def find(path: str, at: ET.Element = root) -> ET.Element | None:
        return at.find(path, NS)

    def text(path: str, at: ET.Element = root) -> str:
        element = find(path, at)
        return (element.text or "").strip() if element is not None else ""

    def amount(path: str, at: ET.Element = root) -> Decimal:
        value = _money(text(path, at))
        return value if value is not None else Decimal(0)

    # Every element carries content or children (PEPPOL-EN16931-R008); amounts have two decimals and SEK.
    currency = text("cbc:DocumentCurrencyCode")
    for element in root.iter():
        rule(
            "PEPPOL-EN16931-R008",
            len(element) > 0 or bool((element.text or "").strip()),
            f"empty element {_local(element)}",
        )
        if _local(element) in _AMOUNT_TAGS:
            value = (element.text or "").strip()
            rule(
                "BR-DEC",
                _money(value) is not None and len(value.partition(".")[2]) <= 2 and "," not in value,
                f"{_local(element)} '{value}' is not a decimal with at most two decimals",
            )
            rule(
                "PEPPOL-EN16931-R051",
                element.get("currencyID") == currency,
                f"{_local(element)} has currencyID {element.get('currencyID')!r}, not {currency!r}",
            )

    rule("BR-01", text("cbc:CustomizationID") != "", "Specification identifier (BT-24) missing")
    rule("PEPPOL-EN16931-R004", text("cbc:CustomizationID") == CUSTOMIZATION, "wrong specification identifier")
    rule("PEPPOL-EN16931-R007", text("cbc:ProfileID") == PROFILE, "business process (BT-23) missing or wrong")
    rule("BR-02", text("cbc:ID") != "", "Invoice number (BT-1) missing")
    rule("BR-03", text("cbc:IssueDate") != "", "Issue date (BT-2) missing")
    type_code = text("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    rule("BR-04", type_code != "", "Invoice type code (BT-3) missing")
    rule(
        "PEPPOL-EN16931-P0100" if not credit else "PEPPOL-EN16931-P0101",
        type_code
        in (
            ("381", "396", "81", "83", "532")
            if credit
            else ("380", "383", "386", "393", "82", "80", "84", "395", "575", "623", "780")
        ),
        f"type code {type_code} not allowed for {kind}",
    )
    rule("BR-05", currency != "", "Invoice currency code (BT-5) missing")
    rule(
        "PEPPOL-EN16931-R003",
        text("cbc:BuyerReference") != "" or find("cac:OrderReference/cbc:ID") is not None,
        "a buyer reference or purchase order reference must be provided",
    )
    if credit:
        rule(
            "BR-55",
            text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") != "",
            "a credit note must refer to the invoice it credits (BT-25)",
        )
    notes = root.findall("cbc:Note", NS)
    rule("PEPPOL-EN16931-R002", len(notes) <= 1, "no more than one note on document level")

    seller = find("cac:AccountingSupplierParty/cac:Party")
    buyer = find("cac:AccountingCustomerParty/cac:Party")
    rule(
        "BR-06",
        seller is not None and text("cac:PartyLegalEntity/cbc:RegistrationName", seller) != "",
        "Seller name (BT-27) missing",
    )
    rule(
        "BR-07",
        buyer is not None and text("cac:PartyLegalEntity/cbc:RegistrationName", buyer) != "",
        "Buyer name (BT-44) missing",
    )
    for party, who, address_rule, country_rule, endpoint_rule in (
        (seller, "Seller", "BR-08", "BR-09", "PEPPOL-EN16931-R020"),
        (buyer, "Buyer", "BR-10", "BR-11", "PEPPOL-EN16931-R010"),
    ):
        if party is None:
            continue
        rule(address_rule, find("cac:PostalAddress", party) is not None, f"{who} postal address missing")
        rule(
            country_rule,
            text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", party) != "",
            f"{who} country code missing",
        )
        endpoint = find("cbc:EndpointID", party)
        rule(
            endpoint_rule,
            endpoint is not None and bool(endpoint.get("schemeID")) and bool(endpoint.text),
            f"{who} electronic address with scheme missing",
        )
        if endpoint is not None and endpoint.get("schemeID") == "0007":
            rule(
                "PEPPOL-EN16931-R0007",
                (endpoint.text or "").isdigit() and len(endpoint.text or "") == 10,
                f"{who} EndpointID with scheme 0007 must be a 10-digit Swedish org number",
            )

    # Totals (BR-12..BR-15, BR-CO-*)
    lines = root.findall("cac:CreditNoteLine" if credit else "cac:InvoiceLine", NS)
    rule("BR-16", len(lines) >= 1, "at least one invoice line")
    monetary = find("cac:LegalMonetaryTotal")
    for tag, rule_id in (
        ("LineExtensionAmount", "BR-12"),
        ("TaxExclusiveAmount", "BR-13"),
        ("TaxInclusiveAmount", "BR-14"),
        ("PayableAmount", "BR-15"),
    ):
        rule(rule_id, monetary is not None and find(f"cbc:{tag}", monetary) is not None, f"{tag} missing")
    line_sum = sum((amount("cbc:LineExtensionAmount", line) for line in lines), Decimal(0))
    total_net = amount("cac:LegalMonetaryTotal/cbc:LineExtensionAmount")
    tax_exclusive = amount("cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount")
    tax_inclusive = amount("cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount")
    rounding = amount("cac:LegalMonetaryTotal/cbc:PayableRoundingAmount")
    prepaid = amount("cac:LegalMonetaryTotal/cbc:PrepaidAmount")
    payable = amount("cac:LegalMonetaryTotal/cbc:PayableAmount")
    tax_totals = [t for t in root.findall("cac:TaxTotal", NS) if t.find("cac:TaxSubtotal", NS) is not None]
    rule("PEPPOL-EN16931-R053", len(tax_totals) == 1, "exactly one tax total with tax subtotals")
    vat_total = amount("cbc:TaxAmount", tax_totals[0]) if tax_totals else Decimal(0)
    rule("BR-CO-10", total_net == line_sum, f"sum of line net amounts {line_sum} != LineExtensionAmount {total_net}")
    rule("BR-CO-13", tax_exclusive == total_net, f"TaxExclusiveAmount {tax_exclusive} != {total_net}")
    rule(
        "BR-CO-15",
        tax_inclusive == tax_exclusive + vat_total,
        f"TaxInclusiveAmount {tax_inclusive} != {tax_exclusive} + {vat_total}",
    )
    rule(
        "BR-CO-16",
        payable == tax_inclusive - prepaid + rounding,
        f"PayableAmount {payable} != {tax_inclusive} - {prepaid} + {rounding}",
    )
    if not credit and payable > 0:
        rule(
            "BR-CO-25",
            text("cbc:DueDate") != "" or text("cac:PaymentTerms/cbc:Note") != "",
            "a positive amount due needs a due date or payment terms",
        )

    subtotals = tax_totals[0].findall("cac:TaxSubtotal", NS) if tax_totals else []
    rule(
        "BR-CO-14",
        vat_total == sum((amount("cbc:TaxAmount", s) for s in subtotals), Decimal(0)),
        "invoice total VAT amount != sum of VAT category tax amounts",
    )
    for subtotal in subtotals:
        category, percent = text("cac:TaxCategory/cbc:ID", subtotal), amount("cac:TaxCategory/cbc:Percent", subtotal)
        taxable, tax = amount("cbc:TaxableAmount", subtotal), amount("cbc:TaxAmount", subtotal)
        rule("BR-45", find("cbc:TaxableAmount", subtotal) is not None, "VAT category taxable amount missing")
        rule("BR-48", find("cac:TaxCategory/cbc:Percent", subtotal) is not None, "VAT category rate missing")
        if category == "S":
            in_category = sum(
                (
                    amount("cbc:LineExtensionAmount", line)
                    for line in lines
                    if text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", line) == "S"
                    and amount("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", line) == percent
                ),
                Decimal(0),
            )
            rule("BR-S-08", taxable == in_category, f"taxable amount {taxable} at {percent} % != lines {in_category}")
            expected = (taxable * percent / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            rule("BR-S-09", tax == expected, f"VAT {tax} != {taxable} × {percent} %")

    for line in lines:
        line_id = text("cbc:ID", line)
        quantity = find("cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", line)
        rule("BR-21", line_id != "", "Invoice line identifier missing")
        rule("BR-22", quantity is not None and bool(quantity.text), f"line {line_id}: quantity missing")
        rule("BR-23", quantity is not None and bool(quantity.get("unitCode")), f"line {line_id}: unit code missing")
        rule("BR-24", find("cbc:LineExtensionAmount", line) is not None, f"line {line_id}: net amount missing")
        rule("BR-25", text("cac:Item/cbc:Name", line) != "", f"line {line_id}: item name missing")
        rule("BR-26", find("cac:Price/cbc:PriceAmount", line) is not None, f"line {line_id}: price missing")
        price = amount("cac:Price/cbc:PriceAmount", line)
        rule("BR-27", price >= 0, f"line {line_id}: price {price} is negative")
        rule(
            "BR-CO-04",
            text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", line) != "",
            f"line {line_id}: VAT category missing",
        )
        rule(
            "PEPPOL-EN16931-R120",
            quantity is not None and amount("cbc:LineExtensionAmount", line) == (_money(quantity.text) or 0) * price,
            f"line {line_id}: net amount != quantity × price",
        )

    if seller is not None:
        _swedish_rules(seller, root, rule, text)
    return problems


def _swedish_rules(seller: ET.Element, root: ET.Element, rule, text) -> None:
    """SE-R-001..013, which apply when the seller is in Sweden."""
    if text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", seller) != "SE":
        return
    schemes = {
        text("cac:TaxScheme/cbc:ID", s): text("cbc:CompanyID", s) for s in seller.findall("cac:PartyTaxScheme", NS)
    }
    vat = schemes.get("VAT", "")
    rule("BR-CO-09", vat[:2].isalpha() and vat[:2].isupper(), f"VAT identifier {vat!r} lacks a country prefix")
    if vat.startswith("SE"):
        rule("SE-R-001", len(vat) == 14, f"Swedish VAT number {vat!r} must have 14 characters")
        rule("SE-R-002", vat[2:].isdigit(), f"Swedish VAT number {vat!r} must end in 12 digits")
    org = text("cac:PartyLegalEntity/cbc:CompanyID", seller)
    if org:
        rule("SE-R-003", org.isdigit(), f"Swedish org number {org!r} must be numeric")
        rule("SE-R-004", len(org) == 10, f"Swedish org number {org!r} must have 10 characters")
        rule("SE-R-013", luhn_valid(org), f"Swedish org number {org!r} fails the Luhn check")
    if "TAX" in schemes:
        rule("SE-R-005", schemes["TAX"].upper() == "GODKÄND FÖR F-SKATT", "'Godkänd för F-skatt' must be stated")
    if vat.startswith("SE"):
        categories = root.findall(".//cac:TaxCategory", NS) + root.findall(".//cac:ClassifiedTaxCategory", NS)
        for category in categories:
            if text("cbc:ID", category) == "S":
                percent = text("cbc:Percent", category)
                rule(
                    "SE-R-006",
                    percent in ("25", "12", "6") or Decimal(percent or 0) in (25, 12, 6),
                    f"VAT rate {percent} is not 25, 12 or 6",
                )
    for means in root.findall("cac:PaymentMeans", NS):
        code = text("cbc:PaymentMeansCode", means)
        branch = text("cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID", means)
        account = text("cac:PayeeFinancialAccount/cbc:ID", means)
        if code == "30" and branch == "SE:PLUSGIRO":
            rule("SE-R-007", account.isdigit(), f"Plusgiro account {account!r} must be numeric")
            rule("SE-R-010", 2 <= len(account) <= 8, f"Plusgiro account {account!r} must have 2-8 characters")
        if code == "30" and branch == "SE:BANKGIRO":
            rule("SE-R-008", account.isdigit(), f"Bankgiro account {account!r} must be numeric")
            rule("SE-R-009", len(account) in (7, 8), f"Bankgiro account {account!r} must have 7-8 characters")
        rule("SE-R-011", code not in ("50", "56"), "Bankgiro/Plusgiro is payment means code 30 with SE:BANKGIRO")
        buyer_country = text(
            "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode"
        )
        rule("SE-R-012", not (code == "31" and buyer_country == "SE"), "domestic credit transfer is code 30")
