"""Non-default session length and login window (COURSESITE_SESSION_DAYS=3, COURSESITE_LOGIN_WINDOW_SECONDS=3600) and
another seller in the billing configuration: the privacy page, the record of processing (HTML and PDF) and the access
export (JSON and PDF) state the configured periods and name the configured company, never the defaults. Runs on both
engines."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from coursesite.billing.config import DEFAULT_PATH
from tests.conftest import login_as_staff, make_settings, register
from tests.support import norm, page_text

SESSION = "Tills sessionen går ut (högst 3 dagar) eller personen loggar ut."
LOGIN = "Högst 1 timme efter ett misslyckat inloggningsförsök."
DEFAULTS = ("14 dagar", "15 minuter")
SELLER = "Testbolaget Kurs AB"
DEFAULT_SELLER = "Balansekonomi Svenska AB"


@pytest.fixture
def settings(database_url, tmp_path):
    billing = DEFAULT_PATH.read_text(encoding="utf-8").replace(f'name = "{DEFAULT_SELLER}"', f'name = "{SELLER}"')
    assert SELLER in billing
    (tmp_path / "billing.toml").write_text(billing, encoding="utf-8")
    return make_settings(
        database_url, session_days=3, login_window_seconds=3600, billing_config=tmp_path / "billing.toml"
    )


def assert_configured(text: str) -> None:
    assert SESSION in text and LOGIN in text
    for default in DEFAULTS:
        assert default not in text, default


def pdf_text(response) -> str:
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    return norm(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages))


def assert_pdf_configured(response) -> None:
    """The PDF states the periods (its lines may break inside a sentence) and never the defaults."""
    text = pdf_text(response)
    assert "högst 3 dagar" in text and "Högst 1 timme" in text
    for default in DEFAULTS:
        assert default not in text, default


async def test_the_privacy_page_states_the_configured_session_and_login_periods(client):
    response = await client.get("/integritetspolicy")
    assert response.status_code == 200
    text = page_text(response)
    assert_configured(text)
    assert f"Personuppgiftsansvarig är {SELLER}" in text and DEFAULT_SELLER not in text  # the footer too


async def test_the_record_of_processing_states_the_configured_session_and_login_periods(client):
    await login_as_staff(client, "admin")
    response = await client.get("/personal/behandlingsregister")
    assert response.status_code == 200
    text = page_text(response)
    assert_configured(text)
    assert SELLER in text and DEFAULT_SELLER not in text
    pdf = await client.get("/personal/behandlingsregister.pdf")
    assert_pdf_configured(pdf)
    assert SELLER in pdf_text(pdf)


async def test_the_access_export_states_the_configured_session_and_login_periods(client):
    await register(client)
    data = (await client.get("/api/v1/me/data")).json()
    assert data["retention"]["session_lifetime"] == SESSION
    assert data["retention"]["login_window"] == LOGIN
    assert data["controller"] == SELLER
    fields = {(t["table"], f["column"]): f["retention"] for t in data["tables"] for f in t["fields"]}
    assert fields[("user_session", "expires_at")] == SESSION and fields[("login_attempt", "attempted_at")] == LOGIN
    text = str(data)
    for default in (*DEFAULTS, DEFAULT_SELLER):
        assert default not in text, default
    pdf = await client.get("/api/v1/me/data.pdf")
    assert_pdf_configured(pdf)
    assert f"Personuppgiftsansvarig: {SELLER}" in pdf_text(pdf)


async def test_every_page_names_the_configured_company(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert SELLER in page_text(response) and DEFAULT_SELLER not in response.text
