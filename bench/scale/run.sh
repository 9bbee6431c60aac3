#!/usr/bin/env bash
# The scale benchmark (issue 3 §6): question statistics, the review queue and the grade export against a large
# cohort on PostgreSQL. docs/performance.md ("Scale: insight at 100 000 participants") has the figures.
#
#   .venv/bin/python -m bench.scale.generate --participants 100000      # once: creates the data (about 2 minutes)
#   bash bench/scale/run.sh                                             # measures (about 2 minutes)
#
# BENCH_SCALE_GENERATE=1 generates first (BENCH_SCALE_PARTICIPANTS, default 100000). Everything listens on 127.0.0.1;
# the server started here is stopped on exit (also on Ctrl-C and TERM). Every step is bounded in time.
# Settings: BENCH_SCALE_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/coursesite_scale), BENCH_SCALE_PORT (8791),
# BENCH_SCALE_DURATION (10 s per wrk slice), BENCH_SCALE_POOL_SIZE (10), BENCH_SCALE_SCENARIOS (all; e.g.
# "lesson-overview-page"), BENCH_SCALE_EXPORT_RUNS (2). Results: bench/results/scale-<UTC time>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }
command -v wrk >/dev/null || bash .ci/ensure-debs.sh wrk

DB_URL="${BENCH_SCALE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/coursesite_scale}"
HOST=127.0.0.1
PORT="${BENCH_SCALE_PORT:-8791}"
DURATION="${BENCH_SCALE_DURATION:-10}"
POOL_SIZE="${BENCH_SCALE_POOL_SIZE:-10}"
OUT="$ROOT/bench/results/scale-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
SERVER_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap 'stop_pid "$SERVER_PID"' EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_SCALE_GENERATE:-0}" = 1 ]; then
  timeout 1800 "$PY" -m bench.scale.generate --participants "${BENCH_SCALE_PARTICIPANTS:-100000}" --database-url "$DB_URL" \
    | tee "$OUT/generate.txt"
fi

export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_PORT="$PORT" COURSESITE_WORKERS=1 \
  COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  COURSESITE_DB_POOL_SIZE="$POOL_SIZE" COURSESITE_ENV=development
timeout 300 "$BIN/coursesite" migrate > "$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; exit 1; }

participants="$(psql -X -qtA "$DB_URL" -c "SELECT count(*) FROM account WHERE role = 'participant'")"
answers="$(psql -X -qtA "$DB_URL" -c "SELECT count(*) FROM answer")"
[ "$participants" -gt 0 ] || { echo "bench: no participants in $DB_URL; run python -m bench.scale.generate first" >&2; exit 1; }
echo "database: $participants participants, $answers answers"

EMAIL="scale-bench-larare@example.se"
PASSWORD="$(bench_staff "$DB_URL" "$EMAIL" instructor)"

require_free_port "$PORT" || { echo "bench: set BENCH_SCALE_PORT" >&2; exit 1; }
"$BIN/coursesite" serve > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
wait_healthy "http://$HOST:$PORT/healthz" "$SERVER_PID" "$OUT/server.log"

{
  echo "date=$(date -u +%FT%TZ) commit=$(git rev-parse --short HEAD) participants=$participants answers=$answers"
  echo "nproc=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) postgres=$(psql -X -qtA "$DB_URL" -c 'SHOW server_version')"
} | tee "$OUT/environment.txt"

timeout 1500 "$PY" bench/scale/measure.py --base-url "http://$HOST:$PORT" --server-pid "$SERVER_PID" \
  --email "$EMAIL" --password "$PASSWORD" --out "$OUT" --duration "$DURATION" \
  --export-runs "${BENCH_SCALE_EXPORT_RUNS:-2}"

psql -X -q "$DB_URL" -c "DELETE FROM account WHERE email = '$EMAIL'"
if grep -q "Traceback" "$OUT/server.log"; then
  echo "bench: the server logged tracebacks (see $OUT/server.log)" >&2
fi
echo "results: $OUT"
