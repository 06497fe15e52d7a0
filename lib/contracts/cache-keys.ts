import { createHash } from "node:crypto";

/**
 * Every Redis key and channel the catalogue and the gateway share. The gateway's Lua
 * (gateway/lua/estrena/keys.lua) builds the same strings; test/unit/lib/contracts/cache-keys.test.ts checks both agree.
 * Redis runs `volatile-lru`: cache keys carry a TTL and may be evicted; catalogue records have none.
 */
export const KEY_PREFIX = "estrena:";

/** Hash videoId → Video JSON (with live progress): the catalogue's cache of every meta.json. */
export const CATALOGUE_HASH = `${KEY_PREFIX}cat:videos`;
/** Set once the hash holds every video in MinIO; missing after a flush, which triggers a rebuild. */
export const CATALOGUE_COMPLETE = `${KEY_PREFIX}cat:complete`;

/** Set of video ids made from one source object (cache of `index/sources/<hash>.json` in MinIO). */
export function sourceKey(bucket: string, key: string): string {
  return `${KEY_PREFIX}cat:source:${sourceHash(bucket, key)}`;
}

/** sha256 of `bucket/key`: names a source in Redis and in MinIO without putting the key itself in a path. */
export function sourceHash(bucket: string, key: string): string {
  return createHash("sha256").update(`${bucket}/${key}`).digest("hex");
}

/** MinIO object (stream bucket) recording which videos came from a source, because delete events carry no ETag. */
export function sourceIndexObject(bucket: string, key: string): string {
  return `index/sources/${sourceHash(bucket, key)}.json`;
}

/** MinIO object (stream bucket) recording when a video was deleted or replaced: late events of that version are ignored. */
export function goneObject(id: string): string {
  return `index/gone/${id}.json`;
}

/** Pub/sub channel of one video's changes, read by the SSE endpoint. */
export function videoChannel(id: string): string {
  return `${KEY_PREFIX}cat:events:${id}`;
}

/** Gateway L2 entry for `/stream/<id>/<file>`. */
export function streamObjectKey(id: string, file: string): string {
  return `${KEY_PREFIX}gw:obj:${id}/${file}`;
}

/** Set of the gateway L2 entries held for one video, so an event can drop them without SCAN. */
export function streamIndexKey(id: string): string {
  return `${KEY_PREFIX}gw:keys:${id}`;
}

/** Held by the one gateway replica fetching an object from MinIO; the other replicas wait for its L2 entry. */
export function streamFillLock(id: string, file: string): string {
  return `${KEY_PREFIX}gw:lock:${id}/${file}`;
}

/**
 * Sorted set of deleted video ids, scored by deletion time (seconds). Every gateway replica copies it into its
 * `estrena_gone` shared dict each second and answers 404 for those ids before its L1 (gateway/lua/estrena/gone.lua).
 */
export const GONE_SET = `${KEY_PREFIX}gw:gone`;

/** Files whose L2 entry an event must drop: playlists on `ready`, everything on delete. */
export function isPlaylist(file: string): boolean {
  return file.endsWith(".m3u8");
}
