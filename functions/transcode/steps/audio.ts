import type { CloudEvent } from "cloudevents";
import { estrenaEvent } from "../../../lib/contracts/events.js";
import { streamPrefix } from "../../../lib/runtime/ids.js";
import type { Deps } from "../deps.js";
import { audioCommand, hasSurround, names } from "../../../lib/media/ffmpeg-args.js";
import { leadJobName, leadRungs, readingFrom } from "../../../lib/media/lead.js";
import type { Plan } from "../../../lib/media/plan.js";
import { withoutTrailingFrame } from "../../../lib/media/playlist.js";
import { publish } from "../publish.js";
import { publishLead } from "../publish-lead.js";
import { remoteSource } from "../source.js";
import { jobKeys, readJson, underLock, type AudioManifest, type SegmentRecord } from "../work.js";
import { afterJob, playableEvent } from "./after.js";
import { producedSegments, scratch, uploadAll } from "./encode.js";
import { closedSegments, LEAD_BUDGET_MS, leadSpans } from "./lead.js";

/** How often the audio step looks for segments ffmpeg has finished while it encodes. */
const WATCH_MS = 100;

/**
 * The "audio" job of an encoded source: the audio rendition and, beside it, the lead rungs (steps/lead.ts), which
 * together are what a viewer first plays. Both are published as they go, through one publisher: the lead rungs
 * segment by segment (publish-lead.ts), or without lead rungs the chunks that the audio covers (publish.ts).
 * The audio is encoded once for the whole file (no joins, so no clicks) at normal priority: AAC is fast but not free
 * (about 12× real time on a loaded 2-core machine), and it is what the first viewer waits for with the lead. ffmpeg
 * rewrites its EVENT playlist after each finished segment; each new segment (and the init segment) is uploaded, then
 * recorded in the partial manifest, then published. The full manifest is written at the end.
 * The lead runs span by span within a time budget; when it runs out, the job sends itself again to go on from the next
 * span (a new request, under Knative's timeout). A redelivered job does the audio again if it was not finished (the
 * segments come out the same under the same names, and the partial manifest is only rewritten once this run has got
 * further than it, so it never names fewer segments) and the lead from its first unfinished span.
 */
export async function audioStep(deps: Deps, plan: Plan): Promise<CloudEvent<unknown> | null> {
  const vid = plan.videoId;
  const lead = leadRungs(plan);
  const lastSpan = plan.chunks.length - 1;
  const audioDone = () => (plan.probe.audio ? deps.store.exists(jobKeys.done(vid, "audio")) : Promise.resolve(true));
  const leadDone = () => (lead.length ? deps.store.exists(jobKeys.done(vid, leadJobName(lastSpan))) : Promise.resolve(true));
  const isDone = async () => (await audioDone()) && (await leadDone());
  let next: number | null = null;
  await underLock(deps, vid, "audio", isDone, async (lost) => {
    const publisher = coalesce(
      async () => {
        const published = lead.length ? await publishLead(deps, plan) : await publish(deps, plan, false);
        if (published.first) await deps.emit(playableEvent(vid, published.renditions));
      },
      (err) => deps.log.warn({ err, videoId: vid }, "audio: partial publish failed"),
    );
    // Read in place (ranged requests on a presigned URL): both start at once instead of after a download.
    const src = (await remoteSource(deps, plan.source)).url;
    // The lead hands on only once the audio is finished: until then this request stays open anyway.
    let audioRunning = Boolean(plan.probe.audio) && !(await audioDone());
    const [, after] = await Promise.all([
      audioRunning ? encodeAudio(deps, plan, src, lost, publisher.kick).finally(() => (audioRunning = false)) : null,
      lead.length && !(await leadDone()) ? leadSpans(deps, plan, src, lost, publisher.kick, LEAD_BUDGET_MS, () => !audioRunning) : null,
    ]);
    await publisher.idle();
    next = after;
  });
  if (next !== null) {
    // The lead's budget ran out: the rest goes on in a new request, which takes the job's lock once this one is out.
    await deps.emit(estrenaEvent("dev.estrena.transcode.audio", { videoId: vid, plan }, { id: `${vid}-audio-${leadJobName(next)}` }));
  }
  return afterJob(deps, plan);
}

