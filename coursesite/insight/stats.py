"""Pure item statistics, with Moodle's definitions (docs/insight.md). No I/O.

Each participant contributes one pair (x, y) per question:
- x: the score of their counted attempt at the question (the lesson's rule: highest or last), in milli points;
- y: the score on the *rest of the lesson*: the lesson's counted total minus x.

From those pairs, as Moodle's quiz statistics define them:
- facility index F = 100 × mean(x) / max: how easy the question was (the minimum score is always 0 here);
- standard deviation SD = 100 × sd(x) / max (sample standard deviation, n − 1);
- discrimination index D = 100 × r(x, y), Pearson's correlation: do those who do well on the question do well on
  the rest of the lesson? Undefined ("–") with fewer than 2 participants or when x or y does not vary;
- discriminative efficiency DE = 100 × cov(x, y) / cov_max(x, y), where cov_max pairs the sorted x with the sorted y:
  the highest covariance the two score distributions allow. It tells how much of the possible discrimination the
  question reaches, whatever its facility.

The database sends the sums (n, Σx, Σy, Σx², Σy², Σxy, Σmax) as integers, so the correlation is exact up to the
final division; `Moments.of_pairs` builds the same from a list, for tests and small cohorts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from coursesite.course.model import MultipleChoice, Question, SingleChoice, TrueFalse

#: How many of the most common wrong responses to show.
TOP_WRONG = 10


@dataclass(frozen=True)
class Moments:
    """The sums the statistics need, over the participants with a graded counted attempt. Integers (milli points)."""

    n: int = 0
    sum_x: int = 0
    sum_y: int = 0
    sum_xx: int = 0
    sum_yy: int = 0
    sum_xy: int = 0
    sum_max: int = 0  # Σ of the question's max score over the same participants (the points may have changed)

    @classmethod
    def of_pairs(cls, pairs: Iterable[tuple[int, int]], max_score: int) -> Moments:
        """From (x, y) pairs, every one with the same max score."""
        n = sx = sy = sxx = syy = sxy = 0
        for x, y in pairs:
            n += 1
            sx += x
            sy += y
            sxx += x * x
            syy += y * y
            sxy += x * y
        return cls(n, sx, sy, sxx, syy, sxy, n * max_score)

    @classmethod
    def of_histogram(cls, histogram: Mapping[tuple[int, int, int], int]) -> Moments:
        """From counts of (x, y, max) triples."""
        n = sx = sy = sxx = syy = sxy = sm = 0
        for (x, y, m), count in histogram.items():
            n += count
            sx += count * x
            sy += count * y
            sxx += count * x * x
            syy += count * y * y
            sxy += count * x * y
            sm += count * m
        return cls(n, sx, sy, sxx, syy, sxy, sm)

    # n² × variance and n² × covariance, exact in integers.
    @property
    def _sxx(self) -> int:
        return self.n * self.sum_xx - self.sum_x * self.sum_x

    @property
    def _syy(self) -> int:
        return self.n * self.sum_yy - self.sum_y * self.sum_y

    @property
    def _sxy(self) -> int:
        return self.n * self.sum_xy - self.sum_x * self.sum_y


def facility(m: Moments) -> float | None:
    """Mean score as a percentage of the maximum; None without participants (or without points)."""
    if m.n == 0 or m.sum_max <= 0:
        return None
    return 100 * m.sum_x / m.sum_max


def standard_deviation(m: Moments) -> float | None:
    """The sample standard deviation of the score, as a percentage of the (mean) maximum; None below 2."""
    if m.n < 2 or m.sum_max <= 0:
        return None
    variance = m._sxx / (m.n * (m.n - 1))
    return 100 * math.sqrt(max(0.0, variance)) / (m.sum_max / m.n)


def discrimination(m: Moments) -> float | None:
    """100 × Pearson's r between the question's score and the rest of the lesson; None when undefined."""
    if m.n < 2:
        return None
    sxx, syy = m._sxx, m._syy
    if sxx <= 0 or syy <= 0:
        return None
    return 100 * m._sxy / math.sqrt(sxx * syy)


def discriminative_efficiency(histogram: Mapping[tuple[int, int, int], int]) -> float | None:
    """100 × cov(x, y) / the largest covariance the two distributions allow (sorted x paired with sorted y).

    Computed from counts of (x, y, max), by merging the two sorted marginal distributions: no per-participant list.
    None when undefined (fewer than 2 participants, or no variation).
    """
    m = Moments.of_histogram(histogram)
    if m.n < 2 or m._sxx <= 0 or m._syy <= 0:
        return None
    xs: dict[int, int] = {}
    ys: dict[int, int] = {}
    for (x, y, _), count in histogram.items():
        xs[x] = xs.get(x, 0) + count
        ys[y] = ys.get(y, 0) + count
    x_runs = sorted(xs.items())
    y_runs = sorted(ys.items())
    sum_sorted = 0  # Σ x_(i) × y_(i), the i-th smallest of each
    i = j = 0
    x_left, y_left = x_runs[0][1], y_runs[0][1]
    while i < len(x_runs) and j < len(y_runs):
        take = min(x_left, y_left)
        sum_sorted += take * x_runs[i][0] * y_runs[j][0]
        x_left -= take
        y_left -= take
        if x_left == 0:
            i += 1
            x_left = x_runs[i][1] if i < len(x_runs) else 0
        if y_left == 0:
            j += 1
            y_left = y_runs[j][1] if j < len(y_runs) else 0
    best = m.n * sum_sorted - m.sum_x * m.sum_y
    if best <= 0:
        return None
    return 100 * m._sxy / best


# ---------------------------------------------------------------- response distributions


@dataclass(frozen=True)
class ChoiceCount:
    key: str  # the choice id, or "true"/"false"
    label: str
    count: int
    fraction: float  # the choice's weight, -1 … 1 (what picking it alone is worth)
    percent: float  # of the responses

    @property
    def correct(self) -> bool:
        return self.fraction > 0


@dataclass(frozen=True)
class ResponseCount:
    response: str  # the response key: what was answered, in canonical form
    count: int
    percent: float  # of all responses
    mean_fraction: float  # the mean score of these responses as a fraction of the max, 0 … 1


@dataclass(frozen=True)
class KeyCount:
    """A row of the SQL grouping: one response key, how often it was given, and how it scored."""

    key: str | None
    count: int
    full_marks: int = 0  # of those, how many got full marks
    sum_score: int = 0  # Σ score_milli of the graded ones
    sum_max: int = 0  # Σ max_score_milli of the graded ones
    pending: int = 0  # awaiting review (no score)


@dataclass(frozen=True)
class Distribution:
    responses: int  # every submitted response (attempt)
    choices: tuple[ChoiceCount, ...] = ()  # choice questions: every choice, also those nobody picked
    wrong: tuple[ResponseCount, ...] = ()  # other questions: the most common responses without full marks
    distinct_wrong: int = 0
    kind: str = "none"  # "choices", "wrong" or "none" (essays)
    extra: tuple[ResponseCount, ...] = field(default=())  # responses naming no known choice (changed content)


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def choice_distribution(question: Question, rows: Sequence[KeyCount]) -> Distribution:
    """How many responses picked each choice. For several-answer questions a response counts for every choice it
    ticked, so the percentages add up to more than 100; "ticked nothing" is shown as its own row."""
    total = sum(r.count for r in rows)
    counts: dict[str, int] = {}
    unknown: dict[str, int] = {}
    empty = 0
    if isinstance(question, TrueFalse):
        labels = [
            ("true", "Sant", 1.0 if question.answer else 0.0),
            ("false", "Falskt", 0.0 if question.answer else 1.0),
        ]
    elif isinstance(question, (SingleChoice, MultipleChoice)):
        labels = [(c.id, c.text, float(c.fraction)) for c in question.choices]
    else:
        raise TypeError(f"not a choice question: {question.type}")
    known = {key for key, _, _ in labels}
    for row in rows:
        if row.key is None:
            continue
        picked = row.key.split(",") if isinstance(question, MultipleChoice) else [row.key]
        if isinstance(question, MultipleChoice) and row.key == "":
            empty += row.count
            continue
        for key in picked:
            if key in known:
                counts[key] = counts.get(key, 0) + row.count
            else:
                unknown[key] = unknown.get(key, 0) + row.count
    choices = [
        ChoiceCount(key, label, counts.get(key, 0), fraction, _percent(counts.get(key, 0), total))
        for key, label, fraction in labels
    ]
    if isinstance(question, MultipleChoice):
        choices.append(ChoiceCount("", "(inget valt)", empty, 0.0, _percent(empty, total)))
    extra = tuple(
        ResponseCount(key, count, _percent(count, total), 0.0)
        for key, count in sorted(unknown.items(), key=lambda item: (-item[1], item[0]))
    )
    return Distribution(responses=total, choices=tuple(choices), kind="choices", extra=extra)


def wrong_responses(rows: Sequence[KeyCount], limit: int = TOP_WRONG) -> Distribution:
    """The most common responses that did not get full marks (graded ones; awaiting review is neither right nor
    wrong), most common first, ties in key order."""
    total = sum(r.count for r in rows)
    wrong = [r for r in rows if r.key is not None and (r.count - r.pending) > r.full_marks]
    wrong.sort(key=lambda r: (-(r.count - r.pending - r.full_marks), r.key))
    shown = tuple(
        ResponseCount(
            r.key or "",
            r.count - r.pending - r.full_marks,
            _percent(r.count - r.pending - r.full_marks, total),
            (r.sum_score / r.sum_max) if r.sum_max else 0.0,
        )
        for r in wrong[:limit]
    )
    return Distribution(responses=total, wrong=shown, distinct_wrong=len(wrong), kind="wrong")


def distribution(question: Question, rows: Sequence[KeyCount], limit: int = TOP_WRONG) -> Distribution:
    if isinstance(question, (SingleChoice, MultipleChoice, TrueFalse)):
        return choice_distribution(question, rows)
    if question.type == "essay":
        return Distribution(responses=sum(r.count for r in rows), kind="none")
    return wrong_responses(rows, limit)


# ---------------------------------------------------------------- one question, all together


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    participants: int  # who answered it at least once
    scored: int  # of them, with a graded counted attempt (the statistics are over these)
    attempts: int  # every submitted attempt
    pending: int  # attempts awaiting review
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None  # discriminative efficiency; None when not computed or undefined
    mean_score_milli: float | None
    max_score_milli: int

    @property
    def attempts_per_participant(self) -> float | None:
        return self.attempts / self.participants if self.participants else None


def question_stats(
    question_id: str,
    moments: Moments,
    *,
    participants: int,
    attempts: int,
    pending: int,
    max_score_milli: int,
    efficiency: float | None = None,
) -> QuestionStats:
    return QuestionStats(
        question_id=question_id,
        participants=participants,
        scored=moments.n,
        attempts=attempts,
        pending=pending,
        facility=facility(moments),
        sd=standard_deviation(moments),
        discrimination=discrimination(moments),
        efficiency=efficiency,
        mean_score_milli=(moments.sum_x / moments.n) if moments.n else None,
        max_score_milli=max_score_milli,
    )


def facility_label(value: float | None) -> str:
    """Moodle's reading of the facility index, in Swedish (its bands: 5 or less extremely difficult … 95–100
    extremely easy; 35–64 about right for the average participant)."""
    if value is None:
        return "–"
    for upper, label in (
        (5, "extremt svår"),
        (10, "mycket svår"),
        (20, "svår"),
        (35, "ganska svår"),
        (65, "lagom svår"),
        (80, "ganska lätt"),
        (90, "lätt"),
        (95, "mycket lätt"),
    ):
        if value < upper or (upper <= 20 and value <= upper):
            return label
    return "extremt lätt"


def discrimination_label(value: float | None) -> str:
    """Moodle's reading of the discrimination index, in Swedish: 50 and above very good, 30–50 adequate, 20–29 weak,
    0–19 very weak, negative: the question is probably invalid."""
    if value is None:
        return "–"
    if value >= 50:
        return "mycket bra"
    if value >= 30:
        return "tillräcklig"
    if value >= 20:
        return "svag"
    if value >= 0:
        return "mycket svag"
    return "negativ: granska frågan"
