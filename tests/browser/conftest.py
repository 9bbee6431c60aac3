"""A real server (`coursesite serve`) on a fresh SQLite database, and real Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.support import CHROMIUM_ARGS, free_port, lessons_with_future_events, serving
from tests.conftest import TEST_SECRET


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    """The live server's environment: tests run `coursesite` commands (create-staff, say) against its database."""
    database = tmp_path_factory.mktemp("browser") / "site.sqlite"
    return os.environ | {
        "COURSESITE_LESSONS_DIR": str(lessons_with_future_events(tmp_path_factory.mktemp("lessons"))),
        "COURSESITE_DATABASE_URL": f"sqlite:///{database}",
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_PORT": str(free_port()),
        "COURSESITE_HOST": "127.0.0.1",
        "COURSESITE_ENV": "test",
        # Every browser test registers from 127.0.0.1 on this one server: the per-address limit would refuse the 11th.
        "COURSESITE_REGISTRATIONS_PER_HOUR": "1000",
    }


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
