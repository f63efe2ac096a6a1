-- One load phase for wrk. Environment:
--   BENCH_MODE   track | submit | search | action | gateway | get
--   BENCH_INPUT  input file (track: "code<TAB>phone", submit: "token<TAB>json body",
--                search: url-encoded query per line, action: "token<TAB>path<TAB>json body",
--                gateway: "client assertion<TAB>path", with BENCH_CLIENT as X-Road-Client,
--                each line used once); BENCH_PATH for "get",
--                with BENCH_TOKEN as bearer token when set, BENCH_COOKIE as the Cookie header
--   BENCH_MAX    requests per thread (0 = bounded by duration only)
--   BENCH_RUN    run id, makes Idempotency-Keys unique across runs
-- Every response that is not 2xx is counted; done() prints one line "BENCH_RESULT {json}".

local mode = os.getenv("BENCH_MODE") or "get"
local input = os.getenv("BENCH_INPUT")
local fixed_path = os.getenv("BENCH_PATH") or "/"
local max_requests = tonumber(os.getenv("BENCH_MAX") or "0")
local run_id = os.getenv("BENCH_RUN") or "0"
local threads = {}
local counter = 0

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

local function read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then
         local first, rest = line:match("^([^\t]*)\t(.*)$")
         table.insert(lines, first and {first, rest} or {line})
      end
   end
   return lines
end

function init(args)
   lines = input and read_lines(input) or {}
   position = (thread_id * 7919) % math.max(#lines, 1)
   responses = 0
   non2xx = 0
   first_bad = ""
end

local function next_line()
   position = position % #lines + 1
   return lines[position]
end

function request()
   counter = counter + 1
   if mode == "track" then
      local item = next_line()
      return wrk.format("GET", "/api/v1/dossiers/track?code=" .. item[1] .. "&factor=" .. item[2])
   elseif mode == "submit" then
      local item = next_line()
      local headers = {
         ["Authorization"] = "Bearer " .. item[1],
         ["Content-Type"] = "application/json",
         ["Idempotency-Key"] = "bench-" .. run_id .. "-" .. thread_id .. "-" .. counter,
      }
      return wrk.format("POST", "/api/v1/dossiers/", headers, item[2])
   elseif mode == "action" then
      local item = next_line()
      local path, body = item[2]:match("^([^\t]*)\t(.*)$")
      local headers = {["Authorization"] = "Bearer " .. item[1], ["Content-Type"] = "application/json"}
      return wrk.format("POST", path, headers, body)
   elseif mode == "gateway" then
      local item = next_line()
      local headers = {["X-Road-Client"] = os.getenv("BENCH_CLIENT"), ["Authorization"] = "Bearer " .. item[1]}
      return wrk.format("GET", item[2], headers)
   elseif mode == "search" then
      return wrk.format("GET", "/api/v1/procedures/?q=" .. next_line()[1])
   end
   local token = os.getenv("BENCH_TOKEN")
   local cookie = os.getenv("BENCH_COOKIE")
   if cookie then
      return wrk.format("GET", fixed_path, {["Cookie"] = cookie})
   end
   return wrk.format("GET", fixed_path, token and {["Authorization"] = "Bearer " .. token} or nil)
end

function response(status, headers, body)
   responses = responses + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(body or "", 1, 300)
      end
   end
   if max_requests > 0 and responses >= max_requests then
      wrk.thread:stop()
   end
end

local function quote(text)
   return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', ' ') .. '"'
end

function done(summary, latency, requests)
   local non2xx_total, bad = 0, ""
   for _, thread in ipairs(threads) do
      non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
      if bad == "" then bad = thread:get("first_bad") or "" end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "mean_us": %.1f, "non2xx": %d, "socket_errors": %d, "timeouts": %d, "first_error": %s}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean, non2xx_total,
      e.connect + e.read + e.write, e.timeout, quote(bad)))
end
