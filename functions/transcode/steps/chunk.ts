import type { CloudEvent } from "cloudevents";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { avcCodecString } from "../../../lib/media/codecs.js";
import { ErrorCode, EstrenaError } from "../../../lib/contracts/errors.js";
import { estrenaEvent } from "../../../lib/contracts/events.js";
import { streamPrefix } from "../../../lib/runtime/ids.js";
import { nextChunks, segmentCount, type Chunk } from "../../../lib/media/chunks.js";
import { cutsIn } from "../../../lib/media/cuts.js";
import type { Deps } from "../deps.js";
import { chunkCommand, names } from "../../../lib/media/ffmpeg-args.js";
import { chunkJobName, jobEvent } from "../jobs.js";
import { chunkRungs, chunkView, readingFrom } from "../../../lib/media/lead.js";
import type { Plan } from "../../../lib/media/plan.js";
import { expectedJobs } from "../publish.js";
import { spriteName } from "../../../lib/media/thumbnails.js";
import { sourceUnreachable } from "../../../lib/media/source-input.js";
import { remoteSource } from "../source.js";
import { doneJobs, jobKeys, underLock, type ChunkManifest } from "../work.js";
import { producedSegments, scratch, uploadAll } from "./encode.js";
import { afterJob } from "./after.js";

/** The longest last segment that ffmpeg may fold into the one before (the container outlasting the last frame). */
const SLIVER_SECONDS = 0.1;

/**
 * Encodes one chunk to every rung but the lead ones from one decode, uploads it, records it, then publishes what can
 * be published.
 */
export async function chunkStep(deps: Deps, plan: Plan, n: number): Promise<CloudEvent<unknown> | null> {
  const chunk = plan.chunks[n];
  if (!chunk) throw new EstrenaError(ErrorCode.BadRequest, `chunk ${n} is not in the plan (${plan.chunks.length} chunks)`);
  const vid = plan.videoId;
  const job = chunkJobName(n);
  const isDone = () => deps.store.exists(jobKeys.done(vid, job));

  await underLock(deps, vid, job, isDone, async (lost) => {
    // Read in place (ranged requests on a presigned URL): no download of the whole source before the first frame, and
    // none competing with the lead for the disk and the network.
    const src = (await remoteSource(deps, plan.source)).url;
    const work = await scratch(deps, plan, job);
    try {
      const started = Date.now();
      const doneBefore = await doneJobs(deps, vid, expectedJobs(plan).length);
      const doneSeconds = plan.chunks.filter((c) => doneBefore.has(chunkJobName(c.index))).reduce((t, c) => t + c.duration, 0);
      const report = progressReporter(deps, plan, doneSeconds, chunk.duration);
      await deps
        // Without the lead rungs, which the lead job makes (lib/media/lead.ts).
        .ffmpeg(readingFrom(chunkCommand(chunkView(plan), chunk, src, work.dir), src), {
          mediaSeconds: chunk.duration,
          mediaStart: chunk.start,
          signal: lost,
          onProgress: report,
        })
        .catch((err: unknown) => {
          throw plan.passthrough && !lost.aborted ? damagedSource(err, chunk.start) : err;
        });

      const rungs: Record<string, Awaited<ReturnType<typeof producedSegments>>> = {};
      for (const r of chunkRungs(plan)) rungs[r.name] = await producedSegments(work.dir, names.mediaPlaylist(r.name));
      const counts = new Set(Object.values(rungs).map((s) => s.length));
      if (counts.size !== 1) throw new Error(`rungs disagree on the segment count of chunk ${n}: ${[...counts].join(", ")}`);
      const ref = Object.values(rungs)[0]!;
      let t = chunk.start;
      // The sprite has a tile every segmentSeconds; a passthrough's segments follow the source's keyframes instead.
      const tiles = plan.passthrough
        ? regularTiles(chunk, plan.segmentSeconds)
        : ref.map((s) => {
            const tile = { start: Math.round(t * 1000) / 1000, duration: s.duration };
            t += s.duration;
            return tile;
          });
      const expected = plan.passthrough ? cutsIn(plan.passthrough.cuts, chunk).length : segmentCount(chunk, plan.segmentSeconds);
      // A last segment shorter than a frame or two (the audio outlasting the video) is not cut: one segment fewer.
      const sliver = !plan.passthrough && chunk.duration - (expected - 1) * plan.segmentSeconds < SLIVER_SECONDS;
      if (ref.length !== expected && !(sliver && ref.length === expected - 1)) {
        // A passthrough's encoded rungs off the source's cuts would not switch cleanly with the remuxed top rung.
        if (plan.passthrough) throw new Error(`chunk ${n}: ${ref.length} segments, the source's cuts make ${expected}`);
        deps.log.warn({ videoId: vid, chunk: n, segments: ref.length, expected }, "unexpected segment count");
      }

      const files = [
        ...chunkRungs(plan).map((r) => names.init(r.name)),
        ...Object.values(rungs).flatMap((segs) => segs.map((s) => s.uri)),
        spriteName(n),
        ...(n === 0 ? [names.poster] : []),
      ];
      await uploadAll(deps, streamPrefix(vid), work.dir, files);
      const codecs: Record<string, string> = {};
      for (const r of chunkRungs(plan)) codecs[r.name] = avcCodecString(await readFile(join(work.dir, names.init(r.name)))) ?? r.codecs;
      const manifest: ChunkManifest = { chunk: n, rungs, tiles, codecs };
      // Written last: its existence means every file above is in place.
      await deps.store.putText(jobKeys.done(vid, job), JSON.stringify(manifest));
      await deps.state.markDone(vid, job).catch(() => undefined);
      const wall = (Date.now() - started) / 1000;
      deps.metrics?.transcodeSpeed("chunk", wall, chunk.duration);
      deps.log.info({ videoId: vid, chunk: n, seconds: chunk.duration, wall }, "chunk done");
    } finally {
      await work.cleanup();
    }
  });

  for (const next of nextChunks(n, plan.chunks.length, plan.parallelism)) await deps.emit(jobEvent({ kind: "chunk", plan, chunk: next }));
  return afterJob(deps, plan);
}

