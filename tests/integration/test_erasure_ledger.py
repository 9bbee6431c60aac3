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


async def test_an_inactive_account_erased_by_retention_is_recorded(db, tmp_path):
    from datetime import UTC, datetime

    from coursesite.core import clock
    from coursesite.db.accounts import Account
    from coursesite.privacy.erasure_ledger import ErasureLedger
    from coursesite.privacy.retention import RetentionPolicy, run_retention
    from tests.conftest import TEST_SECRET
    from tests.support import TEST_CATALOGUE, request_mail

    long_ago, warned = datetime(2020, 1, 1, tzinfo=UTC), datetime(2022, 12, 15, tzinfo=UTC)  # erased from 2023-01-01
    clock.set_now(lambda: long_ago)  # everything of the registration dated then
    try:
        bo = await accounts.register(email="bo@example.se", password=PASSWORD, first_name="Bo", last_name="Ek")
    finally:
        clock.set_now(None)
    await Account.update({Account.last_login_at: None, Account.inactivity_warned_at: warned}).where(
        Account.id == bo.account_id
    )
    ledger = ErasureLedger(tmp_path / "erasure-ledger.jsonl", TEST_SECRET)
    report = await run_retention(
        db, RetentionPolicy(), catalogue=TEST_CATALOGUE, outbox=request_mail(db).outbox, ledger=ledger
    )
    assert report.get("account", "erased (inactive)") == 1
    [entry] = ledger.entries()
    assert entry.account_ids == (bo.account_id,) and entry.email_keys == (ledger.key("bo@example.se"),)
