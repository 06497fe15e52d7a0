-- The shared L2: Redis, reached with the nginx Lua Redis client (Debian: nginx.redis, OpenResty: resty.redis).
-- Redis is a cache only: every failure reads as a miss, and after one the gateway stops trying for a moment
-- (a breaker in a shared dict), so an outage costs viewers nothing and recovery needs no restart.
local has_resty, redis = pcall(require, "resty.redis")
if not has_resty then redis = require "nginx.redis" end
local keys = require "estrena.keys"

local _M = {}
-- One timeout for connect and each read/write (all this client offers; it bounds each socket operation, not a
-- whole reply, so a large segment still streams in). A Redis that hangs (alive, never answering) costs one request
-- this long; then the breaker skips Redis, and after `retry_after` one request at a time probes it again.
local conf = { host = "127.0.0.1", port = 6379, timeout_ms = 200, retry_after = 1 }
local DOWN = "redis_down"
-- Set by a failure, cleared by the next success: while set, only the holder of PROBE tries Redis.
local SUSPECT = "redis_suspect"
local PROBE = "redis_probe"
local INDEX_TTL = 86400

function _M.configure(c)
  for k, v in pairs(c) do conf[k] = v end
end

local function state() return ngx.shared.estrena_state end

local function trip(red, err)
  if red then red:close() end
  -- add, not set: only the first failure of an outage is logged.
  state():set(SUSPECT, true)
  if state():add(DOWN, true, conf.retry_after) then
    ngx.log(ngx.WARN, "redis unavailable (", err, "); serving from MinIO for ", conf.retry_after, " s before trying again")
  end
end

local function connect()
  local st = state()
  if st:get(DOWN) then return nil end
  if st:get(SUSPECT) and not st:add(PROBE, true, 2 * conf.timeout_ms / 1000) then return nil end
  local red = redis:new()
  red:set_timeout(conf.timeout_ms)
  local ok, err = red:connect(conf.host, conf.port)
  if not ok then return trip(nil, err) end
  return red
end

-- Back to the pool after a command that answered: Redis works, so everyone may use it again.
local function keep(red)
  red:set_keepalive(30000, 64)
  local st = state()
  if st:get(SUSPECT) then
    st:delete(SUSPECT)
    st:delete(PROBE)
  end
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
  keep(red)
  if res[1] == ngx.null or res[2] == ngx.null then return nil end
  return res[1], res[2]
end

-- Takes the cross-replica fill lock for an object: true if taken, false if another replica holds it,
-- nil while Redis is unavailable (then every replica fetches for itself).
local LOCK_MS = 10000
function _M.lock(id, file)
  local red = connect()
  if not red then return nil end
  local res, err = red:set(keys.fill_lock(id, file), ngx.worker.pid(), "NX", "PX", LOCK_MS)
  if not res then return trip(red, err) end
  keep(red)
  return res ~= ngx.null
end

function _M.unlock(id, file)
  local red = connect()
  if not red then return end
  local ok, err = red:del(keys.fill_lock(id, file))
  if not ok then return trip(red, err) end
  keep(red)
end

-- Waits up to `seconds` for another replica's fill: returns etag, body once the L2 has the object,
-- or nil when the lock is gone without it (a 404, an error) or the wait ran out.
function _M.wait_fill(id, file, seconds)
  local deadline = ngx.now() + seconds
  local step = 0.01
  while ngx.now() < deadline do
    ngx.sleep(step)
    step = math.min(step * 2, 0.1)
    local red = connect()
    if not red then return nil end
    red:init_pipeline()
    red:hmget(keys.stream_object(id, file), "etag", "body")
    red:get(keys.fill_lock(id, file))
    local res, err = red:commit_pipeline()
    if not res then return trip(red, err) end
    keep(red)
    local entry, lock = res[1], res[2]
    if type(entry) == "table" and entry[1] ~= ngx.null and entry[2] ~= ngx.null then return entry[1], entry[2] end
    if lock == ngx.null then return nil end
  end
  return nil
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
  keep(red)
end

return _M