/** Throttled `video.progress` events while a chunk encodes: at most every 2 s, only when the overall figure rises. */
function progressReporter(deps: Deps, plan: Plan, doneSeconds: number, chunkSeconds: number): (f: number) => void {
  let last = 0;
  return (f) => {
    const now = Date.now();
    if (now - last < 2000) return;
    last = now;
    const progress = Math.min(0.99, (doneSeconds + f * chunkSeconds) / plan.probe.duration);
    void deps.state
      .raiseProgress(plan.videoId, progress)
      .then((raised) =>
        raised ? deps.emit(estrenaEvent("dev.estrena.video.progress", { videoId: plan.videoId, progress: round3(progress) })) : undefined,
      )
      .catch((err: unknown) => deps.log.warn({ err, videoId: plan.videoId }, "progress event not sent"));
  };
}

/** One storyboard tile per segmentSeconds of the chunk, as the chunk's sprite is drawn. */
function regularTiles(chunk: Chunk, seg: number): { start: number; duration: number }[] {
  return Array.from({ length: segmentCount(chunk, seg) }, (_, i) => {
    const start = chunk.start + i * seg;
    return { start: round3(start), duration: round3(Math.min(seg, chunk.start + chunk.duration - start)) };
  });
}

/**
 * A failed decode of a remuxed source: the top rung is already published, so the video must fail (and be withdrawn)
 * rather than be retried into the same error. Other failures (killed, disk full, storage unreachable) stay retryable.
 */
function damagedSource(err: unknown, at: number): unknown {
  const text = err instanceof Error ? err.message : String(err);
  if (!DECODE_ERROR.test(text) || sourceUnreachable(text)) return err;
  const m = Math.floor(at / 60);
  const s = String(Math.floor(at % 60)).padStart(2, "0");
  return new EstrenaError(ErrorCode.Truncated, `the video stream is damaged after ${m}:${s}: a full decode failed`, false, { cause: err });
}
/** What ffmpeg prints when -xerror stops it on bad data (checked on ffmpeg 5.1 with bytes overwritten mid-file). */
const DECODE_ERROR = /error while decoding|Invalid data found|Invalid NAL unit|corrupted macroblock|concealing/i;

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
