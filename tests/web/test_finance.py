"""Finance's pages and API through the test client with real CSRF: the invoice list and its filters, credit notes
(whole and partial), payments by hand and from BgMax, placing an unmatched payment, the overdue list, a customer's
ledger, the exports and UBL, and 403 for everyone else on every finance route."""

import re
from datetime import date, timedelta

import pytest

from coursesite.core import clock
from tests.conftest import PASSWORD, api_post, csrf_token, login_as_staff
from tests.support import COMPANY, bgmax_file, concrete, enrol, guard_functions, handlers, post_form

FINANCE_GUARD = "roles(finance, admin)"


def finance_routes(app):
    for path, handler in handlers(app):
        if FINANCE_GUARD in [getattr(guard, "__name__", "") for guard in guard_functions(handler)]:
            for method in sorted(handler.http_methods):
                yield method, path


def status_of(invoices: list[dict], number: str) -> str:
    return next(item["status"] for item in invoices if item["number"] == number)


# -- who may


def test_the_finance_routes_are_found(app):
    found = {path for _, path in finance_routes(app)}
    assert {
        "/ekonomi",
        "/ekonomi/faktura/{name:str}",
        "/ekonomi/betalningar",
        "/ekonomi/bgmax",
        "/ekonomi/forfallna",
        "/ekonomi/kund/{account_id:int}",
        "/ekonomi/export",
        "/api/v1/finance/invoices",
        "/api/v1/finance/invoices/{number:str}/credit",
        "/api/v1/finance/payments",
        "/api/v1/finance/bgmax",
        "/api/v1/finance/exports/invoices.csv",
        "/api/v1/finance/exports/sie",
        "/api/v1/finance/invoices/{name:str}",
    } <= found


@pytest.mark.parametrize("role", ["participant", "instructor", "customer_service"])
async def test_every_finance_route_is_403_for_other_roles(app, client, role):
    if role == "participant":
        await enrol(client, "anna@example.se")
    else:
        await login_as_staff(client, role)
    token = await csrf_token(client)
    refused = []
    for method, path in finance_routes(app):
        response = await client.request(method, concrete(path), headers={"x-csrftoken": token}, json={})
        if response.status_code != 403:
            refused.append((method, path, response.status_code))
    assert refused == []


async def test_the_finance_pages_need_a_login(client):
    response = await client.get("/ekonomi", follow_redirects=False)
    assert response.status_code in (302, 303) and response.headers["location"].startswith("/logga-in")
    assert (await client.get("/api/v1/finance/invoices")).status_code == 401


async def test_admin_may_and_the_nav_shows_ekonomi(client):
    await login_as_staff(client, "admin")
    page = await client.get("/ekonomi")
    assert page.status_code == 200 and 'href="/ekonomi"' in page.text
    await login_as_staff(client, "finance", email="f@balansekonomi.se")
    html = (await client.get("/min-kurs")).text
    assert 'href="/ekonomi"' in html and 'href="/mina-fakturor"' not in html


# -- the list, payments and the status


