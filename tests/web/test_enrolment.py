"""Enrolment through the form and the API (real CSRF), the terms, the lessons opening on enrolment, Mina fakturor with
the ledger and the PDF, and another participant's invoice being a 404."""

import re

import pytest

from coursesite.billing.enrolment import TERMS_PATH, TERMS_TITLE, TERMS_VERSION
from coursesite.billing.ocr import is_valid_ocr
from coursesite.web.amounts import parse_kronor
from tests.conftest import api_post, csrf_token, register

FORM = {
    "customer_type": "private",
    "address_line": "Storgatan 1",
    "postal_code": "11455",
    "city": "Stockholm",
    "accept_terms_version": TERMS_VERSION,
}
API_BODY = {
    "customer_type": "company",
    "company_name": "Bolaget AB",
    "org_number": "556047-3521",
    "reference": "Inköp 42",
    "address_line": "Storgatan 1",
    "postal_code": "114 55",
    "city": "Stockholm",
    "accept_terms_version": TERMS_VERSION,
}
INVOICE_NUMBER = re.compile(r"\d{4}-\d{5}")


async def post_form(client, path, data, page=None):
    token = await csrf_token(client, page or path)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


# -- kronor (pure)


@pytest.mark.parametrize(
    ("text", "ore"),
    [
        ("12 500,00", 1_250_000),
        ("12500.5", 1_250_050),
        ("12500", 1_250_000),
        ("0,50", 50),
        ("1\u00a0000,05 kr", 100_005),
        (" 7,1 ", 710),
    ],
)
def test_parse_kronor(text, ore):
    assert parse_kronor(text) == ore


@pytest.mark.parametrize("text", ["", "abc", "12,345", "-5", "0", "0,00", "1.000,00", "1e5", "12,", ",5", "9" * 50])
def test_parse_kronor_refuses(text):
    with pytest.raises(ValueError) as caught:
        parse_kronor(text)
    assert "elopp" in str(caught.value) or "kronor" in str(caught.value)


# -- the terms


async def test_the_terms_are_public(client):
    page = await client.get("/villkor")
    assert page.status_code == 200
    assert TERMS_TITLE in page.text and TERMS_VERSION in page.text
    assert "14 dagar" in page.text and "ångra" in page.text and "12\xa0500,00\xa0kr" in page.text
    api = await client.get("/api/v1/terms")
    assert api.status_code == 200 and api.json() == {"version": TERMS_VERSION, "title": TERMS_TITLE, "url": TERMS_PATH}


# -- enrolment by form


async def test_enrol_by_form_opens_the_lessons_and_shows_the_invoice(client, course):
    await register(client, enrolled=False)
    lesson = course.acts[0].lessons[0]
    assert (await client.get(f"/lektion/{lesson.slug}")).status_code == 403
    my_course = await client.get("/min-kurs")
    assert 'href="/anmalan"' in my_course.text

    form = await client.get("/anmalan")
    assert form.status_code == 200 and "12\xa0500,00\xa0kr" in form.text and 'href="/villkor"' in form.text
    response = await post_form(client, "/anmalan", FORM)
    assert response.status_code == 303 and response.headers["location"] == "/anmalan/klar"
    done = await client.get("/anmalan/klar")
    number = INVOICE_NUMBER.search(done.text).group(0)
    ocr = re.search(r'class="invoice-ocr">(\d+)<', done.text).group(1)
    assert is_valid_ocr(ocr)
    assert "12\xa0500,00\xa0kr" in done.text and f"/mina-fakturor/{number}.pdf" in done.text
    assert '<dt>Bankgiro</dt><dd class="invoice-bankgiro">5050-1055</dd>' in done.text  # not only in the PDF

    assert (await client.get(f"/lektion/{lesson.slug}")).status_code == 200
    assert 'href="/anmalan"' not in (await client.get("/min-kurs")).text

    again = await client.get("/anmalan")
    assert "redan anmäld" in again.text
    twice = await post_form(client, "/anmalan", FORM, page="/villkor")
    assert twice.status_code == 409 and "redan anmäld" in twice.text


async def test_the_company_form_keeps_what_was_typed_and_says_what_is_wrong(client):
    await register(client, enrolled=False)
    data = FORM | {
        "customer_type": "company",
        "company_name": "",
        "org_number": "556047-3522",
        "postal_code": "014 55",
        "reference": "Ref 1",
    }
    response = await post_form(client, "/anmalan", data)
    assert response.status_code == 400
    assert "Fyll i företagsnamn" in response.text
    assert "kontrollsiffra" in response.text  # the org number
    assert 'id="postal_code-error"' in response.text
    assert 'value="Ref 1"' in response.text and 'value="Storgatan 1"' in response.text
    assert (await client.get("/mina-fakturor")).text.count("/mina-fakturor/") == 0


async def test_a_personnummer_is_refused_and_never_echoed(client):
    await register(client, enrolled=False)
    data = FORM | {
        "customer_type": "company",
        "company_name": "Bolaget AB",
        "org_number": "000101-2384",
        "address_line": "Storgatan 1 20000101-2384",
    }
    response = await post_form(client, "/anmalan", data)
    assert response.status_code == 400
    # The whole number, in either form; a bare "2384" could occur by chance in a random token on the page.
    assert "0101-2384" not in response.text and "01012384" not in response.text
    assert 'id="org_number-error"' in response.text and 'id="address_line-error"' in response.text


