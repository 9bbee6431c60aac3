"""Every staff page is in its role's menu (issue 15, point 7): for each staff role, every GET route without path
parameters that the role may open (tests/route_access.py EXPECTED) and that answers with an HTML page is linked from
the menus of the role's start page (the header, the staff menu, the footer), or from a page those menus link to.
The routes that are not pages (JSON, CSV, SIE, PDF, GIFT files, health and metrics) are recognised by their answer's
content type, so a new HTML page cannot slip through by looking like a download."""

from __future__ import annotations

import re

import pytest

from coursesite.accounts.roles import START_PAGES, Role
from tests.conftest import login_as_staff
from tests.route_access import EXPECTED

pytestmark = pytest.mark.db

STAFF = ["instructor", "finance", "customer_service", "admin"]

# Pages a staff member may open that no menu needs to offer, and why. Each must still be a page the role may open
# (checked below), so the list cannot go stale.
NOT_IN_MENUS = {
    # A participant's own course pages: a staff account takes no course, so it has no course, invoices or certificate.
    "/min-kurs": "deltagarens sida",
    "/mina-fakturor": "deltagarens sida",
    "/mitt-intyg": "deltagarens sida",
    "/anmalan": "deltagarens sida",
    "/anmalan/klar": "deltagarens sida, visas efter en anmälan",
    # For visitors who are not logged in: the header offers them only then.
    "/logga-in": "för den som inte är inloggad",
    "/registrera": "för den som inte är inloggad",
    "/glomt-losenord": "länkad från inloggningssidan",
    # Opened from a link with a token in an e-mail, never from a menu.
    "/nytt-losenord": "länk i e-post",
    "/bekrafta-epost": "länk i e-post",
    "/bekrafta-samtycke": "länk i e-post",
    "/avsluta": "länk i e-post (avregistrering)",
    "/bekrafta-begaran": "länk i e-post",
    "/registerutdrag": "länk i e-post (registerutdraget)",
    # The public check of a certificate: its address is printed on the certificate.
    "/intyg": "adressen står på intyget",
}

# Routes that answer a page only when something is missing; otherwise a file or nothing.
NOT_PAGES = {
    "/larare/import/export": "a GIFT download that needs ?lektion=, linked per lesson from /larare/import",
    "/metrics": "the metrics for monitoring: a 404 page outside its address allow-list",
}


def menu_links(html: str) -> set[str]:
    """The links of a page's menus: the header (with the main menu), each staff menu and the footer."""
    blocks = re.findall(r"<header\b.*?</header>", html, re.S)
    blocks += re.findall(r'<nav class="staff-nav".*?</nav>', html, re.S)
    blocks += re.findall(r"<footer\b.*?</footer>", html, re.S)
    return {_path(href) for block in blocks for href in re.findall(r'href="([^"#]+)', block)}


def page_links(html: str) -> set[str]:
    return {_path(href) for href in re.findall(r'href="([^"#]+)', html)}


def _path(href: str) -> str:
    return href.split("?", 1)[0]


def pages_of(role: str) -> list[str]:
    return sorted(
        path
        for (method, path), access in EXPECTED.items()
        if method == "GET" and "{" not in path and role in access.roles
    )


@pytest.mark.parametrize("role", STAFF)
async def test_every_staff_page_is_reached_from_the_roles_menu(client, role):
    await login_as_staff(client, role)
    start = await client.get(START_PAGES[Role(role)])
    assert start.status_code == 200
    in_menu = menu_links(start.text)
    one_step: set[str] = set()
    for path in sorted(in_menu):
        if path.startswith("/") and not path.startswith("/static/"):
            linked = await client.get(path)
            if linked.status_code == 200 and linked.headers.get("content-type", "").startswith("text/html"):
                one_step |= page_links(linked.text)

    missing, html_pages = [], []
    for path in pages_of(role):
        if path in NOT_PAGES:
            continue
        response = await client.get(path)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue  # a download or an API: not a page
        html_pages.append(path)
        if path in NOT_IN_MENUS:
            continue
        assert response.status_code == 200, (path, response.status_code)
        if path not in in_menu and path not in one_step:
            missing.append(path)
    assert missing == [], f"{role}: not reached from the menus of {START_PAGES[Role(role)]}"
    # Every exception is a page this role may open (as HTML), so the list says something about it.
    exceptions = {path for path in NOT_IN_MENUS if path in pages_of(role)}
    assert exceptions <= set(html_pages), exceptions - set(html_pages)


def test_every_exception_is_a_route_some_staff_role_may_open():
    routes = {path for role in STAFF for path in pages_of(role)}
    assert set(NOT_IN_MENUS) | set(NOT_PAGES) <= routes


@pytest.mark.parametrize("role", STAFF)
async def test_the_header_of_staff_offers_their_own_account_and_no_participant_pages(client, role):
    await login_as_staff(client, role)
    header = re.search(r"<header\b.*?</header>", (await client.get(START_PAGES[Role(role)])).text, re.S)
    assert header is not None
    links = page_links(header.group(0))
    assert "/mina-uppgifter" in links
    assert not {"/min-kurs", "/mina-fakturor"} & links


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("customer_service", ["/personal/nyhetsbrev", "/personal/behandlingsregister"]),
        ("admin", ["/personal/nyhetsbrev", "/personal/behandlingsregister", "/personal/utkorg"]),
        ("finance", ["/personal/nyhetsbrev/avregistreringar"]),
    ],
)
async def test_the_staff_pages_under_personal_are_in_the_menus_of_those_who_may_use_them(client, role, paths):
    await login_as_staff(client, role)
    in_menu = menu_links((await client.get(START_PAGES[Role(role)])).text)
    for path in paths:
        assert path in in_menu, path
