-- Shared by every scenario (each one starts with dofile of this file).
-- Prints one machine-readable line that run.sh turns into the table:
-- RESULT <requests/s> <p50 ms> <p99 ms> <p99.9 ms> <non-2xx> <socket errors> <api errors>
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local api_errors = 0
  for _, t in ipairs(threads) do
    api_errors = api_errors + (t:get("api_errors") or 0)
  end
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %.3f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, api_errors))
end
