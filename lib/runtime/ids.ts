import { createHash } from "node:crypto";

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

const ID = /^v[0-9a-f]{19}$/;
export function isVideoId(s: string): boolean {
  return ID.test(s);
}

/** Prefix of everything published for one video in the stream bucket. The id alone names it: keys never reach a path. */
export function streamPrefix(id: string): string {
  if (!isVideoId(id)) throw new Error(`not a video id: ${JSON.stringify(id)}`);
  return `videos/${id}/`;
}

export function metaKey(id: string): string {
  return `${streamPrefix(id)}meta.json`;
}
