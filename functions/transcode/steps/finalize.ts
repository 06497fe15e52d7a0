import type { CloudEvent } from "cloudevents";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, EstrenaError } from "../../../lib/contracts/errors.js";
import { estrenaEvent } from "../../../lib/contracts/events.js";
import type { Rendition } from "../../../lib/contracts/video.js";
import type { Deps } from "../deps.js";
import { mediaOf, type Plan } from "../../../lib/media/plan.js";
import { publish } from "../publish.js";
import { playableEvent } from "./after.js";
import { jobKeys, readJson, underLock } from "../work.js";

/** How long Redis keeps a finished video's job state. */
const RETIRE_SECONDS = 86_400;

interface ReadyRecord {
  readonly renditions: readonly Rendition[];
}

/** Every job is done: write VOD playlists and the master with measured bandwidths, then reply `video.ready`. */
export async function finalizeStep(deps: Deps, plan: Plan): Promise<CloudEvent<unknown> | null> {
  const vid = plan.videoId;
  const isDone = () => deps.store.exists(jobKeys.ready(vid));
  await underLock(deps, vid, "finalize", isDone, async () => {
    const published = await publish(deps, plan, true);
    if (published.chunks !== plan.chunks.length) {
      throw new EstrenaError(ErrorCode.Unavailable, `finalize: ${published.chunks}/${plan.chunks.length} chunks published`, true);
    }
    if (published.first) {
      // No progressive publish got to write the master (its publish failed, e.g. the lock was busy): the video becomes
      // playable only now, and still says so once, before ready.
      deps.log.warn({ videoId: vid }, "finalize wrote the first master playlist");
      await deps.emit(playableEvent(vid, published.renditions));
    }
    const record: ReadyRecord = { renditions: published.renditions };
    await deps.store.putText(jobKeys.ready(vid), JSON.stringify(record));
    await deps.state.retire(vid, RETIRE_SECONDS).catch(() => undefined);
    await rm(join(deps.config.workDir, "src", vid), { force: true });
    await rm(join(deps.config.workDir, vid), { recursive: true, force: true });
  });
  return readyEvent(deps, plan);
}

/** The `video.ready` reply, from the stored record (so a redelivered finalize answers the same). */
export async function readyEvent(deps: Deps, plan: Plan): Promise<CloudEvent<unknown>> {
  const record = await readJson<ReadyRecord>(deps, jobKeys.ready(plan.videoId));
  if (!record) throw new EstrenaError(ErrorCode.Unavailable, "finalize: ready record missing", true);
  return estrenaEvent(
    "dev.estrena.video.ready",
    { videoId: plan.videoId, ...mediaOf(plan), renditions: record.renditions },
    { id: `${plan.videoId}-ready` },
  );
}
