"""Customer service's pages and API through the test client with real CSRF: cases and requests, notes that refuse
personnummer and card numbers, extension with a reason, the overdue list, completion once the identity is confirmed,
deletion via customer service, the staff audit log, and what each staff role sees of a person. The confirmation
itself, staff accounts and the access export: test_support_confirmation.py."""

from datetime import timedelta

import pytest

from coursesite.billing.enrolment import TERMS_VERSION
from coursesite.db.accounts import Account
from coursesite.db.privacy import CaseNote, StaffAudit, SupportCase
from coursesite.privacy.deadlines import deadline
from coursesite.support.cases import today
from tests.conftest import PASSWORD, api_post, csrf_token, login_as_staff, register
from tests.support import (
    IDENTITY_CHECKED,
    concrete,
    confirm_identity_by_api,
    guard_functions,
    handlers,
    open_every_lesson,
    post_form,
)

SUPPORT_GUARD = "roles(customer_service, admin)"
ESSAY = "indexfonder-och-avgifter.forklara-avgifter"
ANSWER = "Avgifterna äter upp avkastningen år efter år, skrev jag."
PNR = "20000101-2384"
CARD = "4111 1111 1111 1111"
COMPANY = {
    "customer_type": "company",
    "company_name": "Särskilda Bolaget AB",
    "org_number": "556047-3521",
    "reference": "Eva Referensson",
    "address_line": "Fakturavägen 17",
    "postal_code": "114 55",
    "city": "Sundsvall",
    "accept_terms_version": TERMS_VERSION,
}
BILLING_DETAILS = ("Särskilda Bolaget AB", "556047-3521", "Eva Referensson", "Fakturavägen 17", "Sundsvall")


def support_routes(app):
    for path, handler in handlers(app):
        if SUPPORT_GUARD in [getattr(guard, "__name__", "") for guard in guard_functions(handler)]:
            for method in sorted(handler.http_methods):
                yield method, path


