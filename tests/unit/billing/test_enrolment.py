"""The enrolment form's billing details and the billing configuration: each wrong value names its field or key."""

from pathlib import Path

import pytest

from coursesite.billing.config import DEFAULT_PATH, load_billing_config
from coursesite.billing.document import CustomerType
from coursesite.billing.enrolment import validate_billing_details
from coursesite.settings import ConfigError

BASE = {"customer_type": "private", "address_line": " Storgatan  1 ", "postal_code": "SE-114 55", "city": "Stockholm"}


def test_a_private_person_drops_company_fields():
    details, errors = validate_billing_details(**BASE, company_name="Ska inte sparas AB", org_number="5560473521")
    assert errors == {}
    assert (details.customer_type, details.company_name, details.org_number) == (CustomerType.PRIVATE, None, None)
    assert (details.address_line, details.postal_code) == ("Storgatan 1", "114 55")


def test_a_company_gets_its_org_number_normalised():
    details, errors = validate_billing_details(
        **(BASE | {"customer_type": "company"}), company_name="Exempel AB", org_number="5560473521", reference="Eva"
    )
    assert errors == {} and details.org_number == "556047-3521" and details.reference == "Eva"


@pytest.mark.parametrize(
    ("changes", "field", "shown_again"),
    [
        ({"customer_type": ""}, "customer_type", None),
        ({"customer_type": "company", "company_name": ""}, "company_name", None),
        ({"customer_type": "company", "company_name": "X", "org_number": "556047-3522"}, "org_number", None),
        ({"postal_code": "01455"}, "postal_code", None),
        ({"city": ""}, "city", None),
        ({"address_line": "a" * 201}, "address_line", None),
        ({"address_line": "Gatan 1\x00"}, "address_line", None),
        ({"address_line": "Kort 4111 1111 1111 1111"}, "address_line", ""),  # a card number is never shown again
        ({"address_line": "Gatan 1\nLgh 1102"}, "address_line", "Gatan 1Lgh 1102"),  # refused, not folded
        ({"city": "Stock\u202eholm"}, "city", "Stockholm"),  # bidi controls refused (and not shown again)
        ({"customer_type": "company", "company_name": "Firma 811228-9874"}, "company_name", None),
        ({"customer_type": "company", "company_name": "X AB", "reference": "r" * 101}, "reference", None),
    ],
)
def test_each_wrong_value_names_its_field(changes, field, shown_again):
    details, errors = validate_billing_details(**(BASE | changes))
    assert set(errors) == {field}
    if shown_again is not None:
        assert getattr(details, field) == shown_again


def write(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "billing.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_shipped_configuration_loads():
    config = load_billing_config()
    assert (
        config.price_ore == 1000000 and str(config.vat_rate) == "0.25" and config.seller.vat_number == "SE556047352101"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('vat_rate = "0.25"', 'vat_rate = "25"', "vat_rate"),
        ('vat_rate = "0.25"', 'vat_rate = "tjugofem"', "vat_rate"),
        ("price_ore = 1000000", "price_ore = 10000.5", "price_ore"),
        ('org_number = "556047-3521"', 'org_number = "556047-3522"', "org_number"),
        ('vat_number = "SE556047352101"', 'vat_number = "SE5560473521"', "vat_number"),
        ('bankgiro = "5050-1055"', 'bankgiro = "50501055"', "bankgiro"),
        ('postal_code = "111 51"', 'postal_code = "11151"', "postal_code"),
        ('registered_office = "Stockholm"', 'registered_office = "Stockholm 1"', "registered_office"),
        ('registered_office = "Stockholm"', 'registered_office = ""', "registered_office"),
        ('registered_office = "Stockholm"', "", "missing key 'registered_office'"),
        ('series = "A"', 'series = "a1"', "series"),
        ('sales = "3001"', 'sales = "30011"', "sales"),
        ("payment_terms_days = 30", "payment_terms_days = 30\nextra = 1", "unknown key"),
        ("open_before_payment = true", 'open_before_payment = "ja"', "open_before_payment"),
        ("[accounts]", "[konton]", "unknown table"),
        ("fee_ore = 0 ", "fee_ore = 6001 ", r"\[reminders\] fee_ore: expected a whole number between 0 and 6000"),
        ("fee_ore = 0 ", "fee_ore = 25.5 ", r"\[reminders\] fee_ore"),
        ("max_reminders = 2", "max_reminders = -1", r"\[reminders\] max_reminders"),
        ("max_reminders = 2", "max_reminders = 11", r"\[reminders\] max_reminders"),
        ("days_after_due = 7", "days_after_due = 0", r"\[reminders\] days_after_due"),
        ("interval_days = 14", 'interval_days = "14"', r"\[reminders\] interval_days"),
        ("interval_days = 14", "interval_days = 14\nintervall = 3", r"\[reminders\]: unknown key\(s\) intervall"),
        ("max_reminders = 2", "", r"\[reminders\]: missing key 'max_reminders'"),
    ],
)
def test_a_wrong_configuration_value_is_named(tmp_path, old, new, message):
    path = write(tmp_path, old, new)
    with pytest.raises(ConfigError, match=message) as caught:
        load_billing_config(path)
    assert str(path) in str(caught.value)


def test_reminders_are_configured_and_optional(tmp_path):
    shipped = load_billing_config().reminders
    assert (shipped.days_after_due, shipped.max_reminders, shipped.interval_days, shipped.fee_ore) == (7, 2, 14, 0)
    no_fee = load_billing_config(write(tmp_path, "fee_ore = 0 ", "# no fee "))
    assert no_fee.reminders.fee_ore == 0 and no_fee.reminders.max_reminders == 2
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    without = tmp_path / "without.toml"
    without.write_text(text[: text.index("[reminders]")], encoding="utf-8")
    assert load_billing_config(without).reminders.max_reminders == 0  # no table: no reminders


def test_a_missing_file_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="COURSESITE_BILLING_CONFIG"):
        load_billing_config(tmp_path / "nope.toml")
