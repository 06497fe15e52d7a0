import type { CloudEvent } from "cloudevents";
import { streamPrefix } from "../../shared/ids.js";
import type { Deps } from "../deps.js";
import { audioCommand, names } from "../ffmpeg-args.js";
import type { Plan } from "../plan.js";
import { jobKeys, sourceFile, underLock, type AudioManifest } from "../work.js";
import { afterJob } from "./after.js";
import { producedSegments, scratch, uploadAll } from "./encode.js";

/**
 * Encodes the audio rendition once for the whole file (no joins, so no clicks), uploads it and records it.
 * AAC runs at well over 100× real time here, so even hours of audio fit in one short request.
 */
export async function audioStep(deps: Deps, plan: Plan): Promise<CloudEvent<unknown> | null> {
  const vid = plan.videoId;
  const isDone = () => deps.store.exists(jobKeys.done(vid, "audio"));
  await underLock(deps, vid, "audio", isDone, async (lost) => {
    const src = await sourceFile(deps, plan);
    const work = await scratch(deps, plan, "audio");
    try {
      const started = Date.now();
      await deps.ffmpeg(audioCommand(plan, src, work.dir), { mediaSeconds: plan.probe.duration, signal: lost });
      deps.metrics?.transcodeSpeed("audio", (Date.now() - started) / 1000, plan.probe.duration);
      const segments = await producedSegments(work.dir, names.audioPlaylist);
      await uploadAll(deps, streamPrefix(vid), work.dir, [names.audioInit, ...segments.map((s) => s.uri)]);
      const manifest: AudioManifest = { segments };
      await deps.store.putText(jobKeys.done(vid, "audio"), JSON.stringify(manifest));
      await deps.state.markDone(vid, "audio").catch(() => undefined);
    } finally {
      await work.cleanup();
    }
  });
  return afterJob(deps, plan);
}
