"""Every page is reached from somewhere (issue 15, point 7): the footer links the public forms and both the terms
and the privacy policy; the staff pages behind /personal are in customer service's menu."""

import re

import pytest

from tests.conftest import login_as_staff, register

pytestmark = pytest.mark.db

PUBLIC_PAGES = [
    "/kontakt",
    "/nyhetsbrev",
    "/webbinarium",
    "/anmal-intresse",
    "/e-bok",
    "/villkor",
    "/integritetspolicy",
]


def hrefs(html: str, element: str) -> set[str]:
    block = re.search(rf"<{element}\b.*?</{element}>", html, re.S)
    assert block is not None, element
    return set(re.findall(r'href="([^"]+)"', block.group(0)))


async def test_the_footer_links_every_public_form_and_both_policies_and_each_answers(client):
    footer = hrefs((await client.get("/")).text, "footer")
    assert set(PUBLIC_PAGES) <= footer
    for path in PUBLIC_PAGES:
        assert (await client.get(path)).status_code == 200, path


async def test_the_footer_is_on_a_participants_pages_too(client):
    await register(client, "linnea@example.se", verified=True)
    for path in ("/min-kurs", "/mina-fakturor", "/mina-uppgifter"):
        assert set(PUBLIC_PAGES) <= hrefs((await client.get(path)).text, "footer"), path


async def test_the_home_page_offers_the_forms(client):
    home = (await client.get("/")).text
    for path in ("/webbinarium", "/e-bok", "/nyhetsbrev", "/anmal-intresse", "/kontakt"):
        assert f'<a href="{path}">' in home.split("<footer")[0], path


@pytest.mark.parametrize("role", ["customer_service", "admin"])
async def test_customer_services_menu_holds_the_newsletter_export_and_the_record_of_processing(client, role):
    await login_as_staff(client, role)
    page = await client.get("/kundtjanst")
    assert page.status_code == 200
    menu = re.search(r'<nav class="staff-nav" aria-label="Kundtjänstmeny">.*?</nav>', page.text, re.S)
    assert menu is not None
    for path in ("/personal/nyhetsbrev", "/personal/behandlingsregister", "/personal/nyhetsbrev/avregistreringar"):
        assert f'href="{path}"' in menu.group(0), path
        assert (await client.get(path)).status_code == 200, path


async def test_the_header_has_a_menu_button_served_from_the_site(client):
    home = (await client.get("/")).text
    assert '<button type="button" class="menu-button" aria-expanded="false" aria-controls="huvudmeny" hidden>' in home
    assert '<script src="/static/js/menu.js" defer></script>' in home
    assert (await client.get("/static/js/menu.js")).status_code == 200
