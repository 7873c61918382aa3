-- bench/serve/oneclick.lua: wrk sends RFC 8058 one-click POSTs, as a
-- mailbox provider does (urlencoded List-Unsubscribe=One-Click, no cookie,
-- no Origin), each to the next of many distinct valid /u/TOKEN paths.
--
--   TOKENS=FILE THREADS=N wrk -t N -s oneclick.lua ... URL
--
-- FILE has one path a line (/u/TOKEN). Each of the THREADS wrk threads
-- (wrk -t) takes its own slice of the list, so that no two threads send
-- the same path until a thread has gone through its slice. At the end one line "JSON {...}" gives the counts and
-- the latency percentiles (microseconds) for bench.py.

local paths = {}
for line in io.lines(os.getenv("TOKENS")) do
	if #line > 0 then
		paths[#paths + 1] = line
	end
end
assert(#paths > 0, "no paths in " .. tostring(os.getenv("TOKENS")))

local next_id = 0

function setup(thread)
	thread:set("id", next_id)
	next_id = next_id + 1
end

local i
local body = "List-Unsubscribe=One-Click"
local headers = {
	["Content-Type"] = "application/x-www-form-urlencoded",
}

function request()
	if i == nil then
		-- each thread its own slice of the list
		local n = tonumber(os.getenv("THREADS") or "1")
		i = id * math.floor(#paths / n)
	end
	i = i % #paths + 1
	return wrk.format("POST", paths[i], headers, body)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
		'"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
		'"timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
		'"max_us": %d, "paths": %d}\n',
		summary.requests, summary.duration, summary.bytes,
		e.connect, e.read, e.write, e.status, e.timeout,
		latency:percentile(50), latency:percentile(90),
		latency:percentile(99), latency.max, #paths))
end
