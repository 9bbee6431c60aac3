"""`coursesite newsletter import-unsubscribes FILE --service mailchimp|apsis [--by EMAIL]` end to end, on both engines.

The tests are synchronous: the command runs its own event loop, as it does from a shell."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from coursesite.accounts.roles import Role
from coursesite.cli import main
from coursesite.db.accounts import Account
from coursesite.db.privacy import Consent, StaffAudit
from tests.conftest import TEST_SECRET, data_path, run_in_own_loop
from tests.support import confirm_consents, make_account, public_forms

NORA = "nora.nyhetsbrev@example.se"


@pytest.fixture
def run(db, database_url):
    env = {
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_DB_POOL_SIZE": "0",
    }
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def subscribed(db):
    async def subscribe() -> None:
        await public_forms(db).submit("newsletter", {"email": NORA, "first_name": "Nora", "consent": True})
        await confirm_consents(db, NORA)

    run_in_own_loop(subscribe())


async def finance_account() -> int:
    account_id = await make_account("ekonomi@balansekonomi.se")
    await Account.update({Account.role: Role.FINANCE.value}).where(Account.id == account_id)
    return account_id


async def audited(actor_id: int) -> int:
    return await StaffAudit.count().where(StaffAudit.actor == actor_id)


async def withdrawn() -> list[dict]:
    return await Consent.select(Consent.withdrawn_via).where(Consent.withdrawn_at.is_not_null())


def test_import_withdraws_prints_counts_and_is_audited_as_the_staff_member(run, subscribed, tmp_path):
    staff = run_in_own_loop(finance_account())
    path = tmp_path / "avregistrerade.csv"
    path.write_bytes(f"Email;Opt-out date\n{NORA};\nokand@example.com;2025-03-01\n".encode())

    result = run(
        "newsletter", "import-unsubscribes", str(path), "--service", "apsis", "--by", "ekonomi@balansekonomi.se"
    )
    assert result.exit_code == 0, result.output
    assert "Apsis: 2 adresser i filen (2 rader)." in result.output
    assert "återkallade nu: 1" in result.output and "okända adresser: 1" in result.output
    assert NORA not in result.output and "okand@example.com" not in result.output
    assert run_in_own_loop(withdrawn()) == [{"withdrawn_via": "apsis"}]
    assert run_in_own_loop(audited(staff)) == 2  # the person and the import

    again = run("newsletter", "import-unsubscribes", str(path), "--service", "apsis")
    assert again.exit_code == 0 and "redan återkallade: 1" in again.output and "återkallade nu: 0" in again.output


def test_a_bad_file_lists_its_rows_and_changes_nothing(run, subscribed):
    path = data_path("newsletter/mailchimp-bad-rows.csv")
    result = run("newsletter", "import-unsubscribes", str(path), "--service", "mailchimp")
    assert result.exit_code == 1
    assert "mailchimp-bad-rows.csv: Filen importerades inte: den har 4 fel. Ingenting ändrades." in result.output
    assert 'Rad 6: kolumnen "UNSUB_TIME" saknas.' in result.output
    assert run_in_own_loop(withdrawn()) == []


def test_only_import_staff_may_be_named(run, subscribed, tmp_path):
    run_in_own_loop(make_account("deltagare@example.se"))
    path = data_path("newsletter/mailchimp-unsubscribed.csv")
    result = run(
        "newsletter", "import-unsubscribes", str(path), "--service", "mailchimp", "--by", "deltagare@example.se"
    )
    assert (
        result.exit_code == 1 and "Det finns inget konto för ekonomi, kundtjänst eller administratör" in result.output
    )
    assert run_in_own_loop(withdrawn()) == []

    unknown = run("newsletter", "import-unsubscribes", str(path), "--service", "sendgrid")
    assert unknown.exit_code == 2
