import { type FfmpegCommand, hlsMuxer, names, STRIP } from "./ffmpeg-args.js";
import type { Plan } from "./plan.js";
import { pinnedInput } from "./source-input.js";

/**
 * The passthrough run of a standard source: its video stream copied as the top rung and, when it is AAC-LC stereo, its
 * audio copied as the audio rendition, both as fMP4 HLS. Nothing is decoded, so it runs at disk speed (a minute of
 * 8 Mb/s 1080p in about a second here) and the first segments exist a fraction of a second after it starts.
 * The hls muxer cuts the video at the first keyframe at least `segmentSeconds` past the previous cut (the cuts
 * lib/media/cuts.ts models, and where the encoded rungs get their keyframes). Same timestamps as the chunk runs
 * (-copyts, negative decode times kept, absolute tfdt), so the rungs line up. EVENT playlists: ffmpeg rewrites them
 * after each closed segment, which the remux step watches to publish segment by segment.
 * `src` is a path or the upload's presigned URL: ffmpeg then reads it with range requests (moov first, wherever it is),
 * allowed only the protocols that URL needs, with the demuxer pinned. Pure.
 */
export function remuxCommand(plan: Plan, src: string, dir: string): FfmpegCommand {
  const top = plan.rungs[0]!;
  const audio = plan.passthrough?.audio === "copy" ? plan.probe.audio : null;
  const outputs = [
    {
      path: `${dir}/${names.mediaPlaylist(top.name)}`,
      options: [
        "-map",
        "0:v:0",
        "-c:v",
        "copy",
        "-an",
        "-sn",
        "-dn",
        ...STRIP,
        ...hlsMuxer(plan.segmentSeconds, names.init(top.name), `${dir}/${names.segmentPattern(top.name, 0)}`, "event"),
      ],
    },
  ];
  if (audio) {
    outputs.push({
      path: `${dir}/${names.audioPlaylist}`,
      options: [
        "-map",
        `0:${audio.index}`,
        "-c:a",
        "copy",
        "-vn",
        "-sn",
        "-dn",
        ...STRIP,
        ...hlsMuxer(plan.segmentSeconds, names.audioInit, `${dir}/${names.audioSegmentPattern}`, "event"),
        // Overrides the muxer's "disabled" (the last one wins): copied AAC starts with its priming packet 21 ms before 0,
        // whose negative tfdt the unsigned field wraps to 2^64-1024; hls.js then stalls an EVENT (growing) playlist after
        // its first audio segment (checked in Chromium). Shifted to 0, the priming plays first, as issue 13 does for
        // the encoded audio.
        "-avoid_negative_ts",
        "make_zero",
      ],
    });
  }
  return { input: { path: src, options: ["-nostdin", ...pinnedInput(src, plan.probe.demuxer), "-copyts", "-start_at_zero"] }, outputs };
}
