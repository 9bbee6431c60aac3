"""The enrolment form's billing details, checked. Pure: returns (cleaned, errors) like accounts.validation, with
Swedish messages per field. Free texts refuse personnummer and card numbers (never collected, by policy)."""

from __future__ import annotations

from dataclasses import dataclass

from coursesite.accounts.validation import _has_forbidden_chars, _refuse_pii, _run, _text, normalise_postal_code
from coursesite.billing.document import CustomerType

COMPANY_NAME_MAX = 200
REFERENCE_MAX = 100
ADDRESS_MAX = 200
CITY_MAX = 100

TERMS_VERSION = "2026-11"
TERMS_TITLE = "Villkor för Balansekonomiutbildningen i tre akter"
TERMS_PATH = "/villkor"


@dataclass(frozen=True)
class BillingDetails:
    customer_type: CustomerType
    company_name: str | None
    org_number: str | None
    reference: str | None
    address_line: str
    postal_code: str
    city: str


def _free_text(label: str, limit: int, *, required: bool):
    def check(value: str | None) -> str | None:
        text = " ".join(_text(value).split())
        if not text:
            if required:
                raise ValueError(f"Fyll i {label}.")
            return None
        if len(text) > limit:
            raise ValueError(f"{label[0].upper()}{label[1:]} får vara högst {limit} tecken.")
        if _has_forbidden_chars(text):
            raise ValueError(f"{label[0].upper()}{label[1:]} innehåller otillåtna tecken.")
        _refuse_pii(text, label[0].upper() + label[1:])
        return text

    return check


def _org_number(value: str | None) -> str | None:
    from coursesite.billing.orgnr import normalise_org_number

    text = _text(value)
    return normalise_org_number(text) if text else None


def validate_billing_details(
    *,
    customer_type: str | None,
    company_name: str | None = None,
    org_number: str | None = None,
    reference: str | None = None,
    address_line: str | None,
    postal_code: str | None,
    city: str | None,
) -> tuple[BillingDetails, dict[str, str]]:
    """Error keys: customer_type, company_name, org_number, reference, address_line, postal_code, city.

    A private person gives no company details: any sent are dropped, not stored.
    """
    errors: dict[str, str] = {}
    try:
        kind = CustomerType(customer_type or "")
    except ValueError:
        errors["customer_type"] = "Välj privatperson eller företag."
        kind = CustomerType.PRIVATE
    company = kind is CustomerType.COMPANY
    details = BillingDetails(
        customer_type=kind,
        company_name=_run(
            errors,
            "company_name",
            _free_text("företagsnamn", COMPANY_NAME_MAX, required=True),
            company_name,
            optional=True,
        )
        if company
        else None,
        org_number=_run(errors, "org_number", _org_number, org_number, optional=True) if company else None,
        reference=_run(
            errors, "reference", _free_text("referens", REFERENCE_MAX, required=False), reference, optional=True
        )
        if company
        else None,
        address_line=_run(errors, "address_line", _free_text("adress", ADDRESS_MAX, required=True), address_line),
        postal_code=_run(errors, "postal_code", normalise_postal_code, postal_code),
        city=_run(errors, "city", _free_text("ort", CITY_MAX, required=True), city),
    )
    return details, errors
