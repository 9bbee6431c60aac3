"""Non-default ends (COURSESITE_INACTIVE_ACCOUNT_MONTHS=48, COURSESITE_REGISTRANT_MONTHS=12): the privacy page, the
record of processing and the access export state them from the same values the retention job applies
(RetentionPolicy.from_settings). Runs on both engines."""

from __future__ import annotations

import pytest

from coursesite.privacy.retention import RetentionPolicy
from tests.conftest import login_as_staff, make_settings, register
from tests.support import page_text

ACCOUNT = "inloggning och kursaktivitet i 48 månader raderas automatiskt"
REGISTRATION = "raderas 12 månader efter dagen då det hölls"


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, inactive_account_months=48, registrant_months=12)


async def test_the_page_the_record_and_the_export_state_the_configured_ends(client, settings):
    policy = RetentionPolicy.from_settings(settings)
    assert (policy.inactive_account_months, policy.registrant_months) == (48, 12)  # what the job applies

    page = page_text(await client.get("/integritetspolicy"))
    assert ACCOUNT in page and REGISTRATION in page and "36 månader" not in page

    await register(client)
    data = (await client.get("/api/v1/me/data")).json()
    assert ACCOUNT in data["retention"]["while_account_exists"]
    assert REGISTRATION in data["retention"]["contact_forms"]

    await login_as_staff(client, "admin")
    record = page_text(await client.get("/personal/behandlingsregister"))
    assert ACCOUNT in record and REGISTRATION in record
