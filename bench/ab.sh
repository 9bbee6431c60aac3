#!/usr/bin/env bash
# Two commits side by side on one PostgreSQL database (docs/performance.md, "Two commits side by side"): the product at
# BENCH_AB_BASE (a git revision, exported to a temporary directory and run with this checkout's virtualenv) and the
# working tree, each one worker, with the raw insert baseline (bench/baseline_app.py) beside them. Registers
# BENCH_AB_PARTICIPANTS participants once through the working tree's server, then runs BENCH_AB_ROUNDS rounds of
# wrk slices in alternating order (base, head, baseline; then the reverse), each slice spending fresh submission
# slots, and prints per slice: requests/s, p99, non-2xx, the server's CPU per request and PostgreSQL's (every
# postgres process on the machine, so only good on a quiet one).
#
#   BENCH_AB_BASE=HEAD~3 bash bench/ab.sh
#
# BENCH_AB_BASE=floor runs bench/floor_app.py (the working tree's services behind a bare ASGI callable, no framework)
# as the base side instead of a revision: the floor under P1 and P2 (docs/performance.md, "How far a path without the
# framework could go").
#
# Knobs: BENCH_AB_BASE (required), BENCH_AB_ROUTE (answers, or lesson against the 20-row baseline), BENCH_AB_ROUNDS
# (3), BENCH_AB_FILL (lesson only: a wrk slice of answers of this length before the rounds, so that the participants
# have answers on the page as in bench/run.sh, where the lesson slices follow the answer slices; 5s, 0 for none),
# BENCH_DURATION (5s), BENCH_AB_PARTICIPANTS (1500; a slice of 5 s spends about 7,500 of the 57 submissions
# each has), BENCH_AB_PORT (8771: base, +1 head, +2 baseline). Everything on 127.0.0.1; every process it starts is
# stopped on exit and the database dropped. Mail worker off, as in bench/run.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.venv/bin"
PY="$BIN/python"
BASE_REV="${BENCH_AB_BASE:?set BENCH_AB_BASE to the git revision to compare with}"
ROUTE="${BENCH_AB_ROUTE:-answers}"
ROUNDS="${BENCH_AB_ROUNDS:-3}"
FILL="${BENCH_AB_FILL:-5s}"
DURATION="${BENCH_DURATION:-5s}"
PARTICIPANTS="${BENCH_AB_PARTICIPANTS:-1500}"
PORT="${BENCH_AB_PORT:-8771}"
HOST=127.0.0.1

[ -x "$PY" ] || { echo "bench: no virtualenv at .venv (run make setup)" >&2; exit 1; }
bash "$ROOT/.ci/ensure-debs.sh" wrk
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
for port in "$PORT" "$((PORT + 1))" "$((PORT + 2))"; do require_free_port "$port"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/coursesite-ab.XXXXXX")"
DB="coursesite_ab_$$"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  psql -X -q -h "$HOST" -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$WORK/base"
if [ "$BASE_REV" != floor ]; then
  git -C "$ROOT" archive "$BASE_REV" | tar -x -C "$WORK/base"
fi
psql -X -q -h "$HOST" -U postgres -d postgres -c "CREATE DATABASE \"$DB\""
export COURSESITE_DATABASE_URL="postgresql://postgres@$HOST:5432/$DB" COURSESITE_HOST="$HOST" COURSESITE_WORKERS=1 \
  COURSESITE_SECRET_KEY="bench-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')" \
  COURSESITE_ENV=development COURSESITE_REGISTRATIONS_PER_HOUR=100000 COURSESITE_MAIL_WORKER=false
"$BIN/coursesite" migrate > "$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; exit 1; }

start() {  # name dir port command...: start a server in dir, remember its pid in STARTED
  local name="$1" dir="$2" port="$3"
  shift 3
  (cd "$dir" && COURSESITE_PORT="$port" PYTHONPATH="$([ "$name" = base ] && echo "$dir")" exec "$@") \
    > "$WORK/$name.log" 2>&1 &
  STARTED=$!
  PIDS+=("$STARTED")
  wait_healthy "http://$HOST:$port/healthz" "$STARTED" "$WORK/$name.log"
}
SERVE=(-c 'import sys; from coursesite.cli import main; sys.argv[0] = "coursesite"; sys.exit(main())' serve)
if [ "$BASE_REV" = floor ]; then
  start floor "$ROOT" "$PORT" "$BIN/uvicorn" --app-dir bench floor_app:app_factory --factory --host "$HOST" \
    --port "$PORT" --workers 1 --no-access-log --no-server-header
else
  start base "$WORK/base" "$PORT" "$PY" "${SERVE[@]}"
