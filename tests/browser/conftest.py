"""A real server (`coursesite serve`) on a fresh SQLite database, and real Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _lessons_with_future_events(folder: Path) -> Path:
    """A copy of lessons/ whose webinars and events start in 2099, so that the forms still offer them when the
    shipped catalogue's dates have passed (as tests/support.py's TEST_CATALOGUE does for the other tests)."""
    copy = folder / "lessons"
    shutil.copytree(Path(__file__).parents[2] / "lessons", copy)
    listed = copy / "catalogue.toml"
    listed.write_text(re.sub(r"(?m)^starts = \d{4}-", "starts = 2099-", listed.read_text(encoding="utf-8")))
    return copy


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    """The live server's environment: tests run `coursesite` commands (create-staff, say) against its database."""
    database = tmp_path_factory.mktemp("browser") / "site.sqlite"
    return os.environ | {
        "COURSESITE_LESSONS_DIR": str(_lessons_with_future_events(tmp_path_factory.mktemp("lessons"))),
        "COURSESITE_DATABASE_URL": f"sqlite:///{database}",
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_PORT": str(_free_port()),
        "COURSESITE_HOST": "127.0.0.1",
        "COURSESITE_ENV": "test",
        # Every browser test registers from 127.0.0.1 on this one server: the per-address limit would refuse the 11th.
        "COURSESITE_REGISTRATIONS_PER_HOUR": "1000",
    }


SERVER_START_SECONDS = 60


@contextlib.contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """`coursesite migrate` and `coursesite serve` with `env`, until /healthz answers; yields the base URL and stops
    the server afterwards."""
    command = Path(sys.executable).parent / "coursesite"
    subprocess.run([command, "migrate"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([command, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{env['COURSESITE_PORT']}"
    # A loaded machine (both engines' runs side by side, on two cores) can take a while to start the server.
    deadline = time.monotonic() + SERVER_START_SECONDS
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(server.stderr.read().decode()) from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer /healthz within {SERVER_START_SECONDS} s") from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


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
