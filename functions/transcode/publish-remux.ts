import type { Rendition } from "../../lib/contracts/video.js";
import { AUDIO_BITRATE, AUDIO_CHANNELS, AUDIO_CODECS, names } from "../../lib/media/ffmpeg-args.js";
import type { Plan } from "../../lib/media/plan.js";
import { measureBandwidth, writeMasterPlaylist, writeMediaPlaylist } from "../../lib/media/playlist.js";
import { streamPrefix } from "../../lib/runtime/ids.js";
import type { Deps } from "./deps.js";
import { jobKeys, underLock, type SegmentRecord } from "./work.js";

/** The remuxed top rung's segments, for the final publish (written by the remux step when it is complete). */
export interface RemuxManifest {
  readonly segments: readonly SegmentRecord[];
  /** Codec string read from the init segment: the source's own profile and level. */
  readonly codecs: string;
}
export const remuxKey = (videoId: string) => `${jobKeys.prefix(videoId)}remux.json`;

export interface RemuxOutput {
  readonly video: readonly SegmentRecord[];
  readonly audio: readonly SegmentRecord[];
  readonly codecs: string;
}

/**
 * Publishes the remuxed top rung and the copied audio as far as they go, under the video's publish lock: EVENT
 * playlists while the remux runs, VOD ones once it is complete. The master playlist, written once, names only the top
 * rung: a player that switched to a lower rung still being encoded would wait for it. The final publish (publish.ts)
 * rewrites the master with every rung; players that opened the video before keep the top rung, which is complete.
 * TARGETDURATION is the plan's, from the source's keyframes, so it holds while the playlists grow (RFC 8216 6.2.1).
 */
export async function publishRemux(
  deps: Deps,
  plan: Plan,
  out: RemuxOutput,
  complete: boolean,
): Promise<{ first: boolean; renditions: Rendition[] }> {
  const vid = plan.videoId;
  const top = plan.rungs[0]!;
  const target = plan.passthrough?.targetDuration ?? plan.segmentSeconds;
  const prefix = streamPrefix(vid);
  const type = complete ? "VOD" : "EVENT";
  const result = await underLock(
    deps,
    vid,
    "publish",
    async () => false,
    async () => {
      // A final publish already wrote the whole ladder (a redelivered remux after finalize): leave it alone.
      if (await deps.store.exists(jobKeys.ready(vid))) return { first: false, renditions: [] };
      await deps.store.putText(
        prefix + names.mediaPlaylist(top.name),
        writeMediaPlaylist({ type, map: names.init(top.name), segmentSeconds: target, segments: out.video }),
      );
      const audio = out.audio.length > 0;
      if (audio) {
        await deps.store.putText(
          prefix + names.audioPlaylist,
          writeMediaPlaylist({ type, map: names.audioInit, segmentSeconds: target, segments: out.audio }),
        );
      }
      const audioRate = audio ? Math.max(AUDIO_BITRATE, measureBandwidth(out.audio).peak) : 0;
      const video = measureBandwidth(out.video);
      const rendition: Rendition = {
        width: top.width,
        height: top.height,
        // The plan's peak comes from the packet scan of the whole source; the segments so far only bound it from below.
        bandwidth: Math.max(top.maxrate, video.peak) + audioRate,
        codecs: audio ? `${out.codecs},${AUDIO_CODECS}` : out.codecs,
      };
      if (await deps.store.exists(prefix + names.master)) return { first: false, renditions: [rendition] };
      const variant = {
        uri: names.mediaPlaylist(top.name),
        bandwidth: rendition.bandwidth,
        averageBandwidth: (plan.passthrough?.bitRate ?? video.average) + (audio ? AUDIO_BITRATE : 0),
        codecs: rendition.codecs,
        width: top.width,
        height: top.height,
        frameRate: top.fps.num / top.fps.den,
      };
      const group = audio ? { uri: names.audioPlaylist, groupId: "audio", name: "Audio", channels: AUDIO_CHANNELS } : null;
      await deps.store.putText(prefix + names.master, writeMasterPlaylist([variant], group));
      return { first: true, renditions: [rendition] };
    },
  );
  return result === "done" ? { first: false, renditions: [] } : result;
}
