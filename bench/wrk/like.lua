-- wrk script: like a random comment of the 100,000-comment article, each
-- request as a new reader (a voter id of its own), as the box does (JSON).
-- bench/run.py fills in @ARTICLE@, @FIRST@ and @LAST@ (the article's ids).
-- Counts 200 (answered) against every other status; a non-200 is an error.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end
function init(args)
  answered = 0
  other = 0
  sent = 0
  math.randomseed(id * 7919)
end
function request()
  sent = sent + 1
  local comment = math.random(@FIRST@, @LAST@)
  local voter = string.format("bench%02d%012d", id, sent)
  return wrk.format(nil, "/api/v1/articles/@ARTICLE@/comments/" .. comment .. "/likes",
    nil, '{"voter":"' .. voter .. '"}')
end
function response(status, headers, body)
  if status == 200 then answered = answered + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("answered")
    o = o + t:get("other")
  end
  io.write(string.format("status answered: %d\nstatus other: %d\n", a, o))
end
