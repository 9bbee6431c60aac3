"""The billing configuration: price, VAT rate, seller, invoice series and terms, BAS accounts.

Read once at start-up from `coursesite/billing/billing.toml` or the file COURSESITE_BILLING_CONFIG names. A wrong
value raises ConfigError naming the file and the key, and the app refuses to start.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from coursesite.billing.document import Seller
from coursesite.settings import ConfigError

DEFAULT_PATH = Path(__file__).resolve().parent / "billing.toml"
_BANKGIRO = re.compile(r"\d{3,4}-\d{4}")
_POSTAL = re.compile(r"\d{3} \d{2}")
_ACCOUNT = re.compile(r"\d{4}")
_SERIES = re.compile(r"[A-Z]{1,3}")
_PLACE_NAME = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+)*")  # a place: letters, single spaces or hyphens


@dataclass(frozen=True)
class BasAccountNumbers:
    receivables: str = "1510"
    sales: str = "3001"
    output_vat: str = "2611"
    bank: str = "1930"
    rounding: str = "3740"


# Lag (1981:739) om ersättning för inkassokostnader m.m., 2 § and its förordning: a reminder fee is at most 60 kr,
# and only when it was agreed before the debt arose (the course terms must say so).
MAX_REMINDER_FEE_ORE = 6000


@dataclass(frozen=True)
class ReminderConfig:
    """[reminders]: when an unpaid invoice is reminded (billing/reminders.py). max_reminders 0: never. Without the
    table, reminders are off."""

    days_after_due: int = 7  # the first reminder this many days after the due date
    max_reminders: int = 0
    interval_days: int = 14  # days between two reminders of the same invoice
    fee_ore: int = 0  # a reminder fee, stated in the message and recorded with the reminder; never on the invoice


@dataclass(frozen=True)
class BillingConfig:
    description: str
    price_ore: int
    vat_rate: Decimal
    open_before_payment: bool
    series: str
    payment_terms_days: int
    round_to_krona: bool
    seller: Seller
    accounts: BasAccountNumbers
    reminders: ReminderConfig = ReminderConfig()
    source: str = ""


class _Table:
    def __init__(self, data: dict[str, Any], source: str, name: str) -> None:
        self.data, self.where = data, f"{source} [{name}]"
        self.asked: set[str] = set()

    def _get(self, key: str) -> Any:
        self.asked.add(key)
        if key not in self.data:
            raise ConfigError(f"{self.where}: missing key '{key}'")
        return self.data[key]

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where} {key}: {message}")

    def text(self, key: str, pattern: re.Pattern[str] | None = None, example: str = "", max_length: int = 200) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > max_length or "\x00" in value:
            raise self.fail(key, f"expected a non-empty text of at most {max_length} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(key, f"expected the form {example}, got {value!r}")
        return value.strip()

    def integer(self, key: str, low: int, high: int) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(key, f"expected a whole number between {low} and {high}, got {value!r}")
        return value

    def optional_integer(self, key: str, low: int, high: int, default: int) -> int:
        return self.integer(key, low, high) if key in self.data else default

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.asked)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key(s) {', '.join(unknown)}")


def load_billing_config(path: Path = DEFAULT_PATH) -> BillingConfig:
    from coursesite.billing.orgnr import is_vat_number, normalise_org_number, vat_number

    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"COURSESITE_BILLING_CONFIG: no file at {source}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - {"course", "invoice", "seller", "accounts", "reminders"})
    if unknown:
        raise ConfigError(f"{source}: unknown table(s) {', '.join(unknown)}")
    tables = {name: _Table(raw.get(name, {}), source, name) for name in ("course", "invoice", "seller", "accounts")}
    course, invoice, seller, accounts = tables.values()

    rate_text = course.text("vat_rate", max_length=10)
    try:
        vat_rate = Decimal(rate_text)
    except InvalidOperation:
        raise course.fail("vat_rate", f'expected a decimal fraction such as "0.25", got {rate_text!r}') from None
    if not Decimal(0) <= vat_rate < Decimal(1):
        raise course.fail("vat_rate", 'expected a fraction between 0 and 1, e.g. "0.25" for 25 %')

    try:
        org_number = normalise_org_number(seller.text("org_number"))
    except ValueError as exc:
        raise seller.fail("org_number", str(exc)) from None
    vat = seller.text("vat_number", max_length=14)
    if not is_vat_number(vat) or vat != vat_number(org_number):
        raise seller.fail("vat_number", f"expected {vat_number(org_number)} (SE + the org number + 01), got {vat!r}")

    config = BillingConfig(
        description=course.text("description"),
        price_ore=course.integer("price_ore", 1, 100_000_000),
        vat_rate=vat_rate,
        open_before_payment=course.boolean("open_before_payment"),
        series=invoice.text("series", _SERIES, 'one to three capital letters, e.g. "A"'),
        payment_terms_days=invoice.integer("payment_terms_days", 0, 365),
        round_to_krona=invoice.boolean("round_to_krona"),
        seller=Seller(
            name=seller.text("name"),
            address_line=seller.text("address_line"),
            postal_code=seller.text("postal_code", _POSTAL, "NNN NN"),
            city=seller.text("city", max_length=100),
            org_number=org_number,
            vat_number=vat,
            f_tax=seller.boolean("f_tax"),
            bankgiro=seller.text("bankgiro", _BANKGIRO, "NNN-NNNN or NNNN-NNNN"),
            email=seller.text("email"),
            registered_office=seller.text(
                "registered_office", _PLACE_NAME, 'the municipality of the seat, e.g. "Stockholm"', max_length=60
            ),
        ),
        accounts=BasAccountNumbers(
            **{
                key: accounts.text(key, _ACCOUNT, "a four-digit BAS account")
                for key in BasAccountNumbers.__dataclass_fields__
            }
        ),
        reminders=_reminders(raw, source),
        source=source,
    )
    for table in tables.values():
        table.finish()
    return config


def _reminders(raw: dict[str, Any], source: str) -> ReminderConfig:
    """[reminders], optional as a whole (absent: no reminders); when present every key but fee_ore is required."""
    if "reminders" not in raw:
        return ReminderConfig()
    if not isinstance(raw["reminders"], dict):
        raise ConfigError(f"{source} [reminders]: expected a table")
    table = _Table(raw["reminders"], source, "reminders")
    config = ReminderConfig(
        days_after_due=table.integer("days_after_due", 1, 365),
        max_reminders=table.integer("max_reminders", 0, 10),
        interval_days=table.integer("interval_days", 1, 365),
        fee_ore=table.optional_integer("fee_ore", 0, MAX_REMINDER_FEE_ORE, default=0),
    )
    table.finish()
    return config
