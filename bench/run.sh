#!/usr/bin/env bash
# `make bench`: issue 14's goals P1, P2 and P3 in one run, each against its raw baseline. See docs/performance.md.
#
# For each engine (SQLite file, PostgreSQL throwaway database): migrate a fresh database, start the real server
# (`coursesite serve`, 1 worker) and the baseline (bench/baseline_app.py: raw Litestar routes on Piccolo, same
# engine), register and enrol participants through the API once (bench/prepare.py), then drive, with the same wrk
# settings, in BENCH_ROUNDS rounds whose order alternates (B P B P, then P B P B, ...) so that a burst of other load
# on this shared machine hits both sides of each ratio:
#   answers: POST /insert (baseline) against POST /api/v1/answers (P1 on PostgreSQL, P3 on SQLite);
#   lesson:  GET /rows (a Jinja template of 20 rows) against GET /lektion/<first lesson> (P2).
# On SQLite the insert baseline is Piccolo's own SQLiteEngine (P3 compares with it; BENCH_BASELINE_SQLITE), the rows
# baseline the product's engine (a second baseline process). Everything on 127.0.0.1; every server started here is
# stopped on exit, the PostgreSQL database dropped. Results go to bench/results/<UTC time>/ (gitignored);
# bench/goals.py prints each figure against its goal and writes it into docs/performance.md (BENCH_WRITE_DOCS=0: not).
# About 4 minutes at the defaults on a quiet machine (8 at load 18: registering participants is argon2).
#
# Knobs (environment): BENCH_ENGINES ("sqlite postgres"), BENCH_ROUNDS (3), BENCH_DURATION (5s a slice),
# BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_PORT (8765), BENCH_BASELINE_PORT (8766, and the next port for the
# second SQLite baseline), BENCH_PARTICIPANTS_SQLITE (450), BENCH_PARTICIPANTS_POSTGRES (700), BENCH_BASELINE_SQLITE
# (piccolo), BENCH_PG_HOST (127.0.0.1), BENCH_PG_PORT (5432), BENCH_PG_USER (postgres).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"

ENGINES="${BENCH_ENGINES:-sqlite postgres}"
ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-5s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PORT="${BENCH_PORT:-8765}"
BASELINE_PORT="${BENCH_BASELINE_PORT:-8766}"
ROWS_PORT="$((BASELINE_PORT + 1))"  # SQLite only: the rows baseline on the product's engine
BASELINE_SQLITE="${BENCH_BASELINE_SQLITE:-piccolo}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
POOL_SIZE="${COURSESITE_DB_POOL_SIZE:-10}"  # the product's default; the baseline gets the same pool
HOST=127.0.0.1

bash .ci/ensure-debs.sh wrk
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/coursesite-bench.XXXXXX")"
PIDS=()
PG_DB=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }


