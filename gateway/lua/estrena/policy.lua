-- What each file under /stream/<id>/ is, and how long each cache layer may keep it.
-- Pure data and functions: no nginx API, so the rules read in one place.
local _M = {}

local YEAR = 31536000

-- class → browser Cache-Control, L1 (per-replica proxy_cache) TTL, L2 (Redis) TTL, in seconds.
-- L1 TTLs bound how long a replica can serve something the catalogue has invalidated (deletes, ready):
-- events reach Redis (L2) at once but never the L1 of every replica, so L1 keeps mutable things briefly.
_M.classes = {
  -- fMP4 segments, init segments, posters and sprites never change under the same name.
  immutable = { cache_control = "public, max-age=" .. YEAR .. ", immutable", l1 = 600, l2 = 86400 },
  -- thumbnails.vtt is written once, with the sprites, but is text a tool could regenerate.
  vtt = { cache_control = "public, max-age=3600", l1 = 60, l2 = 3600 },
  -- A media playlist without EXT-X-ENDLIST is still growing (EVENT): refresh within a second.
  playlist_event = { cache_control = "public, max-age=1", l1 = 1, l2 = 1 },
  -- A finished (VOD) media playlist or the master: stable; the catalogue drops L2 copies on ready/delete.
  playlist_vod = { cache_control = "public, max-age=60", l1 = 5, l2 = 600 },
  master = { cache_control = "public, max-age=10", l1 = 5, l2 = 600 },
}

-- Seconds a 404 from the origin is remembered in L1, so players polling for a file not yet written
-- (the next EVENT segment, a poster) do not each cost a MinIO request.
_M.NEGATIVE_TTL = 1

-- Largest object the caches keep; larger ones are served straight through (segments are a few MB).
_M.MAX_CACHED_BYTES = 32 * 1024 * 1024

local types = {
  m3u8 = "application/vnd.apple.mpegurl",
  mp4 = "video/mp4",
  m4s = "video/mp4",
  m4a = "audio/mp4",
  vtt = "text/vtt; charset=utf-8",
  jpg = "image/jpeg",
}
_M.types = types

-- Returns the MIME type for a file name, or nil for a name the gateway does not serve.
function _M.mime(file)
  local ext = file:match("%.([a-z0-9]+)$")
  return ext and types[ext] or nil
end

-- Class of a fetched object: playlists are told apart by their content, the rest by extension.
function _M.classify(file, body)
  if file:sub(-5) == ".m3u8" then
    if body:find("#EXT-X-STREAM-INF", 1, true) then return "master" end
    if body:find("#EXT-X-ENDLIST", 1, true) then return "playlist_vod" end
    return "playlist_event"
  end
  if file:sub(-4) == ".vtt" then return "vtt" end
  return "immutable"
end

return _M
