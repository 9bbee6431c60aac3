"""Item statistics (Moodle's definitions), as tables of hand-computed cases."""

import math
from decimal import Decimal

import pytest

from coursesite.course.model import Choice, MultipleChoice, Numeric, NumericAnswer, SingleChoice, TrueFalse
from coursesite.insight.stats import (
    KeyCount,
    Moments,
    discrimination,
    discrimination_label,
    discriminative_efficiency,
    distribution,
    facility,
    facility_label,
    standard_deviation,
    wrong_responses,
)


def histogram(pairs, max_score=1000):
    counts = {}
    for x, y in pairs:
        counts[(x, y, max_score)] = counts.get((x, y, max_score), 0) + 1
    return counts


# (pairs in milli points, facility %, sd %, discrimination, discriminative efficiency), computed by hand.
CASES = [
    pytest.param(
        # x = 1 1 0 0, y = 2 0 1 0 (points). Σdxdy = 0.5, Σdx² = 1, Σdy² = 2.75 → r = 0.5/√2.75.
        # sd = √(1/3). Sorted pairing: Σx₍ᵢ₎y₍ᵢ₎ = 3 → cov_max ∝ 4·3 − 2·3 = 6, cov ∝ 4·2 − 2·3 = 2 → 1/3.
        [(1000, 2000), (1000, 0), (0, 1000), (0, 0)],
        50.0,
        100 * math.sqrt(1 / 3),
        100 * 0.5 / math.sqrt(2.75),
        100 / 3,
        id="four participants",
    ),
    pytest.param(
        # Perfectly aligned: r = 1, and the efficiency is 100 %.
        [(0, 0), (1000, 3000), (1000, 3000)],
        100 * 2 / 3,
        100 * math.sqrt(1 / 3),
        100.0,
        100.0,
        id="aligned",
    ),
    pytest.param(
        # Reversed: those who got the question right did worse on the rest. r = −1.
        [(1000, 0), (0, 2000)],
        50.0,
        100 * math.sqrt(0.5),
        -100.0,
        -100.0,
        id="reversed",
    ),
    pytest.param(
        # Partial credit: x = .5 1 0, y = 1 2 0 → dx = 0 .5 −.5, dy = 0 1 −1: r = 1.
        [(500, 1000), (1000, 2000), (0, 0)],
        50.0,
        50.0,
        100.0,
        100.0,
        id="partial credit",
    ),
    pytest.param(
        # x = 1 0 1 0 1, y = 3 1 2 2 0: mean x .6, mean y 1.6; Σdxdy = .4(1.4+.4−1.6) −.6(−.6+.4) = .08+.12 = 0.2;
        # Σdx² = 1.2, Σdy² = 5.2 → r = 0.2/√6.24. Sorted: x 0 0 1 1 1, y 0 1 2 2 3 → Σ = 7, cov_max ∝ 5·7 − 3·8 = 11,
        # cov ∝ 5·5 − 3·8 = 1 → 1/11.
        [(1000, 3000), (0, 1000), (1000, 2000), (0, 2000), (1000, 0)],
        60.0,
        100 * math.sqrt(1.2 / 4),
        100 * 0.2 / math.sqrt(6.24),
        100 / 11,
        id="weak",
    ),
]


@pytest.mark.parametrize(("pairs", "want_facility", "want_sd", "want_d", "want_de"), CASES)
def test_statistics_match_hand_computed_values(pairs, want_facility, want_sd, want_d, want_de):
    moments = Moments.of_pairs(pairs, 1000)
    assert moments == Moments.of_histogram(histogram(pairs))
    assert facility(moments) == pytest.approx(want_facility)
    assert standard_deviation(moments) == pytest.approx(want_sd)
    assert discrimination(moments) == pytest.approx(want_d)
    assert discriminative_efficiency(histogram(pairs)) == pytest.approx(want_de)


@pytest.mark.parametrize(
    ("pairs", "reason"),
    [
        ([], "nobody"),
        ([(1000, 2000)], "one participant"),
        ([(1000, 0), (1000, 3000), (1000, 1000)], "everyone got the question right: x does not vary"),
        ([(0, 1000), (1000, 1000)], "the rest of the lesson does not vary"),
    ],
)
def test_discrimination_is_undefined(pairs, reason):
    moments = Moments.of_pairs(pairs, 1000)
    assert discrimination(moments) is None, reason
    assert discriminative_efficiency(histogram(pairs)) is None, reason


def test_facility_and_sd_without_enough_participants():
    assert facility(Moments()) is None
    assert standard_deviation(Moments.of_pairs([(500, 0)], 1000)) is None
    assert facility(Moments.of_pairs([(500, 0)], 1000)) == 50.0


def test_facility_uses_each_participants_own_max():
    # The question was worth 1 point, then 2: 1/1 and 1/2 → Σx / Σmax = 2000 / 3000.
    moments = Moments.of_histogram({(1000, 0, 1000): 1, (1000, 500, 2000): 1})
    assert facility(moments) == pytest.approx(100 * 2 / 3)


