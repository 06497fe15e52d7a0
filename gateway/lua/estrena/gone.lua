-- Deleted videos, for the L1. Each replica's proxy_cache may keep a video's files for minutes (policy.lua), and
-- nothing outside nginx can reach into every replica's cache. So the catalogue lists deleted ids in Redis (a sorted
-- set scored by deletion time, keys.gone_set), one worker per replica copies that list into a shared dict every
-- second, and the /stream/ location answers 404 for a listed id before it looks at its cache.
-- A Redis outage keeps the last copy (entries expire after `keep`); an id uploaded again leaves the list.
local has_resty, redis = pcall(require, "resty.redis")
if not has_resty then redis = require "nginx.redis" end
local keys = require "estrena.keys"

local ngx = ngx
local _M = {}
-- keep: longer than the longest L1 TTL (policy.lua, 600 s), so a tombstone outlives every cached copy.
local conf = { host = "127.0.0.1", port = 6379, timeout_ms = 200, interval = 1, keep = 3600 }

function _M.configure(c)
  for k, v in pairs(c) do conf[k] = v end
end

local function dict() return ngx.shared.estrena_gone end

local function sync(premature)
  if premature then return end
  local red = redis:new()
  red:set_timeout(conf.timeout_ms)
  if not red:connect(conf.host, conf.port) then return end
  local ids = red:zrangebyscore(keys.gone_set(), ngx.time() - conf.keep, "+inf")
  if type(ids) ~= "table" then return red:close() end
  red:set_keepalive(30000, 4)
  local d = dict()
  local listed = {}
  for _, id in ipairs(ids) do
    listed[id] = true
    d:set(id, true, conf.keep)
  end
  for _, id in ipairs(d:get_keys(0)) do
    if not listed[id] then d:delete(id) end
  end
end

-- init_worker_by_lua: the dict is shared by the workers of a replica, so one of them keeps it in sync.
function _M.start()
  if ngx.worker.id() ~= 0 then return end
  local ok, err = ngx.timer.every(conf.interval, sync)
  if not ok then ngx.log(ngx.ERR, "cannot start the deleted-video sync: ", err) end
end

-- access_by_lua on /stream/: a deleted video is gone, whatever the L1 still holds.
function _M.check()
  local id = ngx.var.uri:match("^/stream/(v%x+)/")
  if id and dict():get(id) then
    ngx.status = ngx.HTTP_NOT_FOUND
    ngx.header["Content-Type"] = "application/json"
    ngx.header["Cache-Control"] = "no-store"
    ngx.print('{"error":{"code":"not-found","message":"This video does not exist, or it was deleted."}}')
    return ngx.exit(ngx.HTTP_NOT_FOUND)
  end
end

return _M
