-- wrk script: POST /api/v1/answers as prepared participants, round-robin.
-- Environment: BENCH_DIR (this directory), BENCH_DATA (the Lua file written by bench/prepare.py),
-- BENCH_WRK_THREADS (= wrk -t), BENCH_WRK_OUT (JSON report), BENCH_SLOT_OFFSETS ("n0,n1,...": where each thread
-- starts, i.e. the next_slots of the previous slice of the same run, so that slices never re-use a submission).
--
-- Each thread owns the participants i with (i - 1) % threads == tid and spends their submission slots in order:
-- attempt round 1..max_attempts, then question, then participant. Consecutive requests of a thread go to different
-- participants, so with more participants per thread than connections per thread no two requests of one participant
-- are in flight at once, and no (participant, question) pair is answered more than max_attempts times.
local report = dofile(os.getenv("BENCH_DIR") .. "/wrk_report.lua")

function setup(thread)
  report.setup(thread)
end

local data, mine, bodies, per_round, budget
slot = 0  -- global: wrk_report.lua reads it at the end (next_slots)

function init(args)
  data = dofile(os.getenv("BENCH_DATA"))
  local nthreads = tonumber(os.getenv("BENCH_WRK_THREADS") or "2")
  mine = {}
  for i, p in ipairs(data.participants) do
    if (i - 1) % nthreads == tid then table.insert(mine, p) end
  end
  assert(#mine > 0, "fewer participants than wrk threads")
  bodies = data.bodies
  per_round = #bodies * #mine
  budget = per_round * data.max_attempts
  local offsets = {}
  for n in string.gmatch(os.getenv("BENCH_SLOT_OFFSETS") or "", "%d+") do table.insert(offsets, tonumber(n)) end
  slot = offsets[tid + 1] or 0
end

function request()
  local k = slot
  slot = slot + 1
  if k >= budget then
    exhausted = exhausted + 1
    k = k % budget
  end
  local within = k % per_round
  local p = mine[(within % #mine) + 1]
  local body = bodies[math.floor(within / #mine) + 1]
  return wrk.format("POST", "/api/v1/answers", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = p.cookie,
    ["x-csrftoken"] = p.csrf,
  }, body)
end

function response(status, headers, body)
  report.response(status, headers, body)
end

function done(summary, latency, requests)
  report.done(summary, latency, requests, os.getenv("BENCH_LABEL") or "answers")
end
