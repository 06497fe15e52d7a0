import type { CloudEvent } from "cloudevents";
import { estrenaEvent } from "../../../lib/contracts/events.js";
import type { Rendition } from "../../../lib/contracts/video.js";
import type { Deps } from "../deps.js";
import { chunkJobName, jobEvent } from "../jobs.js";
import type { Plan } from "../../../lib/media/plan.js";
import { expectedJobs, publish } from "../publish.js";
import { doneJobs } from "../work.js";

/**
 * After a chunk or the audio finished (or was found finished on redelivery): publish what has no gaps, ask for
 * finalize when every job is done, and choose the reply: `video.playable` on the first publish, otherwise progress.
 */
export async function afterJob(deps: Deps, plan: Plan): Promise<CloudEvent<unknown> | null> {
  const vid = plan.videoId;
  const published = await publish(deps, plan, false);
  const expected = expectedJobs(plan);
  const done = await doneJobs(deps, vid, expected.length);
  const doneCount = expected.filter((j) => done.has(j)).length;
  if (doneCount === expected.length) await deps.emit(jobEvent({ kind: "finalize", plan }));
  if (published.first) return playableEvent(vid, published.renditions);
  const doneSeconds = plan.chunks.filter((c) => done.has(chunkJobName(c.index))).reduce((t, c) => t + c.duration, 0);
  const progress = Math.min(0.99, Math.round((doneSeconds / plan.probe.duration) * 1000) / 1000);
  if (!(await deps.state.raiseProgress(vid, progress).catch(() => false))) return null;
  return estrenaEvent("dev.estrena.video.progress", { videoId: vid, progress });
}

/** `video.playable`, sent once: by whichever publish wrote the master playlist first. Its id is fixed per video. */
export function playableEvent(videoId: string, renditions: readonly Rendition[]): CloudEvent<unknown> {
  return estrenaEvent("dev.estrena.video.playable", { videoId, renditions }, { id: `${videoId}-playable` });
}
