"""The enrolment form's billing details, checked. Pure: returns (cleaned, errors) like accounts.validation, with
Swedish messages per field. The free texts (company name, reference, address, city) go through the one free-text
rule (core/text.py): control and bidi characters, personnummer and card numbers (never collected, by policy) and
over-long values are refused, never stripped. The same check serves the rectification of billing data
(privacy/rights.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coursesite.accounts.validation import normalise_postal_code
from coursesite.billing.document import CustomerType
from coursesite.billing.orgnr import normalise_org_number
from coursesite.billing.terms import CURRENT
from coursesite.core.text import TextRefused, TextRule, clean_text, has_forbidden_characters

COMPANY_NAME_MAX = 200
REFERENCE_MAX = 100
ADDRESS_MAX = 200
CITY_MAX = 100

TERMS_VERSION = CURRENT.version  # billing/terms.py keeps every version with its date
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


def _rule(label: str, limit: int, *, required: bool) -> TextRule:
    subject = label[0].upper() + label[1:]
    return TextRule(max_chars=limit, subject=subject, required=required, missing=f"Fyll i {label}.")


COMPANY_NAME_RULE = _rule("företagsnamn", COMPANY_NAME_MAX, required=True)
REFERENCE_RULE = _rule("referens", REFERENCE_MAX, required=False)
ADDRESS_RULE = _rule("adress", ADDRESS_MAX, required=True)
CITY_RULE = _rule("ort", CITY_MAX, required=True)


def _free_text(rule: TextRule) -> Callable[[str | None], str | None]:
    def check(value: str | None) -> str | None:
        text = " ".join(clean_text(value, rule).split())  # runs of spaces folded, as the invoice prints them
        return text or None

    return check


def _org_number(value: str | None) -> str | None:
    text = (value or "").strip()
    return normalise_org_number(text) if text else None


def _field(
    errors: dict[str, str], name: str, check: Callable[[str | None], str | None], value: str | None, *, optional: bool
) -> str | None:
    """``check(value)``; on a refusal record the message and return what the form shows again: nothing for a
    personnummer or card number (never echoed), else the value as typed, trimmed, less any control characters."""
    try:
        return check(value)
    except TextRefused as refused:
        errors[name] = refused.message
        shown = "" if refused.identity_number else _redisplay(value)
    except ValueError as exc:
        errors[name] = str(exc)
        shown = _redisplay(value)
    return (shown or None) if optional else shown


def _redisplay(value: str | None) -> str:
    return "".join(ch for ch in (value or "").strip() if not has_forbidden_characters(ch))


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
        company_name=_field(errors, "company_name", _free_text(COMPANY_NAME_RULE), company_name, optional=True)
        if company
        else None,
        org_number=_field(errors, "org_number", _org_number, org_number, optional=True) if company else None,
        reference=_field(errors, "reference", _free_text(REFERENCE_RULE), reference, optional=True)
        if company
        else None,
        address_line=_field(errors, "address_line", _free_text(ADDRESS_RULE), address_line, optional=False) or "",
        postal_code=_field(errors, "postal_code", normalise_postal_code, postal_code, optional=False) or "",
        city=_field(errors, "city", _free_text(CITY_RULE), city, optional=False) or "",
    )
    return details, errors
