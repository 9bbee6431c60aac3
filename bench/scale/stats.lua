-- wrk script: GET one of several paths in turn (question statistics, the review queue …) as a logged-in instructor.
-- Environment: BENCH_DIR (bench/, for wrk_report.lua), BENCH_PATHS (paths separated by spaces), BENCH_COOKIE (the
-- Cookie header), BENCH_WRK_OUT (the JSON report), BENCH_LABEL.
local report = dofile(os.getenv("BENCH_DIR") .. "/wrk_report.lua")

function setup(thread)
  report.setup(thread)
end

local paths, cookie
slot = 0

function init(args)
  paths = {}
  for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do table.insert(paths, p) end
  assert(#paths > 0, "BENCH_PATHS is empty")
  cookie = os.getenv("BENCH_COOKIE")
  slot = tid  -- threads start at different paths
end

function request()
  local path = paths[(slot % #paths) + 1]
  slot = slot + 1
  return wrk.format("GET", path, { ["Cookie"] = cookie, ["Accept"] = "application/json" })
end

function response(status, headers, body)
  report.response(status, headers, body)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, os.getenv("BENCH_LABEL") or "stats")
end
