import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import { estrenaEvent } from "../../lib/contracts/events.js";
import type { Rendition } from "../../lib/contracts/video.js";
import { AUDIO_BITRATE, AUDIO_CODECS, names } from "../../lib/media/ffmpeg-args.js";
import type { Plan } from "../../lib/media/plan.js";
import { measureBandwidth, type Segment, writeMasterPlaylist, writeMediaPlaylist, type Variant } from "../../lib/media/playlist.js";
import { waveformVtt } from "../../lib/media/waveform.js";
import { streamPrefix } from "../../lib/runtime/ids.js";
import type { Deps } from "./deps.js";
import type { Published } from "./publish.js";
import { doneJobs, jobKeys, readJson, underLock, type AudioManifest } from "./work.js";

/**
 * An audio-only upload has no chunks to count: its progress is the share of the sound published, sent as
 * `video.progress` when it rises (the studio's bar; the card says "playable now" from the first segment).
 */
async function reportProgress(deps: Deps, plan: Plan, segments: readonly Segment[]): Promise<void> {
  const seconds = segments.reduce((t, s) => t + s.duration, 0);
  const progress = Math.min(0.99, Math.round((seconds / plan.probe.duration) * 1000) / 1000);
  if (!(await deps.state.raiseProgress(plan.videoId, progress).catch(() => false))) return;
  await deps.emit(estrenaEvent("dev.estrena.video.progress", { videoId: plan.videoId, progress })).catch((err: unknown) => {
    deps.log.warn({ err, videoId: plan.videoId }, "progress event not sent");
  });
}

const NOTHING: Published = { chunks: 0, first: false, renditions: [] };

/**
 * Publishes an audio-only stream (a plan without rungs): its one media playlist is the audio rendition, and the master
 * names it as the only variant, with CODECS="mp4a.40.2" and no RESOLUTION (RFC 8216 4.3.4.2), which hls.js plays as
 * an audio-only level and ffmpeg, GStreamer and VLC read as an audio program. Like a video, it is published while the
 * audio job encodes (an EVENT playlist of the segments uploaded so far, the master written once), then as VOD with
 * measured bandwidths at the end. The thumbnails track follows the published segments (windows on the waveform strip).
 * `Published.chunks` stays 0: an audio-only plan has no chunks.
 */
export async function publishAudioOnly(deps: Deps, plan: Plan, final: boolean): Promise<Published> {
  const vid = plan.videoId;
  const result = await underLock(
    deps,
    vid,
    "publish",
    async () => false,
    async (): Promise<Published> => {
      const done = (await doneJobs(deps, vid, 1)).has("audio");
      const audio = await readJson<AudioManifest>(deps, done ? jobKeys.done(vid, "audio") : jobKeys.audioPartial(vid));
      if (final && !(done && audio)) throw new EstrenaError(ErrorCode.Unavailable, "finalize: the audio is not complete", true);
      if (!audio?.segments.length) return NOTHING;
      const before = await deps.state.published(vid).catch(() => 0);
      if (!final && audio.segments.length <= before) return NOTHING;

      const prefix = streamPrefix(vid);
      await deps.store.putText(
        prefix + names.audioPlaylist,
        writeMediaPlaylist({
          type: final ? "VOD" : "EVENT",
          map: names.audioInit,
          segmentSeconds: plan.segmentSeconds,
          segments: audio.segments,
        }),
      );
      await deps.store.putText(prefix + names.thumbnails, waveformVtt(plan.probe.duration, plan.segmentSeconds, audio.segments));
      const rate = measureBandwidth(audio.segments);
      // Before the end only part of the sound is measured: BANDWIDTH is at least the encoder's target.
      const variant: Variant = {
        uri: names.audioPlaylist,
        bandwidth: final ? rate.peak : Math.max(rate.peak, AUDIO_BITRATE),
        averageBandwidth: rate.average || AUDIO_BITRATE,
        codecs: AUDIO_CODECS,
        width: 0,
        height: 0,
        frameRate: 0,
      };
      const first = before === 0 && !(await deps.store.exists(prefix + names.master));
      if (first || final) await deps.store.putText(prefix + names.master, writeMasterPlaylist([variant], null));
      await deps.state.setPublished(vid, audio.segments.length).catch(() => undefined);
      if (!final) await reportProgress(deps, plan, audio.segments);
      const rendition: Rendition = { width: 0, height: 0, bandwidth: variant.bandwidth, codecs: variant.codecs };
      return { chunks: 0, first, renditions: [rendition] };
    },
  );
  return result === "done" ? NOTHING : result;
}
