-- bench/api.lua — the requests bench/api sends with wrk, spread over many real people.
--
--   wrk -t T -c C -d D --latency -s bench/api.lua URL -- MODE IDS_FILE TOKEN_FILE AS_OF
--
-- MODE is one of
--   healthz  GET /api/v1/healthz (the server's floor: routing, no database, no sign-in)
--   person   GET /api/v1/people/{id}                  (the person view)
--   exit     GET /api/v1/people/{id}/exit?as_of=AS_OF (the exit clock)
--   service  POST /api/v1/people/{id}/services        (a WP service on AS_OF with its case note)
-- IDS_FILE holds one person id a line (picked from the database by bench/api); each wrk thread
-- starts at its own place in it and walks it, so requests spread over every id listed.
-- TOKEN_FILE holds the API token (kept off the command line).
--
-- done() prints one line for bench/api to read:
--   BENCH requests=N duration_us=N p50_us=N p90_us=N p99_us=N max_us=N non2xx=N errors=N
-- followed by the first answer that was not 2xx, if any (status and up to 300 bytes of body).

local threads = {}
local thread_count = 0

function setup(thread)
    thread:set("thread_index", thread_count)
    thread_count = thread_count + 1
    table.insert(threads, thread)
end

local mode, ids, token, as_of
local next_id = 1
non2xx = 0 -- globals: done() reads them from each thread
first_failure = ""

local function read_lines(path)
    local lines = {}
    local file = assert(io.open(path, "r"))
    for line in file:lines() do
        if line ~= "" then
            table.insert(lines, line)
        end
    end
    file:close()
    return lines
end

function init(args)
    mode, as_of = args[1], args[4]
    ids = read_lines(args[2])
    token = read_lines(args[3])[1]
    assert(#ids > 0, "no person ids in " .. args[2])
    -- Threads start far apart in the list: no two ask for the same person at once.
    next_id = 1 + math.floor(#ids * thread_index / 64) % #ids
    wrk.headers["Authorization"] = "Bearer " .. token
    if mode == "service" then
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        wrk.body = '{"program":"WP","code":"STAFF_JOB_SEARCH","start_date":"' .. as_of ..
            '","end_date":"' .. as_of .. '","note":"Reviewed three job leads with the ' ..
            'participant and booked a follow-up call for next week."}'
    end
end

function request()
    if mode == "healthz" then
        return wrk.format(nil, "/api/v1/healthz")
    end
    local id = ids[next_id]
    next_id = next_id % #ids + 1
    if mode == "person" then
        return wrk.format(nil, "/api/v1/people/" .. id)
    elseif mode == "exit" then
        return wrk.format(nil, "/api/v1/people/" .. id .. "/exit?as_of=" .. as_of)
    else
        return wrk.format(nil, "/api/v1/people/" .. id .. "/services")
    end
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
        if first_failure == "" then
            first_failure = status .. " " .. string.sub(body or "", 1, 300)
        end
    end
end

function done(summary, latency, requests)
    local failed, failure = 0, ""
    for _, thread in ipairs(threads) do
        failed = failed + thread:get("non2xx")
        if failure == "" then
            failure = thread:get("first_failure")
        end
    end
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max, failed, e.connect + e.read + e.write + e.timeout))
    if failure ~= "" then
        io.write("BENCH first_failure=" .. string.gsub(failure, "\n", " ") .. "\n")
    end
end
