"""Server-side SVG charts: well-formed, labelled, escaped, and without script or inline style."""

import xml.etree.ElementTree as ET

import pytest

from coursesite.insight.charts import Bar, count_chart, discrimination_chart, facility_chart, hbar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_a_chart_is_an_image_with_title_and_description():
    root = parse(hbar_chart(chart_id="c", title="Titel", description="Beskrivning", bars=[Bar("Fråga 1", 40, "40 %")]))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Titel"
    assert root.find(f"{SVG}title").get("id") == "c-title"
    assert root.find(f"{SVG}desc").text == "Beskrivning"


def test_a_chart_with_links_is_a_group_not_an_image():
    """axe 'nested-interactive': an image's children are presentational, so its links would be unreachable."""
    root = parse(hbar_chart(chart_id="c", title="T", description="D", bars=[Bar("Fråga 1", 40, "40 %", href="/q")]))
    assert root.get("role") == "group"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}g/{SVG}a").get("href") == "/q"


def test_text_is_escaped_everywhere():
    evil = '<script>alert("x")</script> & "quotes"'
    markup = str(
        hbar_chart(chart_id="c", title=evil, description=evil, bars=[Bar(evil, 10, evil, href='/x?a=1&b="2"')])
    )
    assert "<script" not in markup
    root = parse(markup)  # well-formed XML
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert any(t and t.startswith("<script>") for t in texts)  # shown as text, not markup


def test_no_script_no_style_no_event_handlers():
    markup = str(
        discrimination_chart("d", "Budget", [("1. A", 40.0, "/a"), ("2. B", -20.0, None), ("3. C", None, None)])
    )
    root = parse(markup)
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


@pytest.mark.parametrize(
    ("value", "domain", "expect_left_of_zero"),
    [(40.0, (-100.0, 100.0), False), (-20.0, (-100.0, 100.0), True), (150.0, (0.0, 100.0), False)],
)
def test_bars_grow_from_zero(value, domain, expect_left_of_zero):
    root = parse(
        hbar_chart(
            chart_id="c",
            title="t",
            description="d",
            bars=[Bar("x", value, "v")],
            domain=domain,
            width=640,
            label_width=200,
        )
    )
    rect = next(root.iter(f"{SVG}rect"))
    x, width = float(rect.get("x")), float(rect.get("width"))
    plot_left, plot_width = 208, 640 - 208 - 72  # width - plot_left - the value column
    zero = plot_left + (0 - domain[0]) / (domain[1] - domain[0]) * plot_width
    if expect_left_of_zero:
        assert x + width == pytest.approx(zero)
    else:
        assert x == pytest.approx(zero)
        assert x + width <= plot_left + plot_width + 0.01  # clamped to the domain


def test_undefined_values_have_no_bar_and_show_a_dash():
    root = parse(facility_chart("f", "Budget", [("1. A", None, None)]))
    assert list(root.iter(f"{SVG}rect")) == []
    assert "–" in [t.text for t in root.iter(f"{SVG}text")]


def test_the_description_carries_the_numbers_in_swedish():
    root = parse(count_chart("s", "Valda svar", [("Rätt", 3, 75.0, True), ("Fel", 1, 25.0, False)]))
    desc = root.find(f"{SVG}desc").text
    assert "Rätt (rätt): 3 svar, 75,0\u00a0%" in desc
    assert "Fel: 1 svar, 25,0\u00a0%" in desc


def test_a_value_label_of_100_percent_fits_inside_the_chart():
    import re

    from coursesite.insight.charts import CHAR_WIDTH, Bar, hbar_chart

    svg = str(hbar_chart(chart_id="c", title="t", description="d", bars=[Bar("Fråga", 100.0, "100,0\u00a0%")]))
    x = float(re.search(r'<text x="([\d.]+)" y="[\d.]+" fill="#222222">100,0', svg).group(1))
    assert x + len("100,0 %") * CHAR_WIDTH <= 640
