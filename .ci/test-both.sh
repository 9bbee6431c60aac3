#!/usr/bin/env bash
# `make test`'s two runs: the whole suite on SQLite, and, when COURSESITE_TEST_POSTGRES_URL is set, the database tests
# on PostgreSQL. They use separate databases, so they run side by side (one core each on these 2-core machines); the
# PostgreSQL run's output is kept in a file and printed after the SQLite run's. Fails when either fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

pg_pid=""
pg_log=""
if [ -n "${COURSESITE_TEST_POSTGRES_URL:-}" ]; then
  pg_log="$(mktemp "${TMPDIR:-/tmp}/coursesite-postgres-tests.XXXXXX")"
  COURSESITE_TEST_ENGINE=postgres "$BIN/pytest" -q -p no:cacheprovider -m db >"$pg_log" 2>&1 &
  pg_pid=$!
else
  echo "COURSESITE_TEST_POSTGRES_URL is not set: skipping the PostgreSQL run (.ci/run always sets it)."
fi

echo "== SQLite: the whole suite =="
"$BIN/pytest" -q
sqlite_status=$?

pg_status=0
if [ -n "$pg_pid" ]; then
  wait "$pg_pid"
  pg_status=$?
  echo "== PostgreSQL: the database tests again =="
  cat "$pg_log"
  rm -f "$pg_log"
fi

if [ "$sqlite_status" -ne 0 ] || [ "$pg_status" -ne 0 ]; then
  echo "make test: SQLite run exited $sqlite_status, PostgreSQL run exited $pg_status" >&2
  exit 1
fi
