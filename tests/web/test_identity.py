"""Issue 15, a visual identity of our own: the logo in the header and footer, /favicon.ico a real icon, the icons
from the self-hosted Lucide sprite with its licence, and the footer's separate links to the terms and the policy."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from coursesite.billing.enrolment import TERMS_TITLE
from coursesite.web.templating import STATUS_ICONS
from tests.conftest import register

ROOT = Path(__file__).resolve().parents[2]
SPRITE = ROOT / "coursesite" / "static" / "vendor" / "lucide" / "icons.svg"


async def test_favicon_ico_is_a_real_icon_of_the_mark(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")
    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= set(icon.info["sizes"])
    icon.size = (32, 32)
    pixels = icon.convert("RGBA")
    assert pixels.getpixel((0, 0))[3] == 0  # the rounded corner is transparent
    red, green, blue, alpha = pixels.getpixel((8, 27))  # the brand green, #1f5f4a
    assert alpha == 255 and green > red + 40 and green > blue


async def test_every_page_shows_the_logo_and_links_both_icons(client):
    page = (await client.get("/")).text
    header = page[page.index('<header class="site-header">') : page.index("</header>")]
    assert re.search(r'<a class="brand" href="/"><svg class="brand-mark"[^>]*aria-hidden="true"', header)
    assert '<span class="brand-name">Kurssajten</span><span class="brand-sub">Balansekonomi</span>' in header
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert 'href="/favicon.ico"' in page
    logo = await client.get("/static/img/logo.svg")
    assert logo.status_code == 200 and "Kurssajten" in logo.text and "BALANSEKONOMI" in logo.text


async def test_every_icon_a_template_names_is_in_the_sprite_with_its_licence(client):
    sprite = SPRITE.read_text(encoding="utf-8")
    symbols = set(re.findall(r'<symbol id="([a-z0-9-]+)"', sprite))
    named = set()
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        named |= set(re.findall(r'\bicon\("([a-z0-9-]+)"', text))
    named |= set(STATUS_ICONS.values())  # status_icon() (web/templating.py)
    assert {"menu", "circle-check", "contrast", "circle-x", "hourglass", "send"} <= named
    assert named - symbols == set()
    assert "ISC License" in (SPRITE.parent / "LICENSE").read_text(encoding="utf-8")
    served = await client.get("/static/vendor/lucide/icons.svg")
    assert served.status_code == 200 and served.text == sprite


async def test_the_menu_entries_carry_a_hidden_icon_beside_their_words(client):
    await register(client)
    page = (await client.get("/mina-fakturor")).text
    menu = page[page.index('<nav aria-label="Huvudmeny"') : page.index("</nav>")]
    current = re.search(r'<a href="/mina-fakturor" aria-current="page">(.*?)</a>', menu)
    assert current, menu
    assert re.fullmatch(
        r'<svg class="icon" aria-hidden="true" focusable="false"><use href="[^"]+#receipt"></use></svg>'
        r"Mina fakturor",
        current.group(1),
    )
    assert 'aria-current="page"' not in menu.replace(current.group(0), "")


async def test_the_footer_links_the_terms_and_the_policy_separately_and_each_page_says_what_it_is(client):
    page = (await client.get("/")).text
    footer = page[page.index("<footer") :]
    assert '<a href="/villkor">Kursvillkor</a>' in footer
    assert '<a href="/integritetspolicy">Integritetspolicy</a>' in footer
    assert "Villkor och integritetspolicy" not in footer
    terms = (await client.get("/villkor")).text
    assert f"<h1>{TERMS_TITLE}</h1>" in terms and f"<title>{TERMS_TITLE} – Kurssajten</title>" in terms
    policy = (await client.get("/integritetspolicy")).text
    assert "<h1>Integritetspolicy</h1>" in policy and "<title>Integritetspolicy – Kurssajten</title>" in policy
    assert "Villkor och integritetspolicy" not in policy
    # The policy points to the terms.
    assert '<a href="/villkor">' in policy[policy.index("<main") : policy.index("</main>")]
