"""The statistics page in real Chromium at 1,280 px: it fits the window (the wide table scrolls in its own box) and
no page logs a 404 for a favicon."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import create_staff, log_in

pytestmark = pytest.mark.browser

EMAIL = "statistik@balansekonomi.se"
PASSWORD = "ett-långt-lärarlösenord"


def test_the_statistics_page_fits_1280_px_and_nothing_is_missing(page, server_env):
    create_staff(server_env, EMAIL, "instructor", PASSWORD)
    missing: list[str] = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, EMAIL, PASSWORD)
    page.goto("/larare/statistik")
    expect(page.get_by_role("heading", name="Frågestatistik", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("1. ")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert "API:t" not in page.content()
    assert missing == []
