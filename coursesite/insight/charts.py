"""Server-side SVG charts. Pure: data in, markup out. No script, no `style` attribute (the Content-Security-Policy
allows no inline style): colours are SVG presentation attributes, with classes for site.css to refine.

Every chart is an `<svg role="img">` labelled by its `<title>` and `<desc>` (a chart with links is `role="group"`:
an image's children are presentational, so links inside it are nested interactive content to axe); the page shows the same numbers in a
table beside it, which is the text alternative proper. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ACCENT = "#3b4f8c"
NEGATIVE = "#a12a2a"
CORRECT = "#1c6b3a"
GRID = "#c9c6bd"
INK = "#222222"
MUTED = "#5f6368"

FONT_SIZE = 13
CHAR_WIDTH = 7.2  # an estimate of one character at FONT_SIZE, to shorten long labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: undefined, drawn as "–" without a bar
    value_text: str  # the value as shown (Swedish format), next to the bar
    tone: str = "normal"  # normal | good | bad: the colour (and a class)
    href: str | None = None  # a link on the label


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _shorten(text: str, width: float) -> str:
    limit = max(4, int(width / CHAR_WIDTH))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def hbar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[Bar],
    domain: tuple[float, float] = (0.0, 100.0),
    ticks: Sequence[float] = (0, 25, 50, 75, 100),
    tick_suffix: str = "",
    width: int = 640,
    label_width: int = 200,
    bar_height: int = 20,
    gap: int = 8,
) -> Markup:
    """A horizontal bar chart. `domain` may include negative values (a discrimination index runs from −100 to 100):
    bars then grow left or right from the zero line."""
    low, high = domain
    if not high > low:
        raise ValueError("empty domain")
    value_width = 72  # room for "100,0 %" and "−100,0" at FONT_SIZE
    plot_left = label_width + 8
    plot_width = width - plot_left - value_width
    top = 8
    axis_height = 22
    height = top + len(bars) * (bar_height + gap) + axis_height

    def x_of(value: float) -> float:
        clamped = min(high, max(low, value))
        return plot_left + (clamped - low) / (high - low) * plot_width

    zero = x_of(0.0 if low <= 0 <= high else low)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    role = "group" if any(bar.href for bar in bars) else "img"
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="{role}" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-family="system-ui, sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]
    plot_bottom = top + len(bars) * (bar_height + gap)
    # Grid lines and tick labels.
    for tick in ticks:
        if not low <= tick <= high:
            continue
        x = x_of(tick)
        dash = ' stroke-dasharray="3 3"' if tick != 0 else ""
        parts.append(
            f'<line x1="{_fmt(x)}" y1="{top - 4}" x2="{_fmt(x)}" y2="{plot_bottom}" stroke="{GRID}" stroke-width="1"'
            f'{dash} aria-hidden="true"/>'
        )
        parts.append(
            f'<text x="{_fmt(x)}" y="{plot_bottom + 16}" text-anchor="middle" fill="{MUTED}" aria-hidden="true">'
            f"{escape(_minus(_fmt(tick)) + tick_suffix)}</text>"
        )
    for index, bar in enumerate(bars):
        y = top + index * (bar_height + gap)
        middle = y + bar_height / 2 + FONT_SIZE * 0.35
        label = escape(_shorten(bar.label, label_width))
        label_svg = f'<text x="{label_width}" y="{_fmt(middle)}" text-anchor="end" fill="{INK}">{label}</text>'
        if bar.href:
            label_svg = f'<a href="{escape(bar.href)}">{label_svg}</a>'
        group = [
            f'<g class="bar bar-{escape(bar.tone)}">',
            f"<title>{escape(bar.label)}: {escape(bar.value_text)}</title>",
            label_svg,
        ]
        if bar.value is not None:
            end = x_of(bar.value)
            left, right = sorted((zero, end))
            colour = {"good": CORRECT, "bad": NEGATIVE}.get(bar.tone, ACCENT)
            group.append(
                f'<rect x="{_fmt(left)}" y="{y}" width="{_fmt(max(right - left, 1.0))}" height="{bar_height}" fill="{colour}"/>'
            )
        group.append(
            f'<text x="{width - value_width + 6}" y="{_fmt(middle)}" fill="{INK}">{escape(bar.value_text)}</text>'
        )
        group.append("</g>")
        parts.append("".join(group))
    parts.append(
        f'<line x1="{_fmt(zero)}" y1="{top - 4}" x2="{_fmt(zero)}" y2="{plot_bottom}" stroke="{INK}" stroke-width="1" aria-hidden="true"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


# ---------------------------------------------------------------- the charts of the insight pages


def _minus(text: str) -> str:
    return text.replace("-", "\u2212")


def facility_chart(chart_id: str, lesson_title: str, items: Sequence[tuple[str, float | None, str | None]]) -> Markup:
    """Facility index per question: (label, value 0–100 or None, link)."""
    from coursesite.core.formatting import format_percent_sv

    bars = [
        Bar(label, value, "–" if value is None else format_percent_sv(value, 1), href=href)
        for label, value, href in items
    ]
    shown = [f"{label}: {bar.value_text}" for (label, _, _), bar in zip(items, bars, strict=True)]
    return hbar_chart(
        chart_id=chart_id,
        title=f"Lösningsfrekvens per fråga: {lesson_title}",
        description="Medelpoäng i procent av maxpoäng, 0–100 %. " + "; ".join(shown),
        bars=bars,
        tick_suffix=" %",
    )


def discrimination_chart(
    chart_id: str, lesson_title: str, items: Sequence[tuple[str, float | None, str | None]]
) -> Markup:
    """Discrimination index per question, −100 … 100: negative bars are drawn to the left, in red."""
    from coursesite.core.formatting import format_decimal_sv

    bars = []
    for label, value, href in items:
        if value is None:
            bars.append(Bar(label, None, "–", href=href))
            continue
        tone = "bad" if value < 0 else ("good" if value >= 30 else "normal")
        bars.append(Bar(label, value, _minus(format_decimal_sv(value, 1)), tone=tone, href=href))
    shown = [f"{bar.label}: {bar.value_text}" for bar in bars]
    return hbar_chart(
        chart_id=chart_id,
        title=f"Diskriminering per fråga: {lesson_title}",
        description="Korrelation (× 100) mellan poängen på frågan och på resten av lektionen, −100 till 100. "
        + "; ".join(shown),
        bars=bars,
        domain=(-100.0, 100.0),
        ticks=(-100, -50, 0, 50, 100),
    )


def count_chart(chart_id: str, title: str, items: Sequence[tuple[str, int, float, bool]]) -> Markup:
    """How many responses gave each answer: (label, count, percent of responses, correct)."""
    from coursesite.core.formatting import format_decimal_sv, format_percent_sv

    bars = [
        Bar(label, percent, format_percent_sv(percent, 1), tone="good" if correct else "normal")
        for label, count, percent, correct in items
    ]
    shown = [
        f"{label}{' (rätt)' if correct else ''}: {format_decimal_sv(count)} svar, {format_percent_sv(percent, 1)}"
        for label, count, percent, correct in items
    ]
    top = max((percent for _, _, percent, _ in items), default=0.0)
    high = 100.0 if top > 50 else 50.0
    return hbar_chart(
        chart_id=chart_id,
        title=title,
        description="Andel av alla inskickade svar. Gröna staplar är rätta svar. " + "; ".join(shown),
        bars=bars,
        domain=(0.0, high),
        ticks=(0, 25, 50, 75, 100) if high == 100 else (0, 10, 20, 30, 40, 50),
        tick_suffix=" %",
        label_width=260,
    )
