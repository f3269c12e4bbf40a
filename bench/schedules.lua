-- wrk script for bench/schedules.py. Each thread takes its share of the paths; every push carries a
-- different limit, so each one is a new schedule (none is skipped as a repeat). With ONCE=1 each
-- thread stops after one answer per path (the re-optimisation: one push per charger).
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
  sent, answered = 0, 0
  -- wrk calls request() once in thread 0 to check the script (script_verify_request): that call
  -- must not use up a charger's push.
  checked = index ~= 0
  once = os.getenv("ONCE") == "1"
  salt = tonumber(os.getenv("SALT") or "0")
  method = os.getenv("METHOD")
  headers = {Authorization = "Bearer " .. os.getenv("TOKEN"), ["Content-Type"] = "application/json"}
  template = nil
  local body_file = os.getenv("BODY_FILE")
  if body_file ~= "" then
    local f = io.open(body_file, "r"); template = f:read("*a"); f:close()
  end
end

function request()
  if not checked then
    checked = true
    return wrk.format(method, paths[1], headers, template)
  end
  sent = sent + 1
  if once and sent > #paths then  -- the other connections' last requests, until this thread stops
    return wrk.format("GET", "/api/axle/v1/ping", headers)
  end
  local path = paths[((sent - 1) % #paths) + 1]
  local body = nil
  if template then body = template:gsub("LIMIT", tostring(7000 + (sent + salt) % 997)) end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  if status >= 300 then io.stderr:write("answer " .. status .. "\n") end
  answered = answered + 1
  if once and answered >= #paths then wrk.thread:stop() end
end
