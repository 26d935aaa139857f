-- wrk: GET /search with each query of bench/search_queries.txt in turn, one list per connection
-- thread, URL-encoded once at start.
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do
  if line ~= "" then
    local encoded = line:gsub("[^%w%-%.%_%~ ]", function(c)
      return string.format("%%%02X", string.byte(c))
    end):gsub(" ", "+")
    queries[#queries + 1] = "/search?q=" .. encoded
  end
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", queries[(n % #queries) + 1])
end
