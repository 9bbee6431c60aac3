"""Every erasure the site carries out is recorded in the erasure ledger (privacy/erasure_ledger.py): customer
service's erasure request through the services create_app builds, with the ledger the settings name."""

from __future__ import annotations

import pytest

from coursesite.accounts.roles import Role
from tests.conftest import accounts, make_settings

PASSWORD = "ett-bra-losenord"


@pytest.fixture
def settings(database_url, tmp_path):
    return make_settings(database_url, erasure_ledger=tmp_path / "erasure-ledger.jsonl")


async def test_an_erasure_request_is_recorded_in_the_ledger(services, settings):
    staff = await accounts.create_staff(
        email="kundtjanst@balansekonomi.se",
        role=Role.CUSTOMER_SERVICE,
        password=PASSWORD,
        first_name="Kim",
        last_name="Tjänst",
    )
    anna = await accounts.register(email="anna@example.se", password=PASSWORD, first_name="Anna", last_name="Berg")
    case = await services.cases.create(kind="erasure", subject="Radera mig", account_id=anna.account_id)
    await services.cases.confirm_identity(case.id, staff.account_id, method="id_document_at_office", note="Visat.")
    await services.cases.complete(case.id, staff.account_id, note="Raderar.")

    ledger = services.cases.requests_desk.ledger
    assert ledger is not None and ledger.path == settings.erasure_ledger
    [entry] = ledger.entries()
    assert entry.account_ids == (anna.account_id,)
    assert entry.email_keys == (ledger.key("anna@example.se"),)
    assert "anna" not in settings.erasure_ledger.read_text().lower()
