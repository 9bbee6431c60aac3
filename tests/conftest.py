"""Test set-up. The database tests run on SQLite by default, and on PostgreSQL with COURSESITE_TEST_ENGINE=postgres
(the URL comes from COURSESITE_TEST_POSTGRES_URL). Each run migrates a fresh database once; each test starts from
empty tables."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from coursesite.settings import REPO_ROOT, Settings

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2id at its smallest cost in the tests: the production parameters take about 0.15 s a hash on these VMs,
    and the suite hashes and checks hundreds of passwords. Production code is unchanged; the browser tests' server
    (a separate process) keeps the real parameters."""
    from argon2 import PasswordHasher

    from coursesite.accounts import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._dummy_hash.cache_clear()
    yield
    passwords._hasher = original
    passwords._dummy_hash.cache_clear()


def pytest_collection_modifyitems(items):
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
    # Playwright's sync API keeps an event loop running while it is open: browser tests go last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def run_in_own_loop(coroutine):
    """Run a coroutine to completion from a sync fixture, even when an async test's loop is already running."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


def _engine_name() -> str:
    name = os.environ.get("COURSESITE_TEST_ENGINE", "sqlite")
    if name not in ("sqlite", "postgres"):
        raise pytest.UsageError(f"COURSESITE_TEST_ENGINE must be sqlite or postgres, not {name!r}")
    return name


async def _reset_postgres(url: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    if _engine_name() == "postgres":
        url = os.environ.get("COURSESITE_TEST_POSTGRES_URL")
        if not url:
            raise pytest.UsageError("COURSESITE_TEST_ENGINE=postgres needs COURSESITE_TEST_POSTGRES_URL")
        run_in_own_loop(_reset_postgres(url))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    from coursesite.db.migrate import apply_migrations

    run_in_own_loop(apply_migrations(make_settings(url)))
    return url


def make_settings(database_url: str, **overrides) -> Settings:
    values: dict[str, Any] = dict(
        database_url=database_url,
        secret_key=TEST_SECRET,
        environment="test",
        db_pool_size=0,  # the test client runs the app on its own event loop; pooled connections can't cross loops
        lessons_dir=REPO_ROOT / "lessons",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def db(settings):
    """Tables bound to the test database, emptied before the test."""
    from coursesite.db.billing import Invoice
    from coursesite.db.engine import build_engine
    from coursesite.db.tables import TABLES, bind_tables

    engine = build_engine(settings.database)
    bind_tables(engine)
    if _engine_name() == "postgres":
        # One statement: a DELETE per table costs a new connection each (the tests run without a pool).
        names = ", ".join(f'"{table._meta.tablename}"' for table in TABLES)
        await TABLES[0].raw(f"TRUNCATE {names}")
        return engine
    await Invoice.delete().where(Invoice.credited_invoice.is_not_null())  # credit notes before what they credit
    for table in reversed(TABLES):
        await table.delete(force=True)
    return engine


@pytest.fixture(scope="session")
def course():
    from coursesite.course.loader import load_course

    return load_course(REPO_ROOT / "lessons")


@pytest.fixture(scope="session")
def catalog():
    from coursesite.course.catalog import CourseCatalog

    return CourseCatalog(REPO_ROOT / "lessons")


@pytest.fixture
def app(db, settings):
    from coursesite.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client, path: str = "/") -> str:
    """GET a page the way a browser would, and return the token its forms carry (the cookie is set too)."""
    response = await client.get(path)
    match = CSRF_INPUT.search(response.text)
    if match:
        return match.group(1)
    return client.cookies["csrftoken"]


async def api_post(client, path: str, json=None):
    token = await csrf_token(client)
    return await client.post(path, json=json, headers={"x-csrftoken": token})


PASSWORD = "korrekt-häst-batteri"


async def register(
    client,
    email: str = "anna@example.se",
    first_name: str = "Anna",
    last_name: str = "Andersson",
    *,
    enrolled: bool = True,
):
    """Register through the API and log in. `enrolled` also records an enrolment (without an invoice), which is
    what opens the lessons; tests of the enrolment itself pass enrolled=False."""
    response = await api_post(
        client,
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD, "first_name": first_name, "last_name": last_name},
    )
    assert response.status_code == 201, response.text
    if enrolled:
        await enrol_without_invoice(response.json()["id"])
    return response.json()


async def enrol_without_invoice(account_id: int) -> None:
    from coursesite.billing.enrolment import TERMS_VERSION
    from coursesite.core import clock
    from coursesite.db.billing import Enrollment

    now = clock.now()
    await Enrollment.insert(
        Enrollment(account=account_id, terms_version=TERMS_VERSION, terms_accepted_at=now, created_at=now)
    )


@pytest.fixture
async def participant(client):
    """The client, logged in as a newly registered participant."""
    return await register(client)


def data_path(name: str) -> Path:
    return Path(__file__).parent / "data" / name


class _Accounts:
    """The account service (accounts/service.py: AccountService) on the tables the db fixture bound, with the test
    secret and the default login policy: for tests that make accounts and sessions without going through the app."""

    def __getattr__(self, name: str):
        from coursesite.accounts.service import AccountService, LoginPolicy
        from coursesite.db.accounts import Account
        from coursesite.settings import DEFAULT_LOGIN_WINDOW_SECONDS

        policy = LoginPolicy(secret=TEST_SECRET, max_failures=5, window_seconds=DEFAULT_LOGIN_WINDOW_SECONDS)
        return getattr(AccountService(Account._meta.db, policy), name)


accounts = _Accounts()


async def login_as_staff(client, role: str = "instructor", email: str | None = None, first_name: str = "Ingrid"):
    """Create a staff account with `role` and log the client in as it (logging out whoever was logged in)."""
    from coursesite.accounts.roles import Role

    email = email or f"{role}@balansekonomi.se"
    principal = await accounts.create_staff(
        email=email, role=Role(role), password=PASSWORD, first_name=first_name, last_name="Lärare"
    )
    client.cookies.clear()
    response = await api_post(client, "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return principal


@pytest.fixture
async def instructor(client):
    """The client, logged in as an instructor."""
    return await login_as_staff(client, "instructor")


@pytest.fixture
def forms(db):
    """The public forms on the test database (with the double opt-in's mail queued in the outbox)."""
    from tests.support import public_forms

    return public_forms(db)


@pytest.fixture
def billing(db):
    """Billing with the configuration in force (test_billing.py has its own, with a test configuration)."""
    from coursesite.billing.config import load_billing_config
    from coursesite.billing.issuing import InvoicingService
    from coursesite.billing.ledger import LedgerService
    from coursesite.privacy.audit import AuditLog

    return InvoicingService(db, load_billing_config(), LedgerService(AuditLog()))


PUBLIC_URL = "https://kurs.example.se"  # COURSESITE_PUBLIC_URL of the mail fixtures: every link in a message


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, collecting messages (tests/support.py: SmtpServer)."""
    from tests.support import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_settings(settings, smtp_server) -> Settings:
    """The test settings, delivering to smtp_server, with links on PUBLIC_URL."""
    import dataclasses

    return dataclasses.replace(settings, smtp_url=smtp_server.url, public_url=PUBLIC_URL)


@pytest.fixture
def smtp_app(db, smtp_settings):
    """The app, sending its mail to smtp_server. Its sender loop is off: a test delivers with
    tests/support.py: deliver(app, smtp_server)."""
    from coursesite.app import create_app

    return create_app(smtp_settings)


@pytest.fixture
async def smtp_client(smtp_app) -> AsyncIterator:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=smtp_app, base_url="http://testserver.local") as test_client:
        yield test_client
