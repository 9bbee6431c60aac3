"""The one free-text rule (core/text.py) on every stored free text of customer service's cases and the participant's
rights, through the test client with real CSRF (pages) and the JSON API: a NUL, a bidi override, a personnummer and
an over-long value are refused with the field named (its error on the page, its key in the API's `errors`), and
nothing is stored. Both engines."""

from __future__ import annotations

import pytest

from coursesite.db.accounts import Account
from coursesite.db.privacy import AccountPrivacy, CaseNote, Person, StaffAudit, SupportCase
from coursesite.support import identity
from coursesite.support.cases import DESCRIPTION_MAX, NAME_MAX, NOTE_MAX, REASON_MAX, SUBJECT_MAX
from tests.conftest import api_post, csrf_token, login_as_staff, register
from tests.support import confirm_identity_by_api

PNR = "19121212-1212"

# name -> how to make the refused value for a field of `limit` characters
VECTORS = {
    "nul": lambda limit: "Ett\x00fel",
    "bidi": lambda limit: "Ett \u202efel",
    "personnummer": lambda limit: f"Hon heter Eva, {PNR}",
    "too_long": lambda limit: "x" * (limit + 1),
}
NAME_LIMIT = 100  # accounts/validation.NAME_MAX: a rectified first or last name


def not_shown_again(text: str) -> None:
    """What was refused for its content is not shown again: not the personnummer, not the control characters (a
    value refused for its length is, so that it can be shortened)."""
    assert PNR not in text and "\x00" not in text and "\u202e" not in text


async def post_page(client, page: str, path: str, data: dict[str, str]):
    token = await csrf_token(client, page)
    return await client.post(path, data=data | {"_csrf_token": token}, follow_redirects=False)


async def new_case(client, **body) -> int:
    response = await api_post(client, "/api/v1/support/cases", {"kind": "question", "subject": "Fråga"} | body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def case_state(case_id: int) -> tuple:
    row = (await SupportCase.select().where(SupportCase.id == case_id))[0]
    identity_state = (row["identity_method"], row["identity_confirmed_at"], row["identity_note"])
    return (
        row["status"],
        row["extension_reason"],
        row["outcome"],
        row["deadline"],
        identity_state,
        await CaseNote.count(),
    )


# -- a new case: subject, description, contact name


CASE_FIELDS = {"subject": SUBJECT_MAX, "description": DESCRIPTION_MAX, "contact_name": NAME_MAX}
ERROR_IDS = {"subject": "subject-error", "description": "new-description-error", "contact_name": "contact_name-error"}


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("field", CASE_FIELDS)
async def test_a_new_case_through_the_api(client, field, vector):
    await login_as_staff(client, "customer_service")
    audit_before = await StaffAudit.count()
    value = VECTORS[vector](CASE_FIELDS[field])
    body = {"kind": "complaint", "subject": "Reklamation", "contact_email": "bo@example.se", field: value}
    response = await api_post(client, "/api/v1/support/cases", body)
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == [field]
    not_shown_again(response.text)
    assert await SupportCase.count() == 0 and await StaffAudit.count() == audit_before


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("field", CASE_FIELDS)
async def test_a_new_case_on_the_page(client, field, vector):
    await login_as_staff(client, "customer_service")
    value = VECTORS[vector](CASE_FIELDS[field])
    form = {"kind": "complaint", "subject": "Reklamation", "description": "", "contact_name": "", field: value}
    response = await post_page(client, "/kundtjanst/nytt", "/kundtjanst/nytt", form)
    assert response.status_code == 400
    assert f'id="{ERROR_IDS[field]}"' in response.text
    not_shown_again(response.text)
    assert await SupportCase.count() == 0


# -- a note, the extension's reason, the identity-check note on completion, the reason for a rejection


@pytest.mark.parametrize("vector", VECTORS)
async def test_a_note_on_the_page(client, vector):
    await login_as_staff(client, "customer_service")
    case = await new_case(client, contact_email="bo@example.se")
    page = f"/kundtjanst/arende/{case}"
    value = VECTORS[vector](NOTE_MAX)
    response = await post_page(client, page, f"{page}/anteckning", {"note": value})
    assert response.status_code == 400 and 'id="note-note-error"' in response.text
    not_shown_again(response.text)
    assert await CaseNote.count() == 0


@pytest.mark.parametrize("vector", VECTORS)
async def test_the_reason_for_an_extension_on_the_page(client, vector):
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="access", contact_email="bo@example.se")
    before = await case_state(case)
    page = f"/kundtjanst/arende/{case}"
    value = VECTORS[vector](REASON_MAX)
    response = await post_page(client, page, f"{page}/forlang", {"reason": value, "notified_on": ""})
    assert response.status_code == 400 and 'id="extend-reason-error"' in response.text
    not_shown_again(response.text)
    assert await case_state(case) == before


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize(
    ("action", "field", "extra"),
    [("avsluta", "complete_note", {}), ("avvisa", "reject_note", {})],
)
async def test_the_note_that_closes_a_case_on_the_page(client, vector, action, field, extra):
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="access", contact_email="bo@example.se")
    await confirm_identity_by_api(client, case)  # the completion form is shown once the identity is confirmed
    before = await case_state(case)
    page = f"/kundtjanst/arende/{case}"
    value = VECTORS[vector](NOTE_MAX)
    response = await post_page(client, page, f"{page}/{action}", {"note": value} | extra)
    form_id = "complete" if action == "avsluta" else "reject"
    assert response.status_code == 400 and f'id="{form_id}-{field}-error"' in response.text
    not_shown_again(response.text)
    assert await case_state(case) == before


