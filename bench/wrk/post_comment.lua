-- wrk script: POST a comment as the box does (JSON, with a valid form token).
-- bench/run.py replaces @PREFIX@, @MIDDLE@ and @SUFFIX@ with the parts of the
-- JSON body; each request puts a different number after the prefix, so every
-- comment is a new text (the service refuses the same text twice on one
-- article), and a token of its own from @TOKENS@ after the middle (a token
-- admits one post per client); the thread count is filled in too.
-- Counts 201 (published) against every other status; a non-201 is an error.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local prefix = [[@PREFIX@]]
local middle = [[@MIDDLE@]]
local suffix = [[@SUFFIX@]]
local tokens = {}
for line in io.lines("@TOKENS@") do table.insert(tokens, line) end

local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end
function init(args)
  created = 0
  other = 0
  sent = 0
end
function request()
  sent = sent + 1
  -- thread i takes tokens i, i + threads, ... (a reused one is held: an error)
  local token = tokens[((sent - 1) * @THREADS@ + id - 1) % #tokens + 1]
  return wrk.format(nil, nil, nil, prefix .. id .. "-" .. sent .. middle .. token .. suffix)
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
