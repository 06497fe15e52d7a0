import { names } from "../../lib/media/ffmpeg-args.js";
import { metaKey, streamPrefix } from "../../lib/runtime/ids.js";
import type { Deps } from "./deps.js";

/**
 * Takes down what a failed video had published: the master playlist first, so that no new viewer can start, then
 * every other object transcode wrote. The catalogue's record stays: it says why the video failed.
 */
export async function withdraw(deps: Deps, videoId: string): Promise<void> {
  const prefix = streamPrefix(videoId);
  const keys = (await deps.store.list(prefix)).map((n) => prefix + n).filter((k) => k !== metaKey(videoId));
  if (keys.length === 0) return;
  const master = prefix + names.master;
  if (keys.includes(master)) await deps.store.remove([master]);
  await deps.store.remove(keys.filter((k) => k !== master));
  deps.log.warn({ videoId, objects: keys.length }, "failed video withdrawn");
}
