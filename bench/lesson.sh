#!/usr/bin/env bash
# The lesson-page benchmark (issue 14, P2; `make bench-lesson`). See docs/performance.md.
#
# For each engine: migrate a fresh database, start the real server (`coursesite serve`, 1 worker) and the baseline
# (bench/baseline_app.py, same engine), register and enrol participants through the API (bench/prepare.py), then
# drive GET /lektion/<first lesson> as those participants (bench/lesson.lua) and GET /rows on the baseline (a Jinja
# template of 20 rows, bench/rows.lua) with the same wrk settings, interleaved in BENCH_ROUNDS slices
# (B P, P B, ...) so that other load on this shared machine hits both sides of the ratio. Everything on 127.0.0.1.
# Results go to bench/results/<UTC time>-lesson/ (gitignored); a summary with the load average is printed.
#
# Knobs: BENCH_ENGINES ("sqlite postgres"), BENCH_ROUNDS (3), BENCH_DURATION (5s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_PORT (8775), BENCH_BASELINE_PORT (8776), BENCH_PARTICIPANTS (40),
# BENCH_PG_HOST (127.0.0.1), BENCH_PG_PORT (5432), BENCH_PG_USER (postgres).
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
PORT="${BENCH_PORT:-8775}"
BASELINE_PORT="${BENCH_BASELINE_PORT:-8776}"
PARTICIPANTS="${BENCH_PARTICIPANTS:-40}"
PG_HOST="${BENCH_PG_HOST:-127.0.0.1}"
PG_PORT="${BENCH_PG_PORT:-5432}"
PG_USER="${BENCH_PG_USER:-postgres}"
POOL_SIZE="${COURSESITE_DB_POOL_SIZE:-10}"
HOST=127.0.0.1

bash .ci/ensure-debs.sh wrk
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }
OUT="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)-lesson"
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/coursesite-bench-lesson.XXXXXX")"
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

SLUG="$("$PY" -c 'from pathlib import Path; from coursesite.course.loader import load_course
print(load_course(Path("lessons")).acts[0].lessons[0].slug)')"
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpus=$(nproc)"
  echo "git_head=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "git_dirty_files=$(git status --porcelain 2>/dev/null | wc -l)"
  echo "wrk_settings=-t$THREADS -c$CONNECTIONS -d$DURATION --timeout 10s, $ROUNDS interleaved rounds, 1 worker each"
  echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"

run_wrk() {  # name script url
  local name="$1" script="$2" url="$3"
  echo "loadavg_before_$name=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
  BENCH_DIR="$ROOT/bench" BENCH_LABEL="$name" BENCH_WRK_THREADS="$THREADS" BENCH_WRK_OUT="$OUT/$name.json" \
    BENCH_DATA="$WORK/answers-data.lua" BENCH_LESSON_SLUG="$SLUG" \
    timeout 60 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout 10s -s "$ROOT/bench/$script" "$url" \
    > "$OUT/$name.wrk.txt" 2>&1 || { echo "bench: wrk failed for $name" >&2; cat "$OUT/$name.wrk.txt" >&2; return 1; }
  grep -E "BENCH_RESULT|BENCH_ERRORS" "$OUT/$name.wrk.txt" | sed 's/^/   /' || true
}

for engine in $ENGINES; do
  echo "=== $engine"
  case "$engine" in
    sqlite) DB_URL="sqlite:///$WORK/coursesite-bench.sqlite" ;;
    postgres)
      PG_DB="coursesite_bench_lesson_$$"
      psql_admin -c "CREATE DATABASE \"$PG_DB\""
      DB_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
      ;;
    *) echo "bench: unknown engine $engine" >&2; exit 1 ;;
  esac
  export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_PORT="$PORT" COURSESITE_WORKERS=1 \
    COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    COURSESITE_DB_POOL_SIZE="$POOL_SIZE" COURSESITE_ENV=development COURSESITE_REGISTRATIONS_PER_HOUR=100000
  "$BIN/coursesite" migrate > "$OUT/$engine-migrate.log" 2>&1 || { cat "$OUT/$engine-migrate.log" >&2; exit 1; }
  "$BIN/coursesite" serve > "$OUT/$engine-server.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  BENCH_DATABASE_URL="$DB_URL" BENCH_DB_POOL_SIZE="$POOL_SIZE" \
    "$BIN/uvicorn" --app-dir "$ROOT/bench" baseline_app:app_factory --factory --host "$HOST" --port "$BASELINE_PORT" \
    --workers 1 --no-access-log --no-server-header > "$OUT/$engine-baseline-server.log" 2>&1 &
  BASELINE_PID=$!
  PIDS+=("$BASELINE_PID")
  wait_healthy "http://$HOST:$PORT/healthz" "$SERVER_PID" "$OUT/$engine-server.log"
  wait_healthy "http://$HOST:$BASELINE_PORT/healthz" "$BASELINE_PID" "$OUT/$engine-baseline-server.log"
  "$PY" bench/prepare.py --base-url "http://$HOST:$PORT" --participants "$PARTICIPANTS" --out "$WORK/answers-data.lua" \
    --prime > "$OUT/$engine-prepare.txt"
  for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order="baseline lesson"; else order="lesson baseline"; fi
    for side in $order; do
      if [ "$side" = baseline ]; then run_wrk "$engine-rows-$round" rows.lua "http://$HOST:$BASELINE_PORT"
      else run_wrk "$engine-lesson-$round" lesson.lua "http://$HOST:$PORT"; fi
    done
  done
  stop_pid "$SERVER_PID"
  stop_pid "$BASELINE_PID"
  PIDS=()
  if [ -n "$PG_DB" ]; then psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)"; PG_DB=""; fi
done
echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

"$PY" - "$OUT" "$ENGINES" <<'EOF'
import json, sys
from pathlib import Path

out, engines = Path(sys.argv[1]), sys.argv[2].split()
print("| engine | lesson page req/s | baseline (20 rows) req/s | ratio | lesson p99 (worst slice) | errors |")
print("|---|---|---|---|---|---|")
for engine in engines:
    sides = {}
    for side in ("lesson", "rows"):
        runs = [json.loads(p.read_text()) for p in sorted(out.glob(f"{engine}-{side}-*.json"))]
        sides[side] = (
            sum(r["requests"] for r in runs) / sum(r["duration_s"] for r in runs),
            max(r["latency_ms"]["p99"] for r in runs),
            sum(r["non_2xx"] + sum(r["socket_errors"].values()) for r in runs),
        )
    (lrps, lp99, lerr), (brps, _, berr) = sides["lesson"], sides["rows"]
    print(f"| {engine} | {lrps:.0f} | {brps:.0f} | {lrps / brps:.2f} | {lp99:.1f} ms | {lerr} / {berr} |")
print((out / "machine.txt").read_text())
EOF
echo "Results: $OUT"
