"""The staff start pages (issue 15): each role lands on its own work, and the figures on it follow what staff do
through the forms (real CSRF tokens, read from the page that holds the form)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from litestar.testing import AsyncTestClient

from coursesite.core import clock
from coursesite.core.clock import today
from coursesite.core.weeks import week_of
from tests.conftest import csrf_token, login_as_staff
from tests.support import enrol, participant_answers, post_form

pytestmark = pytest.mark.db

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"  # 5 points: criteria 2 + 2 + 1
BASE_URL = "http://testserver.local"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def figure(html: str, label: str) -> str:
    """The value beside a label in a start page's figures (<dt>label</dt><dd>value</dd>)."""
    found = re.search(rf"<dt>(?:<a [^>]*>)?{re.escape(label)}(?:</a>)?</dt><dd>(.*?)</dd>", html, re.S)
    assert found is not None, label
    return text_of(found.group(1)).strip()


@pytest.fixture
async def other(app):
    async with AsyncTestClient(app=app, base_url=BASE_URL) as second:
        yield second


async def test_the_instructors_home_counts_the_week_and_follows_a_grade(client, other, course):
    essay_id = await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
    await login_as_staff(client, "instructor")
    page = await client.get("/larare/granskning")
    assert page.status_code == 200
    html = page.text
    week = week_of(clock.now())
    assert f"Vecka {week.number}" in text_of(html)
    assert figure(html, "Inlämnade svar i veckan") == "1"
    assert figure(html, "Fritextsvar som väntar på bedömning") == "1"
    assert figure(html, "Bedömda i veckan") == "0"
    assert figure(html, "Öppna ”fel rättat”") == "0"
    assert figure(html, "Nya deltagare i veckan") == "1"
    assert re.search(r'<td class="waited">under en timme</td>', html)
    assert 'href="/larare/statistik"' in html and 'href="/larare/deltagare"' in html

    form = {"criterion-" + c.id: "1" for c in course.find_question(ESSAY)[1].rubric} | {"comment": "Bra."}
    token = await csrf_token(client, f"/larare/granskning/{essay_id}")
    saved = await client.post(
        f"/larare/granskning/{essay_id}/bedom", data=form | {"_csrf_token": token}, follow_redirects=False
    )
    assert saved.status_code == 303
    after = (await client.get(saved.headers["location"])).text
    assert figure(after, "Bedömda i veckan") == "1"
    assert figure(after, "Fritextsvar som väntar på bedömning") == "0"


async def test_a_post_without_the_token_changes_nothing_on_the_home(client, other, course):
    essay_id = await participant_answers(other, course, "anna@example.se", "Anna", ESSAY, "Avgiften dras varje år.")
    await login_as_staff(client, "instructor")
    refused = await client.post(f"/larare/granskning/{essay_id}/bedom", data={"comment": "x"}, follow_redirects=False)
    assert refused.status_code == 403
    assert figure((await client.get("/larare/granskning")).text, "Bedömda i veckan") == "0"


async def test_finance_home_shows_unpaid_overdue_and_this_weeks_payments(client, frozen):
    anna = await enrol(client, "anna@example.se")
    await enrol(client, "bo@example.se", first_name="Bo")
    await login_as_staff(client, "finance")
    html = (await client.get("/ekonomi")).text
    assert figure(html, "Obetalda, inte förfallna") == "2 st · 25 000,00 kr"
    assert figure(html, "Förfallna") == "0 st · 0,00 kr"

    paid = await post_form(
        client,
        "/ekonomi/betalningar",
        {"date": today().isoformat(), "amount": "5 000,00", "ocr": anna["ocr"], "invoice_number": ""},
        page="/ekonomi/betalningar",
    )
    assert paid.status_code == 303
    html = (await client.get("/ekonomi")).text
    assert figure(html, "Obetalda, inte förfallna") == "2 st · 20 000,00 kr"
    week = week_of(clock.now())
    assert figure(html, f"Inbetalt vecka {week.number}") == "1 st · 5 000,00 kr"

    # Sixty days on (payment terms 30 days), both are overdue, with a link to each; a new login, as sessions end.
    frozen["now"] = clock.now() + timedelta(days=60)
    await login_as_staff(client, "finance", email="ekonomi2@balansekonomi.se")
    html = (await client.get("/ekonomi")).text
    assert figure(html, "Förfallna") == "2 st · 20 000,00 kr"
    table = re.search(r'<table class="results billing-table" id="langst-forfallna">.*?</table>', html, re.S)
    assert table is not None
    assert f'href="/ekonomi/faktura/{anna["invoice_number"]}"' in table.group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', table.group(0)) == ["30", "30"]
    assert figure(html, f"Inbetalt vecka {week_of(clock.now()).number}") == "0 st · 0,00 kr"


async def test_customer_service_home_marks_late_and_near_deadlines_in_swedish(client):
    await login_as_staff(client, "customer_service")
    on = today()
    for subject, days_ago in (("Sen begäran", 40), ("Nära begäran", 27), ("Ny begäran", 1)):
        response = await post_form(
            client,
            "/kundtjanst/nytt",
            {
                "kind": "access",
                "subject": subject,
                "description": "",
                "contact_name": "Bo Ek",
                "contact_email": "bo@example.se",
                "account_id": "",
                "received_on": (on - timedelta(days=days_ago)).isoformat(),
            },
            page="/kundtjanst/nytt",
        )
        assert response.status_code == 303, response.text
    html = (await client.get("/kundtjanst")).text
    assert figure(html, "Begäranden efter sista svarsdag") == "1"
    assert figure(html, "Sista svarsdag inom 7 dagar") == "1"
    rows = re.findall(r'<tr id="arende-\d+"( class="[^"]+")?>(.*?)</tr>', html, re.S)
    assert [(cls.strip(), text_of(row).split(": ", 1)[1].split(" ")[0:2]) for cls, row in rows] == [
        ('class="overdue"', ["Sen", "begäran"]),
        ('class="due-soon"', ["Nära", "begäran"]),
        ("", ["Ny", "begäran"]),
    ]
    assert "Förfallen" in text_of(rows[0][1]) and "Inom 7 dagar" in text_of(rows[1][1])
    assert "1 begäran har passerat sista svarsdagen" in text_of(html)
    assert "Administration" not in html  # the admin's links are the admin's


async def test_the_admin_lands_on_customer_service_with_the_admin_pages(client):
    await login_as_staff(client, "admin")
    html = (await client.get("/kundtjanst")).text
    section = re.search(r'<ul class="home-links" id="adminlankar">.*?</ul>', html, re.S)
    assert section is not None
    for path in ("/personal/utkorg", "/personal/nyhetsbrev", "/personal/behandlingsregister", "/larare/granskning"):
        assert f'href="{path}"' in section.group(0), path
        assert (await client.get(path)).status_code == 200, path
