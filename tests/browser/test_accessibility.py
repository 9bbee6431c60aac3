"""Accessibility kept by the tests (issue 15): every HTML page of the app (every GET route of tests/route_access.py
that is a page, so a new page is visited as soon as it is in the table), as each role sees it, at 1280 × 800 and at
360 × 800: axe-core finds no WCAG 2.1 A or AA violation, the page does not scroll sideways at 360 px, the console
shows no error (a refused inline style or script included: the security policy logs those as errors) and no request
to our own server fails. The data is seeded once, on a server of the module's own; each role has one browser context."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.support import (
    DESKTOP,
    NOT_PAGES,
    PAGE_ROLES,
    PAGE_STATUS,
    PHONE,
    SeededSite,
    page_routes,
    seed_site,
    server_environment,
    serving,
    sideways_overflow,
    tour,
    wcag_violations,
)
from tests.conftest import TEST_SECRET
from tests.route_access import EXPECTED

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A server of the module's own, so that its seeded data (an essay in the review queue, say) is no other test's
    surprise."""
    env = server_environment(tmp_path_factory.mktemp("accessibility"), TEST_SECRET)
    with serving(env) as base:
        yield base, env


@pytest.fixture(scope="module")
def site(browser, own_server, course):
    seeded = seed_site(browser, *own_server, course)
    yield seeded
    seeded.close()


def test_the_tour_visits_every_page_and_skips_only_what_is_no_page():
    routes = {path for method, path in EXPECTED if method == "GET"}
    assert set(NOT_PAGES) <= routes, "NOT_PAGES names a route that no longer exists"
    visited = {path for paths in tour(EXPECTED).values() for path in paths}
    assert visited == set(page_routes(EXPECTED))
    assert {path for path in routes if not path.startswith("/api/")} == visited | set(NOT_PAGES)


def test_axe_finds_what_it_should(browser):
    """The checker itself: a page with a picture without a text alternative and grey text on white fails."""
    page = browser.new_page()
    page.set_content('<html lang="sv"><title>Prov</title><main><img src="data:,"><p style="color:#aaa">Grå</p></main>')
    found = wcag_violations(page)
    page.close()
    assert [violation.split(":")[0] for violation in found] == ["color-contrast", "image-alt"]


class Watch:
    """What a page did wrong while loading: console errors, script errors, failed requests to our server, and any
    request to another host."""

    def __init__(self, page: Page, base: str) -> None:
        self.base = base
        self.found: list[str] = []
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        page.on("requestfailed", lambda request: self.found.append(f"request failed: {request.url}"))
        page.on("response", lambda response: self._response(response))
        page.on("request", lambda r: None if r.url.startswith(base) else self.found.append(f"other host: {r.url}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.found.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        # The page itself is checked against its expected status; everything it loads must succeed.
        if response.status >= 400 and not response.request.is_navigation_request():
            self.found.append(f"{response.status}: {response.url}")

    def expect(self, prefix: str) -> None:
        self.found = [found for found in self.found if not found.startswith(prefix)]

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


def check(page: Page, watch: Watch, site: SeededSite, path: str) -> list[str]:
    page.set_viewport_size(DESKTOP)
    response = page.goto(site.url(path))
    assert response is not None
    found = []
    if response.status != (expected := PAGE_STATUS.get(path, 200)):
        found.append(f"status {response.status}")
    elif expected != 200:  # Chromium logs the page's own status as an error: expected here
        watch.expect(f"console error: Failed to load resource: the server responded with a status of {expected}")
    if urlsplit(page.url).path != urlsplit(site.url(path)).path:  # a guard's redirect to the login, say
        found.append(f"ended on {page.url}")
    if not response.headers.get("content-type", "").startswith("text/html"):
        found.append(f"not a page: {response.headers.get('content-type')}")
    found += [f"1280 px {violation}" for violation in wcag_violations(page)]
    page.set_viewport_size(PHONE)
    if (overflow := sideways_overflow(page)) > 0:
        found.append(f"scrolls sideways by {overflow} px at 360 px")
    found += [f"360 px {violation}" for violation in wcag_violations(page)]
    return found + watch.take()


@pytest.mark.parametrize("role", PAGE_ROLES)
def test_every_page_passes_axe_fits_a_phone_and_logs_no_error(role, site, own_server):
    page = site.contexts[role].new_page()
    watch = Watch(page, own_server[0])
    problems = {}
    for path in tour(EXPECTED)[role]:
        if found := check(page, watch, site, path):
            problems[site.url(path)] = found
    page.close()
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())
