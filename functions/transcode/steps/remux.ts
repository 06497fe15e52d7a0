import type { CloudEvent } from "cloudevents";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { avcCodecString } from "../../../lib/media/codecs.js";
import { cutDurations } from "../../../lib/media/cuts.js";
import { names } from "../../../lib/media/ffmpeg-args.js";
import type { Plan } from "../../../lib/media/plan.js";
import { readMediaPlaylist, withoutTrailingFrame } from "../../../lib/media/playlist.js";
import { remuxCommand } from "../../../lib/media/remux-args.js";
import type { Deps } from "../deps.js";
import { publishRemux, remuxKey, type RemuxManifest } from "../publish-remux.js";
import { hops as startHops, remoteSource, type Hops } from "../source.js";
import type { SourceInput } from "../../../lib/media/source-input.js";
import { jobKeys, underLock, type AudioManifest, type SegmentRecord } from "../work.js";
import { afterJob, playableEvent } from "./after.js";
import { producedSegments, scratch, uploadAll } from "./encode.js";

/** How often the step looks for segments ffmpeg has closed: the remux closes several a second. */
const WATCH_MS = 100;
/** Segments per rendition uploaded and published by each look after the first: far ahead of any viewer (4 s each). */
const NEXT_BATCH = 8;

/**
 * The passthrough job of a standard source, sent as its "audio" job (it makes the audio rendition, and the top rung
 * with it): one ffmpeg copies the video and the AAC audio into fMP4 HLS at disk speed, and each segment is uploaded
 * and published the moment ffmpeg closes it, so a viewer who starts at the first publish never waits for a segment.
 * ffmpeg reads the upload in place (a presigned URL, ranged requests): the first segments come out while the rest is
 * still being read. The plan step runs it directly (`from`: its source and hop timings); an "audio" job of a
 * passthrough plan (sent by an older plan step, or redelivered) runs it too.
 * Its records: the top rung's segments (remuxKey), then the audio manifest under the audio job's done key, last.
 * A redelivered job remuxes again: same bytes under the same names.
 */