fi
declare -A SERVER_PID=([base]="$STARTED")
start head "$ROOT" "$((PORT + 1))" "$PY" "${SERVE[@]}"
SERVER_PID[head]="$STARTED"
BENCH_DATABASE_URL="$COURSESITE_DATABASE_URL" start baseline "$ROOT" "$((PORT + 2))" "$BIN/uvicorn" --app-dir bench \
  baseline_app:app_factory --factory --host "$HOST" --port "$((PORT + 2))" --workers 1 --no-access-log --no-server-header
SERVER_PID[baseline]="$STARTED"
declare -A SERVER_PORT=([base]="$PORT" [head]="$((PORT + 1))" [baseline]="$((PORT + 2))")

timeout 900 "$PY" bench/prepare.py --base-url "http://$HOST:$((PORT + 1))" --participants "$PARTICIPANTS" \
  --out "$WORK/answers-data.lua" --prime | tail -1
SLUG="$("$PY" -c 'from pathlib import Path; from coursesite.course.loader import load_course
print(load_course(Path("lessons")).acts[0].lessons[0].slug)')"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_ticks() { for pid in $(pgrep -u postgres); do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'; }
offsets=""
slice() {  # side round
  local side="$1" name="$1-$2" script t0 g0 t1 g1
  if [ "$side" = baseline ]; then script="$([ "$ROUTE" = answers ] && echo baseline || echo rows)"; else script="$([ "$ROUTE" = answers ] && echo answers || echo lesson)"; fi
  t0="$(ticks "${SERVER_PID[$side]}")"
  g0="$(pg_ticks)"
  BENCH_DIR="$ROOT/bench" BENCH_LABEL="$name" BENCH_WRK_THREADS=2 BENCH_WRK_OUT="$WORK/$name.json" \
    BENCH_DATA="$WORK/answers-data.lua" BENCH_SLOT_OFFSETS="$offsets" BENCH_LESSON_SLUG="$SLUG" \
    timeout 60 wrk -t2 -c32 -d"$DURATION" --latency --timeout 10s -s "bench/$script.lua" \
    "http://$HOST:${SERVER_PORT[$side]}" > "$WORK/$name.txt" 2>&1
  t1="$(ticks "${SERVER_PID[$side]}")"
  g1="$(pg_ticks)"
  "$PY" - "$WORK/$name.txt" "$name" "$((t1 - t0))" "$((g1 - g0))" "$(getconf CLK_TCK)" <<'EOF'
import re, sys
text, name, ticks, pg, hz = open(sys.argv[1]).read(), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
count = int(re.search(r"(\d+) requests in", text).group(1))
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p99 = re.search(r"99%\s+(\S+)", text).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
spent = re.search(r"BENCH_EXHAUSTED.*", text)
read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", text)
size = float(read.group(1)) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[read.group(2)] / count if read else 0
print(f"{name:<12} {rps:>9} req/s  p99 {p99:>9}  server {ticks / hz / count * 1000:.3f} ms/req  "
      f"postgres {pg / hz / count * 1000:.3f} ms/req  non-2xx {non2xx.group(1) if non2xx else 0}  {size / 1024:.1f} KiB/resp"
      + (f"  ({spent.group(0)})" if spent else ""))
EOF
  if [ "$script" = answers ]; then
    offsets="$("$PY" -c 'import json, sys; print(",".join(str(n) for n in json.load(open(sys.argv[1]))["next_slots"]))' "$WORK/$name.json")"
  fi
}

if [ "$ROUTE" = lesson ] && [ "$FILL" != 0 ]; then  # answers on the page, as in bench/run.sh
  BENCH_DIR="$ROOT/bench" BENCH_LABEL=fill BENCH_WRK_THREADS=2 BENCH_WRK_OUT="$WORK/fill.json" \
    BENCH_DATA="$WORK/answers-data.lua" BENCH_SLOT_OFFSETS="" timeout 60 wrk -t2 -c32 -d"$FILL" --timeout 10s \
    -s bench/answers.lua "http://$HOST:${SERVER_PORT[head]}" > "$WORK/fill.txt" 2>&1
  echo "fill: $(grep -Eo '[0-9]+ requests in' "$WORK/fill.txt") answers before the lesson rounds"
fi
echo "== $ROUTE: base $([ "$BASE_REV" = floor ] && echo floor || git -C "$ROOT" rev-parse --short "$BASE_REV") against the working tree, $ROUNDS rounds of $DURATION, load $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="base head baseline"; else order="baseline head base"; fi
  for side in $order; do slice "$side" "$round"; done
done
