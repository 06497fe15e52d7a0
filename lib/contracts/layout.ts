/**
 * Where a video's things live in the stream bucket, named by its id alone (an object key never reaches a path).
 * The id itself is derived in lib/runtime/ids.ts (SHA-256 needs node:crypto; contracts stay browser-safe).
 */

/** `v` + 19 hex digits of SHA-256 over (bucket, key, ETag). */
export const VIDEO_ID = /^v[0-9a-f]{19}$/;

export function isVideoId(s: string): boolean {
  return VIDEO_ID.test(s);
}

/** Prefix of everything published for one video in the stream bucket. */
export function streamPrefix(id: string): string {
  if (!isVideoId(id)) throw new Error(`not a video id: ${JSON.stringify(id)}`);
  return `videos/${id}/`;
}

/** The video's record (the catalogue is its only writer). */
export function metaKey(id: string): string {
  return `${streamPrefix(id)}meta.json`;
}
