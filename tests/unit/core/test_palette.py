"""The palette in static/css/site.css meets WCAG 2.1 AA (issue 15): every text colour on every background it can sit
on is at least 4.5:1, the button text on the buttons too, and the lines that bound a field or show focus 3:1."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursesite.core.colour import contrast_ratio, hex_to_rgb, relative_luminance, root_colours

SITE_CSS = Path(__file__).resolve().parents[3] / "coursesite" / "static" / "css" / "site.css"

TEXT = ["--ink", "--muted", "--accent", "--accent-hover", "--right", "--partial", "--wrong", "--pending"]
BACKGROUNDS = ["--paper", "--card", "--sunken", "--accent-soft", "--neutral-soft"]
BACKGROUNDS += ["--right-soft", "--partial-soft", "--wrong-soft", "--pending-soft"]
TEXT_PAIRS = [(fg, bg) for fg in TEXT for bg in BACKGROUNDS]
TEXT_PAIRS += [("--accent-ink", "--accent"), ("--accent-ink", "--accent-hover")]
UI_PAIRS = [(line, bg) for line in ("--field-line", "--focus") for bg in ("--paper", "--card", "--sunken")]


@pytest.fixture(scope="module")
def palette() -> dict[str, str]:
    return root_colours(SITE_CSS.read_text(encoding="utf-8"))


def test_the_contrast_function_gives_the_known_ratios():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey at AA on white
    assert contrast_ratio("#ffffff", "#767676") == contrast_ratio("#767676", "#ffffff")
    assert relative_luminance("#808080") == pytest.approx(0.2159, abs=0.0001)
    assert hex_to_rgb("#1F5f4a") == (31, 95, 74)
    with pytest.raises(ValueError):
        hex_to_rgb("#12345")


def test_only_the_screens_root_rules_are_the_palette():
    css = """/* --ink: #ffffff; */
    :root { --ink: #111111; --paper: #fff; font-family: serif; }
    .card { --ink: #222222; }
    @media print { :root { --ink: #000000; } }
    :root { --muted: #555555; }"""
    assert root_colours(css) == {"--ink": "#111111", "--paper": "#fff", "--muted": "#555555"}


def test_every_pair_is_declared(palette):
    names = {name for pair in TEXT_PAIRS + UI_PAIRS for name in pair}
    assert names - palette.keys() == set()


@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS, ids=[f"{fg} on {bg}" for fg, bg in TEXT_PAIRS])
def test_text_on_its_backgrounds_is_aa(palette, foreground, background):
    ratio = contrast_ratio(palette[foreground], palette[background])
    assert ratio >= 4.5, f"{foreground} {palette[foreground]} on {background} {palette[background]}: {ratio:.2f}"


@pytest.mark.parametrize(("line", "background"), UI_PAIRS, ids=[f"{fg} on {bg}" for fg, bg in UI_PAIRS])
def test_field_borders_and_the_focus_ring_are_3_to_1(palette, line, background):
    ratio = contrast_ratio(palette[line], palette[background])
    assert ratio >= 3, f"{line} {palette[line]} on {background} {palette[background]}: {ratio:.2f}"
