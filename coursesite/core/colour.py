"""Colour contrast as WCAG 2.1 defines it, and the custom properties of a stylesheet. Pure: the palette test
(tests/unit/core/test_palette.py) reads static/css/site.css with it and checks every declared text/background pair."""

from __future__ import annotations

import re

# "--name: #abc;" or "#aabbcc" in a rule. Only hex colours: the palette is written that way on purpose.
_PROPERTY = re.compile(r"(--[a-z0-9-]+)\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\s*[;}]")


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    if len(digits) != 6 or not re.fullmatch(r"[0-9a-fA-F]{6}", digits):
        raise ValueError(f"not a hex colour: {colour!r}")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in hex_to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05), the lighter over the darker: 1 to 21. AA asks 4.5 for text, 3 for large text and UI."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def root_colours(css: str) -> dict[str, str]:
    """The hex colours declared as custom properties in the stylesheet's top-level `:root` rules (later ones win, as
    in CSS). A `:root` inside `@media` (the print palette) is not the screen's palette and is left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found: dict[str, str] = {}
    depth, selector_start = 0, 0
    for index, char in enumerate(css):
        if char == "{":
            if depth == 0 and css[selector_start:index].strip() == ":root":
                block = css[index + 1 : css.index("}", index)]
                found.update((name, value.lower()) for name, value in _PROPERTY.findall(block + ";"))
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                selector_start = index + 1
        elif char == ";" and depth == 0:
            selector_start = index + 1  # after an at-rule statement such as @import
    return found