drop_pg_db() {
  if [ -n "$PG_DB" ]; then
    psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" || echo "bench: could not drop database $PG_DB" >&2
    PG_DB=""
  fi
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  drop_pg_db
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() {
  "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.settimeout(0.5)
sys.exit(1 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 0)
EOF
}


cpu_ticks() {  # user + system CPU of one process (all its threads, aiosqlite's included), in clock ticks
  awk '{print $14 + $15}' "/proc/$1/stat"
}

run_wrk() {  # label slice script url server-pid [slot offsets]
  local label="$1" slice="$2" script="$3" url="$4" server_pid="$5" offsets="${6:-}"
  local name="$label-$slice" ticks_before
  echo "loadavg_before_$name=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  ticks_before="$(cpu_ticks "$server_pid")"
  BENCH_DIR="$ROOT/bench" BENCH_LABEL="$name" BENCH_WRK_THREADS="$THREADS" BENCH_WRK_OUT="$OUT/$name.json" \
    BENCH_DATA="$WORK/answers-data.lua" BENCH_SLOT_OFFSETS="$offsets" BENCH_LESSON_SLUG="$SLUG" \
    timeout 60 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s -s "$ROOT/bench/$script" "$url" \
    > "$OUT/$name.wrk.txt" 2>&1 || { wrk_failed "$name"; return 1; }
  echo "$(( $(cpu_ticks "$server_pid") - ticks_before )) $(getconf CLK_TCK)" > "$OUT/$name.cpu"
  grep -E "BENCH_RESULT|BENCH_ERRORS|BENCH_EXHAUSTED|Socket errors" "$OUT/$name.wrk.txt" | sed 's/^/   /' || true
}

wrk_failed() {  # say what we know: wrk's output, and whether the servers we started are still running
  echo "bench: wrk failed for $1:" >&2
  cat "$OUT/$1.wrk.txt" >&2
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then echo "bench: process $pid is running" >&2
    else echo "bench: process $pid (started by this script) is gone; a graceful 'Shutting down' in its log means a signal from outside" >&2; fi
  done
  tail -5 "$OUT/$engine-server.log" "$OUT/$engine-baseline-server.log" >&2
}

start_baseline() {  # port sqlite-engine log-name: start bench/baseline_app.py, wait for it; its pid in STARTED_PID
  BENCH_DATABASE_URL="$DB_URL" BENCH_DB_POOL_SIZE="$POOL_SIZE" BENCH_BASELINE_SQLITE="$2" \
    "$BIN/uvicorn" --app-dir "$ROOT/bench" baseline_app:app_factory --factory --host "$HOST" --port "$1" \
    --workers 1 --no-access-log --no-server-header > "$OUT/$engine-$3-server.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  wait_healthy "http://$HOST:$1/healthz" "$STARTED_PID" "$OUT/$engine-$3-server.log"
}

next_slots() {  # the JSON report of a product slice -> "n0,n1": where the next slice starts
  "$PY" -c 'import json, sys; print(",".join(str(n) for n in json.load(open(sys.argv[1]))["next_slots"]))' "$1"
}

SLUG="$("$PY" -c 'from pathlib import Path; from coursesite.course.loader import load_course
print(load_course(Path("lessons")).acts[0].lessons[0].slug)')"

for port in "$PORT" "$BASELINE_PORT" "$ROWS_PORT"; do
  port_free "$port" || { echo "bench: something already listens on 127.0.0.1:$port (set BENCH_PORT / BENCH_BASELINE_PORT)" >&2; exit 1; }
done

{
  echo "date_utc=$STAMP"
  echo "host=$(hostname)"
  echo "cpus=$(nproc)"
  echo "cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "kernel=$(uname -r)"
  echo "python=$("$PY" -c 'import platform; print(platform.python_version())')"
  echo "sqlite=$("$PY" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
  echo "postgres=$(psql -X -At -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c 'SHOW server_version' 2>/dev/null || echo unavailable)"
  echo "wrk=$(wrk -v 2>&1 | head -1)"
  echo "git_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "git_dirty_files=$(git -C "$ROOT" status --porcelain 2>/dev/null | wc -l)"
  echo "wrk_settings=-t$THREADS -c$CONNECTIONS -d$DURATION --timeout 10s, $ROUNDS interleaved rounds, 1 worker each"
  echo "baseline_sqlite=$BASELINE_SQLITE"
  echo "pool_size=$POOL_SIZE"
  # What else was using the CPU when the run started (the machine is shared): the top 5 by ps %CPU (an average over
  # each process's lifetime, so a rough hint), command names only.
  echo "busiest_processes_before=$(ps -eo pcpu=,comm= --sort=-pcpu | head -5 | awk '{printf "%s%s %s%%", (NR>1?", ":""), $2, $1}')"
} > "$OUT/machine.txt"

for engine in $ENGINES; do
  echo "=== $engine"
  case "$engine" in
    sqlite)
      DB_URL="sqlite:///$WORK/coursesite-bench.sqlite"
      PARTICIPANTS="${BENCH_PARTICIPANTS_SQLITE:-450}"  # 57 submissions each; at 1,100/s (2026-12-04) 15 s need about 290
      ;;
    postgres)
      PG_DB="coursesite_bench_$$"
      psql_admin -c "CREATE DATABASE \"$PG_DB\""
      DB_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
      PARTICIPANTS="${BENCH_PARTICIPANTS_POSTGRES:-700}"  # at 2,200/s 15 s need about 580
      ;;
    *) echo "bench: unknown engine $engine (sqlite or postgres)" >&2; exit 1 ;;
  esac

  export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_PORT="$PORT" COURSESITE_WORKERS=1 \
    COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    COURSESITE_DB_POOL_SIZE="$POOL_SIZE" COURSESITE_ENV=development \
    COURSESITE_REGISTRATIONS_PER_HOUR=100000 \
    COURSESITE_MAIL_WORKER=false  # prepare.py registers every participant from 127.0.0.1; no mail worker: see below
  "$BIN/coursesite" migrate > "$OUT/$engine-migrate.log" 2>&1 || { cat "$OUT/$engine-migrate.log" >&2; exit 1; }

  # Without the mail worker (as bench/course/run.sh): each enrolment of prepare.py queues an invoice mail, whose PDF
  # the worker would render in the server's PDF processes during the slices, taking the CPU both sides measure on.
  "$BIN/coursesite" serve > "$OUT/$engine-server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  wait_healthy "http://$HOST:$PORT/healthz" "$SERVER_PID" "$OUT/$engine-server.log"
  start_baseline "$BASELINE_PORT" "$([ "$engine" = sqlite ] && echo "$BASELINE_SQLITE" || echo product)" baseline
  BASELINE_PID="$STARTED_PID"
  ROWS_PID="$BASELINE_PID"
  ROWS_URL="http://$HOST:$BASELINE_PORT"
  if [ "$engine" = sqlite ] && [ "$BASELINE_SQLITE" != product ]; then
    start_baseline "$ROWS_PORT" product rows-baseline
    ROWS_PID="$STARTED_PID"
    ROWS_URL="http://$HOST:$ROWS_PORT"
  fi

  timeout 600 "$PY" bench/prepare.py --base-url "http://$HOST:$PORT" --participants "$PARTICIPANTS" --out "$WORK/answers-data.lua" \
    --prime | tee "$OUT/$engine-prepare.txt"
  "$PY" - "http://$HOST:$BASELINE_PORT/insert" <<'EOF'
