# Shell helpers the benchmarks share (sourced by bench/run.sh, bench/scale/run.sh, bench/billing/run.sh).
# Needs $PY (the virtualenv's python).

stop_pid() {  # stop one process we started: TERM, then KILL after 10 s
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  echo "bench: process $pid did not stop on TERM; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

wait_healthy() {  # url pid logfile: wait up to 30 s for 200 from url, failing early if the server exits
  local url="$1" pid="$2" log="$3"
  for _ in $(seq 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: the server behind $url exited during start-up; its log:" >&2
      tail -40 "$log" >&2
      return 1
    fi
    if "$PY" -c 'import sys, urllib.request; sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)' \
      "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "bench: $url not healthy after 30 s" >&2
  return 1
}

bench_staff() {  # database_url email role: (re)create a staff account with a fresh random password, printed
  local db_url="$1" email="$2" role="$3" password
  password="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')"
  timeout 60 psql -X -q "$db_url" -c "DELETE FROM account WHERE email = '$email'" >&2 || return 1
  echo "$password" | timeout 60 "$(dirname "$PY")/coursesite" create-staff --email "$email" --role "$role" \
    --first-name Mätning --last-name Bänk > /dev/null ||
    return 1
  echo "$password"
}

require_free_port() {  # port: refuse to start when something already listens there (another bench would be measured)
  if "$PY" -c 'import socket, sys; s = socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"; then
    echo "bench: something already listens on 127.0.0.1:$1; choose another port" >&2
    return 1
  fi
}
