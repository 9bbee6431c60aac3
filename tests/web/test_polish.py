"""Issue 15, the small things a person notices (points 6, 10, 11, 12), through the test client with real CSRF."""

from __future__ import annotations

import re

from tests.conftest import api_post, csrf_token, register
from tests.support import confirmed_consent, post_form


async def test_every_page_links_the_self_served_favicon(client):
    page = await client.get("/")
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page.text
    icon = await client.get("/static/img/favicon.svg")
    assert icon.status_code == 200 and icon.text.startswith("<svg")


async def test_a_mobile_number_comes_back_in_the_form_it_was_typed(client):
    await register(client, email="maja@example.se", first_name="Maja", last_name="Moberg")
    token = await csrf_token(client, "/mina-uppgifter")
    saved = await client.post(
        "/mina-uppgifter/profil",
        data={
            "_csrf_token": token,
            "first_name": "Maja",
            "last_name": "Moberg",
            "mobile": "070-123 45 67",
            "source": "",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    account = next(t for t in (await client.get("/api/v1/me/data")).json()["tables"] if t["table"] == "account")
    assert account["rows"][0]["mobile"] == "+46701234567"  # stored as before
    page = (await client.get("/mina-uppgifter")).text
    assert 'value="070-123 45 67"' in page and "+46701234567" not in page


async def test_the_event_consent_has_a_swedish_label(client):
    me = await register(client, email="maja@example.se")
    await confirmed_consent(me["id"], "event_information")
    page = (await client.get("/mina-uppgifter")).text
    assert "Information om kurser och konferenser" in page
    assert '<th scope="row">event_information' not in page


async def test_the_login_refusal_says_how_long_to_wait(client, settings):
    await register(client)
    await api_post(client, "/api/v1/auth/logout")
    for _ in range(settings.login_max_failures):
        await post_form(client, "/logga-in", {"email": "anna@example.se", "password": "fel-lösenord"}, page="/logga-in")
    refused = await post_form(client, "/logga-in", {"email": "anna@example.se", "password": "fel"}, page="/logga-in")
    assert refused.status_code == 429
    assert re.search(
        r"För många misslyckade inloggningsförsök\. Vänta (en minut|\d+ minuter) och försök igen\.", refused.text
    )
