import { createHash } from "node:crypto";

// The bucket layout is a contract (lib/contracts/layout.ts); it is re-exported here for Node callers of videoId.
export { isVideoId, metaKey, streamPrefix } from "../contracts/layout.js";

/** A video's id: stable for the same (bucket, key, ETag), so a redelivered event is the same work. */
export function videoId(bucket: string, key: string, etag: string): string {
  const h = createHash("sha256")
    .update(`${bucket}\0${key}\0${normalizeEtag(etag)}`)
    .digest("hex");
  return `v${h.slice(0, 19)}`;
}

export function normalizeEtag(etag: string): string {
  return etag.replace(/^"+|"+$/g, "");
}
