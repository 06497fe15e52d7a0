import type { Video } from "../shared/api.js";
import type { MasterShape, Piece, PlayerContext } from "./events.js";

/**
 * A video that became playable early names only its first rungs in the master (the lead rungs of an encoded source,
 * the remuxed top rung of a standard one); the final publish rewrites the master with the whole ladder, and hls.js
 * never reads a master twice. This piece notices the change and asks the engine to load the new master in place.
 */

/**
 * Looks at the master again this many times when the catalogue names more renditions than it serves: the catalogue
 * sends `ready` before it drops the gateway's L2 copy of the master (functions/catalogue/apply.ts), so a look at
 * once can refill a replica's L1 with the old master, which it then keeps up to 5 s (gateway/lua/estrena/policy.lua).
 */
export const LADDER_CHECKS = 8;
export const LADDER_CHECK_MS = 2000;

/** The entries of a master playlist that a viewer could switch to. Pure. */
export function masterShape(text: string): MasterShape {
  const lines = text.split(/\r?\n/);
  const count = (re: RegExp): number => lines.filter((l) => re.test(l)).length;
  return {
    variants: count(/^#EXT-X-STREAM-INF:/),
    audio: count(/^#EXT-X-MEDIA:.*TYPE=AUDIO/),
    subtitles: count(/^#EXT-X-MEDIA:.*TYPE=SUBTITLES/),
  };
}

/** Whether a catalogue update may mean a larger master: the video turned ready, or names more renditions. Pure. */
export function mayHaveGrown(before: Pick<Video, "status" | "renditions">, after: Pick<Video, "status" | "renditions">): boolean {
  if (after.status === "failed") return false;
  return (after.status === "ready" && before.status !== "ready") || after.renditions.length > before.renditions.length;
}

export type LadderStep =
  | { readonly kind: "reload" }
  | { readonly kind: "check-again"; readonly delayMs: number }
  | { readonly kind: "done" };

/**
 * What to do after reading the master the gateway serves now (`served`, null when it could not be read), given the
 * one the player loaded and how many renditions the catalogue names. Reloads only for a master that names more than
 * the loaded one, so a reload never repeats itself; a stale or unreadable master is looked at again a few times.
 */
export function ladderStep(loaded: MasterShape, served: MasterShape | null, renditions: number, checks: number): LadderStep {
  if (served && (served.variants > loaded.variants || served.audio > loaded.audio || served.subtitles > loaded.subtitles))
    return { kind: "reload" };
  const stale = !served || served.variants < renditions;
  return stale && checks < LADDER_CHECKS ? { kind: "check-again", delayMs: LADDER_CHECK_MS } : { kind: "done" };
}

/** Follows the catalogue record and the master the engine loaded; emits `reload-master` when the ladder grew. */
export function createLadderUpgrade(ctx: PlayerContext): Piece {
  const { bus } = ctx;
  let record: Video | null = null;
  let loaded: { readonly url: string; readonly shape: MasterShape } | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let checking = false;

  async function check(checks: number): Promise<void> {
    if (!loaded || !record) return;
    checking = true;
    const { url, shape } = loaded;
    // no-cache: revalidate past the browser's copy (max-age 10 s) and refresh it for hls.js's own request.
    const served = await fetch(url, { cache: "no-cache" })
      .then((r) => (r.ok ? r.text() : null))
      .then((t) => (t === null ? null : masterShape(t)))
      .catch(() => null);
    if (!loaded || loaded.url !== url) return void (checking = false);
    const step = ladderStep(shape, served, record.renditions.length, checks);
    checking = step.kind === "check-again";
    if (step.kind === "reload") bus.emit("reload-master", {});
    else if (step.kind === "check-again") timer = setTimeout(() => void check(checks + 1), step.delayMs);
  }

  const off = bus.on({
    video: (v) => {
      const before = record;
      record = v;
      if (before && loaded && !checking && mayHaveGrown(before, v)) void check(1);
    },
    master: (m) => {
      loaded = m;
    },
  });
  return {
    destroy() {
      off();
      clearTimeout(timer);
      loaded = null;
    },
  };
}
