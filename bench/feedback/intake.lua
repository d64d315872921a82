-- wrk script: sustained public rating intake over random collection points, devices and
-- client networks (X-Forwarded-For, so run the server with --trusted-proxy 127.0.0.1/32).
-- Point codes come from the file in env POINTS (one code per line: `manyi points list | cut -f1`).
local codes = {}
local counter = 0
local statuses = {}

local function load_codes()
  local path = os.getenv("POINTS") or "points.txt"
  for line in io.lines(path) do
    local c = line:match("^(%w+)")
    if c and #c == 10 then codes[#codes + 1] = c end
  end
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  load_codes()
  -- INSTANCE: which of several wrk processes this is (intake.sh INSTANCES=N), so their raters differ.
  inst = tonumber(os.getenv("INSTANCE") or "0")
  math.randomseed(os.time() * 1000 + inst * 100 + id)
  seq = 0
  no_bad = os.getenv("BAD") == "0"
  wrk.headers["Content-Type"] = "application/json"
end

local comments = {"医生很耐心", "排队时间太长", "环境干净整洁", "收费清楚", "护士态度很好，谢谢"}

function request()
  seq = seq + 1
  local code = codes[math.random(#codes)]
  local r = math.random()
  local overall = r < 0.55 and 5 or r < 0.85 and 4 or r < 0.93 and 3 or r < 0.97 and 2 or 1
  if no_bad and overall <= 2 then overall = 3 end  -- BAD=0: the same traffic without bad reviews
  local dev = string.format("wrk%d-%d-%d-%d", inst, id, seq, math.random(1000000))
  local body = string.format('{"point":"%s","overall":%d,"device":"%s","elapsed_ms":%d', code, overall, dev,
                             4000 + math.random(20000))
  if math.random() < 0.1 then
    body = body .. string.format(',"comment":"%s"', comments[math.random(#comments)])
  end
  body = body .. "}"
  local ip = string.format("%d.%d.%d.%d", 11 + math.random(200), math.random(255), math.random(255), math.random(254))
  return wrk.format("POST", "/api/v1/public/ratings", {["X-Forwarded-For"] = ip, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("requests %d in %.1f s: %.0f/s; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
