-- wrk script: the records list, each request with an `until` no request before it had,
-- so that no two ask the same page and every page is read from the store (the page
-- cache never answers). Every `until` is far in the future: each page holds the same
-- newest records as the plain list, at the same size.
local counter = 0
local threads = 0

function setup(thread)
  thread:set("first", threads * 100000000)
  threads = threads + 1
end

function init(args)
  counter = first
  path = args[1] or "/api/v1/records?limit=50"
end

function request()
  counter = counter + 1
  local c = counter
  local s, m, h = c % 60, math.floor(c / 60) % 60, math.floor(c / 3600) % 24
  local day = math.floor(c / 86400) % 28 + 1
  local month = math.floor(c / (86400 * 28)) % 12 + 1
  local year = 2100 + math.floor(c / (86400 * 28 * 12))
  return wrk.format("GET", string.format("%s&until=%04d-%02d-%02dT%02d:%02d:%02dZ", path, year, month, day, h, m, s))
end