def test_large_sums_stay_exact():
    # 100 000 participants: the sums exceed 2⁵³, which Python's integers keep exact.
    pairs = [(1000 * (i % 2), 1000 * (i % 7) + 3 * (i % 2)) for i in range(100_000)]
    from_pairs = discrimination(Moments.of_pairs(pairs, 1000))
    xs, ys = zip(*pairs, strict=True)
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mean_x) * (y - mean_y) for x, y in pairs)
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    assert from_pairs == pytest.approx(100 * cov / math.sqrt(var_x * var_y))


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (None, "–"),
        (0, "extremt svår"),
        (5, "extremt svår"),
        (7, "mycket svår"),
        (15, "svår"),
        (30, "ganska svår"),
        (50, "lagom svår"),
        (70, "ganska lätt"),
        (85, "lätt"),
        (92, "mycket lätt"),
        (99, "extremt lätt"),
    ],
)
def test_facility_labels(value, label):
    assert facility_label(value) == label


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (None, "–"),
        (80, "mycket bra"),
        (50, "mycket bra"),
        (35, "tillräcklig"),
        (25, "svag"),
        (5, "mycket svag"),
        (-10, "negativ: granska frågan"),
    ],
)
def test_discrimination_labels(value, label):
    assert discrimination_label(value) == label


# ---------------------------------------------------------------- distributions

SINGLE = SingleChoice(
    id="q.single",
    name="single",
    prompt="?",
    choices=(
        Choice(id="ca", text="Rätt", fraction=Decimal(1)),
        Choice(id="cb", text="Fel", fraction=Decimal(0)),
        Choice(id="cc", text="Ingen väljer mig", fraction=Decimal(0)),
    ),
)
MULTI = MultipleChoice(
    id="q.multi",
    name="multi",
    prompt="?",
    choices=(
        Choice(id="ca", text="A", fraction=Decimal("0.5")),
        Choice(id="cb", text="B", fraction=Decimal("0.5")),
        Choice(id="cc", text="C", fraction=Decimal("-0.5")),
    ),
)
TF = TrueFalse(id="q.tf", name="tf", prompt="?", answer=False)
NUMERIC = Numeric(id="q.num", name="num", prompt="?", answers=(NumericAnswer(fraction=Decimal(1), value=Decimal(42)),))


def test_single_choice_counts_every_choice_also_unpicked():
    dist = distribution(SINGLE, [KeyCount("ca", 6), KeyCount("cb", 2)])
    assert dist.kind == "choices"
    assert dist.responses == 8
    assert [(c.key, c.label, c.count, c.correct) for c in dist.choices] == [
        ("ca", "Rätt", 6, True),
        ("cb", "Fel", 2, False),
        ("cc", "Ingen väljer mig", 0, False),
    ]
    assert [c.percent for c in dist.choices] == [75.0, 25.0, 0.0]


def test_multiple_choice_counts_each_ticked_choice_and_nothing_ticked():
    dist = distribution(MULTI, [KeyCount("ca,cb", 3), KeyCount("ca", 1), KeyCount("ca,cb,cc", 1), KeyCount("", 1)])
    assert {c.key: c.count for c in dist.choices} == {"ca": 5, "cb": 4, "cc": 1, "": 1}
    assert dist.responses == 6


def test_true_false_and_responses_naming_a_removed_choice():
    dist = distribution(TF, [KeyCount("false", 3), KeyCount("true", 1)])
    assert [(c.label, c.count, c.correct) for c in dist.choices] == [("Sant", 1, False), ("Falskt", 3, True)]
    old = distribution(SINGLE, [KeyCount("ca", 1), KeyCount("c-gone", 2)])
    assert [(e.response, e.count) for e in old.extra] == [("c-gone", 2)]


def test_wrong_responses_most_common_first_without_full_marks_or_pending():
    rows = [
        KeyCount("42", 10, full_marks=10, sum_score=10_000, sum_max=10_000),
        KeyCount("24", 4, full_marks=0, sum_score=0, sum_max=4000),
        KeyCount("4.2", 4, full_marks=0, sum_score=2000, sum_max=4000),  # partial credit is not full marks
        KeyCount("420", 1, full_marks=0, sum_max=1000),
        KeyCount(None, 2, pending=2),
    ]
    dist = distribution(NUMERIC, rows)
    assert dist.kind == "wrong"
    assert [(r.response, r.count, r.mean_fraction) for r in dist.wrong] == [
        ("24", 4, 0.0),
        ("4.2", 4, 0.5),
        ("420", 1, 0.0),
    ]
    assert dist.distinct_wrong == 3
    assert dist.responses == 21
    assert dist.wrong[0].percent == pytest.approx(100 * 4 / 21)
    assert [r.response for r in wrong_responses(rows, limit=1).wrong] == ["24"]
