#!/usr/bin/env bash
# Does the site keep answering while `coursesite backup` runs? (issue 16 §1; docs/performance.md "Backup under load")
#
# For each engine (SQLite file, PostgreSQL throwaway database): migrate a fresh database, pad it with BENCH_PAD_ROWS
# synthetic page views (no personal data: a path and a time) so that one backup takes a while, serve it
# (`coursesite serve`, 1 worker), register participants (bench/prepare.py), then drive POST /api/v1/answers with wrk
# in BENCH_ROUNDS pairs of slices of BENCH_DURATION: one slice plain, one while `coursesite backup` runs back to back
# (the order alternates, so a burst of other load on this shared machine hits both). Every backup taken is checked
# (its manifest read back). Results go to bench/results/backup-<UTC time>/ (gitignored); the summary is printed.
#
# Knobs: BENCH_ENGINES ("sqlite postgres"), BENCH_ROUNDS (3), BENCH_DURATION (8s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (16), BENCH_PORT (8775), BENCH_PARTICIPANTS (120), BENCH_PAD_ROWS (300000),
# BENCH_PG_HOST (127.0.0.1), BENCH_PG_PORT (5432), BENCH_PG_USER (postgres).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-8s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
PORT="${BENCH_PORT:-8775}"
PARTICIPANTS="${BENCH_PARTICIPANTS:-120}"
PAD_ROWS="${BENCH_PAD_ROWS:-300000}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
HOST=127.0.0.1

bash .ci/ensure-debs.sh wrk postgresql-client
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/backup-$STAMP"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/coursesite-bench-backup.XXXXXX")"
PIDS=()
PG_DB=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  if [ -n "$PG_DB" ]; then psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

backups_while() {  # pid-of-wrk: take backups back to back until wrk ends; print how many and their seconds each
  local wrk_pid="$1" n=0 start
  while kill -0 "$wrk_pid" 2>/dev/null; do
    start=$(date +%s.%N)
    timeout 120 "$BIN/coursesite" backup --output "$WORK/site.backup" > /dev/null
    "$PY" -c 'import sys; from coursesite.ops.backup import read_manifest; read_manifest(__import__("pathlib").Path(sys.argv[1]))' \
      "$WORK/site.backup"
    n=$((n + 1))
    echo "$(echo "$(date +%s.%N) - $start" | bc)" >> "$OUT/$label-backup-seconds.txt"
  done
  echo "$n"
}

run_slice() {  # label: one wrk slice; with "backup" in the label, backups run meanwhile
  local label="$1"
  BENCH_DIR="$ROOT/bench" BENCH_LABEL="$label" BENCH_WRK_THREADS="$THREADS" BENCH_WRK_OUT="$OUT/$label.json" \
    BENCH_DATA="$WORK/answers-data.lua" BENCH_SLOT_OFFSETS="$offsets" \
    timeout 90 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s -s "$ROOT/bench/answers.lua" \
    "http://$HOST:$PORT" > "$OUT/$label.wrk.txt" 2>&1 &
  local wrk_pid=$!
  if [[ "$label" == *backup* ]]; then
    sleep 0.5
    echo "$(backups_while "$wrk_pid")" > "$OUT/$label.backups"
  fi
  wait "$wrk_pid" || { echo "bench: wrk failed for $label" >&2; cat "$OUT/$label.wrk.txt" >&2; return 1; }
  offsets="$("$PY" -c 'import json, sys; print(",".join(str(n) for n in json.load(open(sys.argv[1]))["next_slots"]))' "$OUT/$label.json")"
  grep -E "BENCH_RESULT|BENCH_EXHAUSTED" "$OUT/$label.wrk.txt" | sed 's/^/   /' || true
}

for engine in $ENGINES; do
  echo "=== $engine"
  case "$engine" in
    sqlite) DB_URL="sqlite:///$WORK/coursesite-bench.sqlite" ;;
    postgres)
      PG_DB="coursesite_bench_backup_$$"
      psql_admin -c "CREATE DATABASE \"$PG_DB\""
      DB_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
      ;;
    *) echo "bench: unknown engine $engine" >&2; exit 1 ;;
  esac
  export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_PORT="$PORT" COURSESITE_WORKERS=1 \
    COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    COURSESITE_ENV=development COURSESITE_MAIL_WORKER=false COURSESITE_ERASURE_LEDGER="$WORK/ledger.jsonl" \
    COURSESITE_REGISTRATIONS_PER_HOUR=100000  # every participant registers from 127.0.0.1
  "$BIN/coursesite" migrate > "$OUT/$engine-migrate.log" 2>&1 || { cat "$OUT/$engine-migrate.log" >&2; exit 1; }
  "$PY" bench/backup/pad.py --database-url "$DB_URL" --rows "$PAD_ROWS"

  "$BIN/coursesite" serve > "$OUT/$engine-server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_healthy "http://$HOST:$PORT/healthz" "$SERVER_PID" "$OUT/$engine-server.log"
  "$PY" bench/prepare.py --base-url "http://$HOST:$PORT" --participants "$PARTICIPANTS" --out "$WORK/answers-data.lua" \
    --prime > "$OUT/$engine-prepare.txt"

  offsets=""
  for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order="plain backup"; else order="backup plain"; fi
    for side in $order; do run_slice "$engine-$side-$round"; done
  done
  stop_pid "$SERVER_PID"
  PIDS=()
  if [ -n "$PG_DB" ]; then psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)"; PG_DB=""; fi
done

"$PY" bench/backup/summarize.py "$OUT"
