"""A short label for a session's browser ("Firefox på Windows"), derived from the User-Agent at login. Pure.

Only the label is stored, and it is always built from the names below, never from the header's text: nothing a
client writes is kept, so the label needs no free-text check, and the header's version numbers and device details
(which narrow down who someone is) are dropped.
"""

from __future__ import annotations

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("Opera", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chromium", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
UA_SCAN_MAX = 1000  # only the start of an absurdly long header is looked at


def _first(user_agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for needle, name in table if needle in user_agent), None)


def browser_label(user_agent: str | None) -> str | None:
    """``"Firefox på Windows"``, ``"Safari"``, or None when neither the browser nor the system is recognised."""
    text = (user_agent or "")[:UA_SCAN_MAX]
    browser = _first(text, _BROWSERS)
    system = _first(text, _SYSTEMS)
    if browser and system:
        return f"{browser} på {system}"
    return browser or (f"Webbläsare på {system}" if system else None)
