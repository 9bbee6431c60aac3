-- Shared by bench/answers.lua and bench/baseline.lua: per-thread status counting, and a JSON report at the end.
-- Each wrk thread has its own Lua state; done() runs in the main state and reads the threads' globals.
-- Environment: BENCH_WRK_OUT = where to write the JSON report (also printed).

local report = {}

local threads = {}
local next_id = 0

function report.setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- per thread
statuses = {}      -- status code (as a string) -> count
responses = 0
non2xx = 0
first_error = nil  -- "status body" of the first non-2xx response this thread saw
exhausted = 0      -- requests sent after the thread ran out of fresh (participant, question, attempt) slots

function report.response(status, headers, body)
  responses = responses + 1
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_error == nil then
      first_error = key .. " " .. string.sub(body or "", 1, 400)
    end
  end
end

local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function report.done(summary, latency, requests, label)
  local next_slots = {}
  local total_statuses = {}
  local total_non2xx, total_responses, total_exhausted = 0, 0, 0
  local errors = {}
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses") or {}) do
      total_statuses[code] = (total_statuses[code] or 0) + count
    end
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
    total_responses = total_responses + (thread:get("responses") or 0)
    total_exhausted = total_exhausted + (thread:get("exhausted") or 0)
    local first = thread:get("first_error")
    if first then table.insert(errors, first) end
    next_slots[thread:get("tid") + 1] = thread:get("slot") or 0
  end
  -- The latency distribution as 1000 quantiles (0.1 %, 0.2 %, ... 100 %), so that bench/summarize.py can merge
  -- the percentiles of several interleaved slices.
  local quantiles = {}
  if summary.requests > 0 then
    for i = 1, 1000 do
      table.insert(quantiles, string.format("%.3f", latency:percentile(i / 10) / 1000))
    end
  end
  local seconds = summary.duration / 1e6
  local codes = {}
  for code, count in pairs(total_statuses) do
    table.insert(codes, json_string(code) .. ": " .. count)
  end
  local samples = {}
  for _, e in ipairs(errors) do table.insert(samples, json_string(e)) end
  local e = summary.errors
  local json = string.format(
    '{"label": %s, "duration_s": %.3f, "requests": %d, "responses_seen": %d, "requests_per_s": %.2f, ' ..
    '"latency_ms": {"mean": %.3f, "p50": %.3f, "p75": %.3f, "p90": %.3f, "p99": %.3f, "max": %.3f}, ' ..
    '"statuses": {%s}, "non_2xx": %d, "socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"slots_exhausted": %d, "next_slots": [%s], "error_samples": [%s], "quantiles_ms": [%s]}',
    json_string(label), seconds, summary.requests, total_responses, summary.requests / seconds,
    latency.mean / 1000, latency:percentile(50) / 1000, latency:percentile(75) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    table.concat(codes, ", "), total_non2xx, e.connect, e.read, e.write, e.timeout,
    total_exhausted, table.concat(next_slots, ", "), table.concat(samples, ", "), table.concat(quantiles, ", "))
  io.write(string.format("BENCH_RESULT %s: %.1f requests/s, p50 %.1f ms, p99 %.1f ms, %d non-2xx\n", label,
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_non2xx))
  local out = os.getenv("BENCH_WRK_OUT")
  if out and out ~= "" then
    local f = assert(io.open(out, "w"))
    f:write(json .. "\n")
    f:close()
  end
  if total_non2xx > 0 or e.connect + e.read + e.write + e.timeout > 0 then
    io.write(string.format("BENCH_ERRORS %s: %d non-2xx responses, %d socket errors/timeouts\n", label, total_non2xx,
      e.connect + e.read + e.write + e.timeout))
  end
  if total_exhausted > 0 then
    io.write(string.format("BENCH_EXHAUSTED %s: %d requests re-used a spent slot (expect 403s); raise BENCH_PARTICIPANTS\n",
      label, total_exhausted))
  end
end

return report
