"""A real server (`coursesite serve`) on a fresh SQLite database, and real Chromium driven by Playwright."""

from __future__ import annotations

import shutil

import pytest

from tests.browser.support import CHROMIUM_ARGS, server_environment, serving
from tests.conftest import TEST_SECRET


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    """The live server's environment: tests run `coursesite` commands (create-staff, say) against its database."""
    return server_environment(tmp_path_factory.mktemp("browser"), TEST_SECRET)


@pytest.fixture(scope="session")
def live_server(server_env):
    with serving(server_env) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the run (each test gets a fresh context): the browser tests run last, so Playwright's event
    loop is open only after every async test."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="sv-SE")
    page = context.new_page()
    foreign_requests: list[str] = []
    page.on(
        "request", lambda request: None if request.url.startswith(live_server) else foreign_requests.append(request.url)
    )
    yield page
    context.close()
    assert foreign_requests == [], f"the page asked another host: {foreign_requests}"
