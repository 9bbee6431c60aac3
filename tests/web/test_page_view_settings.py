"""Non-default page-view periods (COURSESITE_PAGE_VIEW_IP_DAYS=3, COURSESITE_PAGE_VIEW_RETENTION_MONTHS=6): the privacy
page, the record of processing (HTML and PDF) and the access export (JSON and PDF) state them, and the retention job
applies them. Runs on both engines."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from coursesite.core import clock
from coursesite.db.privacy import PageView
from coursesite.privacy.retention import RetentionPolicy, months_before, run_retention
from tests.conftest import login_as_staff, make_settings, register
from tests.support import TEST_CATALOGUE, norm, page_text

IP_DAYS, MONTHS = 3, 6
CONFIGURED = "IP-adressen kortas efter 3 dagar; sidvisningen raderas efter 6 månader."
DEFAULTS = ("7 dagar", "13 månader")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, page_view_ip_days=IP_DAYS, page_view_retention_months=MONTHS)


@pytest.fixture(autouse=True)
def restore_clock():
    yield
    clock.set_now(None)


def assert_configured(text: str, *, sentence: str = CONFIGURED) -> None:
    assert sentence in text
    for default in DEFAULTS:
        assert default not in text, default


def assert_pdf_configured(response) -> None:
    """The PDF states the periods (its lines may break inside the sentence) and never the defaults."""
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = norm(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages))
    assert "raderas efter 6 månader" in text
    assert_configured(text, sentence="kortas efter 3 dagar")


async def test_the_privacy_page_states_the_configured_periods(client):
    response = await client.get("/integritetspolicy")
    assert response.status_code == 200
    assert_configured(page_text(response))


async def test_the_record_of_processing_states_the_configured_periods(client):
    await login_as_staff(client, "admin")
    response = await client.get("/personal/behandlingsregister")
    assert response.status_code == 200
    text = page_text(response)
    assert_configured(text)
    assert "IP-adresser kortas efter 3 dagar." in text  # the security measures
    assert_pdf_configured(await client.get("/personal/behandlingsregister.pdf"))


async def test_the_access_export_states_the_configured_periods(client):
    await register(client)
    data = (await client.get("/api/v1/me/data")).json()
    assert data["retention"]["technical_data"] == CONFIGURED
    page_view = next(t for t in data["tables"] if t["table"] == "page_view")
    assert {f["retention"] for f in page_view["fields"]} == {CONFIGURED}
    assert_pdf_configured(await client.get("/api/v1/me/data.pdf"))


async def test_the_retention_job_applies_the_configured_periods(db, settings):
    rows = [
        (NOW - timedelta(days=IP_DAYS) - SECOND, "203.0.113.1"),  # truncated: 3 days have passed
        (NOW - timedelta(days=IP_DAYS) + SECOND, "203.0.113.2"),  # kept whole (the default 7 days would too)
        (months_before(NOW, MONTHS) - SECOND, "203.0.113.3"),  # deleted: 6 months have passed
        (months_before(NOW, MONTHS) + SECOND, "203.0.113.4"),  # kept, truncated (13 months would keep it whole)
    ]
    for viewed_at, ip in rows:
        await PageView.insert(PageView(path="/", viewed_at=viewed_at, ip_address=ip))
    clock.set_now(lambda: NOW)
    report = await run_retention(db, RetentionPolicy.from_settings(settings), catalogue=TEST_CATALOGUE)
    kept = await PageView.select(PageView.ip_address, PageView.ip_truncated).order_by(PageView.id)
    assert [(row["ip_address"], row["ip_truncated"]) for row in kept] == [
        ("203.0.113.0", True),
        ("203.0.113.2", False),
        ("203.0.113.0", True),
    ]
    assert report.get("page_view") == 1 and report.get("page_view", "IP addresses truncated") == 2