/** Encodes the whole file's audio, uploading and recording each segment as ffmpeg finishes it, then `kick`s. */
async function encodeAudio(deps: Deps, plan: Plan, src: string, lost: AbortSignal, kick: () => void): Promise<void> {
  const vid = plan.videoId;
  const work = await scratch(deps, plan, "audio");
  const prefix = streamPrefix(vid);
  const uploaded = new Set<string>();
  let recorded = (await readJson<AudioManifest>(deps, jobKeys.audioPartial(vid)))?.segments.length ?? 0;
  /** Uploads what is not up yet. */
  const upload = async (segments: readonly SegmentRecord[]) => {
    const files = [names.audioInit, ...segments.map((s) => s.uri)].filter((f) => !uploaded.has(f));
    await uploadAll(deps, prefix, work.dir, files);
    for (const f of files) uploaded.add(f);
  };
  /** Uploads, then records and publishes the segments if there are more than recorded. */
  const progress = async (segments: readonly SegmentRecord[]) => {
    await upload(segments);
    if (segments.length <= recorded) return;
    const manifest: AudioManifest = { segments };
    await deps.store.putText(jobKeys.audioPartial(vid), JSON.stringify(manifest));
    recorded = segments.length;
    kick();
  };
  try {
    const started = Date.now();
    let running = true;
    const run = deps.ffmpeg(readingFrom(audioCommand(plan, src, work.dir), src), {
      mediaSeconds: plan.probe.duration,
      signal: lost,
      niceness: 0,
    });
    const stop = () => {
      running = false;
    };
    run.then(stop, stop);
    const watching = (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, WATCH_MS));
        if (!running || lost.aborted) return;
        try {
          // The same trim as at the end, so the EVENT playlist never names a segment the VOD one drops.
          const segments = withoutTrailingFrame(await closedSegments(work.dir, names.audioPlaylist));
          if (segments.length > 0) await progress(segments);
        } catch (err) {
          // Nothing is lost: the end of the run uploads and records everything again.
          deps.log.warn({ err, videoId: vid }, "audio: partial upload failed");
        }
      }
    })();
    try {
      await run;
    } finally {
      await watching;
    }
    deps.metrics?.transcodeSpeed("audio", (Date.now() - started) / 1000, plan.probe.duration);
    const segments = withoutTrailingFrame(await producedSegments(work.dir, names.audioPlaylist));
    await upload(segments);
    const surround = hasSurround(plan) ? withoutTrailingFrame(await producedSegments(work.dir, names.surroundPlaylist)) : [];
    if (surround.length) await uploadAll(deps, prefix, work.dir, [names.surroundInit, ...surround.map((s) => s.uri)]);
    const manifest: AudioManifest = surround.length ? { segments, surround } : { segments };
    // Written last: its existence means every segment is in place.
    await deps.store.putText(jobKeys.done(vid, "audio"), JSON.stringify(manifest));
    await deps.state.markDone(vid, "audio").catch(() => undefined);
    kick();
  } finally {
    await work.cleanup();
  }
}

/**
 * Runs `fn` on each `kick`, one run at a time: kicks during a run make one more run after it (they coalesce), so the
 * audio and the lead publish through one caller instead of queueing on the publish lock. `idle` waits for the last run.
 */
function coalesce(fn: () => Promise<void>, onError: (err: unknown) => void): { kick(): void; idle(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    do {
      again = false;
      await fn().catch(onError);
    } while (again);
    running = null;
  };
  return {
    kick() {
      if (running) again = true;
      else running = loop();
    },
    idle: async () => {
      while (running) await running;
    },
  };
}
