-- The fill side of /stream/<id>/<file>: nginx's proxy_cache (the per-replica L1, served with sendfile) asks
-- this handler on a miss, over a unix socket; it answers from Redis (L2, shared by all replicas) or from
-- MinIO (origin, signed GET) and says how long the L1 may keep the answer (X-Accel-Expires).
-- Range, If-None-Match/304, HEAD and gzip are done by nginx on the cached response.
local policy = require "estrena.policy"
local l2 = require "estrena.l2"
local sigv4 = require "estrena.sigv4"

local ngx = ngx
local classes = policy.classes

local _M = {}
local conf = {}

-- Called from init_by_lua with values rendered into the config by tools/gateway-config/render.ts.
function _M.configure(c)
  conf = c
  conf.access_key = os.getenv("S3_ACCESS_KEY")
  conf.secret_key = os.getenv("S3_SECRET_KEY")
  conf.region = os.getenv("S3_REGION") or "us-east-1"
  if not conf.access_key or not conf.secret_key then
    error("S3_ACCESS_KEY and S3_SECRET_KEY must be set for the gateway to read the stream bucket")
  end
  l2.configure({ host = c.redis_host, port = c.redis_port })
end

-- Checked again here (the outer location has the same pattern): a video id, then one file name of
-- dot-separated words, so no "..", no "/" and no encoded tricks reach MinIO.
local PATH = [[^/stream/(v[0-9a-f]{19})/([A-Za-z0-9][A-Za-z0-9_-]{0,99}(?:\.[A-Za-z0-9_-]{1,16}){1,3})$]]

local function answer(status, ttl, body)
  ngx.status = status
  local h = ngx.header
  h["Content-Type"] = "application/json"
  h["Cache-Control"] = "no-store"
  h["X-Accel-Expires"] = ttl
  ngx.print(body)
  return ngx.exit(ngx.OK)
end

local function origin_get(id, file)
  local path = "/" .. conf.bucket .. "/videos/" .. id .. "/" .. file
  local auth, date, sha = sigv4.sign_get({
    now = ngx.time(), path = path, host = conf.s3_host, region = conf.region,
    access_key = conf.access_key, secret_key = conf.secret_key,
  })
  local res = ngx.location.capture("/_origin" .. path, {
    method = ngx.HTTP_GET,
    vars = { estrena_auth = auth, estrena_date = date, estrena_sha = sha },
  })
  if res.status == 200 then
    return 200, res.header["ETag"] or ('"' .. ngx.md5(res.body) .. '"'), res.body
  end
  if res.status ~= 404 then ngx.log(ngx.WARN, "origin answered ", res.status, " for ", path) end
  return res.status
end

local function store_l2(premature, id, file, etag, body, ttl)
  if not premature then l2.put(id, file, etag, body, ttl) end
end

local function preflight()
  local h = ngx.header
  h["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
  h["Access-Control-Allow-Headers"] = "Range, If-None-Match, If-Range"
  h["Access-Control-Max-Age"] = "86400"
  h["X-Accel-Expires"] = 0
  return ngx.exit(ngx.HTTP_NO_CONTENT)
end

function _M.serve()
  local method = ngx.req.get_method()
  if method == "OPTIONS" then return preflight() end
  local m = ngx.re.match(ngx.var.uri, PATH, "jo")
  local mime = m and policy.mime(m[2])
  if method ~= "GET" or not mime then
    return answer(404, policy.NEGATIVE_TTL, '{"error":{"code":"not-found","message":"no such stream file"}}')
  end
  local id, file = m[1], m[2]

  local etag, body = l2.get(id, file)
  local source = "L2"
  local locked = nil
  if not body then
    -- One replica fetches from MinIO; the others wait for its copy in Redis (each replica's proxy_cache_lock
    -- already makes that one request per replica).
    locked = l2.lock(id, file)
    if locked == false then etag, body = l2.wait_fill(id, file, 5) end
  end
  if not body then
    local status
    status, etag, body = origin_get(id, file)
    if status ~= 200 and locked then l2.unlock(id, file) end
    if status == 404 then
      -- Remembered briefly, so players polling for a file not yet written do not each cost a MinIO GET.
      return answer(404, policy.NEGATIVE_TTL, '{"error":{"code":"not-found","message":"no such stream file"}}')
    end
    if status ~= 200 then
      return answer(502, 0, '{"error":{"code":"unavailable","message":"the stream store did not answer"}}')
    end
    source = "MISS"
  end

  local class = classes[policy.classify(file, body)]
  if source == "MISS" and #body <= policy.MAX_CACHED_BYTES and not l2.is_down() then
    if locked then
      -- Other replicas are waiting for this copy: store it before answering, then let them go.
      l2.put(id, file, etag, body, class.l2)
      l2.unlock(id, file)
    else
      ngx.timer.at(0, store_l2, id, file, etag, body, class.l2)
    end
  elseif locked then
    l2.unlock(id, file)
  end
  local h = ngx.header
  h["Content-Type"] = mime
  h["Cache-Control"] = class.cache_control
  h["ETag"] = etag
  h["Accept-Ranges"] = "bytes"
  h["X-Accel-Expires"] = class.l1
  h["X-Estrena-Source"] = source
  h["Content-Length"] = #body
  ngx.print(body)
  return ngx.exit(ngx.OK)
end

return _M
