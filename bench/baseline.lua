-- wrk script: POST /insert on bench/baseline_app.py, the same report as bench/answers.lua.
-- Environment: BENCH_DIR, BENCH_WRK_OUT, BENCH_LABEL.
local report = dofile(os.getenv("BENCH_DIR") .. "/wrk_report.lua")

function setup(thread)
  report.setup(thread)
end

local n = 0

function request()
  n = n + 1
  return wrk.format("POST", "/insert", { ["Content-Type"] = "application/json" },
    string.format('{"label": "baseline-%d-%d", "value": %d}', tid, n, n))
end

function response(status, headers, body)
  report.response(status, headers, body)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, os.getenv("BENCH_LABEL") or "baseline")
end
