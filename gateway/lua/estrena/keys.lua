-- Redis key names shared with the catalogue (lib/contracts/cache-keys.ts builds the same strings;
-- test/unit/lib/contracts/cache-keys.test.ts checks that both files agree).
local _M = {}

_M.PREFIX = "estrena:"

-- Gateway L2 entry for /stream/<id>/<file>: a hash {etag, body}.
function _M.stream_object(id, file)
  return "estrena:gw:obj:" .. id .. "/" .. file
end

-- Set of the L2 entries held for one video, so the catalogue can drop them on ready/delete without SCAN.
function _M.stream_index(id)
  return "estrena:gw:keys:" .. id
end

-- Held by the one replica fetching an object from MinIO; the others wait for its L2 entry.
function _M.fill_lock(id, file)
  return "estrena:gw:lock:" .. id .. "/" .. file
end

-- Sorted set of deleted video ids, scored by deletion time: the L1's tombstones (gone.lua).
function _M.gone_set()
  return "estrena:gw:gone"
end

return _M