async def login(client, email: str) -> None:
    client.cookies.clear()
    response = await api_post(client, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def participant_with_billing_and_an_answer(client, course, email="zelda@example.se") -> dict:
    """A participant enrolled as a company buyer (billing details) who has answered an essay question."""
    client.cookies.clear()
    account = await register(client, email, "Zelda", enrolled=False)
    response = await api_post(client, "/api/v1/enrollments", COMPANY)
    assert response.status_code == 201, response.text
    await open_every_lesson(account["id"], course)
    answered = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": ANSWER})
    assert answered.status_code == 201, answered.text
    return account | {"answer_id": answered.json()["id"], "invoice_number": response.json()["invoice_number"]}


async def erasure_request(client, email: str) -> int:
    await login(client, email)
    response = await api_post(client, "/api/v1/me/erasure-request")
    assert response.status_code == 201, response.text
    return response.json()["id"]


# -- who may


def test_the_support_routes_are_found(app):
    found = {path for _, path in support_routes(app)}
    assert {
        "/kundtjanst",
        "/kundtjanst/nytt",
        "/kundtjanst/arende/{case_id:int}",
        "/kundtjanst/arende/{case_id:int}/anteckning",
        "/kundtjanst/arende/{case_id:int}/forlang",
        "/kundtjanst/arende/{case_id:int}/avsluta",
        "/api/v1/support/requests",
        "/api/v1/support/requests/{case_id:int}/complete",
        "/api/v1/support/cases",
        "/kundtjanst/nyhetsbrevstjanster",
        "/kundtjanst/nyhetsbrevstjanster/{notice_id:int}/utfort",
        "/api/v1/support/processor-notices",
        "/api/v1/support/processor-notices/{notice_id:int}/done",
        "/kundtjanst/arende/{case_id:int}/skicka-lank",
        "/api/v1/support/requests/{case_id:int}/resend-confirmation",
        "/kundtjanst/arende/{case_id:int}/meddela-havning",
        "/kundtjanst/arende/{case_id:int}/bekrafta-identitet",
        "/api/v1/support/requests/{case_id:int}/confirm-identity",
    } <= found
    # Customer service never downloads anyone's export: the person gets it (issue 11 §4).
    assert not {path for path in found if "registerutdrag" in path or path.endswith("/export")}


@pytest.mark.parametrize("role", ["participant", "instructor", "finance"])
async def test_every_support_route_is_403_for_other_roles(app, client, role):
    if role == "participant":
        await register(client)
    else:
        await login_as_staff(client, role)
    token = await csrf_token(client)
    refused = []
    for method, path in support_routes(app):
        response = await client.request(
            method, concrete(path), headers={"x-csrftoken": token}, json={}, follow_redirects=False
        )
        if response.status_code != 403:
            refused.append((method, path, response.status_code))
    assert refused == []


async def test_the_nav_links_customer_service_to_its_pages(client):
    await login_as_staff(client, "customer_service")
    assert 'href="/kundtjanst"' in (await client.get("/min-kurs")).text


# -- cases on the pages


async def test_customer_service_registers_a_case_and_sees_it_among_the_open_ones(client):
    await login_as_staff(client, "customer_service")
    response = await post_form(
        client,
        "/kundtjanst/nytt",
        {
            "kind": "complaint",
            "subject": "Fel belopp på fakturan",
            "description": "Kunden fick två fakturor.",
            "contact_name": "Bo Ek",
            "contact_email": "bo@example.se",
            "account_id": "",
            "received_on": "",
        },
        page="/kundtjanst/nytt",
    )
    assert response.status_code == 303, response.text
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Fel belopp på fakturan" in page.text and "bo@example.se" in page.text
    listed = await client.get("/kundtjanst")
    assert "Fel belopp på fakturan" in listed.text and "Reklamation" in listed.text


async def test_a_new_case_with_a_personnummer_is_refused_and_not_shown_again(client):
    await login_as_staff(client, "customer_service")
    response = await post_form(
        client,
        "/kundtjanst/nytt",
        {"kind": "complaint", "subject": "Reklamation", "description": f"Mitt personnummer är {PNR}."},
        page="/kundtjanst/nytt",
    )
    assert response.status_code == 400 and PNR not in response.text and "personnummer" in response.text
    assert await SupportCase.count() == 0


@pytest.mark.parametrize("forbidden", [PNR, CARD])
async def test_a_note_with_a_personnummer_or_card_number_is_refused_and_nothing_stored(client, forbidden):
    await login_as_staff(client, "customer_service")
    created = await api_post(
        client, "/api/v1/support/cases", {"kind": "question", "subject": "Fråga", "contact_email": "bo@example.se"}
    )
    case_id = created.json()["id"]
    page = f"/kundtjanst/arende/{case_id}"
    response = await post_form(
        client, f"{page}/anteckning", {"note": f"Han läste upp {forbidden} i telefon."}, page=page
    )
    assert response.status_code == 400
    assert forbidden not in response.text and forbidden.replace(" ", "") not in response.text
    assert await CaseNote.count() == 0
    saved = await post_form(client, f"{page}/anteckning", {"note": "Ringde tillbaka."}, page=page)
    assert saved.status_code == 303 and "Ringde tillbaka." in (await client.get(page)).text


async def test_extending_a_request_needs_a_reason(client):
    await login_as_staff(client, "customer_service")
    created = await api_post(
        client,
        "/api/v1/support/cases",
        {"kind": "access", "subject": "Utdrag per brev", "contact_email": "bo@example.se"},
    )
    case_id = created.json()["id"]
    page = f"/kundtjanst/arende/{case_id}"
    refused = await post_form(client, f"{page}/forlang", {"reason": "", "notified_on": today().isoformat()}, page=page)
    assert refused.status_code == 400 and "Skriv skälet" in refused.text
    assert (await SupportCase.select(SupportCase.status).where(SupportCase.id == case_id))[0]["status"] == "open"
    extended = await post_form(
        client,
        f"{page}/forlang",
        {"reason": "Många begäranden just nu.", "notified_on": today().isoformat()},
        page=page,
    )
    assert extended.status_code == 303
    requests = (await client.get("/api/v1/support/requests")).json()
    assert [(r["id"], r["status"], r["deadline"]) for r in requests] == [
        (case_id, "extended", deadline(today(), extended=True).isoformat())
    ]


# -- the API


async def test_requests_are_listed_with_type_email_status_and_deadline(client):
    await register(client, "anna@example.se")
    request_id = await erasure_request(client, "anna@example.se")
    await login_as_staff(client, "customer_service")
    assert (await client.get("/api/v1/support/requests")).json() == [
        {
            "id": request_id,
            "type": "erasure",
            "email": "anna@example.se",
            "status": "open",
            "deadline": deadline(today()).isoformat(),
            "received_on": today().isoformat(),
            "overdue": False,
            "account_id": (await Account.select(Account.id).where(Account.email == "anna@example.se"))[0]["id"],
            "confirmation": "pending",
            "identity_method": None,
            "identity_confirmed_at": None,
        }
    ]


async def test_the_overdue_requests_come_first_and_are_marked(client):
    await login_as_staff(client, "customer_service")
    fresh = await api_post(
        client, "/api/v1/support/cases", {"kind": "access", "subject": "Ny", "contact_email": "ny@example.se"}
    )
    old_day = today() - timedelta(days=40)
    old = await api_post(
        client,
        "/api/v1/support/cases",
        {
            "kind": "rectification",
            "subject": "Gammal",
            "contact_email": "gammal@example.se",
            "received_on": old_day.isoformat(),
        },
    )
    assert old.status_code == 201 and old.json()["deadline"] == deadline(old_day).isoformat()
    listed = (await client.get("/api/v1/support/requests")).json()
    assert [(r["id"], r["overdue"]) for r in listed] == [(old.json()["id"], True), (fresh.json()["id"], False)]
    page = (await client.get("/kundtjanst")).text
    old_row, fresh_row = (page.index(f'id="arende-{r.json()["id"]}"') for r in (old, fresh))
    assert old_row < fresh_row and "Förfallen" in page and "1 begäran har passerat" in page


async def test_completing_through_the_api_is_409_until_the_identity_is_confirmed(client):
    await login_as_staff(client, "customer_service")
    created = await api_post(
        client,
        "/api/v1/support/cases",
        {"kind": "access", "subject": "Utdrag", "contact_email": "bo@example.se", "contact_name": "Bo Ek"},
    )
    path = f"/api/v1/support/requests/{created.json()['id']}/complete"
    for body in (
        {},
        {"identity_verified": True, "note": "Skickat."},  # the old checkbox is gone
        {"note": "Skickat.", "extra": 1},
        {"note": ""},
    ):
        response = await api_post(client, path, body)
        assert response.status_code == 400, (body, response.text)
    pending = await api_post(client, path, {"note": "Skickat."})
    assert pending.status_code == 409 and "väntar på bekräftelse" in pending.json()["detail"]
    await confirm_identity_by_api(client, created.json()["id"])
    done = await api_post(client, path, {"note": "Lämnat i receptionen."})
    assert done.status_code == 409 and "inte kopplad" in done.json()["detail"]  # nobody known from the forms


async def test_a_complaint_is_not_a_request_to_complete_through_the_api(client):
    await login_as_staff(client, "customer_service")
    created = await api_post(client, "/api/v1/support/cases", {"kind": "complaint", "subject": "Reklamation"})
    response = await api_post(client, f"/api/v1/support/requests/{created.json()['id']}/complete", {"note": "x"})
    assert response.status_code == 404


async def test_creating_a_case_through_the_api_refuses_personal_numbers_and_unknown_fields(client):
    await login_as_staff(client, "customer_service")
    refused = await api_post(
        client, "/api/v1/support/cases", {"kind": "complaint", "subject": "Reklamation", "description": f"Kort {CARD}"}
    )
    assert refused.status_code == 400 and "description" in refused.json()["errors"] and CARD not in refused.text
    unknown = await api_post(
        client, "/api/v1/support/cases", {"kind": "complaint", "subject": "R", "personnummer": "x"}
    )
    assert unknown.status_code == 400
    assert await SupportCase.count() == 0


# -- the clause


async def test_clause_deletion_via_customer_service_a_request_erases_nothing_until_customer_service_completes_it(
    client,
):
    await register(client, "erik@example.se", "Erik")
    request_id = await erasure_request(client, "erik@example.se")
    again = await api_post(client, "/api/v1/me/erasure-request")
    assert again.json()["id"] == request_id  # one open request, not two

    # The request alone erases nothing: the account is there and Erik can still log in.
    assert await Account.exists().where(Account.email == "erik@example.se")
    await login(client, "erik@example.se")

    await login_as_staff(client, "customer_service")
    path = f"/api/v1/support/requests/{request_id}/complete"
    unverified = await api_post(client, path, {"note": "Mejlade, väntar på svar."})
    assert unverified.status_code == 409
    assert await Account.exists().where(Account.email == "erik@example.se")

    await confirm_identity_by_api(client, request_id)
    done = await api_post(client, path, {"note": "Ringde Erik och kontrollerade uppgifterna."})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed" and "Raderat" in done.json()["outcome"]
    assert not await Account.exists().where(Account.email == "erik@example.se")
    client.cookies.clear()
    refused = await api_post(client, "/api/v1/auth/login", {"email": "erik@example.se", "password": PASSWORD})
    assert refused.status_code == 401


async def test_completing_an_erasure_on_the_page_needs_the_identity_confirmed_first(client):
    await register(client, "erik@example.se", "Erik")
    request_id = await erasure_request(client, "erik@example.se")
    await login_as_staff(client, "customer_service")
    page = f"/kundtjanst/arende/{request_id}"
    shown = (await client.get(page)).text
    assert "Väntar på bekräftelse" in shown and 'id="confirm-form"' in shown and 'id="complete-form"' not in shown
    refused = await post_form(client, f"{page}/avsluta", {"note": "Ringde honom."}, page=page)
    assert refused.status_code == 409 and "väntar på bekräftelse" in refused.text
    assert await Account.exists().where(Account.email == "erik@example.se")
    confirmed = await post_form(
        client,
        f"{page}/bekrafta-identitet",
        {"method": "id_document_at_office", "note": IDENTITY_CHECKED},
        page=page,
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"].endswith("?klar=bekraftad")
    shown = (await client.get(page)).text
    assert "Legitimation visad på kontoret" in shown and 'id="complete-form"' in shown
    done = await post_form(client, f"{page}/avsluta", {"note": "Ringde honom."}, page=page)
    assert done.status_code == 303
    assert not await Account.exists().where(Account.email == "erik@example.se")
    assert "Avslutat" in (await client.get(page)).text


# -- the audit log


async def test_the_audit_log_has_a_row_for_each_staff_read_and_change(client, course, services):
    person = await participant_with_billing_and_an_answer(client, course)
    account_id = person["id"]
    request_id = await erasure_request(client, "zelda@example.se")

    support = await login_as_staff(client, "customer_service", email="kim@balansekonomi.se")
    page = f"/kundtjanst/arende/{request_id}"
    assert (await client.get(page)).status_code == 200
    assert (
        await post_form(client, f"{page}/anteckning", {"note": "Bad om legitimation."}, page=page)
    ).status_code == 303
    assert (await client.get("/api/v1/support/requests")).status_code == 200

    instructor = await login_as_staff(client, "instructor", email="ingrid@balansekonomi.se")
    assert (await client.get(f"/larare/deltagare/{account_id}")).status_code == 200
    assert (await client.get(f"/larare/granskning/{person['answer_id']}")).status_code == 200

    finance = await login_as_staff(client, "finance", email="frida@balansekonomi.se")
    assert (await client.get(f"/ekonomi/kund/{account_id}")).status_code == 200
    assert (await client.get(f"/ekonomi/faktura/{person['invoice_number']}")).status_code == 200

    rows = await services.audit.entries(subject_account=account_id)
    seen = sorted((row.actor_id, row.action, row.why) for row in rows)
    assert all(row.what and row.why and row.created_at for row in rows)
    assert (support.account_id, "read", f"kundtjänst, ärende {request_id}") in seen
    assert (support.account_id, "change", f"kundtjänst, ärende {request_id}") in seen
    assert (support.account_id, "read", "kundtjänst: begäranden via API") in seen
    assert (instructor.account_id, "read", "lärare: deltagarens sida") in seen
    assert (instructor.account_id, "read", "lärare: bedömning") in seen
    assert (finance.account_id, "read", "ekonomi: kundens reskontra") in seen
    assert (finance.account_id, "read", "ekonomi: fakturan") in seen
    # The log names fields and records, never the person's data itself.
    assert not [row for row in rows if "zelda" in (row.what + row.why).lower() or ANSWER in row.what]
    assert await StaffAudit.count().where(StaffAudit.actor.is_null()) == 0


# -- what each role sees


async def test_instructor_never_sees_billing_details(client, course):
    person = await participant_with_billing_and_an_answer(client, course)
    await login_as_staff(client, "instructor")
    for path in (f"/larare/deltagare/{person['id']}", f"/larare/granskning/{person['answer_id']}"):
        page = await client.get(path)
        assert page.status_code == 200 and "Zelda" in page.text
        assert [detail for detail in BILLING_DETAILS if detail in page.text] == [], path
    assert ANSWER in (await client.get(f"/larare/granskning/{person['answer_id']}")).text  # names and answers, yes
    assert (await client.get(f"/ekonomi/kund/{person['id']}")).status_code == 403


async def test_customer_service_sees_contact_data_and_cases_never_answers_or_billing(client, course):
    person = await participant_with_billing_and_an_answer(client, course)
    request_id = await erasure_request(client, "zelda@example.se")
    await login_as_staff(client, "customer_service")
    page = await client.get(f"/kundtjanst/arende/{request_id}")
    assert page.status_code == 200
    assert "zelda@example.se" in page.text and "Zelda" in page.text and "Begäran om radering" in page.text
    assert ANSWER not in page.text
    assert [detail for detail in BILLING_DETAILS if detail in page.text] == []
    for path in (
        f"/larare/deltagare/{person['id']}",
        f"/larare/granskning/{person['answer_id']}",
        f"/ekonomi/kund/{person['id']}",
    ):
        assert (await client.get(path)).status_code == 403, path


async def test_finance_sees_billing_never_answers(client, course):
    person = await participant_with_billing_and_an_answer(client, course)
    await login_as_staff(client, "finance")
    for path in (f"/ekonomi/kund/{person['id']}", f"/ekonomi/faktura/{person['invoice_number']}"):
        page = await client.get(path)
        assert page.status_code == 200 and "Särskilda Bolaget AB" in page.text, path
        assert ANSWER not in page.text and "avkastningen" not in page.text, path
    for path in (f"/larare/deltagare/{person['id']}", f"/larare/granskning/{person['answer_id']}", "/kundtjanst"):
        assert (await client.get(path)).status_code == 403, path