@pytest.mark.parametrize("vector", VECTORS)
async def test_the_completion_note_through_the_api(client, vector):
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="access", contact_email="bo@example.se")
    await confirm_identity_by_api(client, case)
    before = await case_state(case)
    value = VECTORS[vector](NOTE_MAX)
    response = await api_post(client, f"/api/v1/support/requests/{case}/complete", {"note": value})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["note"]
    not_shown_again(response.text)
    assert await case_state(case) == before


@pytest.mark.parametrize("vector", VECTORS)
async def test_the_identity_check_note_through_the_api(client, vector):
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="access", contact_email="bo@example.se")
    before = await case_state(case)
    value = VECTORS[vector](identity.NOTE_MAX)
    body = {"method": "id_document_at_office", "note": value}
    response = await api_post(client, f"/api/v1/support/requests/{case}/confirm-identity", body)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["note"]
    not_shown_again(response.text)
    assert await case_state(case) == before


@pytest.mark.parametrize("vector", VECTORS)
async def test_the_identity_check_note_on_the_page(client, vector):
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="erasure", contact_email="bo@example.se")
    before = await case_state(case)
    page = f"/kundtjanst/arende/{case}"
    value = VECTORS[vector](identity.NOTE_MAX)
    response = await post_page(
        client, page, f"{page}/bekrafta-identitet", {"method": "known_phone_callback", "note": value}
    )
    assert response.status_code == 400 and 'id="confirm-identity_note-error"' in response.text
    not_shown_again(response.text)
    assert await case_state(case) == before


# -- rectification by customer service


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
async def test_a_rectification_on_the_page_and_through_the_api(client, vector, field):
    me = await register(client, email="maja@example.se", first_name="Maja")
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="rectification", subject="Fel namn", account_id=me["id"])
    await confirm_identity_by_api(client, case)
    before = (await Account.select().where(Account.id == me["id"]))[0]
    notes = await CaseNote.count()
    value = VECTORS[vector](NAME_LIMIT)
    page = f"/kundtjanst/arende/{case}"
    form = {"first_name": "Maja", "last_name": "Moberg", "email": "maja@example.se", "mobile": "", field: value}
    response = await post_page(client, page, f"{page}/ratta", form)
    assert response.status_code == 400 and f'id="{field}-error"' in response.text
    not_shown_again(response.text)
    api = await api_post(client, f"/api/v1/support/requests/{case}/rectify", {field: value})
    assert api.status_code == 400 and list(api.json()["errors"]) == [field]
    not_shown_again(api.text)
    assert (await Account.select().where(Account.id == me["id"]))[0] == before
    assert await CaseNote.count() == notes


@pytest.mark.parametrize("vector", VECTORS)
async def test_a_rectification_of_a_form_person_through_the_api(client, vector):
    form = {
        "first_name": "Wilma",
        "last_name": "Webb",
        "email": "wilma@example.se",
        "mobile": "070-123 45 67",
        "webinar": "budget-pa-en-timme",
    }
    assert (await api_post(client, "/api/v1/forms/webinar", form)).status_code == 201
    before = await Person.select()
    await login_as_staff(client, "customer_service")
    case = await new_case(client, kind="rectification", subject="Fel namn", contact_email="wilma@example.se")
    await confirm_identity_by_api(client, case)
    value = VECTORS[vector](NAME_LIMIT)
    response = await api_post(client, f"/api/v1/support/requests/{case}/rectify", {"last_name": value})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["last_name"]
    not_shown_again(response.text)
    assert await Person.select() == before


# -- the participant's restriction reason (Mina uppgifter)


async def restriction_state(account_id: int) -> tuple:
    rows = await AccountPrivacy.select(AccountPrivacy.restricted_at).where(AccountPrivacy.account == account_id)
    return (rows[0]["restricted_at"] if rows else None), await SupportCase.count()


@pytest.mark.parametrize("vector", VECTORS)
async def test_a_restriction_reason_on_the_page_and_through_the_api(client, vector):
    me = await register(client, email="maja@example.se")
    value = VECTORS[vector](REASON_MAX)
    response = await post_page(client, "/mina-uppgifter", "/mina-uppgifter/begransning", {"reason": value})
    assert response.status_code == 400 and 'id="reason-error"' in response.text
    not_shown_again(response.text)
    api = await api_post(client, "/api/v1/me/restriction", {"reason": value})
    assert api.status_code == 400 and list(api.json()["errors"]) == ["reason"]
    not_shown_again(api.text)
    assert await restriction_state(me["id"]) == (None, 0)


async def test_a_valid_reason_on_several_lines_is_kept_on_one(client):
    me = await register(client, email="maja@example.se")
    response = await api_post(client, "/api/v1/me/restriction", {"reason": "Uppgifterna är fel.\r\nRätta dem först."})
    assert response.status_code == 201, response.text
    rows = await AccountPrivacy.select(AccountPrivacy.restriction_reason).where(AccountPrivacy.account == me["id"])
    assert rows[0]["restriction_reason"] == "Uppgifterna är fel. Rätta dem först."