export async function remuxStep(
  deps: Deps,
  plan: Plan,
  from?: { readonly input: SourceInput; readonly hops: Hops; readonly published?: () => Promise<void> },
): Promise<CloudEvent<unknown> | null> {
  const vid = plan.videoId;
  const top = plan.rungs[0]!;
  const copyAudio = plan.passthrough?.audio === "copy";
  const isDone = () => deps.store.exists(jobKeys.done(vid, "audio"));
  await underLock(deps, vid, "audio", isDone, async (lost) => {
    const src = from?.input ?? (await remoteSource(deps, plan.source));
    const hops = from?.hops ?? startHops();
    const work = await scratch(deps, plan, "remux");
    const uploaded = new Set<string>();
    let published = { video: 0, audio: 0 };
    const upload = async (files: readonly string[]) => {
      const fresh = files.filter((f) => !uploaded.has(f));
      await uploadAll(deps, `videos/${vid}/`, work.dir, fresh);
      for (const f of fresh) uploaded.add(f);
    };
    /** Uploads and publishes what ffmpeg has closed since the last look, a batch at a time until it is complete. */
    const progress = async (closedVideo: SegmentRecord[], closedAudio: SegmentRecord[], complete: boolean) => {
      // The remux runs at disk speed (a minute of 1080p in half a second), so by the first look ffmpeg may have closed
      // many segments: the first publish takes one, so that the first viewer waits for one upload, not for dozens.
      const batch = published.video === 0 ? 1 : NEXT_BATCH;
      const video = complete ? closedVideo : closedVideo.slice(0, published.video + batch);
      const audio = complete ? closedAudio : closedAudio.slice(0, published.audio + batch);
      if (video.length === 0 || (copyAudio && audio.length === 0)) return;
      if (!complete && video.length <= published.video && audio.length <= published.audio) return;
      hops.mark("firstSegments");
      const files = [names.init(top.name), ...video.map((s) => s.uri)];
      if (copyAudio) files.push(names.audioInit, ...audio.map((s) => s.uri));
      await upload(files);
      hops.mark("uploaded");
      const codecs = avcCodecString(await readFile(join(work.dir, names.init(top.name)))) ?? top.codecs;
      const out = await publishRemux(deps, plan, { video, audio, codecs }, complete);
      published = { video: video.length, audio: audio.length };
      if (!out.first) return;
      hops.mark("playlists");
      await deps.emit(playableEvent(vid, out.renditions));
      hops.mark("playableSent");
      await from?.published?.();
      // One line per video: where the time to first playable went (docs/performance.md reads these).
      const startedAt = new Date(hops.startedAt).toISOString();
      deps.log.info({ videoId: vid, deliveredMs: hops.delivered, startedAt, hopsMs: hops.marks, segments: video.length }, "first playable");
    };
    try {
      const started = Date.now();
      let running = true;
      // Not niced like the encodes: it is what the first viewer waits for, and it costs little CPU (no decode).
      const run = deps.ffmpeg(remuxCommand(plan, src.url, work.dir), { mediaSeconds: plan.probe.duration, signal: lost, niceness: 0 });
      hops.mark("remuxStarted");
      const stop = () => {
        running = false;
      };
      run.then(stop, stop);
      const watching = (async () => {
        while (running && !lost.aborted) {
          try {
            const video = await closedSegments(work.dir, names.mediaPlaylist(top.name));
            const audio = copyAudio ? withoutTrailingFrame(await closedSegments(work.dir, names.audioPlaylist)) : [];
            await progress(video, audio, false);
          } catch (err) {
            // Nothing is lost: the end of the run uploads and publishes everything again.
            deps.log.warn({ err, videoId: vid }, "remux: partial publish failed");
          }
          await new Promise((r) => setTimeout(r, WATCH_MS));
        }
      })();
      try {
        await run;
      } finally {
        await watching;
      }
      deps.metrics?.transcodeSpeed("remux", (Date.now() - started) / 1000, plan.probe.duration);
      const video = await producedSegments(work.dir, names.mediaPlaylist(top.name));
      const audio = copyAudio ? withoutTrailingFrame(await producedSegments(work.dir, names.audioPlaylist)) : [];
      checkCuts(deps, plan, video);
      await progress(video, audio, true);
      const codecs = avcCodecString(await readFile(join(work.dir, names.init(top.name)))) ?? top.codecs;
      const manifest: RemuxManifest = { segments: video, codecs };
      await deps.store.putText(remuxKey(vid), JSON.stringify(manifest));
      const audioManifest: AudioManifest = { segments: audio };
      // Written last: its existence means the top rung and the audio are complete.
      await deps.store.putText(jobKeys.done(vid, "audio"), JSON.stringify(audioManifest));
      await deps.state.markDone(vid, "audio").catch(() => undefined);
      deps.log.info({ videoId: vid, segments: video.length, wall: (Date.now() - started) / 1000 }, "remux done");
    } finally {
      await work.cleanup();
    }
  });
  return afterJob(deps, plan);
}

/** The encoded rungs are cut where the plan says; a remux cut elsewhere would make switching glitch, so it is reported. */
function checkCuts(deps: Deps, plan: Plan, video: readonly SegmentRecord[]): void {
  const planned = cutDurations(plan.passthrough?.cuts ?? [], plan.probe.duration);
  // The last segment ends where the stream ends, which the container's duration only approximates.
  const off = video.slice(0, -1).findIndex((s, i) => !(Math.abs(s.duration - (planned[i] ?? Number.NaN)) <= 0.002));
  if (off >= 0 || video.length !== planned.length) {
    deps.log.error(
      { videoId: plan.videoId, segment: off, got: video.length, planned: planned.length },
      "remux cut the video off the planned cuts",
    );
  }
}

/** The segments ffmpeg's EVENT playlist names so far: each is complete, as ffmpeg names a segment once it is closed. */
async function closedSegments(dir: string, playlist: string): Promise<SegmentRecord[]> {
  const text = await readFile(join(dir, playlist), "utf8").catch(() => null);
  if (text === null) return [];
  const out: SegmentRecord[] = [];
  for (const s of readMediaPlaylist(text).segments)
    out.push({ uri: s.uri, duration: s.duration, bytes: (await stat(join(dir, s.uri))).size });
  return out;
}
