-- wrk script: public complaints (POST /api/v1/public/cases) to random departments and
-- institutions of the demo organisation with random phone numbers, addressed by their printed
-- codes as the public form sends them. Codes come from the file in env NODES (one per line).
local nodes = {}
local counter = 0
local statuses = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(os.getenv("NODES") or "nodes.txt") do
    local n = line:match("^(%S+)")
    if n then nodes[#nodes + 1] = n end
  end
  math.randomseed(os.time() * 1000 + id)
end

local texts = {"护士态度很差，说话不耐烦", "排队挂号等了两个小时还没看上", "收费处多收了检查费，要求退费",
               "病房卫生间很脏，没人打扫", "出院手续太繁琐，跑了好几个窗口", "医生看病太快，没有解释清楚病情"}

function request()
  local phone = string.format("1%d%d%08d", 3 + math.random(0, 6), math.random(0, 9), math.random(0, 99999999))
  local body = string.format('{"type":"complaint","channel":"mobile","point":"%s","content":"%s","phone":"%s"}',
                             nodes[math.random(#nodes)], texts[math.random(#texts)], phone)
  return wrk.format("POST", "/api/v1/public/cases", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format("requests %d in %.1f s: %.1f/s; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d\n", summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
