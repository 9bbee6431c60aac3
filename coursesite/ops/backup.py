"""Backup and restore (docs/operations.md).

A backup file is an uncompressed tar of two members, the manifest first:
- `manifest.json`: format and version, the engine, the latest migration applied in the copy, when the copy was
  started (`taken_at`, UTC), the database member's name, size and SHA-256;
- the database: on SQLite a copy made with the online backup API (`sqlite3.Connection.backup`, one step, so one
  consistent read transaction; with WAL the site keeps reading and writing meanwhile), on PostgreSQL the output of
  `pg_dump --format=custom` (one snapshot).

The file is written beside its final name and renamed into place once fsynced: a backup interrupted halfway never
looks like a whole one. A restore refuses a file whose manifest is missing, unreadable or does not match its data.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coursesite.db.engine import SQLITE_BUSY_TIMEOUT_SECONDS
from coursesite.db.migrate import apply_migrations, known_migration_ids
from coursesite.settings import Settings

FORMAT = "kurssajten-backup"
VERSION = 1
MANIFEST = "manifest.json"
PAYLOADS = {"sqlite": "database.sqlite", "postgres": "database.pgdump"}
MAX_MANIFEST_BYTES = 64 * 1024
APP_NAME = "coursesite"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (no personal data in it)."""


@dataclass(frozen=True)
class Manifest:
    engine: str
    migration: str  # the latest migration applied in the copy
    taken_at: str  # ISO 8601, UTC: when the copy was started
    payload: str
    size: int
    sha256: str
    format: str = FORMAT
    version: int = VERSION

    @property
    def taken_at_time(self) -> datetime:
        return datetime.fromisoformat(self.taken_at)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2).encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("not a Kurssajten backup")
            if data.get("version") != VERSION:
                raise ValueError(f"format version {data.get('version')!r}; this code reads version {VERSION}")
            manifest = cls(**{name: data[name] for name in cls.__dataclass_fields__})
            if manifest.engine not in PAYLOADS or manifest.payload != PAYLOADS[manifest.engine]:
                raise ValueError("unknown engine or database member")
            if manifest.taken_at_time.tzinfo is None or not isinstance(manifest.size, int):
                raise ValueError("taken_at without a time zone, or a size that is not a number")
            if not isinstance(manifest.migration, str) or len(manifest.sha256) != 64:
                raise ValueError("migration or checksum missing")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"the manifest is corrupt: {exc}") from None
        return manifest


# ---------------------------------------------------------------- the database, whichever engine


def _sqlite_path(settings: Settings) -> Path:
    path = settings.database.sqlite_path
    assert path is not None
    return path


def _sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _sqlite_latest_migration(path: Path) -> str | None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    try:
        if "migration" not in _sqlite_tables(connection):
            return None
        row = connection.execute("SELECT MAX(name) FROM migration WHERE app_name = ?", (APP_NAME,)).fetchone()
        return row[0]
    finally:
        connection.close()


async def _postgres(settings: Settings):
    import asyncpg  # type: ignore[import-untyped]

    return await asyncpg.connect(settings.database.dsn)


async def _postgres_latest_migration(settings: Settings) -> str | None:
    connection = await _postgres(settings)
    try:
        if await connection.fetchval("SELECT to_regclass('public.migration')") is None:
            return None
        return await connection.fetchval("SELECT MAX(name) FROM migration WHERE app_name = $1", APP_NAME)
    finally:
        await connection.close()


