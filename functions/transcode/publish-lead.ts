import type { Rendition } from "../../lib/contracts/video.js";
import { AUDIO_BITRATE, AUDIO_CHANNELS, AUDIO_CODECS, names } from "../../lib/media/ffmpeg-args.js";
import { leadRungs } from "../../lib/media/lead.js";
import type { Plan } from "../../lib/media/plan.js";
import { measureBandwidth, segmentsUntil, writeMasterPlaylist, writeMediaPlaylist, type Variant } from "../../lib/media/playlist.js";
import { streamPrefix } from "../../lib/runtime/ids.js";
import type { Deps } from "./deps.js";
import { jobKeys, readJson, underLock, type AudioManifest, type SegmentRecord } from "./work.js";

/**
 * What the lead job (steps/lead.ts) has uploaded so far, from the start: per lead rung its segments, all rungs the same
 * count. Rewritten only when it grows, so it never names fewer segments than a reader saw.
 */
export interface LeadProgress {
  readonly segments: number;
  readonly rungs: Readonly<Record<string, readonly SegmentRecord[]>>;
  readonly codecs: Readonly<Record<string, string>>;
}
export const leadPartialKey = (videoId: string) => `${jobKeys.prefix(videoId)}lead-partial.json`;

/** One AAC frame at 48 kHz: an audio segment boundary may fall this far short of the video's. */
const AAC_FRAME_SECONDS = 1024 / 48_000;

/**
 * Publishes an encoded source's lead rungs and its audio as far as both go, segment by segment, under the video's
 * publish lock: a lead segment is named once the audio reaches its end, and the audio playlist goes as far as the video
 * (so neither runs ahead of the other). EVENT playlists; the master, written once, names the lead rungs alone: they
 * are the only rungs playable from the start at the pace a viewer plays. The final publish (publish.ts) rewrites
 * every playlist as VOD with the whole ladder. Returns whether this call wrote the master (the video just became
 * playable) and the renditions it names.
 */
export async function publishLead(deps: Deps, plan: Plan): Promise<{ first: boolean; renditions: Rendition[] }> {
  const vid = plan.videoId;
  const none = { first: false, renditions: [] };
  const result = await underLock(
    deps,
    vid,
    "publish",
    async () => false,
    async () => {
      if (await deps.store.exists(jobKeys.ready(vid))) return none;
      const lead = await readJson<LeadProgress>(deps, leadPartialKey(vid));
      if (!lead) return none;
      const rungs = leadRungs(plan);
      const prefix = streamPrefix(vid);
      // The final publish ran (the ready marker comes later, in finalize): its VOD playlists are the last word. The
      // published counter cannot tell, as the final publish counts chunks there, fewer than the lead's segments.
      if ((await deps.store.getText(prefix + names.mediaPlaylist(rungs[0]!.name)))?.includes("#EXT-X-ENDLIST")) return none;
      let audio: AudioManifest | null = null;
      let audioSeconds = Number.POSITIVE_INFINITY;
      if (plan.probe.audio) {
        audio = await readJson<AudioManifest>(deps, jobKeys.done(vid, "audio"));
        if (!audio) {
          audio = await readJson<AudioManifest>(deps, jobKeys.audioPartial(vid));
          if (!audio) return none;
          audioSeconds = audio.segments.reduce((t, s) => t + s.duration, 0);
        }
      }
      const ref = lead.rungs[rungs[0]!.name] ?? [];
      let n = 0;
      for (let end = 0; n < ref.length; n++) {
        end += ref[n]!.duration;
        if (end > audioSeconds + AAC_FRAME_SECONDS) break;
      }
      const before = await deps.state.published(vid).catch(() => 0);
      if (n === 0 || n <= before) return none;

      const videoSeconds = ref.slice(0, n).reduce((t, s) => t + s.duration, 0);
      const audioSegments = audio ? segmentsUntil(audio.segments, videoSeconds) : [];
      const audioRate = audio ? Math.max(AUDIO_BITRATE, measureBandwidth(audioSegments).peak) : 0;
      const variants: Variant[] = [];
      const renditions: Rendition[] = [];
      for (const r of rungs) {
        const segments = (lead.rungs[r.name] ?? []).slice(0, n);
        await deps.store.putText(
          prefix + names.mediaPlaylist(r.name),
          writeMediaPlaylist({ type: "EVENT", map: names.init(r.name), segmentSeconds: plan.segmentSeconds, segments }),
        );
        const m = measureBandwidth(segments);
        const codecs = lead.codecs[r.name] ?? r.codecs;
        const v: Variant = {
          uri: names.mediaPlaylist(r.name),
          // Later segments may peak higher than the ones measured so far: at least the rung's cap until the end.
          bandwidth: Math.max(m.peak, r.maxrate) + audioRate,
          averageBandwidth: m.average + (audio ? AUDIO_BITRATE : 0),
          codecs: audio ? `${codecs},${AUDIO_CODECS}` : codecs,
          width: r.width,
          height: r.height,
          frameRate: r.fps.num / r.fps.den,
        };
        variants.push(v);
        renditions.push({ width: r.width, height: r.height, bandwidth: v.bandwidth, codecs: v.codecs });
      }
      if (audio) {
        await deps.store.putText(
          prefix + names.audioPlaylist,
          writeMediaPlaylist({ type: "EVENT", map: names.audioInit, segmentSeconds: plan.segmentSeconds, segments: audioSegments }),
        );
      }
      const first = before === 0 && !(await deps.store.exists(prefix + names.master));
      if (first) {
        // The storyboard fills in as the chunks finish (publish.ts); until then an empty track, so the player has one.
        if (!(await deps.store.exists(prefix + names.thumbnails))) await deps.store.putText(prefix + names.thumbnails, "WEBVTT\n");
        const group = audio ? { uri: names.audioPlaylist, groupId: "audio", name: "Audio", channels: AUDIO_CHANNELS } : null;
        await deps.store.putText(prefix + names.master, writeMasterPlaylist(variants, group));
      }
      await deps.state.setPublished(vid, n).catch(() => undefined);
      return { first, renditions };
    },
  );
  return result === "done" ? none : result;
}
