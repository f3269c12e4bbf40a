-- wrk script for bench/schedules.py. Each thread cycles through its share of the chargers; every
-- push carries a different limit, so each one is a new schedule (none is skipped as a repeat).
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local count = tonumber(os.getenv("WRK_THREADS"))
  paths = {}
  local n = 0
  for line in io.lines(os.getenv("PATHS_FILE")) do
    if n % count == index then table.insert(paths, line) end
    n = n + 1
  end
  sent = 0
  method = os.getenv("METHOD")
  headers = {Authorization = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"}
  template = nil
  local body_file = os.getenv("BODY_FILE")
  if body_file ~= "" then
    local f = io.open(body_file, "r"); template = f:read("*a"); f:close()
  end
end

function request()
  sent = sent + 1
  local path = paths[((sent - 1) % #paths) + 1]
  local body = nil
  if template then body = template:gsub("LIMIT", tostring(7000 + sent % 997)) end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  if status >= 300 then io.stderr:write("answer " .. status .. "\n") end
end
