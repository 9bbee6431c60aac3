-- wrk script: GET /rows on bench/baseline_app.py (a Jinja template of 20 rows), the lesson page's baseline (P2).
-- Environment: BENCH_DIR, BENCH_WRK_OUT, BENCH_LABEL.
local report = dofile(os.getenv("BENCH_DIR") .. "/wrk_report.lua")

function setup(thread)
  report.setup(thread)
end

function request()
  return wrk.format("GET", "/rows")
end

function response(status, headers, body)
  report.response(status, headers, body)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, os.getenv("BENCH_LABEL") or "rows")
end
