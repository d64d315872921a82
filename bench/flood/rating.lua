-- wrk script: a flood of public ratings from one address (no X-Forwarded-For), as fast as the
-- server answers. Every request beyond the address's burst is refused with 429.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"point":"' .. (os.getenv("POINT") or "AAAAAAAAAA") .. '","overall":5,"device":"flood"}'
local statuses = {}
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary)
  io.write(string.format("requests %d, connect errors %d, read errors %d, timeouts %d\n", summary.requests,
    summary.errors.connect, summary.errors.read, summary.errors.timeout))
end