@pytest.mark.parametrize("accepted", [None, "2020-01"])
async def test_the_terms_must_be_accepted_in_their_current_version(client, accepted):
    await register(client, enrolled=False)
    data = {k: v for k, v in FORM.items() if k != "accept_terms_version"}
    if accepted:
        data["accept_terms_version"] = accepted
    response = await post_form(client, "/anmalan", data)
    assert response.status_code == 400 and 'id="accept_terms_version-error"' in response.text
    assert not INVOICE_NUMBER.search((await client.get("/mina-fakturor")).text)


async def test_enrolment_needs_a_login(client):
    response = await client.get("/anmalan", follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/logga-in")
    assert (await client.get("/api/v1/me/invoices")).status_code == 401


# -- enrolment by API


async def test_enrol_by_api(client):
    await register(client, enrolled=False)
    response = await api_post(client, "/api/v1/enrollments", API_BODY)
    assert response.status_code == 201, response.text
    body = response.json()
    assert INVOICE_NUMBER.fullmatch(body["invoice_number"]) and is_valid_ocr(body["ocr"])
    assert body["total_ore"] == 1_250_000 and body["due_date"]
    again = await api_post(client, "/api/v1/enrollments", API_BODY)
    assert again.status_code == 409

    invoices = (await client.get("/api/v1/me/invoices")).json()
    assert invoices == [
        {
            "number": body["invoice_number"],
            "kind": "invoice",
            "ocr": body["ocr"],
            "issue_date": invoices[0]["issue_date"],
            "due_date": body["due_date"],
            "total_ore": 1_250_000,
            "status": "unpaid",
            "credited_number": None,
        }
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company_name": None}, "company_name"),
        ({"postal_code": "1145"}, "postal_code"),
        ({"org_number": "556047-3522"}, "org_number"),
        ({"accept_terms_version": None}, "accept_terms_version"),
        ({"accept_terms_version": "2020-01"}, "accept_terms_version"),
        ({"customer_type": "kommun"}, "customer_type"),
        ({"city": ""}, "city"),
    ],
)
async def test_enrol_by_api_400_per_field(client, change, field):
    await register(client, enrolled=False)
    body = {k: v for k, v in (API_BODY | change).items() if v is not None}
    response = await api_post(client, "/api/v1/enrollments", body)
    assert response.status_code == 400, response.text
    assert field in response.json()["errors"]
    assert (await client.get("/api/v1/me/invoices")).json() == []


async def test_enrol_by_api_refuses_unknown_fields_and_huge_values(client):
    await register(client, enrolled=False)
    assert (await api_post(client, "/api/v1/enrollments", API_BODY | {"price_ore": 1})).status_code == 400
    assert (await api_post(client, "/api/v1/enrollments", API_BODY | {"city": "x" * 5000})).status_code == 400


# -- Mina fakturor


async def test_my_invoices_and_the_ledger(client):
    await register(client, enrolled=False)
    number = (await api_post(client, "/api/v1/enrollments", API_BODY)).json()["invoice_number"]
    page = await client.get("/mina-fakturor")
    assert page.status_code == 200
    assert number in page.text and "Obetald" in page.text and f"/mina-fakturor/{number}.pdf" in page.text
    ledger = page.text.split('id="ledger"')[1]
    assert "Faktura" in ledger and ledger.count("12\xa0500,00\xa0kr") == 2  # the amount and the balance


async def test_the_invoice_pdf(client):
    await register(client, enrolled=False)
    number = (await api_post(client, "/api/v1/enrollments", API_BODY)).json()["invoice_number"]
    for path in (f"/mina-fakturor/{number}.pdf", f"/api/v1/me/invoices/{number}.pdf"):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("application/pdf")
        assert response.content.startswith(b"%PDF")
        assert f"faktura-{number}.pdf" in response.headers["content-disposition"]
    assert (await client.get(f"/api/v1/me/invoices/{number}")).status_code == 404
    assert (await client.get(f"/api/v1/me/invoices/{number}.xml")).status_code == 404
    assert (await client.get("/mina-fakturor/2026-99999.pdf")).status_code == 404


async def test_another_participant_gets_404_for_my_invoice(client, app):
    from litestar.testing import AsyncTestClient

    await register(client, enrolled=False)
    number = (await api_post(client, "/api/v1/enrollments", API_BODY)).json()["invoice_number"]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as other:
        await register(other, "bo@example.se", "Bo", "Berg", enrolled=False)
        assert (await other.get(f"/mina-fakturor/{number}.pdf")).status_code == 404
        assert (await other.get(f"/api/v1/me/invoices/{number}.pdf")).status_code == 404
        assert (await other.get("/api/v1/me/invoices")).json() == []
        page = await other.get("/mina-fakturor")
        assert number not in page.text


async def test_the_nav_shows_my_invoices_to_participants(client):
    await register(client, enrolled=False)
    html = (await client.get("/min-kurs")).text
    assert 'href="/mina-fakturor"' in html and 'href="/ekonomi"' not in html


async def test_the_enrolment_page_loads_nothing_inline(client):
    await register(client, enrolled=False)
    html = (await client.get("/anmalan")).text
    assert "<script>" not in html and " style=" not in html and " onclick=" not in html
    assert '<script src="/static/js/enrolment.js"' in html
    assert (await client.get("/static/js/enrolment.js")).status_code == 200
