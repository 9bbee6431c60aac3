"""Money and VAT for invoices (domain.md §1). Pure: integer öre in and out, Decimal only for rates.

- VAT is computed per rate on the *summed* taxable amount of that rate, rounded half up to whole öre.
- The amount to pay is rounded to whole kronor (1–49 öre down, 50–99 öre up, mirrored for negative amounts); the
  difference is the öresutjämning, kept as its own signed amount (BAS 3740).
- A credit note is the same computation on negative lines, so a full credit note is exactly the invoice negated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["Line", "Totals", "VatAmount", "compute_totals", "round_half_up", "split_gross"]

ORE_PER_KRONA = 100


def round_half_up(value: Decimal) -> int:
    """To whole units, halves away from zero: 0.5 -> 1, -0.5 -> -1 (a credit note mirrors its invoice)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_price_ore: int  # excluding VAT; negative on a credit note
    vat_rate: Decimal  # 0.25 for 25 %

    @property
    def net_ore(self) -> int:
        return self.quantity * self.unit_price_ore


@dataclass(frozen=True)
class VatAmount:
    rate: Decimal
    taxable_ore: int
    vat_ore: int


@dataclass(frozen=True)
class Totals:
    net_ore: int  # sum of the lines, excluding VAT
    vat: tuple[VatAmount, ...]  # one per rate, highest rate first
    vat_ore: int
    gross_ore: int  # net + VAT
    rounding_ore: int  # öresutjämning: total - gross, between -49 and +50 öre
    total_ore: int  # to pay

    def __post_init__(self) -> None:
        assert self.net_ore + self.vat_ore == self.gross_ore
        assert self.gross_ore + self.rounding_ore == self.total_ore


def _to_whole_kronor(ore: int) -> int:
    return round_half_up(Decimal(ore) / ORE_PER_KRONA) * ORE_PER_KRONA


def compute_totals(lines: Iterable[Line], *, round_to_krona: bool = True) -> Totals:
    by_rate: dict[Decimal, int] = {}
    for line in lines:
        by_rate[line.vat_rate] = by_rate.get(line.vat_rate, 0) + line.net_ore
    vat = tuple(
        VatAmount(rate=rate, taxable_ore=taxable, vat_ore=round_half_up(Decimal(taxable) * rate))
        for rate, taxable in sorted(by_rate.items(), reverse=True)
    )
    net = sum(v.taxable_ore for v in vat)
    vat_total = sum(v.vat_ore for v in vat)
    gross = net + vat_total
    total = _to_whole_kronor(gross) if round_to_krona else gross
    return Totals(net_ore=net, vat=vat, vat_ore=vat_total, gross_ore=gross, rounding_ore=total - gross, total_ore=total)


def split_gross(gross_ore: int, rate: Decimal) -> int:
    """The net amount (excluding VAT) whose gross is `gross_ore`, or as close as whole öre allow.

    Used for a partial credit note given as an amount to credit including VAT: the credit note's own totals are then
    computed from this net with `compute_totals`, so its VAT follows the same rule as every invoice.
    """
    return round_half_up(Decimal(gross_ore) / (1 + rate))
