#!/usr/bin/env bash
# The billing export benchmark (issue 4 §7): time and peak memory of the SIE export (and the CSV export) of a year
# with 100,000 invoices, on PostgreSQL. docs/performance.md ("Billing exports at 100,000 invoices") has the figures.
#
#   .venv/bin/python -m bench.billing.generate      # once: creates the data (about 15 s)
#   bash bench/billing/run.sh                       # measures (about 1.5 minutes)
#
# BENCH_BILLING_GENERATE=1 generates first (BENCH_BILLING_INVOICES, default 100000). Everything listens on 127.0.0.1;
# the server started here is stopped on exit (also on Ctrl-C and TERM). Every step is bounded in time.
# Settings: BENCH_BILLING_DATABASE_URL (postgresql://postgres@127.0.0.1:5432/coursesite_billing_bench),
# BENCH_BILLING_PORT (8793), BENCH_BILLING_YEAR (last year), BENCH_BILLING_RUNS (2 downloads of each export),
# BENCH_BILLING_POOL_SIZE (10), BENCH_BILLING_PROBE (1; 0: no GET /healthz probe during the exports),
# BENCH_BILLING_MAIL_WORKER (0: the server's mail loop off; the generated year has thousands of overdue invoices, whose
# reminder round and queued mails the server would otherwise work through during the measurement). Results: bench/results/billing-<UTC time>/ (the exported files are deleted at the end
# unless BENCH_BILLING_KEEP=1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }

DB_URL="${BENCH_BILLING_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/coursesite_billing_bench}"
HOST=127.0.0.1
PORT="${BENCH_BILLING_PORT:-8793}"
YEAR="${BENCH_BILLING_YEAR:-$(( $(date -u +%Y) - 1 ))}"
RUNS="${BENCH_BILLING_RUNS:-2}"
POOL_SIZE="${BENCH_BILLING_POOL_SIZE:-10}"
OUT="$ROOT/bench/results/billing-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
SERVER_PID=""
EMAIL="billing-bench-ekonomi@example.se"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

cleanup() {
  stop_pid "$SERVER_PID"
  psql -X -q "$DB_URL" -c "DELETE FROM account WHERE email = '$EMAIL'" >/dev/null 2>&1 || true
  [ "${BENCH_BILLING_KEEP:-0}" = 1 ] || rm -f "$OUT"/export-*.sie "$OUT"/export-*.csv
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_BILLING_GENERATE:-0}" = 1 ]; then
  timeout 600 "$PY" -m bench.billing.generate --invoices "${BENCH_BILLING_INVOICES:-100000}" --year "$YEAR" \
    --database-url "$DB_URL" | tee "$OUT/generate.txt"
fi

export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_PORT="$PORT" COURSESITE_WORKERS=1 \
  COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  COURSESITE_DB_POOL_SIZE="$POOL_SIZE" COURSESITE_ENV=development COURSESITE_MAIL_WORKER="${BENCH_BILLING_MAIL_WORKER:-0}"
timeout 300 "$BIN/coursesite" migrate > "$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; exit 1; }

counts="$(timeout 60 psql -X -qtA -F ' ' "$DB_URL" -c "SELECT (SELECT count(*) FROM invoice WHERE kind = 'invoice'),
  (SELECT count(*) FROM invoice WHERE kind = 'credit_note'), (SELECT count(*) FROM payment),
  pg_size_pretty(pg_total_relation_size('invoice'))")"
read -r invoices credit_notes payments invoice_size <<< "$counts"
[ "$invoices" -gt 0 ] || { echo "bench: no invoices in $DB_URL; run python -m bench.billing.generate first" >&2; exit 1; }
echo "database: $invoices invoices, $credit_notes credit notes, $payments payments, invoice table $invoice_size"

PASSWORD="$(bench_staff "$DB_URL" "$EMAIL" finance)"

require_free_port "$PORT" || { echo "bench: set BENCH_BILLING_PORT" >&2; exit 1; }
"$BIN/coursesite" serve > "$OUT/server.log" 2>&1 &
SERVER_PID=$!
wait_healthy "http://$HOST:$PORT/healthz" "$SERVER_PID" "$OUT/server.log"

{
  echo "date=$(date -u +%FT%TZ) commit=$(git rev-parse --short HEAD) invoices=$invoices credit_notes=$credit_notes payments=$payments"
  echo "nproc=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg) postgres=$(psql -X -qtA "$DB_URL" -c 'SHOW server_version')"
} | tee "$OUT/environment.txt"

timeout 900 "$PY" bench/billing/measure.py --base-url "http://$HOST:$PORT" --server-pid "$SERVER_PID" \
  --email "$EMAIL" --password "$PASSWORD" --database-url "$DB_URL" --from "$YEAR-01-01" --to "$YEAR-12-31" \
  --runs "$RUNS" --out "$OUT"

if grep -q "Traceback" "$OUT/server.log"; then
  echo "bench: the server logged tracebacks (see $OUT/server.log)" >&2
fi
echo "results: $OUT"
