-- AWS Signature V4 for the gateway's GETs to the private stream bucket.
--
-- Why by hand, and why FFI: Debian's nginx Lua module offers only ngx.hmac_sha1 (enough for SigV2, which
-- MinIO still accepts but AWS S3 and most other stores have dropped), and lua-resty-string is not packaged
-- for it. nginx itself links OpenSSL's libcrypto, so LuaJIT's FFI can call SHA256 and HMAC(EVP_sha256)
-- directly: SigV4 then works against MinIO and any S3 store, with no extra package, in OpenResty as well.
local ffi = require "ffi"
local C = ffi.C

ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md, unsigned int *md_len);
unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md);
]]

local _M = {}

local buf = ffi.new("unsigned char[32]")
local len = ffi.new("unsigned int[1]")
local EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function sha256_hex(s)
  C.SHA256(s, #s, buf)
  return hex(ffi.string(buf, 32))
end

local function hmac(key, msg)
  C.HMAC(C.EVP_sha256(), key, #key, msg, #msg, buf, len)
  return ffi.string(buf, len[0])
end

-- The signing key changes once a day; derive it once per worker and day.
local cached = { day = nil, key = nil }

local function signing_key(secret, day, region)
  local id = day .. "/" .. region .. "/" .. secret
  if cached.day ~= id then
    local k = hmac("AWS4" .. secret, day)
    k = hmac(k, region)
    k = hmac(k, "s3")
    cached.key = hmac(k, "aws4_request")
    cached.day = id
  end
  return cached.key
end

-- Headers for an unsigned-body GET of `path` (already URI-encoded, e.g. /stream/videos/<id>/<file>) on `host`.
-- `now` is seconds since the epoch (ngx.time()). Returns authorization, x-amz-date, x-amz-content-sha256.
function _M.sign_get(p)
  local amz_date = os.date("!%Y%m%dT%H%M%SZ", p.now)
  local day = amz_date:sub(1, 8)
  local scope = day .. "/" .. p.region .. "/s3/aws4_request"
  local canonical = table.concat({
    "GET", p.path, "",
    "host:" .. p.host, "x-amz-content-sha256:" .. EMPTY_SHA256, "x-amz-date:" .. amz_date, "",
    "host;x-amz-content-sha256;x-amz-date", EMPTY_SHA256,
  }, "\n")
  local to_sign = table.concat({ "AWS4-HMAC-SHA256", amz_date, scope, sha256_hex(canonical) }, "\n")
  local signature = hex(hmac(signing_key(p.secret_key, day, p.region), to_sign))
  return "AWS4-HMAC-SHA256 Credential=" .. p.access_key .. "/" .. scope
      .. ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" .. signature,
    amz_date, EMPTY_SHA256
end

_M.sha256_hex = sha256_hex
_M.hmac_hex = function(key, msg) return hex(hmac(key, msg)) end

return _M
