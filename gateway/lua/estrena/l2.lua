-- The shared L2: Redis, reached with the nginx Lua Redis client (Debian: nginx.redis, OpenResty: resty.redis).
-- Redis is a cache only: every failure reads as a miss, and after one the gateway stops trying for a moment
-- (a breaker in a shared dict), so an outage costs viewers nothing and recovery needs no restart.
local has_resty, redis = pcall(require, "resty.redis")
if not has_resty then redis = require "nginx.redis" end
local keys = require "estrena.keys"

local _M = {}
local conf = { host = "127.0.0.1", port = 6379, timeout_ms = 250, retry_after = 1 }
local DOWN = "redis_down"
local INDEX_TTL = 86400

function _M.configure(c)
  for k, v in pairs(c) do conf[k] = v end
end

local function state() return ngx.shared.estrena_state end

local function trip(red, err)
  if red then red:close() end
  -- add, not set: only the first failure of an outage is logged.
  if state():add(DOWN, true, conf.retry_after) then
    ngx.log(ngx.WARN, "redis unavailable (", err, "); serving from MinIO for ", conf.retry_after, " s before trying again")
  end
end

local function connect()
  if state():get(DOWN) then return nil end
  local red = redis:new()
  red:set_timeout(conf.timeout_ms)
  local ok, err = red:connect(conf.host, conf.port)
  if not ok then return trip(nil, err) end
  return red
end

function _M.is_down()
  return state():get(DOWN) == true
end

-- Returns etag, body for a cached /stream object, or nil on a miss or while Redis is unavailable.
function _M.get(id, file)
  local red = connect()
  if not red then return nil end
  local res, err = red:hmget(keys.stream_object(id, file), "etag", "body")
  if not res then return trip(red, err) end
  red:set_keepalive(30000, 64)
  if res[1] == ngx.null or res[2] == ngx.null then return nil end
  return res[1], res[2]
end

-- Stores an object with a TTL and records it in the video's index set (used by the catalogue to invalidate).
function _M.put(id, file, etag, body, ttl)
  local red = connect()
  if not red then return end
  local key, index = keys.stream_object(id, file), keys.stream_index(id)
  red:init_pipeline()
  red:hmset(key, "etag", etag, "body", body)
  red:expire(key, ttl)
  red:sadd(index, key)
  red:expire(index, INDEX_TTL)
  local res, err = red:commit_pipeline()
  if not res then return trip(red, err) end
  red:set_keepalive(30000, 64)
end

return _M
