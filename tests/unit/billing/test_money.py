"""VAT, rounding and öresutjämning (domain.md §1), with the vectors and generated cases."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coursesite.billing.money import Line, compute_totals, round_half_up, split_gross

RATE = Decimal("0.25")


@pytest.mark.parametrize(
    ("net", "vat", "gross", "total", "rounding"),
    [
        (1000000, 250000, 1250000, 1250000, 0),
        (79960, 19990, 99950, 100000, 50),
        (123456, 30864, 154320, 154300, -20),
    ],
)
def test_domain_vectors(net, vat, gross, total, rounding):
    totals = compute_totals([Line("Kursen", 1, net, RATE)])
    assert (totals.net_ore, totals.vat_ore, totals.gross_ore, totals.total_ore, totals.rounding_ore) == (
        net,
        vat,
        gross,
        total,
        rounding,
    )


def test_vat_is_computed_on_the_sum_per_rate_not_per_line():
    lines = [Line("a", 1, 1, RATE), Line("b", 1, 1, RATE)]  # 0.25 öre each would round to 0 per line
    totals = compute_totals(lines, round_to_krona=False)
    assert totals.vat_ore == 1 and len(totals.vat) == 1 and totals.vat[0].taxable_ore == 2


def test_several_rates_each_get_their_own_vat_line():
    totals = compute_totals([Line("a", 1, 1000, RATE), Line("b", 2, 500, Decimal("0.06"))], round_to_krona=False)
    assert [(v.rate, v.taxable_ore, v.vat_ore) for v in totals.vat] == [(RATE, 1000, 250), (Decimal("0.06"), 1000, 60)]


def test_a_credit_note_is_the_invoice_mirrored():
    invoice = compute_totals([Line("x", 1, 79960, RATE)])
    credit = compute_totals([Line("x", 1, -79960, RATE)])
    assert (credit.net_ore, credit.vat_ore, credit.rounding_ore, credit.total_ore) == (
        -invoice.net_ore,
        -invoice.vat_ore,
        -invoice.rounding_ore,
        -invoice.total_ore,
    )


@pytest.mark.parametrize(("value", "expected"), [("0.5", 1), ("-0.5", -1), ("1.49", 1), ("2.5", 3), ("-2.5", -3)])
def test_round_half_up_is_symmetric(value, expected):
    assert round_half_up(Decimal(value)) == expected


@given(
    st.lists(
        st.tuples(
            st.integers(1, 5),
            st.integers(-(10**8), 10**8),
            st.sampled_from([RATE, Decimal("0.12"), Decimal("0.06"), Decimal(0)]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_parts_always_add_up_to_the_total(lines, to_krona):
    totals = compute_totals([Line("x", q, p, r) for q, p, r in lines], round_to_krona=to_krona)
    assert totals.net_ore + totals.vat_ore + totals.rounding_ore == totals.total_ore
    assert sum(v.vat_ore for v in totals.vat) == totals.vat_ore
    assert sum(v.taxable_ore for v in totals.vat) == totals.net_ore
    if to_krona:
        assert totals.total_ore % 100 == 0 and -50 <= totals.rounding_ore <= 50
    else:
        assert totals.rounding_ore == 0


@given(st.integers(1, 10**9))
def test_split_gross_gives_back_the_gross_within_an_ore(gross):
    net = split_gross(gross, RATE)
    assert abs(compute_totals([Line("x", 1, net, RATE)], round_to_krona=False).gross_ore - gross) <= 1