async def test_list_filter_and_payments_change_the_status(client):
    anna = await enrol(client, "anna@example.se")
    bo = await enrol(client, "bo@example.se", first_name="Bo")
    await login_as_staff(client, "finance")

    page = await client.get("/ekonomi")
    assert page.status_code == 200 and anna["invoice_number"] in page.text and bo["invoice_number"] in page.text
    listed = (await client.get("/api/v1/finance/invoices")).json()
    assert {item["status"] for item in listed} == {"unpaid"}

    # A part payment by hand with the OCR number, in kronor with a decimal comma: partly paid.
    response = await post_form(
        client,
        "/ekonomi/betalningar",
        {
            "date": clock.today().isoformat(),
            "amount": "5 000,00",
            "ocr": anna["ocr"],
            "invoice_number": "",
        },
        page="/ekonomi/betalningar",
    )
    assert response.status_code == 303 and response.headers["location"].startswith(
        f"/ekonomi/faktura/{anna['invoice_number']}"
    )
    detail = await client.get(response.headers["location"])
    assert "Betalningen är registrerad" in detail.text and "Delvis betald" in detail.text
    assert "5\xa0000,00\xa0kr" in detail.text and "7\xa0500,00\xa0kr" in detail.text
    assert status_of((await client.get("/api/v1/finance/invoices")).json(), anna["invoice_number"]) == "partly_paid"

    # The rest through the API, by invoice number: paid.
    paid = await api_post(
        client,
        "/api/v1/finance/payments",
        {
            "invoice_number": anna["invoice_number"],
            "amount_ore": 750_000,
            "date": clock.today().isoformat(),
        },
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["invoice_number"] == anna["invoice_number"] and paid.json()["amount_ore"] == 750_000

    only_paid = (await client.get("/api/v1/finance/invoices?status=paid")).json()
    assert [item["number"] for item in only_paid] == [anna["invoice_number"]] and only_paid[0]["owed_ore"] == 0
    assert [i["number"] for i in (await client.get("/api/v1/finance/invoices?status=unpaid")).json()] == [
        bo["invoice_number"]
    ]
    page = await client.get("/ekonomi?status=paid")
    assert anna["invoice_number"] in page.text and bo["invoice_number"] not in page.text
    today = clock.today().isoformat()
    assert len((await client.get(f"/api/v1/finance/invoices?from={today}&to={today}")).json()) == 2
    assert (await client.get("/api/v1/finance/invoices?from=2000-01-01&to=2000-12-31")).json() == []
    assert (await client.get("/api/v1/finance/invoices?status=betald")).status_code == 400
    assert (await client.get("/ekonomi?status=betald")).status_code == 400
    assert (await client.get("/ekonomi?fran=31/12")).status_code == 400


async def test_the_payment_form_says_what_is_wrong(client):
    anna = await enrol(client, "anna@example.se")
    await login_as_staff(client, "finance")
    cases = [
        ({"amount": "12,345", "ocr": anna["ocr"]}, "amount"),
        ({"amount": "-5", "ocr": anna["ocr"]}, "amount"),
        ({"amount": "100"}, "ocr"),
        ({"amount": "100", "ocr": anna["ocr"], "invoice_number": anna["invoice_number"]}, "ocr"),
        ({"amount": "100", "ocr": "1234567890"}, "ocr"),
        ({"amount": "100", "invoice_number": "2026-99999"}, "invoice_number"),
        ({"amount": "100", "ocr": anna["ocr"], "date": "2099-01-01"}, "date"),
        ({"amount": "100", "ocr": anna["ocr"], "date": "igår"}, "date"),
    ]
    for change, field in cases:
        data = {"date": clock.today().isoformat(), "amount": "", "ocr": "", "invoice_number": ""} | change
        response = await post_form(client, "/ekonomi/betalningar", data, page="/ekonomi/betalningar")
        assert response.status_code == 400, (change, response.status_code)
        assert f'id="{field}-error"' in response.text, (change, field)
        assert f'value="{data["amount"]}"' in response.text
    assert (await client.get("/api/v1/finance/invoices")).json()[0]["paid_ore"] == 0
    bad = await api_post(
        client, "/api/v1/finance/payments", {"ocr": anna["ocr"], "amount_ore": 0, "date": "2026-01-01"}
    )
    assert bad.status_code == 400


# -- credit notes


async def test_credit_whole_by_form_and_partial_by_api(client):
    anna = await enrol(client, "anna@example.se")
    bo = await enrol(client, "bo@example.se", first_name="Bo")
    await login_as_staff(client, "finance")

    no_reason = await post_form(
        client, f"/ekonomi/faktura/{anna['invoice_number']}/kreditera", {"mode": "whole", "reason": ""}
    )
    assert no_reason.status_code == 400 and 'id="reason-error"' in no_reason.text
    reason_error = no_reason.text.split('id="reason-error">')[1].split("<")[0]
    assert no_reason.text.count(reason_error) == 1  # once, at the field, not again at the top
    whole = await post_form(
        client, f"/ekonomi/faktura/{anna['invoice_number']}/kreditera", {"mode": "whole", "reason": "Avbokad i tid"}
    )
    assert whole.status_code == 303
    detail = await client.get(whole.headers["location"])
    assert "Kreditfakturan är utfärdad" in detail.text and "Krediterad" in detail.text
    [credit_number] = re.findall(r"kreditfaktura=(\d{4}-\d{5})", whole.headers["location"])
    assert credit_number in detail.text
    note = await client.get(f"/ekonomi/faktura/{credit_number}")
    assert note.status_code == 200 and "Avbokad i tid" in note.text and anna["invoice_number"] in note.text
    again = await post_form(
        client, f"/ekonomi/faktura/{anna['invoice_number']}/kreditera", {"mode": "whole", "reason": "igen"}
    )
    assert again.status_code == 409

    bad_amount = await post_form(
        client,
        f"/ekonomi/faktura/{bo['invoice_number']}/kreditera",
        {"mode": "partial", "amount": "tusen", "reason": "Rabatt"},
    )
    assert bad_amount.status_code == 400 and 'id="amount-error"' in bad_amount.text and "Rabatt" in bad_amount.text
    too_much = await post_form(
        client,
        f"/ekonomi/faktura/{bo['invoice_number']}/kreditera",
        {"mode": "partial", "amount": "20 000", "reason": "Rabatt"},
    )
    assert too_much.status_code == 400
    partial = await api_post(
        client, f"/api/v1/finance/invoices/{bo['invoice_number']}/credit", {"amount_ore": 250_000, "reason": "Rabatt"}
    )
    assert partial.status_code == 201, partial.text
    assert partial.json()["total_ore"] == -250_000 and partial.json()["invoice_number"] == bo["invoice_number"]
    listed = (await client.get("/api/v1/finance/invoices")).json()
    bo_row = next(item for item in listed if item["number"] == bo["invoice_number"])
    assert bo_row["credited_ore"] == 250_000 and bo_row["owed_ore"] == 1_000_000 and bo_row["status"] == "unpaid"
    assert status_of(listed, anna["invoice_number"]) == "credited"
    kinds = {item["kind"] for item in listed}
    assert kinds == {"invoice", "credit_note"}
    missing = await api_post(client, "/api/v1/finance/invoices/2026-99999/credit", {"reason": "x"})
    assert missing.status_code == 404
    no_reason_api = await api_post(client, f"/api/v1/finance/invoices/{bo['invoice_number']}/credit", {"reason": " "})
    assert no_reason_api.status_code == 400


async def test_the_participant_sees_the_credit_note_and_the_ledger(client, app):
    from litestar.testing import AsyncTestClient

    anna = await enrol(client, "anna@example.se")
    participant_cookies = dict(client.cookies)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as finance:
        await login_as_staff(finance, "finance")
        await api_post(
            finance,
            f"/api/v1/finance/invoices/{anna['invoice_number']}/credit",
            {"amount_ore": 250_000, "reason": "Rabatt"},
        )
        await api_post(
            finance,
            "/api/v1/finance/payments",
            {"ocr": anna["ocr"], "amount_ore": 1_000_000, "date": clock.today().isoformat()},
        )
    client.cookies.update(participant_cookies)
    mine = (await client.get("/api/v1/me/invoices")).json()
    assert [item["kind"] for item in mine] == ["credit_note", "invoice"] and mine[1]["status"] == "paid"
    page = (await client.get("/mina-fakturor")).text
    ledger = page.split('id="ledger"')[1]
    assert ledger.index("Faktura") < ledger.index("Kreditfaktura") < ledger.index("Betalning")
    balances = re.findall(r'<td class="num">([^<]+)</td>\s*</tr>', ledger.split("</table>")[0])
    assert balances == ["12\xa0500,00\xa0kr", "10\xa0000,00\xa0kr", "0,00\xa0kr"]
    assert f"/mina-fakturor/{mine[0]['number']}.pdf" in page


REFUSED_REASONS = [
    ("nul", "Avbokad\x00"),
    ("control", "Avbokad\x07 i tid"),
    ("bidi", "Avbokad \u202eit di"),
    ("personnummer", "Avbokad av 811228-9874"),
    ("card", "Återbetalt till kort 4111 1111 1111 1111"),
    ("too long", "x" * 501),
]


async def test_the_credit_reason_goes_through_the_free_text_rule(client):
    anna = await enrol(client, "anna@example.se")
    await login_as_staff(client, "finance")
    path = f"/ekonomi/faktura/{anna['invoice_number']}/kreditera"
    for name, reason in REFUSED_REASONS:
        page = await post_form(client, path, {"mode": "whole", "reason": reason})
        assert page.status_code == 400 and 'id="reason-error"' in page.text, name
        assert "811228" not in page.text and "4111 1111" not in page.text, name  # never shown again
        api = await api_post(client, f"/api/v1/finance/invoices/{anna['invoice_number']}/credit", {"reason": reason})
        assert api.status_code == 400 and api.json()["errors"]["reason"], name
    listed = (await client.get("/api/v1/finance/invoices")).json()
    assert [(item["kind"], item["status"]) for item in listed] == [("invoice", "unpaid")]  # nothing was issued
    accepted = await post_form(client, path, {"mode": "whole", "reason": "Avbokad i tid,\nenligt villkoren"})
    assert accepted.status_code == 303  # a line break typed in the textarea is text, folded into a space
    note = (await client.get("/api/v1/finance/invoices")).json()[0]["number"]
    assert "Avbokad i tid, enligt villkoren" in (await client.get(f"/ekonomi/faktura/{note}")).text


# -- BgMax and unmatched payments


async def test_bgmax_page_matches_and_lists_the_rest_and_places_by_hand(client):
    anna = await enrol(client, "anna@example.se")
    bo = await enrol(client, "bo@example.se", first_name="Bo")
    await login_as_staff(client, "finance")
    data = bgmax_file((1_250_000, anna["ocr"], "Anna Andersson"), (1_250_000, "Kursavgift Bo", "Bo Berg"))

    response = await post_form(
        client, "/ekonomi/bgmax", {}, page="/ekonomi/bgmax", files={"file": ("bgmax.txt", data, "text/plain")}
    )
    assert response.status_code == 200, response.text[:500]
    result = response.text.split('id="bgmax-result"')[1]
    assert "2 betalningar" in result and "1 kopplade, 1 att hantera för hand" in result
    assert anna["invoice_number"] in result.split('id="matched"')[1].split('id="unmatched"')[0]
    assert "Bo Berg" in result.split('id="unmatched"')[1]

    twice = await post_form(
        client, "/ekonomi/bgmax", {}, page="/ekonomi/bgmax", files={"file": ("bgmax.txt", data, "text/plain")}
    )
    assert twice.status_code == 409 and "redan" in twice.text
    broken = await post_form(
        client,
        "/ekonomi/bgmax",
        {},
        page="/ekonomi/bgmax",
        files={"file": ("x.txt", b"01BGMAX nonsense\n", "text/plain")},
    )
    assert broken.status_code == 400 and 'id="file-error"' in broken.text
    first_line = broken.text.split('id="file-error" role="alert"><p>')[1].split("<")[0]
    assert broken.text.count(first_line) == 1  # once, at the file field
    assert twice.text.count(twice.text.split('id="file-error" role="alert"><p>')[1].split("<")[0]) == 1
    nothing = await post_form(client, "/ekonomi/bgmax", {}, page="/ekonomi/bgmax")
    assert nothing.status_code == 400

    payments = await client.get("/ekonomi/betalningar")
    unmatched = payments.text.split('id="unmatched"')[1].split("</table>")[0]
    payment_id = int(re.findall(r'id="betalning-(\d+)"', unmatched)[0])
    wrong = await post_form(
        client,
        f"/ekonomi/betalningar/{payment_id}/koppla",
        {"invoice_number": "2026-99999"},
        page="/ekonomi/betalningar",
    )
    assert wrong.status_code == 400 and f'id="place-{payment_id}-error"' in wrong.text
    placed = await post_form(
        client,
        f"/ekonomi/betalningar/{payment_id}/koppla",
        {"invoice_number": bo["invoice_number"]},
        page="/ekonomi/betalningar",
    )
    assert placed.status_code == 303 and placed.headers["location"].startswith(
        f"/ekonomi/faktura/{bo['invoice_number']}"
    )
    assert "Betald" in (await client.get(placed.headers["location"])).text
    again = await post_form(
        client,
        f"/ekonomi/betalningar/{payment_id}/koppla",
        {"invoice_number": bo["invoice_number"]},
        page="/ekonomi/betalningar",
    )
    assert again.status_code == 409
    statuses = {item["number"]: item["status"] for item in (await client.get("/api/v1/finance/invoices")).json()}
    assert statuses == {anna["invoice_number"]: "paid", bo["invoice_number"]: "paid"}
    assert 'id="unmatched"' not in (await client.get("/ekonomi/betalningar")).text


async def test_bgmax_api(client):
    anna = await enrol(client, "anna@example.se")
    await login_as_staff(client, "finance")
    data = bgmax_file((500_000, anna["ocr"], "Anna Andersson"), (100, "okänd", "Någon"))
    token = await csrf_token(client)
    response = await client.post(
        "/api/v1/finance/bgmax", files={"file": ("bgmax.txt", data)}, headers={"x-csrftoken": token}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["payments"] == 2 and body["total_ore"] == 500_100
    assert [p["invoice_number"] for p in body["matched"]] == [anna["invoice_number"]]
    assert [p["amount_ore"] for p in body["unmatched"]] == [100]
    again = await client.post(
        "/api/v1/finance/bgmax", files={"file": ("bgmax.txt", data)}, headers={"x-csrftoken": token}
    )
    assert again.status_code == 409
    broken = await client.post(
        "/api/v1/finance/bgmax", files={"file": ("x.txt", b"nonsense")}, headers={"x-csrftoken": token}
    )
    assert broken.status_code == 400 and broken.json()["errors"]["file"]
    assert status_of((await client.get("/api/v1/finance/invoices")).json(), anna["invoice_number"]) == "partly_paid"


# -- overdue, the customer's ledger


async def test_the_overdue_list_and_the_customer_ledger(client):
    anna = await enrol(client, "anna@example.se")
    account_id = (await client.get("/api/v1/me")).json()["id"]
    await login_as_staff(client, "finance")
    assert anna["invoice_number"] not in (await client.get("/ekonomi/forfallna")).text
    later = clock.now() + timedelta(days=40)
    clock.set_now(lambda: later)
    try:
        client.cookies.clear()  # sessions last 14 days: log in again, 40 days on
        login = await api_post(
            client, "/api/v1/auth/login", {"email": "finance@balansekonomi.se", "password": PASSWORD}
        )
        assert login.status_code == 200
        page = await client.get("/ekonomi/forfallna")
        assert page.status_code == 200 and anna["invoice_number"] in page.text and "12\xa0500,00\xa0kr" in page.text
        assert status_of((await client.get("/api/v1/finance/invoices")).json(), anna["invoice_number"]) == "overdue"
    finally:
        clock.set_now(None)
    await login_as_staff(client, "finance", email="f2@balansekonomi.se")
    customer = await client.get(f"/ekonomi/kund/{account_id}")
    assert customer.status_code == 200
    assert "Storgatan 1" in customer.text and anna["invoice_number"] in customer.text.split('id="ledger"')[1]
    assert (await client.get("/ekonomi/kund/999999")).status_code == 404


# -- documents and exports


async def test_pdf_and_ubl_for_finance(client):
    private = await enrol(client, "anna@example.se")
    company = await enrol(client, "bo@example.se", COMPANY, first_name="Bo")
    await login_as_staff(client, "finance")
    detail = await client.get(f"/ekonomi/faktura/{company['invoice_number']}")
    assert f"/ekonomi/faktura/{company['invoice_number']}.xml" in detail.text and "Bolaget AB" in detail.text
    assert ".xml" not in (await client.get(f"/ekonomi/faktura/{private['invoice_number']}")).text
    pdf = await client.get(f"/ekonomi/faktura/{private['invoice_number']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for path in (
        f"/api/v1/finance/invoices/{company['invoice_number']}.xml",
        f"/ekonomi/faktura/{company['invoice_number']}.xml",
    ):
        xml = await client.get(path)
        assert xml.status_code == 200, xml.text[:300]
        assert (
            xml.headers["content-type"].startswith("application/xml")
            and company["invoice_number"].encode() in xml.content
        )
    assert (await client.get(f"/api/v1/finance/invoices/{private['invoice_number']}.xml")).status_code == 409
    assert (await client.get("/api/v1/finance/invoices/2026-99999.xml")).status_code == 404
    assert (await client.get(f"/api/v1/finance/invoices/{private['invoice_number']}.pdf")).status_code == 404
    assert (await client.get("/ekonomi/faktura/inte-ett-nummer")).status_code == 404


async def test_no_peppol_document_for_a_company_without_org_number(client):
    """Issue 13: such an invoice got EndpointID schemeID="EM", which fails PEPPOL-EN16931-CL008 (fatal). Finance gets
    the reason instead of a broken document, on the page and as a 409 from both downloads."""
    company = await enrol(client, "bo@example.se", {k: v for k, v in COMPANY.items() if k != "org_number"}, "Bo")
    number = company["invoice_number"]
    await login_as_staff(client, "finance")
    page = await client.get(f"/ekonomi/faktura/{number}")
    assert page.status_code == 200 and f"{number}.xml" not in page.text
    assert "Köparen har inget organisationsnummer, så fakturan kan inte skickas via Peppol" in page.text
    for path in (f"/api/v1/finance/invoices/{number}.xml", f"/ekonomi/faktura/{number}.xml"):
        refused = await client.get(path)
        assert refused.status_code == 409, path
        assert "inget organisationsnummer" in refused.text and "<Invoice" not in refused.text


async def test_exports(client):
    anna = await enrol(client, "anna@example.se")
    await login_as_staff(client, "finance")
    await api_post(
        client,
        "/api/v1/finance/payments",
        {"ocr": anna["ocr"], "amount_ore": 1_250_000, "date": clock.today().isoformat()},
    )
    today = clock.today()
    first, stamp = date(today.year, 1, 1), today.strftime("%Y%m%d")

    csv = await client.get("/api/v1/finance/exports/invoices.csv")
    assert csv.status_code == 200, csv.text[:300]
    assert csv.headers["content-type"].startswith("text/csv")
    assert f'filename="fakturor-{first:%Y%m%d}-{stamp}.csv"' in csv.headers["content-disposition"]
    assert csv.content.startswith(b"\xef\xbb\xbf") and anna["invoice_number"] in csv.content.decode("utf-8-sig")

    sie = await client.get(f"/api/v1/finance/exports/sie?from={first.isoformat()}&to={today.isoformat()}")
    assert sie.status_code == 200
    assert sie.headers["content-type"].lower().startswith("text/plain; charset=ibm437")
    assert f'filename="kurssajten-{first:%Y%m%d}-{stamp}.si"' in sie.headers["content-disposition"]
    text = sie.content.decode("cp437")
    assert text.startswith("#FLAGGA 0") and text.count("#VER") == 2

    page_csv = await client.get(f"/ekonomi/export/fakturor.csv?fran={first.isoformat()}&till={today.isoformat()}")
    assert page_csv.status_code == 200 and page_csv.headers["content-type"].startswith("text/csv")
    page_sie = await client.get(f"/ekonomi/export/sie?fran={first.isoformat()}&till={today.isoformat()}")
    assert page_sie.status_code == 200 and page_sie.content.decode("cp437").startswith("#FLAGGA 0")
    assert (await client.get("/ekonomi/export")).status_code == 200
    backwards = await client.get("/ekonomi/export/sie?fran=2026-12-31&till=2026-01-01")
    assert backwards.status_code == 400 and "efter slutdatumet" in backwards.text
    assert (await client.get("/ekonomi/export/sie?fran=igår")).status_code == 400
    assert (await client.get("/api/v1/finance/exports/sie?from=2026-12-31&to=2026-01-01")).status_code == 400
    assert (await client.get("/api/v1/finance/exports/sie?from=1900-01-01&to=2026-01-01")).status_code == 400
    assert (await client.get("/api/v1/finance/exports/invoices.csv?from=not-a-date")).status_code == 400


async def test_openapi_lists_the_billing_api(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/terms",
        "/api/v1/enrollments",
        "/api/v1/me/invoices",
        "/api/v1/me/invoices/{name}",
        "/api/v1/finance/invoices",
        "/api/v1/finance/invoices/{number}/credit",
        "/api/v1/finance/payments",
        "/api/v1/finance/bgmax",
        "/api/v1/finance/exports/invoices.csv",
        "/api/v1/finance/exports/sie",
        "/api/v1/finance/invoices/{name}",
    ):
        assert path in paths, path
    assert not any(path.startswith(("/ekonomi", "/anmalan", "/mina-fakturor", "/villkor")) for path in paths)