async def tables_with_rows(settings: Settings) -> list[str]:
    """The site's tables that hold a row (an empty database, or one only migrated, has none)."""
    from coursesite.db.tables import TABLES

    names = [table._meta.tablename for table in TABLES]
    if settings.database.engine == "sqlite":
        path = _sqlite_path(settings)
        if not path.exists():
            return []
        connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
        try:
            present = _sqlite_tables(connection)
            return [n for n in names if n in present and connection.execute(f'SELECT 1 FROM "{n}" LIMIT 1').fetchone()]
        finally:
            connection.close()
    connection = await _postgres(settings)
    try:
        present = {
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
        return [n for n in names if n in present and await connection.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{n}")')]
    finally:
        await connection.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install postgresql-client (the same major version as the server)")
    return found


def _run(command: list[str]) -> None:
    """Run pg_dump or pg_restore; on failure, its last lines of standard error (they name objects, not data)."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{Path(command[0]).name} failed (exit {done.returncode}):\n{tail}")


# ---------------------------------------------------------------- backup


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_copy(source: Path, target: Path) -> None:
    """One step of the online backup API: one read transaction, so one consistent state; with WAL, writers go on."""
    if not source.exists():
        raise BackupError(f"the SQLite database {source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # a single file, without -wal beside it
    finally:
        dst.close()
        src.close()


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


async def take_backup(settings: Settings, output: Path) -> Manifest:
    """Write a backup of the settings' database to `output` (replaced if it exists)."""
    engine = settings.database.engine
    output = output.resolve()
    if output.is_dir():
        raise BackupError(f"{output} is a directory; give a file name, e.g. {output}/kurssajten.backup")
    output.parent.mkdir(parents=True, exist_ok=True)
    taken_at = datetime.now(UTC)  # before the copy starts: erasures from here on are re-applied by a restore
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        payload = Path(work) / PAYLOADS[engine]
        if engine == "sqlite":
            await asyncio.to_thread(_sqlite_copy, _sqlite_path(settings), payload)
            migration = _sqlite_latest_migration(payload)  # read from the copy itself
        else:
            before = await _postgres_latest_migration(settings)
            dump = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={payload}"]
            await asyncio.to_thread(_run, [*dump, settings.database.dsn or ""])
            migration = await _postgres_latest_migration(settings)
            if migration != before:
                raise BackupError("migrations ran while the backup was taken; take it again")
        if migration is None:
            raise BackupError("the database has no migrations applied (run `coursesite migrate` first)")
        manifest = Manifest(
            engine=engine,
            migration=migration,
            taken_at=taken_at.isoformat(),
            payload=payload.name,
            size=payload.stat().st_size,
            sha256=await asyncio.to_thread(_sha256, payload),
        )
        partial = Path(work) / "backup.tar"
        await asyncio.to_thread(_write_tar, partial, manifest, payload)
        os.replace(partial, output)
    _fsync_directory(output.parent)
    return manifest


def _write_tar(path: Path, manifest: Manifest, payload: Path) -> None:
    raw = manifest.to_bytes()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(raw)
        info.mtime = int(manifest.taken_at_time.timestamp())
        info.mode = 0o600
        tar.addfile(info, _bytes_stream(raw))
        tar.add(payload, arcname=payload.name, recursive=False, filter=_anonymous)
    with path.open("rb+") as stream:
        os.fsync(stream.fileno())
    os.chmod(path, 0o600)  # a backup holds every person's data


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _bytes_stream(raw: bytes):
    import io

    return io.BytesIO(raw)


# ---------------------------------------------------------------- reading a backup


@contextmanager
def open_backup(file: Path) -> Iterator[tuple[Manifest, tarfile.TarFile]]:
    """The manifest (checked) and the open tar; BackupError for anything that is not a whole backup."""
    try:
        tar = tarfile.open(file, "r:")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{file.name} is not a Kurssajten backup ({type(exc).__name__})") from None
    with tar:
        try:
            info = tar.getmember(MANIFEST)
        except KeyError:
            raise BackupError(f"{file.name}: the manifest ({MANIFEST}) is missing") from None
        if not info.isfile() or info.size > MAX_MANIFEST_BYTES:
            raise BackupError(f"{file.name}: the manifest is not a small file")
        stream = tar.extractfile(info)
        assert stream is not None
        manifest = Manifest.parse(stream.read())
        try:
            data = tar.getmember(manifest.payload)
        except KeyError:
            raise BackupError(f"{file.name}: the database ({manifest.payload}) is missing") from None
        if not data.isfile() or data.size != manifest.size:
            raise BackupError(f"{file.name}: the database is not the size the manifest gives (cut short?)")
        yield manifest, tar


def read_manifest(file: Path) -> Manifest:
    with open_backup(file) as (manifest, _):
        return manifest


def _extract_payload(file: Path, target: Path) -> Manifest:
    """Copy the database out of the backup to `target`, checking its SHA-256 against the manifest."""
    with open_backup(file) as (manifest, tar):
        stream = tar.extractfile(manifest.payload)
        assert stream is not None
        digest = hashlib.sha256()
        with target.open("wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != manifest.sha256:
            raise BackupError(f"{file.name}: the database does not match the manifest's checksum (damaged)")
        return manifest


# ---------------------------------------------------------------- restore


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    migrations_applied: int
    erasures: Any  # privacy/reapply.py ReapplyReport, or None when there is no ledger


def check_restorable(manifest: Manifest, settings: Settings) -> None:
    """Refuse a backup of the other engine, or from a migration this code does not know (a newer release)."""
    if manifest.engine != settings.database.engine:
        raise BackupError(
            f"the backup is of {manifest.engine}, COURSESITE_DATABASE_URL points at {settings.database.engine}"
        )
    known = known_migration_ids()
    if manifest.migration not in known:
        if known and manifest.migration > known[-1]:
            raise BackupError(
                f"the backup was taken at migration {manifest.migration}, newer than this code's latest "
                f"({known[-1]}): restore it with the release that took it"
            )
        raise BackupError(f"the backup was taken at migration {manifest.migration}, which this code does not know")


async def restore_backup(settings: Settings, file: Path, *, force: bool = False) -> RestoreReport:
    """Restore `file` into the settings' database, apply the newer migrations and re-apply the erasures recorded
    since the backup was taken. Refuses a database that holds rows unless `force`. Stop the site first."""
    from coursesite.privacy.erasure_ledger import erasure_ledger

    manifest = read_manifest(file)
    check_restorable(manifest, settings)
    ledger = erasure_ledger(settings)
    if ledger is not None:
        ledger.entries()  # a ledger that cannot be read stops the restore before anything is replaced
    filled = await tables_with_rows(settings)
    if filled and not force:
        raise BackupError(
            f"the database is not empty ({len(filled)} tables hold rows, e.g. {filled[0]}); "
            "restore into an empty database, or give --force to replace everything in it"
        )
    target_dir = _sqlite_path(settings).parent if settings.database.engine == "sqlite" else None
    if target_dir is not None:
        target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".restore-") as work:
        payload = Path(work) / manifest.payload
        await asyncio.to_thread(_extract_payload, file, payload)
        if settings.database.engine == "sqlite":
            await asyncio.to_thread(_sqlite_restore, payload, _sqlite_path(settings))
        else:
            await _postgres_restore(settings, payload)
    applied = [m for m in known_migration_ids() if m > manifest.migration]
    await apply_migrations(settings)
    erasures = await _reapply(settings, manifest)
    return RestoreReport(manifest=manifest, migrations_applied=len(applied), erasures=erasures)


def _sqlite_restore(payload: Path, target: Path) -> None:
    """Through the backup API again: it replaces every page of the target (its WAL included) in one transaction."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{payload}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()


async def _postgres_restore(settings: Settings, payload: Path) -> None:
    """An empty public schema first (a migrated but empty database has the tables already), then pg_restore in one
    transaction: a failure leaves the schema empty rather than half restored."""
    connection = await _postgres(settings)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()
    restore = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    await asyncio.to_thread(_run, [*restore, f"--dbname={settings.database.dsn}", str(payload)])


async def _reapply(settings: Settings, manifest: Manifest):
    from coursesite.db.engine import build_engine
    from coursesite.db.tables import bind_tables
    from coursesite.privacy.erasure_ledger import erasure_ledger
    from coursesite.privacy.reapply import reapply_erasures

    ledger = erasure_ledger(settings)
    if ledger is None:
        return None
    engine = build_engine(settings.database)
    bind_tables(engine)
    return await reapply_erasures(engine, ledger, since=manifest.taken_at_time, login_secret=settings.secret_key)
