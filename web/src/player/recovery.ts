import type { FatalKind } from "./events.js";

/** What to do about one fatal hls.js error. */
export type Recovery =
  | { readonly kind: "reload"; readonly delayMs: number }
  | { readonly kind: "recover-media"; readonly swapAudio: boolean }
  | { readonly kind: "give-up"; readonly fatal: FatalKind };

/** Restarts after hls.js gave up on the network (it has already retried each request itself), 2 s apart, doubling. */
export const MAX_NETWORK_RETRIES = 1;

/**
 * Decides retry in one pure function (hls.js error types are plain strings: `networkError`, `mediaError`, ...).
 * 404/410 will not heal by retrying; other network failures are retried with backoff; media errors get
 * `recoverMediaError()` once, then once more with swapped audio codec, as the hls.js docs recommend.
 */
export function recoveryFor(type: string, httpStatus: number, attempts: { readonly network: number; readonly media: number }): Recovery {
  if (type === "networkError") {
    if (httpStatus === 404 || httpStatus === 410) return { kind: "give-up", fatal: "not-found" };
    if (attempts.network < MAX_NETWORK_RETRIES) return { kind: "reload", delayMs: 2000 * 2 ** attempts.network };
    return { kind: "give-up", fatal: "network" };
  }
  if (type === "mediaError") {
    if (attempts.media < 2) return { kind: "recover-media", swapAudio: attempts.media === 1 };
    return { kind: "give-up", fatal: "media" };
  }
  return { kind: "give-up", fatal: "other" };
}

const MESSAGES: Record<FatalKind, string> = {
  network: "We can't reach the video right now. Check your connection, then try again.",
  media: "This video couldn't be played in this browser. Trying again often helps.",
  unsupported: "This browser can't play streaming video. Try a current version of Firefox, Chrome, Edge or Safari.",
  "not-found": "This video isn't available any more. It may have been removed.",
  failed: "This video couldn't be processed, so it can't be played.",
  other: "Something went wrong while playing this video.",
};

/** The plain-words message shown for a fatal error. */
export function describeFatal(kind: FatalKind): string {
  return MESSAGES[kind];
}
