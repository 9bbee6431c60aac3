-- wrk script: GET /lektion/<BENCH_LESSON_SLUG> as the participants bench/prepare.py registered and enrolled,
-- round-robin per thread (issue 14, P2). Environment: BENCH_DIR, BENCH_DATA, BENCH_WRK_THREADS, BENCH_WRK_OUT,
-- BENCH_LABEL, BENCH_LESSON_SLUG.
local report = dofile(os.getenv("BENCH_DIR") .. "/wrk_report.lua")

function setup(thread)
  report.setup(thread)
end

local mine, path
local n = 0

function init(args)
  local data = dofile(os.getenv("BENCH_DATA"))
  local nthreads = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
  mine = {}
  for i, p in ipairs(data.participants) do
    if (i - 1) % nthreads == tid then table.insert(mine, p) end
  end
  assert(#mine > 0, "fewer participants than wrk threads")
  path = "/lektion/" .. assert(os.getenv("BENCH_LESSON_SLUG"), "BENCH_LESSON_SLUG")
end

function request()
  n = n + 1
  local p = mine[(n % #mine) + 1]
  return wrk.format("GET", path, { ["Cookie"] = p.cookie })
end

function response(status, headers, body)
  report.response(status, headers, body)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, os.getenv("BENCH_LABEL") or "lesson")
end
