"""The session's browser label (accounts/user_agent.py): built from known names only, never from the header's text."""

import pytest

from coursesite.accounts.user_agent import browser_label

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36"
)
EDGE = CHROME_MAC.replace("Macintosh; Intel Mac OS X 10_15_7", "Windows NT 10.0; Win64; x64") + " Edg/131.0.0.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
    "Mobile/15E148 Safari/604.1"
)
SAMSUNG = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 "
    "Chrome/122.0.0.0 Mobile Safari/537.36"
)
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36"


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox på Windows"),
        (CHROME_MAC, "Chrome på macOS"),
        (EDGE, "Edge på Windows"),
        (SAFARI_IPHONE, "Safari på iPhone"),
        (SAMSUNG, "Samsung Internet på Android"),
        (HEADLESS, "Chrome på Linux"),  # the browser tests' Chromium
        ("curl/8.5.0", None),
        ("python-httpx/0.28.1", None),
        ("", None),
        (None, None),
        ("Mozilla/5.0 (Windows NT 10.0) 19800101-1234 Anna Andersson", "Webbläsare på Windows"),  # nothing copied
    ],
)
def test_browser_label(user_agent, label) -> None:
    assert browser_label(user_agent) == label
