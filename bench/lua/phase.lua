-- One load phase for wrk. Environment:
--   BENCH_MODE   track | submit | search | action | gateway | get | paths | mix
--   BENCH_INPUT  input file (track: "code<TAB>phone", submit: "token<TAB>json body",
--                search: url-encoded query per line, action: "token<TAB>path<TAB>json body",
--                gateway: "client assertion<TAB>path", with BENCH_CLIENT as X-Road-Client,
--                each line used once, paths: a path per line); BENCH_PATH for "get",
--                with BENCH_TOKEN as bearer token when set, BENCH_COOKIE as the Cookie header
--                ("get" and "paths")
--   mix          the deadline-day mix: one connection per thread (-t = -c), each request a class
--                drawn by BENCH_MIX_WEIGHTS ("80,10,5,5": tracking, search, submission, officer
--                action) from BENCH_TRACK, BENCH_SEARCH, BENCH_SUBMIT and BENCH_ACTIONS (each
--                thread takes its own share of the actions, each once; when its share is used
--                up it sends a tracking lookup instead and counts it in "actions_short"). Each
--                request is timed from request() to response() (one request in flight per
--                thread), so done() also prints every class's requests, percentiles and non-2xx.
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
local CLASSES = {"tracking", "search", "submissions", "officer_actions"}

local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *out);
]]
local clock = ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
   return tonumber(clock.tv_sec) * 1000000 + math.floor(tonumber(clock.tv_nsec) / 1000)
end

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
   if mode == "mix" then
      local threads_count = tonumber(os.getenv("BENCH_THREADS"))
      pools = {
         tracking = read_lines(os.getenv("BENCH_TRACK")),
         search = read_lines(os.getenv("BENCH_SEARCH")),
         submissions = read_lines(os.getenv("BENCH_SUBMIT")),
         officer_actions = {},
      }
      for index, line in ipairs(read_lines(os.getenv("BENCH_ACTIONS"))) do
         if index % threads_count == thread_id % threads_count then
            table.insert(pools.officer_actions, line)
         end
      end
      positions = {tracking = position, search = position, submissions = position, officer_actions = 0}
      cumulative, total = {}, 0
      for weight in string.gmatch(os.getenv("BENCH_MIX_WEIGHTS") or "80,10,5,5", "%d+") do
         total = total + tonumber(weight)
         table.insert(cumulative, total)
      end
      math.randomseed(thread_id * 7919)
      -- Flat globals: wrk copies a thread's table to done() only when it holds no table.
      for _, name in ipairs(CLASSES) do
         _G["latencies_" .. name] = {}
         _G["non2xx_" .. name] = 0
      end
      actions_short = 0
   end
end

local function pick()
   local draw = math.random() * total
   for index, bound in ipairs(cumulative) do
      if draw < bound then
         return CLASSES[index]
      end
   end
   return CLASSES[#CLASSES]
end

local function from_pool(name)
   local pool = pools[name]
   positions[name] = positions[name] % #pool + 1
   return pool[positions[name]]
end

local function mix_request()
   local class = pick()
   if class == "officer_actions" and positions.officer_actions >= #pools.officer_actions then
      actions_short = actions_short + 1
      class = "tracking"
   end
   current_class, started_us = class, now_us()
   local item = from_pool(class)
   if class == "tracking" then
      return wrk.format("GET", "/api/v1/dossiers/track?code=" .. item[1] .. "&factor=" .. item[2])
   elseif class == "search" then
      return wrk.format("GET", "/api/v1/procedures/?q=" .. item[1])
   elseif class == "submissions" then
      local headers = {
         ["Authorization"] = "Bearer " .. item[1],
         ["Content-Type"] = "application/json",
         ["Idempotency-Key"] = "bench-" .. run_id .. "-" .. thread_id .. "-" .. counter,
      }
      return wrk.format("POST", "/api/v1/dossiers/", headers, item[2])
   end
   local path, body = item[2]:match("^([^\t]*)\t(.*)$")
   local headers = {["Authorization"] = "Bearer " .. item[1], ["Content-Type"] = "application/json"}
   return wrk.format("POST", path, headers, body)
end

local function next_line()
   position = position % #lines + 1
   return lines[position]
end

function request()
   counter = counter + 1
   if mode == "mix" then
      return mix_request()
   elseif mode == "track" then
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
   local path = mode == "paths" and next_line()[1] or fixed_path
   if cookie then
      return wrk.format("GET", path, {["Cookie"] = cookie})
   end
   return wrk.format("GET", path, token and {["Authorization"] = "Bearer " .. token} or nil)
end

function response(status, headers, body)
   responses = responses + 1
   if mode == "mix" and current_class then
      local list = _G["latencies_" .. current_class]
      list[#list + 1] = now_us() - started_us
      if status < 200 or status > 299 then
         _G["non2xx_" .. current_class] = _G["non2xx_" .. current_class] + 1
      end
      current_class = nil
   end
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

local function percentile(sorted, share)
   if #sorted == 0 then return 0 end
   return sorted[math.min(#sorted, math.floor(share * #sorted) + 1)]
end

-- The mix's classes: requests, percentiles (microseconds) and non-2xx, as a JSON object.
local function classes_json()
   local parts, short = {}, 0
   for _, name in ipairs(CLASSES) do
      local all, bad = {}, 0
      for _, thread in ipairs(threads) do
         for _, value in ipairs(thread:get("latencies_" .. name)) do
            all[#all + 1] = value
         end
         bad = bad + thread:get("non2xx_" .. name)
      end
      table.sort(all)
      table.insert(parts, string.format(
         '"%s": {"requests": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "non2xx": %d}',
         name, #all, percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99),
         all[#all] or 0, bad))
   end
   for _, thread in ipairs(threads) do
      short = short + thread:get("actions_short")
   end
   return '{' .. table.concat(parts, ", ") .. '}, "actions_short": ' .. short
end

function done(summary, latency, requests)
   local non2xx_total, bad = 0, ""
   for _, thread in ipairs(threads) do
      non2xx_total = non2xx_total + (thread:get("non2xx") or 0)
      if bad == "" then bad = thread:get("first_bad") or "" end
   end
   local classes = mode == "mix" and (', "classes": ' .. classes_json()) or ""
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "mean_us": %.1f, "non2xx": %d, "socket_errors": %d, "timeouts": %d, "first_error": %s%s}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean, non2xx_total,
      e.connect + e.read + e.write, e.timeout, quote(bad), classes))
end
