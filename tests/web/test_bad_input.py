"""Requests the app cannot use get a Swedish 400 (413 for a body that is too large), never a 500, and no traceback
in the log (issue 13, "Server errors from bad input"). The NUL byte cases gave 500 on PostgreSQL; they run on both
engines."""

import logging

import msgspec
import pytest
from asyncpg.exceptions import CharacterNotInRepertoireError
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from coursesite.core import clock
from coursesite.web.errors import EXCEPTION_HANDLERS
from tests.conftest import PASSWORD, api_post, csrf_token, login_as_staff, register
from tests.support import enrol, open_every_lesson, post_form

ESSAY = "indexfonder-och-avgifter.forklara-avgifter"


@pytest.fixture
def errors_logged(caplog):
    """Everything logged at WARNING or above during the test: a 400 must leave nothing there (no traceback)."""
    caplog.set_level(logging.WARNING)
    return caplog


def assert_clean_400(response, caplog, status: int = 400) -> None:
    assert response.status_code == status, response.text[:500]
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info], caplog.text[:2000]


def assert_json_400(response, caplog, status: int = 400) -> None:
    assert_clean_400(response, caplog, status)
    body = response.json()
    assert body["status_code"] == status and body["detail"]


# -- NUL bytes (500 on PostgreSQL before)


async def test_login_with_a_nul_in_the_email_is_a_400(client, db, errors_logged):
    response = await api_post(client, "/api/v1/auth/login", {"email": "a\u0000@x.se", "password": PASSWORD})
    assert_json_400(response, errors_logged)
    assert "otillåtna tecken" in response.json()["detail"] and list(response.json()["errors"]) == ["email"]


async def test_the_login_form_with_a_nul_in_the_email_is_a_400_page(client, db, errors_logged):
    token = await csrf_token(client, "/logga-in")
    response = await client.post(
        "/logga-in",
        content=f"email=a%00b&password=x&_csrf_token={token}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_clean_400(response, errors_logged)
    assert response.headers["content-type"].startswith("text/html") and "otillåtna tecken" in response.text
    assert 'name="email"' in response.text  # the login page again, not an error page


async def test_a_nul_in_the_query_string_is_a_400(client, db, errors_logged):
    await register(client)
    response = await client.get("/api/v1/me/answers?lesson=%00")
    assert_json_400(response, errors_logged)


async def test_a_nul_in_the_path_is_a_400(client, db, errors_logged):
    response = await client.get("/lektion/a%00b")
    assert_clean_400(response, errors_logged)


async def test_a_payment_with_a_nul_in_the_invoice_number_is_a_400(client, db, errors_logged):
    await enrol(client, "anna@example.se")
    await login_as_staff(client, "finance")
    response = await api_post(
        client,
        "/api/v1/finance/payments",
        {"invoice_number": "2026\u0000-1", "amount_ore": 100, "date": clock.today().isoformat()},
    )
    assert_json_400(response, errors_logged)
    form = await post_form(
        client,
        "/ekonomi/betalningar",
        {"date": clock.today().isoformat(), "amount": "1", "ocr": "", "invoice_number": "1\u00002"},
        page="/ekonomi/betalningar",
    )
    assert_clean_400(form, errors_logged)


async def test_a_nul_in_a_multipart_field_is_a_400(client, db, errors_logged):
    token = await csrf_token(client, "/kontakt")
    response = await client.post(
        "/kontakt", data={"_csrf_token": token, "name": "A\u0000"}, files={"bilaga": ("a.txt", b"x", "text/plain")}
    )
    assert_clean_400(response, errors_logged)


# -- what the JSON decoder refused with a 500 before


async def test_invalid_utf8_in_a_json_body_is_a_400(client, db, errors_logged):
    token = await csrf_token(client)
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email":"\xff","password":"x"}',
        headers={"content-type": "application/json", "x-csrftoken": token},
    )
    assert_json_400(response, errors_logged)
    assert "UTF-8" in response.json()["detail"]


