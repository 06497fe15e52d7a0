import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { avcCodecString } from "../../../lib/media/codecs.js";
import { names } from "../../../lib/media/ffmpeg-args.js";
import { leadCommand, leadJobName, leadRungs } from "../../../lib/media/lead.js";
import type { Plan } from "../../../lib/media/plan.js";
import { readMediaPlaylist } from "../../../lib/media/playlist.js";
import { streamPrefix } from "../../../lib/runtime/ids.js";
import type { Deps } from "../deps.js";
import { leadPartialKey, type LeadProgress } from "../publish-lead.js";
import { jobKeys, readJson, type ChunkManifest, type SegmentRecord } from "../work.js";
import { producedSegments, scratch, uploadAll } from "./encode.js";

/** How often a span looks for segments ffmpeg has closed: a 4 s segment of the lead closes about every second. */
const WATCH_MS = 100;
/**
 * Wall time after which the lead hands the rest of the source on to a new delivery of its job, at a span boundary,
 * so no request runs into Knative's timeout (timeoutSeconds 300 in knative/transcode/service.yaml).
 */
export const LEAD_BUDGET_MS = 150_000;

/**
 * Encodes the lead rungs (lib/media/lead.ts) of `src` (a path or the upload's presigned URL) span by span from the first span not yet done, each at normal priority
 * (it is what the first viewer waits for), uploading each segment as ffmpeg closes it and recording it in the lead's
 * progress record, then calling `kick` so the publisher names it. Each finished span leaves its manifest (done key
 * l0000, ...). Stops at a span boundary once `budgetMs` has passed and `canStop()` (nothing else holds the request
 * open: stopping then would only idle the lead): returns the next span to do, or null when done.
 */
export async function leadSpans(
  deps: Deps,
  plan: Plan,
  src: string,
  lost: AbortSignal,
  kick: () => void,
  budgetMs = LEAD_BUDGET_MS,
  canStop: () => boolean = () => true,
): Promise<number | null> {
  const vid = plan.videoId;
  const rungs = leadRungs(plan);
  const started = Date.now();
  let seconds = 0;
  // Everything before the first span not done: the spans' manifests, in order.
  const before: Record<string, SegmentRecord[]> = Object.fromEntries(rungs.map((r) => [r.name, []]));
  let codecs: Record<string, string> = {};
  let i = 0;
  for (; i < plan.chunks.length; i++) {
    const m = await readJson<ChunkManifest>(deps, jobKeys.done(vid, leadJobName(i)));
    if (!m) break;
    for (const r of rungs) before[r.name]!.push(...(m.rungs[r.name] ?? []));
    codecs = { ...m.codecs };
  }
  let recorded = (await readJson<LeadProgress>(deps, leadPartialKey(vid)))?.segments ?? 0;
  for (; i < plan.chunks.length; i++) {
    if (seconds > 0 && Date.now() - started > budgetMs && canStop() && !lost.aborted) {
      deps.metrics?.transcodeSpeed("lead", (Date.now() - started) / 1000, seconds);
      return i;
    }
    const chunk = plan.chunks[i]!;
    const work = await scratch(deps, plan, leadJobName(i));
    try {
      const uploaded = new Set<string>();
      /** Uploads what ffmpeg has closed and records the lead so far, if that is further than the record. */
      const progress = async (span: Record<string, SegmentRecord[]>) => {
        const n = Math.min(...rungs.map((r) => span[r.name]!.length));
        if (n === 0) return;
        const files = rungs.flatMap((r) => [names.init(r.name), ...span[r.name]!.slice(0, n).map((s) => s.uri)]);
        if (i === 0 && (await exists(join(work.dir, names.poster)))) files.push(names.poster);
        const fresh = files.filter((f) => !uploaded.has(f));
        await uploadAll(deps, streamPrefix(vid), work.dir, fresh);
        for (const f of fresh) uploaded.add(f);
        for (const r of rungs) codecs[r.name] ??= avcCodecString(await readFile(join(work.dir, names.init(r.name)))) ?? r.codecs;
        const all = Object.fromEntries(rungs.map((r) => [r.name, [...before[r.name]!, ...span[r.name]!.slice(0, n)]]));
        const segments = all[rungs[0]!.name]!.length;
        if (segments <= recorded) return;
        const record: LeadProgress = { segments, rungs: all, codecs };
        await deps.store.putText(leadPartialKey(vid), JSON.stringify(record));
        recorded = segments;
        kick();
      };
      let running = true;
      const run = deps.ffmpeg(leadCommand(plan, chunk, src, work.dir), {
        mediaSeconds: chunk.duration,
        mediaStart: chunk.start,
        signal: lost,
        niceness: 0,
      });
      const stop = () => {
        running = false;
      };
      run.then(stop, stop);
      const watching = (async () => {
        while (running && !lost.aborted) {
          await new Promise((r) => setTimeout(r, WATCH_MS));
          try {
            const span: Record<string, SegmentRecord[]> = {};
            for (const r of rungs) span[r.name] = await closedSegments(work.dir, names.mediaPlaylist(r.name));
            await progress(span);
          } catch (err) {
            // Nothing is lost: the end of the span uploads and records everything again.
            deps.log.warn({ err, videoId: vid, span: i }, "lead: partial publish failed");
          }
        }
      })();
      try {
        await run;
      } finally {
        await watching;
      }
      const span: Record<string, SegmentRecord[]> = {};
      for (const r of rungs) span[r.name] = await producedSegments(work.dir, names.mediaPlaylist(r.name));
      const counts = new Set(Object.values(span).map((s) => s.length));
      if (counts.size !== 1) throw new Error(`lead rungs disagree on the segment count of span ${i}: ${[...counts].join(", ")}`);
      await progress(span);
      const manifest: ChunkManifest = { chunk: i, rungs: span, tiles: [], codecs };
      // Written last: its existence means every segment of the span is uploaded.
      await deps.store.putText(jobKeys.done(vid, leadJobName(i)), JSON.stringify(manifest));
      await deps.state.markDone(vid, leadJobName(i)).catch(() => undefined);
      for (const r of rungs) before[r.name]!.push(...span[r.name]!);
      seconds += chunk.duration;
    } finally {
      await work.cleanup();
    }
  }
  deps.metrics?.transcodeSpeed("lead", (Date.now() - started) / 1000, seconds);
  return null;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.size > 0,
    () => false,
  );
}

/** The segments ffmpeg's EVENT playlist names so far: each is complete, as ffmpeg names a segment once it is closed. */
export async function closedSegments(dir: string, playlist: string): Promise<SegmentRecord[]> {
  const text = await readFile(join(dir, playlist), "utf8").catch(() => null);
  if (text === null) return [];
  const out: SegmentRecord[] = [];
  for (const s of readMediaPlaylist(text).segments)
    out.push({ uri: s.uri, duration: s.duration, bytes: (await stat(join(dir, s.uri))).size });
  return out;
}
