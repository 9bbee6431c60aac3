#!/usr/bin/env bash
# Two app servers on one PostgreSQL behind nginx (docs/deployment.md), measured with the course benchmark's mix at
# a constant arrival rate (bench/course/load.py). Runs deploy/nginx/kurssajten.conf itself, with only its addresses
# rewritten to 127.0.0.1 ports of this run. `make bench-cluster` installs nginx (Debian) and runs this.
#
# Each app server gets BENCH_CLUSTER_WORKERS uvicorn workers (default 1: two servers of one worker use the same two
# processes as one server of two, so the comparison with bench/course/run.sh shows what the proxy costs).
# Settings as bench/course/run.sh (BENCH_COURSE_DATABASE_URL, BENCH_COURSE_RATES, BENCH_COURSE_DURATION, …) and
# BENCH_CLUSTER_PORT (8795, nginx; the app servers on the next two ports). Every step is bounded in time; everything
# started here is stopped on exit. Results: bench/results/cluster-<UTC time>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "bench: no nginx (make bench-cluster installs it: bash .ci/ensure-debs.sh nginx)" >&2; exit 1; }

DB_URL="${BENCH_COURSE_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/coursesite_course}"
HOST=127.0.0.1
PROXY_PORT="${BENCH_CLUSTER_PORT:-8795}"
PORT_A=$((PROXY_PORT + 1))
PORT_B=$((PROXY_PORT + 2))
RATES="${BENCH_COURSE_RATES:-50,100,200,265,335,500,670}"
DURATION="${BENCH_COURSE_DURATION:-20}"
OUT="$ROOT/bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
A_PID="" B_PID="" NGINX_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap 'stop_pid "$NGINX_PID"; stop_pid "$A_PID"; stop_pid "$B_PID"' EXIT
trap 'exit 130' INT TERM

participants="$(psql -X -qtA "$DB_URL" -c "SELECT count(*) FROM account WHERE role = 'participant'" 2>/dev/null || echo 0)"
if [ "${BENCH_COURSE_GENERATE:-0}" = 1 ] || [ "${participants:-0}" = 0 ]; then
  timeout 900 "$PY" -m bench.course.generate --participants "${BENCH_COURSE_PARTICIPANTS:-20000}" \
    --database-url "$DB_URL" | tee "$OUT/generate.txt"
fi

export COURSESITE_DATABASE_URL="$DB_URL" COURSESITE_HOST="$HOST" COURSESITE_WORKERS="${BENCH_CLUSTER_WORKERS:-1}" \
  COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  COURSESITE_ENV=development COURSESITE_MAIL_WORKER=false COURSESITE_ERASURE_LEDGER="$OUT/erasure-ledger.jsonl" \
  COURSESITE_TRUSTED_PROXIES=127.0.0.1
timeout 300 "$BIN/coursesite" migrate > "$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; exit 1; }
timeout 300 "$PY" -m bench.course.plan --database-url "$DB_URL" --out "$OUT/plan.json"

# The two servers share the secret key (a session's CSRF token is derived from it) and the database; nothing else.
COURSESITE_PORT="$PORT_A" "$BIN/coursesite" serve > "$OUT/server-a.log" 2>&1 &
A_PID=$!
COURSESITE_PORT="$PORT_B" "$BIN/coursesite" serve > "$OUT/server-b.log" 2>&1 &
B_PID=$!

# deploy/nginx/kurssajten.conf as it is, in a minimal main configuration that keeps its files in $OUT.
sed -e "s/127\.0\.0\.1:8001/127.0.0.1:$PORT_A/g; s/127\.0\.0\.1:8002/127.0.0.1:$PORT_B/" \
  -e "s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$PROXY_PORT;/" deploy/nginx/kurssajten.conf > "$OUT/kurssajten.conf"
mkdir -p "$OUT/nginx-temp"
cat > "$OUT/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $OUT/nginx-temp/body;
    proxy_temp_path $OUT/nginx-temp/proxy;
    fastcgi_temp_path $OUT/nginx-temp/fastcgi;
    uwsgi_temp_path $OUT/nginx-temp/uwsgi;
    scgi_temp_path $OUT/nginx-temp/scgi;
    include $OUT/kurssajten.conf;
}
CONF
"$NGINX" -t -c "$OUT/nginx.conf" -p "$OUT" 2> "$OUT/nginx-test.log" || { cat "$OUT/nginx-test.log" >&2; exit 1; }
"$NGINX" -c "$OUT/nginx.conf" -p "$OUT" > "$OUT/nginx.log" 2>&1 &
NGINX_PID=$!

wait_healthy "http://$HOST:$PORT_A/healthz" "$A_PID" "$OUT/server-a.log"
wait_healthy "http://$HOST:$PORT_B/healthz" "$B_PID" "$OUT/server-b.log"
wait_healthy "http://$HOST:$PROXY_PORT/healthz" "$NGINX_PID" "$OUT/nginx-error.log"

header="$(date -u +%F) $(date -u +%H:%M) UTC, commit $(git rev-parse --short HEAD), $(nproc) cores \
($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), PostgreSQL \
$(psql -X -qtA "$DB_URL" -c 'SHOW server_version' | cut -d' ' -f1), nginx $("$NGINX" -v 2>&1 | cut -d/ -f2), \
2 app servers of $COURSESITE_WORKERS worker(s), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header" | tee "$OUT/environment.txt"

docs=()
[ "${BENCH_COURSE_WRITE_DOCS:-1}" = 1 ] && docs=(--docs "$ROOT/docs/performance.md")
timeout 900 "$PY" -m bench.course.measure --base-url "http://$HOST:$PROXY_PORT" --database-url "$DB_URL" \
  --plan "$OUT/plan.json" --server-pids "$A_PID,$B_PID,$NGINX_PID" --rates "$RATES" --duration "$DURATION" \
  --out "$OUT" --label "Two app servers behind nginx" --key cluster --header "$header" "${docs[@]}"

psql -X -q "$DB_URL" -c "DELETE FROM user_session WHERE client_label = 'bench-course'"
# Both servers served: the proxy spread the requests (least_conn).
for server in a b; do
  echo "server $server: $(grep -c '"logger": "coursesite.request"' "$OUT/server-$server.log" || true) requests"
done | tee "$OUT/spread.txt"
if grep -q "Traceback" "$OUT"/server-*.log; then
  echo "bench: a server logged tracebacks (see $OUT/server-*.log)" >&2
fi
echo "results: $OUT"
