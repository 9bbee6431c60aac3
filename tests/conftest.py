"""Test set-up. The database tests run on SQLite by default, and on PostgreSQL with COURSESITE_TEST_ENGINE=postgres
(the URL comes from COURSESITE_TEST_POSTGRES_URL). Each run migrates a fresh database once; each test starts from
empty tables."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from coursesite.settings import REPO_ROOT, Settings

TEST_SECRET = "test-secret-key-0123456789abcdef0123456789"


@pytest.fixture(autouse=True, scope="session")
def production_password_hasher():
    """Argon2id at its smallest cost in the tests: the production parameters take about 0.15 s a hash on these VMs,
    and the suite hashes and checks hundreds of passwords. Production code is unchanged (tests/unit/accounts/
    test_passwords.py checks its parameters on this fixture's value, the hasher production uses); the browser tests'
    server (a separate process) keeps the real parameters."""
    from argon2 import PasswordHasher

    from coursesite.accounts import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._dummy_hash.cache_clear()
    yield original
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
        # A throwaway database: a commit need not wait for the disk (every connection the tests open comes after
        # this, and takes the setting). Transactions behave the same; only a crash of the server loses commits.
        database = await connection.fetchval("SELECT current_database()")
        await connection.execute(f'ALTER DATABASE "{database}" SET synchronous_commit = off')
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
        # No pool for an app a test builds itself (create_app): its one pool would serve the test client's loop only,
        # and the test's own queries run on another. The shared apps get one pool per loop (Sites, LoopPools).
        db_pool_size=0,
        lessons_dir=REPO_ROOT / "lessons",
    )
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(database_url) -> Settings:
    return make_settings(database_url)


POOL_SIZE = 4  # connections per event loop on PostgreSQL (tests/conftest.py: LoopPools)


def loop_pooled_postgres(config: dict[str, Any]):
    """A PostgreSQL engine with one small pool per event loop, for the tests: a test runs on a loop of its own and the
    test client runs the app on another, and an asyncpg pool serves one loop only (production has one loop and one
    pool). Without a pool every query opened a connection of its own, some fifty a test, about 10 ms each. The pool
    is the loop's that is running; where none was started, a query opens a connection as before."""
    from coursesite.db.engine import CoursePostgresEngine

    class LoopPools(CoursePostgresEngine):
        def __init__(self, config: dict[str, Any]) -> None:
            self._pools: dict[asyncio.AbstractEventLoop, Any] = {}
            super().__init__(config=config)

        @property  # type: ignore[override]
        def pool(self) -> Any:
            loop = _running_loop()
            return self._pools.get(loop) if loop is not None else None

        @pool.setter
        def pool(self, value: Any) -> None:  # Piccolo sets it when a pool starts and to None when it closes
            loop = _running_loop()
            if loop is None:
                return
            if value is None:
                self._pools.pop(loop, None)
            else:
                self._pools[loop] = value

        async def start_connection_pool(self, **kwargs: Any) -> None:
            await super().start_connection_pool(**{"min_size": 1, "max_size": POOL_SIZE} | kwargs)

    return LoopPools(config)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


@pytest.fixture(scope="session")
def engine(database_url):
    """The run's one engine: the tables, the services and the apps of the tests all use it."""
    from coursesite.db.engine import build_engine

    database = make_settings(database_url).database
    return loop_pooled_postgres({"dsn": database.dsn}) if database.engine == "postgres" else build_engine(database)


@pytest.fixture
async def db(engine):
    """Tables bound to the test database, emptied before the test (on PostgreSQL, with a pool on the test's loop)."""
    from coursesite.db.billing import Invoice
    from coursesite.db.tables import TABLES, bind_tables

    bind_tables(engine)  # again: a command run in-process or an app of a test's own binds them to an engine of its own
    pooled = _engine_name() == "postgres"
    if pooled:
        await engine.start_connection_pool()
    # One transaction, so one connection. DELETE, not TRUNCATE: PostgreSQL's TRUNCATE of every table takes a quarter
    # of a second, the DELETEs of a test's few rows about a millisecond.
    async with engine.transaction():
        await Invoice.delete().where(Invoice.credited_invoice.is_not_null())  # credit notes before what they credit
        for table in reversed(TABLES):
            await table.delete(force=True)
    yield engine
    if pooled:
        await engine.close_connection_pool()


@pytest.fixture(scope="session")
def course():
    from coursesite.course.loader import load_course

    return load_course(REPO_ROOT / "lessons")


@pytest.fixture(scope="session")
def catalog():
    from coursesite.course.catalog import CourseCatalog

    return CourseCatalog(REPO_ROOT / "lessons")


class Sites:
    """The services and the app for each settings a test asks for, built once per run on the run's engine: building
    the Litestar app (every route's signature parsed) takes longer than most tests. Nothing of a test stays in them:
    the services keep their state in the database, which `db` empties, the page-view buffer is flushed after
    each test, and the lesson overview's snapshots are dropped before each. The few most recent settings are kept
    (a test with a lesson copy of its own has settings of its own); the PDF workers of the rest are stopped."""

    KEPT = 2

    def __init__(self, engine) -> None:
        self.engine = engine
        self.built: dict[str, tuple[Any, Any]] = {}

    def get(self, settings: Settings) -> tuple[Any, Any]:
        from coursesite.app import build_app, build_services
        from tests.support import TEST_CATALOGUE, install_catalogue

        key = repr([(field.name, getattr(settings, field.name)) for field in dataclasses.fields(settings)])
        if key not in self.built:
            settings.validate()
            if _engine_name() == "postgres":  # the app opens a pool on the client's loop (see loop_pooled_postgres)
                settings = dataclasses.replace(settings, db_pool_size=POOL_SIZE)
            services = build_services(settings, self.engine)
            self.built[key] = (services, build_app(services, self.engine))
            while len(self.built) > self.KEPT:
                self.built.pop(next(iter(self.built)))[0].pdf.close()
        else:
            self.built[key] = self.built.pop(key)  # the most recently used last
        # Each test starts with the shipped catalogue dated 2099 (the suite does not depend on when it runs), whatever
        # an earlier test installed (tests/support.py: install_catalogue).
        install_catalogue(self.built[key][0], TEST_CATALOGUE)
        # The one state a service keeps in memory of the data: an earlier test's statistics are not this test's.
        self.built[key][0].insight.forget_overviews()
        return self.built[key]

    def close(self) -> None:
        for services, _ in self.built.values():
            services.pdf.close()


@pytest.fixture(scope="session")
def sites(engine):
    built = Sites(engine)
    yield built
    built.close()


@pytest.fixture
def services(db, settings, sites):
    """The services the `app` fixture is built with (as create_app builds them, on the run's engine): what a test
    drives or reads besides the pages. A module changes the settings by overriding the `settings` fixture."""
    return sites.get(settings)[0]


@pytest.fixture
def frozen():
    """A clock that moves only when the test moves it: frozen["now"] is "now" (coursesite/core/clock.py)."""
    from coursesite.core import clock

    moment = {"now": clock.now()}
    clock.set_now(lambda: moment["now"])
    yield moment
    clock.set_now(None)


@pytest.fixture
def every_answer_counts(services):
    """Every answer the app receives is a new attempt, even the same answer at once: for tests that repeat an answer
    on purpose. The double-click rule (grading/service.py) keeps its own tests (test_answer_idempotency.py)."""
    window = services.answers.repeat_window
    services.answers.repeat_window = timedelta(0)
    yield services.answers
    services.answers.repeat_window = window


@pytest.fixture
async def app(services, settings, sites):
    yield sites.get(settings)[1]
    # What a test left in the page-view buffer is stored with its own database, never in the next test's.
    await services.pageviews.flush()


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
    verified: bool = True,
):
    """Register through the API and log in. `enrolled` also records an enrolment (without an invoice), which is
    what opens the lessons; tests of the enrolment itself pass enrolled=False. `verified` records the address as
    confirmed, as the link in the confirmation mail would (tests/web/test_proven_address.py follows the real link);
    tests of an unconfirmed address pass verified=False."""
    response = await api_post(
        client,
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD, "first_name": first_name, "last_name": last_name},
    )
    assert response.status_code == 201, response.text
    if enrolled:
        await enrol_without_invoice(response.json()["id"])
    if verified:
        await confirm_address(response.json()["id"])
    return response.json()


