#!/usr/bin/env bash
# The course at full size (issue 14, P4): 20,000 enrolled participants on PostgreSQL, a realistic mix of what they
# do, at a constant arrival rate stepped up (open loop, latency from the due time). docs/performance.md ("Issue 14,
# P4: a course at full size") has the figures; `make bench-course` runs this.
#
#   bash bench/course/run.sh                       # seeds when the database is empty, then measures (about 4 min)
#   BENCH_COURSE_GENERATE=1 bash bench/course/run.sh   # seeds afresh first (about 30 s)
#
# Settings: BENCH_COURSE_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/coursesite_course),
# BENCH_COURSE_PARTICIPANTS (20000), BENCH_COURSE_RATES (50,100,200,265,335,500,670 requests/s), BENCH_COURSE_DURATION
# (20 s per step), BENCH_COURSE_PORT (8792), BENCH_COURSE_WORKERS (unset: the server's default, one per core on
# PostgreSQL), BENCH_COURSE_WRITE_DOCS (1: the table goes into docs/performance.md). Everything listens on
# 127.0.0.1; the server started here is stopped on exit. Results: bench/results/course-<UTC time>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }

DB_URL="${BENCH_COURSE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/coursesite_course}"
HOST=127.0.0.1
PORT="${BENCH_COURSE_PORT:-8792}"
RATES="${BENCH_COURSE_RATES:-50,100,200,265,335,500,670}"
DURATION="${BENCH_COURSE_DURATION:-20}"
OUT="$ROOT/bench/results/course-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
SERVER_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap 'stop_pid "$SERVER_PID"' EXIT
trap 'exit 130' INT TERM

participants="$(psql -X -qtA "$DB_URL" -c "SELECT count(*) FROM account WHERE role = 'participant'" 2>/dev/null || echo 0)"
if [ "${BENCH_COURSE_GENERATE:-0}" = 1 ] || [ "${participants:-0}" = 0 ]; then
  timeout 900 "$PY" -m bench.course.generate --participants "${BENCH_COURSE_PARTICIPANTS:-20000}" \
    --database-url "$DB_URL" | tee "$OUT/generate.txt"
fi

export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_PORT="$PORT" \
  COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  COURSESITE_ENV=development COURSESITE_MAIL_WORKER=false COURSESITE_ERASURE_LEDGER="$OUT/erasure-ledger.jsonl"
[ -n "${BENCH_COURSE_WORKERS:-}" ] && export COURSESITE_WORKERS="$BENCH_COURSE_WORKERS"
timeout 300 "$BIN/coursesite" migrate > "$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; exit 1; }
timeout 300 "$PY" -m bench.course.plan --database-url "$DB_URL" --out "$OUT/plan.json"

"$BIN/coursesite" serve > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
wait_healthy "http://$HOST:$PORT/healthz" "$SERVER_PID" "$OUT/server.log"
workers="$("$PY" -c 'from coursesite.settings import Settings; print(Settings.from_env().workers)')"

header="$(date -u +%F) $(date -u +%H:%M) UTC, commit $(git rev-parse --short HEAD), $(nproc) cores \
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), PostgreSQL \
$(psql -X -qtA "$DB_URL" -c 'SHOW server_version' | cut -d' ' -f1), $workers uvicorn workers, load average at start \
$(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header" | tee "$OUT/environment.txt"

docs=()
[ "${BENCH_COURSE_WRITE_DOCS:-1}" = 1 ] && docs=(--docs "$ROOT/docs/performance.md")
timeout 900 "$PY" -m bench.course.measure --base-url "http://$HOST:$PORT" --database-url "$DB_URL" \
  --plan "$OUT/plan.json" --server-pids "$SERVER_PID" --rates "$RATES" --duration "$DURATION" --out "$OUT" \
  --label "One app server ($workers workers)" --key single --header "$header" "${docs[@]}"

psql -X -q "$DB_URL" -c "DELETE FROM user_session WHERE client_label = 'bench-course'"
if grep -q "Traceback" "$OUT/server.log"; then
  echo "bench: the server logged tracebacks (see $OUT/server.log)" >&2
fi
echo "results: $OUT"