import json, sys, urllib.request
for i in range(50):  # prime the baseline as prepare.py primed the product
    request = urllib.request.Request(sys.argv[1], data=json.dumps({"label": "prime", "value": i}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    assert urllib.request.urlopen(request, timeout=10).status == 201
EOF

  echo "== $engine: $ROUNDS rounds of wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency --timeout 10s, baselines and product interleaved"
  offsets=""
  for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order="baseline answers rows lesson"; else order="answers baseline lesson rows"; fi
    for side in $order; do
      case "$side" in
        baseline) run_wrk "$engine-baseline" "$round" baseline.lua "http://$HOST:$BASELINE_PORT" "$BASELINE_PID" ;;
        answers)
          run_wrk "$engine-answers" "$round" answers.lua "http://$HOST:$PORT" "$SERVER_PID" "$offsets"
          offsets="$(next_slots "$OUT/$engine-answers-$round.json")"
          ;;
        rows) run_wrk "$engine-rows" "$round" rows.lua "$ROWS_URL" "$ROWS_PID" ;;
        lesson) run_wrk "$engine-lesson" "$round" lesson.lua "http://$HOST:$PORT" "$SERVER_PID" ;;
      esac
    done
  done

  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()

  "$PY" bench/check_db.py --database-url "$DB_URL" --max-attempts 3 > "$OUT/$engine-db.json"
  "$PY" bench/count_queries.py --database-url "$DB_URL" --out "$OUT/$engine-queries.json" \
    | { grep -v '^{"time"' || true; } | sed 's/^/   /'  # without the in-process app's JSON log lines
  drop_pg_db
done

echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
"$PY" bench/summarize.py "$OUT" > /dev/null  # summary.md/json: the answer route's detail (rounds, CPU, database)
"$PY" bench/goals.py "$OUT" $([ "${BENCH_WRITE_DOCS:-1}" = 1 ] && echo --write-docs docs/performance.md)
echo "Results: $OUT"