async def confirm_address(account_id: int) -> None:
    """The account's address confirmed now (what POST /api/v1/auth/verify-email does with the mail's link)."""
    from coursesite.core import clock
    from coursesite.db.accounts import Account

    await Account.update({Account.email_verified_at: clock.now()}).where(Account.id == account_id)


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
    from tests.support import invoicing_for_tests

    return invoicing_for_tests(db)


PUBLIC_URL = "https://kurs.example.se"  # COURSESITE_PUBLIC_URL of the mail fixtures: every link in a message


@pytest.fixture(scope="session")
def smtp_server_for_run():
    """One real SMTP server (aiosmtpd) per run, so the app delivering to it is built once (see Sites)."""
    from tests.support import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_for_run):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, collecting messages (tests/support.py: SmtpServer),
    empty at the start of each test."""
    smtp_server_for_run.reset()
    return smtp_server_for_run


@pytest.fixture
def smtp_settings(settings, smtp_server) -> Settings:
    """The test settings, delivering to smtp_server, with links on PUBLIC_URL."""
    import dataclasses

    return dataclasses.replace(settings, smtp_url=smtp_server.url, public_url=PUBLIC_URL)


@pytest.fixture
def smtp_services(db, smtp_settings, sites):
    """The services of `smtp_app`."""
    return sites.get(smtp_settings)[0]


@pytest.fixture
async def smtp_app(smtp_services, smtp_settings, sites):
    """The app, sending its mail to smtp_server. Its sender loop is off: a test delivers with
    tests/support.py: deliver(app, smtp_server), which finds the services on the app's state (set here, by the test
    only: the site itself hands services to handlers by dependency injection)."""
    app = sites.get(smtp_settings)[1]
    app.state.services = smtp_services
    yield app
    await smtp_services.pageviews.flush()


@pytest.fixture
async def smtp_client(smtp_app) -> AsyncIterator:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=smtp_app, base_url="http://testserver.local") as test_client:
        yield test_client
