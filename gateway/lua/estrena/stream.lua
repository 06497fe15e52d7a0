-- GET/HEAD /stream/<id>/<file>: L1 (this replica's shared dict) → L2 (Redis) → origin (MinIO, signed GET).
-- The L1 is what keeps segment throughput near raw nginx (docs/performance.md); Redis alone cannot.
local policy = require "estrena.policy"
local l2 = require "estrena.l2"
local sigv4 = require "estrena.sigv4"

local ngx = ngx
local re_match = ngx.re.match
local classes, class_ids, class_index = policy.classes, policy.class_ids, policy.class_index

local _M = {}
local conf = {}

-- Called from init_by_lua with values rendered into the config by scripts/gateway.ts.
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

-- A video id, then one file name: dot-separated words, so no "..", no "/", no encoded tricks reach MinIO.
local PATH = [[^/stream/(v[0-9a-f]{19})/([A-Za-z0-9][A-Za-z0-9_-]{0,99}(?:\.[A-Za-z0-9_-]{1,16}){1,3})$]]
local LOCK_TTL = 10

local function cors(h)
  h["Access-Control-Allow-Origin"] = "*"
  h["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, ETag, X-Cache"
  h["Timing-Allow-Origin"] = "*"
  h["Cross-Origin-Resource-Policy"] = "cross-origin"
end

local function reject(status, code, message)
  local h = ngx.header
  cors(h)
  h["Content-Type"] = "application/json"
  h["Cache-Control"] = "no-store"
  ngx.status = status
  ngx.print('{"error":{"code":"', code, '","message":"', message, '"}}')
  return ngx.exit(ngx.OK)
end

local function l1_get(l1, path)
  local body, cls = l1:get("b:" .. path)
  if body == nil then return nil end
  local etag = l1:get("e:" .. path)
  if etag == nil then return nil end
  return body, etag, cls
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

-- Fetches from L2, else the origin, and fills the caches. Returns body, etag, class index, source,
-- or nil and an HTTP status.
local function fill(l1, id, file, path)
  local etag, body = l2.get(id, file)
  local source = "L2"
  if not body then
    local status
    status, etag, body = origin_get(id, file)
    if status == 404 then
      l1:set("n:" .. path, true, policy.NEGATIVE_TTL)
      return nil, 404
    end
    if status ~= 200 then return nil, 502 end
    source = "MISS"
  end
  local name = policy.classify(file, body)
  local class = classes[name]
  if #body <= policy.MAX_CACHED_BYTES then
    -- ETag first: a body without its ETag is a miss, so a reader never sees a half-stored entry.
    l1:set("e:" .. path, etag, class.l1)
    l1:set("b:" .. path, body, class.l1, class_index[name])
    if source == "MISS" and not l2.is_down() then
      ngx.timer.at(0, store_l2, id, file, etag, body, class.l2)
    end
  end
  return body, etag, class_index[name], source
end

-- L1, else one fetch per replica: concurrent misses for the same file wait for the first one
-- (a lock in a shared dict), so 100 cold requests cost one origin GET.
local function lookup(id, file)
  local l1 = ngx.shared.estrena_l1
  local path = id .. "/" .. file
  local body, etag, cls = l1_get(l1, path)
  if body then return body, etag, cls, "L1" end
  if l1:get("n:" .. path) then return nil, 404 end

  local locks = ngx.shared.estrena_locks
  local lock = "l:" .. path
  local held = locks:add(lock, true, LOCK_TTL)
  if not held then
    local waited, step = 0, 0.002
    while waited < LOCK_TTL do
      ngx.sleep(step)
      waited = waited + step
      step = math.min(step * 2, 0.05)
      body, etag, cls = l1_get(l1, path)
      if body then return body, etag, cls, "L1" end
      if l1:get("n:" .. path) then return nil, 404 end
      if not locks:get(lock) then break end
    end
    -- The first fetch failed, or the object is too large to cache: fetch it here.
  end
  local ok, b, e, c, src = pcall(fill, l1, id, file, path)
  if held then locks:delete(lock) end
  if not ok then
    ngx.log(ngx.ERR, "fetching ", path, " failed: ", b)
    return nil, 502
  end
  return b, e, c, src
end

local function etag_matches(header, etag)
  if header == "*" then return true end
  local bare = etag:gsub("^W/", "")
  for tag in header:gmatch("[^,]+") do
    tag = tag:gsub("^%s+", ""):gsub("%s+$", ""):gsub("^W/", "")
    if tag == bare then return true end
  end
  return false
end

-- One byte range: returns first, last (0-based, inclusive); nil to ignore the header; false if unsatisfiable.
local function parse_range(header, size)
  local a, b = header:match("^bytes=(%d*)%-(%d*)$")
  if not a or (a == "" and b == "") then return nil end
  if a == "" then
    local n = tonumber(b)
    if n == 0 or size == 0 then return false end
    return math.max(size - n, 0), size - 1
  end
  local first = tonumber(a)
  local last = b == "" and size - 1 or tonumber(b)
  if b ~= "" and last < first then return nil end -- invalid: ignored, as RFC 9110 asks
  if first >= size then return false end
  return first, math.min(last, size - 1)
end

local function respond(method, body, etag, cls, mime, source)
  local h = ngx.header
  h["Content-Type"] = mime
  h["Cache-Control"] = classes[class_ids[cls]].cache_control
  h["ETag"] = etag
  h["Accept-Ranges"] = "bytes"
  h["X-Cache"] = source
  cors(h)
  local inm = ngx.var.http_if_none_match
  if inm and etag_matches(inm, etag) then
    -- Status then exit(OK): ngx.exit(304) would answer nginx's special response and drop the ETag.
    ngx.status = ngx.HTTP_NOT_MODIFIED
    return ngx.exit(ngx.OK)
  end

  local size = #body
  local range = ngx.var.http_range
  local if_range = ngx.var.http_if_range
  if range and (not if_range or if_range == etag) then
    local first, last = parse_range(range, size)
    if first == false then
      h["Content-Range"] = "bytes */" .. size
      return ngx.exit(416)
    end
    if first then
      ngx.status = 206
      h["Content-Range"] = "bytes " .. first .. "-" .. last .. "/" .. size
      h["Content-Length"] = last - first + 1
      if method ~= "HEAD" then ngx.print(body:sub(first + 1, last + 1)) end
      return ngx.exit(ngx.OK)
    end
  end
  h["Content-Length"] = size
  if method ~= "HEAD" then ngx.print(body) end
  return ngx.exit(ngx.OK)
end

local function preflight()
  local h = ngx.header
  cors(h)
  h["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
  h["Access-Control-Allow-Headers"] = "Range, If-None-Match, If-Range"
  h["Access-Control-Max-Age"] = "86400"
  return ngx.exit(ngx.HTTP_NO_CONTENT)
end

function _M.serve()
  local method = ngx.req.get_method()
  if method == "OPTIONS" then return preflight() end
  if method ~= "GET" and method ~= "HEAD" then
    ngx.header["Allow"] = "GET, HEAD, OPTIONS"
    return reject(405, "method-not-allowed", "only GET and HEAD")
  end
  local m = re_match(ngx.var.uri, PATH, "jo")
  local mime = m and policy.mime(m[2])
  if not mime then return reject(404, "not-found", "no such stream file") end
  local body, etag, cls, source = lookup(m[1], m[2])
  if not body then
    if etag == 404 then return reject(404, "not-found", "no such stream file") end
    return reject(502, "unavailable", "the stream store did not answer")
  end
  return respond(method, body, etag, cls, mime, source)
end

return _M
