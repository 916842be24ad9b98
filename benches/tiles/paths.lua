-- wrk script: each request takes the next path of PATHS_FILE (one path a line), round robin.
local paths = {}
local counter = 0
init = function(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
