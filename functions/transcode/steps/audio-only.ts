import type { CloudEvent } from "cloudevents";
import { names } from "../../../lib/media/ffmpeg-args.js";
import { readingFrom } from "../../../lib/media/lead.js";
import type { Plan } from "../../../lib/media/plan.js";
import { spriteName } from "../../../lib/media/thumbnails.js";
import { waveformCommand } from "../../../lib/media/waveform.js";
import { streamPrefix } from "../../../lib/runtime/ids.js";
import type { Deps } from "../deps.js";
import { remoteSource } from "../source.js";
import { underLock } from "../work.js";
import { audioStep } from "./audio.js";
import { scratch, uploadAll } from "./encode.js";

/**
 * The one job of an audio-only upload (m4a, mp3, wav, flac, ogg, or a video file without a picture): draw the waveform
 * poster and the scrub strip first, so the stream has its picture from the moment it plays, then encode and publish
 * the sound as any video's audio rendition is (steps/audio.ts; publish-audio.ts writes its playlists). The drawing is
 * one quick decode (about 0.3 s for 5 s of sound here); a redelivered job finds the poster and skips it.
 */
export async function audioOnlyStep(deps: Deps, plan: Plan): Promise<CloudEvent<unknown> | null> {
  const prefix = streamPrefix(plan.videoId);
  // The poster is uploaded after the strip: its presence means both are there.
  const drawn = () => deps.store.exists(prefix + names.poster);
  await underLock(deps, plan.videoId, "waveform", drawn, async (lost) => {
    // Read in place like the audio itself (a presigned URL, ranged requests): the upload is never downloaded.
    const src = (await remoteSource(deps, plan.source)).url;
    const work = await scratch(deps, plan, "waveform");
    try {
      await deps.ffmpeg(readingFrom(waveformCommand(plan, src, work.dir), src), { mediaSeconds: plan.probe.duration, signal: lost });
      await uploadAll(deps, prefix, work.dir, [spriteName(0)]);
      await uploadAll(deps, prefix, work.dir, [names.poster]);
    } finally {
      await work.cleanup();
    }
  });
  return audioStep(deps, plan);
}