async def test_invalid_utf8_in_a_form_is_a_400(client, db, errors_logged):
    token = await csrf_token(client, "/logga-in")
    response = await client.post(
        "/logga-in",
        content=b"email=%FF%FE&password=x&_csrf_token=" + token.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_clean_400(response, errors_logged)


async def test_json_nested_a_thousand_levels_is_a_400(client, db, errors_logged):
    token = await csrf_token(client)
    body = b'{"email":' + b"[" * 1000 + b"]" * 1000 + b',"password":"x"}'
    response = await client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json", "x-csrftoken": token}
    )
    assert_json_400(response, errors_logged)
    assert "djupt" in response.json()["detail"]


async def test_a_json_integer_beyond_bigint_is_a_400(client, db, errors_logged):
    token = await csrf_token(client)
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email":"a@x.se","password":"x","n":' + b"9" * 30 + b"}",
        headers={"content-type": "application/json", "x-csrftoken": token},
    )
    assert_json_400(response, errors_logged)


async def test_broken_json_is_a_400(client, db, errors_logged):
    token = await csrf_token(client)
    response = await client.post(
        "/api/v1/auth/login", content=b'{"email":', headers={"content-type": "application/json", "x-csrftoken": token}
    )
    assert_json_400(response, errors_logged)


async def test_a_body_over_the_limit_is_a_413(client, db, errors_logged):
    token = await csrf_token(client)
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email":"' + b"a" * (300 * 1024) + b'"}',
        headers={"content-type": "application/json", "x-csrftoken": token},
    )
    assert_json_400(response, errors_logged, status=413)
    assert "för stor" in response.json()["detail"]


# -- bounds on what reaches a service


async def test_an_override_score_of_1e39_is_a_400(client, course, db, errors_logged):
    participant = await register(client, "essa@example.se", "Essa")
    await open_every_lesson(participant["id"], course)
    answered = await api_post(client, "/api/v1/answers", {"question_id": ESSAY, "response": "Avgifter kostar."})
    answer_id = answered.json()["id"]
    await login_as_staff(client, "instructor")
    for score in (1e39, "1e39", -1e39, "NaN"):
        response = await api_post(
            client, f"/api/v1/instructor/answers/{answer_id}/override", {"score": score, "reason": "Fel poäng."}
        )
        assert_json_400(response, errors_logged)


async def test_a_payment_above_the_32_bit_range_is_stored(client, db, errors_logged):
    """2,147,483,648 öre is allowed (the limit is 10^10): the amount columns are BIGINT (m0021)."""
    anna = await enrol(client, "anna@example.se")
    await login_as_staff(client, "finance")
    response = await api_post(
        client,
        "/api/v1/finance/payments",
        {"invoice_number": anna["invoice_number"], "amount_ore": 2_147_483_648, "date": clock.today().isoformat()},
    )
    assert response.status_code == 201, response.text
    assert response.json()["amount_ore"] == 2_147_483_648
    [invoice] = (await client.get("/api/v1/finance/invoices")).json()
    assert invoice["paid_ore"] == 2_147_483_648
    assert not [r for r in errors_logged.records if r.exc_info]


# -- the nets under the checks: what still reaches web/errors.py is a 400 without a traceback


@pytest.mark.parametrize(
    "error",
    [
        lambda: CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00'),
        lambda: UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"),
        lambda: msgspec.DecodeError("Input data was truncated"),
    ],
)
async def test_a_decoder_or_nul_error_from_anywhere_is_a_400_without_a_traceback(error, errors_logged):
    @get("/api/v1/boom", sync_to_thread=False)
    def boom() -> None:
        raise error()

    app = Litestar(route_handlers=[boom], exception_handlers=EXCEPTION_HANDLERS, logging_config=None)
    async with AsyncTestClient(app=app) as bare:
        response = await bare.get("/api/v1/boom")
    assert_json_400(response, errors_logged)
