-- wrk script: each request takes the next path of PATHS_FILE (one path a line), round robin.
-- At the end it prints one line, "percentiles <p50> <p99> <p99.9>" in microseconds, since
-- wrk's own --latency report stops at p99.
local paths = {}
local counter = 0
init = function(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
end
-- ACCEPT_ENCODING, when set, is sent as Accept-Encoding (browsers send "gzip, deflate, br").
local headers = {}
if os.getenv("ACCEPT_ENCODING") then headers["Accept-Encoding"] = os.getenv("ACCEPT_ENCODING") end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("percentiles %d %d %d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
end
