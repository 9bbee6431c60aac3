"""The PostgreSQL pool releases a connection without asyncpg's reset query (db/engine.keep_session_state), which is
sound only while the app leaves no session state on a connection. This reads the app's source (and the migrations')
for each kind of state that reset would have cleared: a new one here must bring the reset back first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SOURCES = sorted([*(ROOT / "coursesite").rglob("*.py"), *(ROOT / "migrations").rglob("*.py")])

# What asyncpg's default reset clears, and how code would leave it behind.
SESSION_STATE = {
    "a session-level advisory lock (pg_advisory_xact_lock ends with the transaction)": re.compile(
        r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.IGNORECASE
    ),
    "LISTEN (UNLISTEN *)": re.compile(r"[\"'][^\"']*\bLISTEN\s|\.add_listener\s*\(", re.IGNORECASE),
    "a cursor WITH HOLD (CLOSE ALL)": re.compile(r"\bWITH\s+HOLD\b", re.IGNORECASE),
    "a session SET (RESET ALL; SET LOCAL ends with the transaction)": re.compile(
        r"(?:[\"']|;)\s*SET\s+(?!LOCAL\b)(?:SESSION\s+)?[A-Za-z_.]+\s*(?:=|\bTO\b)", re.IGNORECASE
    ),
    "set_config(…, false), which is a session SET": re.compile(r"set_config\s*\([^)]*,\s*false\s*\)", re.IGNORECASE),
}


def _offences(text: str) -> list[str]:
    return [kind for kind, pattern in SESSION_STATE.items() if pattern.search(text)]


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_leaves_session_state_on_a_pooled_connection(path: Path) -> None:
    assert _offences(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "text, kind",
    [
        ('await c.execute("SELECT pg_advisory_lock(1)")', "a session-level advisory lock"),
        ("await c.fetch('SELECT pg_try_advisory_lock($1)', 5)", "a session-level advisory lock"),
        ('await c.execute("LISTEN mail_outbox")', "LISTEN"),
        ("await c.add_listener('mail', callback)", "LISTEN"),
        ('"DECLARE c CURSOR WITH HOLD FOR SELECT 1"', "a cursor WITH HOLD"),
        ('await c.execute("SET statement_timeout = 1000")', "a session SET"),
        ('await c.execute("SET SESSION search_path TO x")', "a session SET"),
        ("await c.execute(\"BEGIN; SET work_mem TO '64MB'\")", "a session SET"),
        ("SELECT set_config('app.user', '5', false)", "set_config"),
    ],
)
def test_the_check_finds_each_kind(text: str, kind: str) -> None:
    assert [found for found in _offences(text) if found.startswith(kind)], text


@pytest.mark.parametrize(
    "text",
    [
        'await c.fetch("SELECT pg_advisory_xact_lock($1)", 5)',
        '"UPDATE invoice SET status = $1 WHERE id = $2"',
        '"INSERT INTO x (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET a = excluded.a"',
        'await c.execute("SET LOCAL statement_timeout = 1000")',
        "SELECT set_config('app.user', '5', true)",
    ],
)
def test_what_ends_with_the_transaction_passes(text: str) -> None:
    assert _offences(text) == []
