import type { CloudEvent } from "cloudevents";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { streamPrefix } from "../../../lib/runtime/ids.js";
import type { Deps } from "../deps.js";
import { audioCommand, hasSurround, names } from "../../../lib/media/ffmpeg-args.js";
import type { Plan } from "../../../lib/media/plan.js";
import { readMediaPlaylist, withoutTrailingFrame } from "../../../lib/media/playlist.js";
import { publish } from "../publish.js";
import { jobKeys, readJson, sourceFile, underLock, type AudioManifest, type SegmentRecord } from "../work.js";
import { afterJob, playableEvent } from "./after.js";
import { producedSegments, scratch, uploadAll } from "./encode.js";

/** How often the audio step looks for segments ffmpeg has finished while it encodes. */
const WATCH_MS = 500;

/**
 * Encodes the audio rendition once for the whole file (no joins, so no clicks) and publishes it as it goes: AAC is
 * fast but not free (about 12× real time on a loaded 2-core machine, so 90 s of audio takes over 20 s), and the
 * video must not wait for the whole of it to become playable. ffmpeg rewrites its EVENT playlist after each finished
 * segment; each new segment (and the init segment) is uploaded, then recorded in the partial manifest, then the
 * shared publish runs, which publishes the chunks that audio covers. The full manifest is written at the end.
 * A redelivered job encodes again from the start: the segments come out the same under the same names, and the
 * partial manifest is only rewritten once this run has got further than it, so it never names fewer segments.
 */
export async function audioStep(deps: Deps, plan: Plan): Promise<CloudEvent<unknown> | null> {
  const vid = plan.videoId;
  const isDone = () => deps.store.exists(jobKeys.done(vid, "audio"));
  await underLock(deps, vid, "audio", isDone, async (lost) => {
    const src = await sourceFile(deps, plan);
    const work = await scratch(deps, plan, "audio");
    const prefix = streamPrefix(vid);
    const uploaded = new Set<string>();
    let recorded = (await readJson<AudioManifest>(deps, jobKeys.audioPartial(vid)))?.segments.length ?? 0;
    /** Uploads what is not up yet, then records and publishes the segments if there are more than recorded. */
    const upload = async (segments: readonly SegmentRecord[]) => {
      const files = [names.audioInit, ...segments.map((s) => s.uri)].filter((f) => !uploaded.has(f));
      await uploadAll(deps, prefix, work.dir, files);
      for (const f of files) uploaded.add(f);
    };
    const progress = async (segments: readonly SegmentRecord[]) => {
      await upload(segments);
      if (segments.length <= recorded) return;
      const manifest: AudioManifest = { segments };
      await deps.store.putText(jobKeys.audioPartial(vid), JSON.stringify(manifest));
      recorded = segments.length;
      const published = await publish(deps, plan, false);
      if (published.first) await deps.emit(playableEvent(vid, published.renditions));
    };
    try {
      const started = Date.now();
      let running = true;
      const run = deps.ffmpeg(audioCommand(plan, src, work.dir), { mediaSeconds: plan.probe.duration, signal: lost });
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
            const segments = withoutTrailingFrame(await finishedSegments(work.dir));
            if (segments.length > 0) await progress(segments);
          } catch (err) {
            // Nothing is lost: the end of the run uploads and records everything again.
            deps.log.warn({ err, videoId: vid }, "audio: partial publish failed");
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
    } finally {
      await work.cleanup();
    }
  });
  return afterJob(deps, plan);
}

/** The segments ffmpeg's playlist names so far (each one complete: it is named once closed), none before the first. */
async function finishedSegments(dir: string): Promise<SegmentRecord[]> {
  const text = await readFile(join(dir, names.audioPlaylist), "utf8").catch(() => null);
  if (text === null) return [];
  const out: SegmentRecord[] = [];
  for (const s of readMediaPlaylist(text).segments)
    out.push({ uri: s.uri, duration: s.duration, bytes: (await stat(join(dir, s.uri))).size });
  return out;
}
