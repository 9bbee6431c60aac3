"""Backup and restore (ops/backup.py) on both engines: a backup taken while answers are written restores to a database
whose every table has the rows it had at the backup; an erasure made after the backup is re-applied by the restore
from the erasure ledger; a restore refuses a non-empty database, a newer migration and a broken file.

The restore runs as the command the person on call runs (`coursesite restore`, in its own process: Piccolo's
migration engine is the process's own), into a database of the test's own: a new SQLite file, or a throwaway
PostgreSQL database created here."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from coursesite.core import clock
from coursesite.db.accounts import Account
from coursesite.db.answers import Answer
from coursesite.db.billing import Invoice, Payment
from coursesite.db.engine import build_engine
from coursesite.db.privacy import FormSubmission, Person
from coursesite.db.tables import TABLES, bind_tables
from coursesite.ops.backup import MANIFEST, BackupError, read_manifest, take_backup
from coursesite.privacy.erasure import erase_account, erase_person
from coursesite.privacy.erasure_ledger import ErasureLedger, LedgerEntry
from coursesite.settings import REPO_ROOT
from tests.conftest import TEST_SECRET, make_settings
from tests.support import dump, seed_person

COMMAND = str(Path(sys.executable).parent / "coursesite")
ACCOUNTING = {"invoice", "payment"}
NEEDLES = ("Zelmira", "Quistgaard", "zelmira.quist@example.se", "709876543", "Ovanliga gränd", "Wilma", "Webbinarsson")


def hits(tables: dict[str, str]) -> dict[str, list[str]]:
    return {
        name: found for name, text in tables.items() if (found := [n for n in NEEDLES if n.lower() in text.lower()])
    }


def run_command(*args: str, database_url: str, ledger: Path | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "COURSESITE_DATABASE_URL": database_url,
        "COURSESITE_SECRET_KEY": TEST_SECRET,
        "COURSESITE_ENV": "test",
        "COURSESITE_ERASURE_LEDGER": str(ledger or "/nonexistent-dir/ledger.jsonl"),
    }
    return subprocess.run([COMMAND, *args], env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def target(database_url, tmp_path):
    """The URL of an empty database to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    import asyncpg  # type: ignore[import-untyped]

    parts = urlsplit(database_url)
    name = f"cs_restore_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(parts._replace(path="/postgres"))

    async def execute(statement: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    yield urlunsplit(parts._replace(path=f"/{name}"))
    asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def dump_of(url: str, back_to) -> dict[str, str]:
    """Every table of the database at `url`; the tables are bound to `back_to` again afterwards."""
    engine = build_engine(make_settings(url).database)
    bind_tables(engine)
    try:
        return await dump()
    finally:
        bind_tables(back_to)


async def answer_load(account_id: int, stop: asyncio.Event) -> int:
    """Answers written one after another until `stop`, as participants would while the backup runs."""
    written = 0
    while not stop.is_set() or written < 5:
        written += 1
        await Answer.insert(
            Answer(
                account=account_id,
                question_id="akt1/essa",
                lesson_slug="akt1",
                attempt=100 + written,
                raw_response=json.dumps(f"svar {written}"),
                normalized_response=json.dumps(f"svar {written}"),
                status="graded",
                score_milli=0,
                max_score_milli=1000,
                feedback="[]",
                created_at=clock.now(),
            )
        )
    return written


async def test_backup_under_answer_load_restores_every_row(db, billing, database_url, target, tmp_path):
    seed = await seed_person(billing)
    await seed_person(billing, email="otto@example.se", first_name="Otto", last_name="Annan", essay="Ottos svar")
    stop = asyncio.Event()
    load = asyncio.create_task(answer_load(seed["account_id"], stop))
    await asyncio.sleep(0.05)
    manifest = await take_backup(make_settings(database_url), tmp_path / "site.backup")
    stop.set()
    written = await load
    at_end = await dump()

    assert manifest.engine == make_settings(database_url).database.engine
    assert read_manifest(tmp_path / "site.backup") == manifest

    done = run_command("restore", str(tmp_path / "site.backup"), database_url=target)
    assert done.returncode == 0, done.stderr
    assert "Migrations applied since: 0." in done.stdout
    restored = await dump_of(target, db)

    # The copy is one moment: every table but the answers as at the end, and the answers up to some point of the load.
    assert set(restored) == {table._meta.tablename for table in TABLES}
    for name in restored:
        if name != "answer":
            assert restored[name] == at_end[name], name
    source_answers = at_end["answer"].splitlines()
    copied = restored["answer"].splitlines()
    assert copied == source_answers[: len(copied)]
    assert 2 <= len(copied) <= 2 + written


async def test_an_erasure_after_the_backup_is_applied_again(db, billing, database_url, target, tmp_path):
    seed = await seed_person(billing)
    other = await seed_person(
        billing,
        email="otto@example.se",
        first_name="Otto",
        last_name="Annan",
        mobile="070-111 22 33",
        address="Annan väg 2",
        essay="Ottos svar",
    )
    now = clock.now()
    wilma = (
        await Person.insert(
            Person(
                email="wilma@example.se", first_name="Wilma", last_name="Webbinarsson", created_at=now, updated_at=now
            )
        ).returning(Person.id)
    )[0]["id"]
    await FormSubmission.insert(
        FormSubmission(person=wilma, form="contact", details='{"message": "Hej"}', channel="kurssajten", created_at=now)
    )
    ledger_path = tmp_path / "erasure-ledger.jsonl"
    ledger = ErasureLedger(ledger_path, TEST_SECRET)
    ledger.append(LedgerEntry(at=datetime(2020, 1, 1, tzinfo=UTC), account_ids=(other["account_id"],)))  # before
    await take_backup(make_settings(database_url), tmp_path / "site.backup")
    assert hits(await dump())  # the backup holds them

    await erase_account(db, account_id=seed["account_id"], actor_id=None, case_id=None, ledger=ledger)
    await erase_person(db, person_id=wilma, actor_id=None, case_id=None, ledger=ledger)
    lines = ledger_path.read_text().splitlines()
    assert len(lines) == 3
    for needle in NEEDLES + ("zelmira", "wilma@"):
        assert needle.lower() not in ledger_path.read_text().lower()  # ids and keyed hashes only

    done = run_command("restore", str(tmp_path / "site.backup"), database_url=target, ledger=ledger_path)
    assert done.returncode == 0, done.stderr
    assert "2 erasure(s) recorded since the backup: 1 account(s) and 1 form person(s) erased again" in done.stdout

    restored = await dump_of(target, db)
    left = hits(restored)
    assert set(left) <= ACCOUNTING, {k: v for k, v in left.items() if k not in ACCOUNTING}
    assert "invoice" in left  # the books keep the buyer
    engine = build_engine(make_settings(target).database)
    bind_tables(engine)
    try:
        assert await Account.count().where(Account.id == seed["account_id"]) == 0
        assert await Account.count().where(Account.id == other["account_id"]) == 1  # erased before the backup: kept
        assert await Person.count().where(Person.id == wilma) == 0
        assert await Invoice.count().where(Invoice.account.is_null()) == 1
        assert await Payment.count() == 2
    finally:
        bind_tables(db)


async def test_restore_refuses_a_database_with_rows(db, billing, database_url, tmp_path):
    await seed_person(billing)
    await take_backup(make_settings(database_url), tmp_path / "site.backup")
    done = run_command("restore", str(tmp_path / "site.backup"), database_url=database_url)
    assert done.returncode != 0
    assert "the database is not empty" in done.stderr and "--force" in done.stderr
    assert hits(await dump())  # untouched


def rewritten(source: Path, target: Path, manifest: bytes | None) -> Path:
    """The backup at `source` with its manifest replaced (None: left out)."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            if member.name == MANIFEST:
                if manifest is None:
                    continue
                member.size = len(manifest)
                new.addfile(member, io.BytesIO(manifest))
            else:
                new.addfile(member, old.extractfile(member))
    return target


async def test_restore_refuses_a_newer_migration_and_a_broken_file(db, database_url, target, tmp_path):
    backup = tmp_path / "site.backup"
    await take_backup(make_settings(database_url), backup)
    manifest = json.loads(tarfile.open(backup).extractfile(MANIFEST).read())  # type: ignore[union-attr]

    newer = rewritten(backup, tmp_path / "newer.backup", json.dumps(manifest | {"migration": "9999-01-01"}).encode())
    done = run_command("restore", str(newer), database_url=target)
    assert done.returncode != 0 and "newer than this code's latest" in done.stderr

    for name, raw in (("missing", None), ("corrupt", b"{not json"), ("other", b'{"format": "zip"}')):
        broken = rewritten(backup, tmp_path / f"{name}.backup", raw)
        with pytest.raises(BackupError, match="manifest"):
            read_manifest(broken)
        done = run_command("restore", str(broken), database_url=target)
        assert done.returncode != 0 and "manifest" in done.stderr

    damaged = rewritten(backup, tmp_path / "damaged.backup", json.dumps(manifest | {"sha256": "0" * 64}).encode())
    done = run_command("restore", str(damaged), database_url=target)
    assert done.returncode != 0 and "checksum" in done.stderr


async def test_restore_applies_the_migrations_newer_than_the_backup(db, database_url, target, tmp_path):
    """A database stopped one migration short: its backup restores, and the restore applies the last migration."""
    from coursesite.db.migrate import known_migration_ids

    known = known_migration_ids()
    old = f"sqlite:///{tmp_path / 'old.sqlite'}" if database_url.startswith("sqlite") else target
    env = {**os.environ, "PICCOLO_CONF": "coursesite.piccolo_conf", "COURSESITE_DATABASE_URL": old}
    piccolo = str(Path(sys.executable).parent / "piccolo")
    forwards = [piccolo, "migrations", "forwards", "coursesite", known[-2]]
    done = subprocess.run(forwards, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = await take_backup(make_settings(old), tmp_path / "old.backup")
    assert manifest.migration == known[-2]

    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}" if database_url.startswith("sqlite") else target
    done = run_command("restore", str(tmp_path / "old.backup"), "--force", database_url=fresh)
    assert done.returncode == 0, done.stderr
    assert "Migrations applied since: 1." in done.stdout
    again = await take_backup(make_settings(fresh), tmp_path / "again.backup")
    assert again.migration == known[-1]
