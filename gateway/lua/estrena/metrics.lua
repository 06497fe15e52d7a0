-- Prometheus counters of the gateway's caches, shared by every worker through lua_shared_dict estrena_metrics.
-- Counted per /stream/ answer from its X-Cache value (nginx.conf.template) in the log phase, after the response
-- is sent, so the count costs viewers no latency. Rendered in the same shape as lib/runtime/metrics.ts:
-- estrena_cache_lookups_total{cache,result,service="gateway"}.
local M = {}

local DICT = "estrena_metrics"
-- X-Cache value → the lookups it stands for: an L2 answer was an L1 miss first, a MISS missed both layers.
local LOOKUPS = {
  ["L1"] = { { "gateway-l1", "hit" } },
  ["L1-STALE"] = { { "gateway-l1", "hit" } },
  ["L2"] = { { "gateway-l1", "miss" }, { "gateway-l2", "hit" } },
  ["MISS"] = { { "gateway-l1", "miss" }, { "gateway-l2", "miss" } },
}

-- Counts one answer by its X-Cache value; answers without one (errors before any lookup) are not lookups.
function M.count(x_cache)
  local dict = ngx.shared[DICT]
  if not dict or not LOOKUPS[x_cache] then return end
  dict:incr(x_cache, 1, 0)
end

-- Prometheus text exposition of the counters.
function M.render()
  local dict = ngx.shared[DICT]
  local totals = {}
  for x_cache, lookups in pairs(LOOKUPS) do
    local n = dict and dict:get(x_cache) or 0
    for _, l in ipairs(lookups) do
      local key = l[1] .. "\0" .. l[2]
      totals[key] = (totals[key] or 0) + n
    end
  end
  local keys = {}
  for key in pairs(totals) do keys[#keys + 1] = key end
  table.sort(keys)
  local out = {
    "# HELP estrena_cache_lookups_total Cache lookups by layer and result",
    "# TYPE estrena_cache_lookups_total counter",
  }
  for _, key in ipairs(keys) do
    local cache, result = key:match("^(.-)%z(.*)$")
    out[#out + 1] = string.format('estrena_cache_lookups_total{cache="%s",result="%s",service="gateway"} %d', cache, result, totals[key])
  end
  ngx.header["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"
  ngx.print(table.concat(out, "\n"), "\n")
end

return M
