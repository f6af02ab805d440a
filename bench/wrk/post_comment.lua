-- wrk script: POST a comment as the box does (JSON, with a valid form token).
-- bench/run.py replaces @BODY@ with the JSON body. Counts 201 (published)
-- against every other status; any non-201 is an error for the benchmark.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[@BODY@]]

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  created = 0
  other = 0
end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("status created: %d\nstatus other: %d\n", c, o))
end
