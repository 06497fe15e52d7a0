import { type FfmpegCommand, names, safeInput, STRIP } from "./ffmpeg-args.js";
import { even } from "./ladder.js";
import type { Plan } from "./plan.js";
import type { Segment } from "./playlist.js";
import { spriteName, vttTime, WAVEFORM_GRID } from "./thumbnails.js";

/**
 * The pictures of an audio-only stream: a waveform poster (the size of a 720p video's poster, so cards and the player
 * lay it out like any other) and a waveform strip for the scrub preview, whose thumbnails track shows the stretch of
 * the strip around each segment.
 */
export const WAVEFORM_POSTER = { width: 1280, height: 720 } as const;
/** Strip pixels per segment: a preview window (160 px) then spans four segments around the pointer. */
const STRIP_PX_PER_SEGMENT = 40;
/** Strip width bounds: narrow clips still fill a preview; long ones stay far below JPEG's 65,535 px limit. */
const STRIP_MIN = 640;
const STRIP_MAX = 16_000;
/**
 * showwavespic keeps every audio frame until the end of the stream (ffmpeg 5.1), so the sound is first reduced to
 * mono at 8 kHz: an hour is then about 58 MB in memory instead of 1.4 GB of 48 kHz stereo float.
 */
const WAVEFORM_RATE = 8000;
/** The site's accent blue; `sqrt` scale makes quiet speech visible next to loud music, `full` fills each column. */
const WAVE_STYLE = "colors=0x6ea8fe:scale=sqrt:draw=full:split_channels=0";

/** Width of the waveform strip for a source of `duration` seconds cut in `segmentSeconds` segments. Pure. */
export function stripWidth(duration: number, segmentSeconds: number): number {
  const segments = Math.max(1, Math.ceil(duration / segmentSeconds - 1e-6));
  return Math.min(STRIP_MAX, Math.max(STRIP_MIN, even(segments * STRIP_PX_PER_SEGMENT)));
}

/** One decode of the sound drawn twice: the poster and the strip (the first sprite's name, like a video's). Pure. */
export function waveformCommand(plan: Plan, src: string, dir: string): FfmpegCommand {
  const audio = plan.probe.audio;
  if (!audio) throw new Error("waveformCommand: the source has no audio");
  const { width, height } = WAVEFORM_POSTER;
  const strip = stripWidth(plan.probe.duration, plan.segmentSeconds);
  const graph = [
    `[0:${audio.index}]aresample=${WAVEFORM_RATE},aformat=sample_fmts=s16:channel_layouts=mono,asplit=2[p][s]`,
    `[p]showwavespic=s=${width}x${height}:${WAVE_STYLE}[poster]`,
    `[s]showwavespic=s=${strip}x${WAVEFORM_GRID.tileHeight}:${WAVE_STYLE}[strip]`,
  ];
  const picture = (label: string, q: number) => [
    "-map",
    label,
    ...STRIP,
    "-frames:v",
    "1",
    "-c:v",
    "mjpeg",
    "-q:v",
    String(q),
    "-f",
    "image2",
    "-update",
    "1",
  ];
  return {
    input: { path: src, options: ["-nostdin", ...safeInput(plan.probe.demuxer)] },
    filterComplex: graph.join(";"),
    outputs: [
      { path: `${dir}/${spriteName(0)}`, options: picture("[strip]", 5) },
      { path: `${dir}/${names.poster}`, options: picture("[poster]", 3) },
    ],
  };
}

/**
 * The thumbnails track of an audio-only stream: one cue per segment, showing the strip's window centred on the
 * segment's middle (clamped to the strip), in the `#xywh=` convention of the video storyboard. Pure.
 */
export function waveformVtt(duration: number, segmentSeconds: number, segments: readonly Segment[]): string {
  const strip = stripWidth(duration, segmentSeconds);
  const { tileWidth: w, tileHeight: h } = WAVEFORM_GRID;
  const lines = ["WEBVTT", ""];
  let t = 0;
  for (const s of segments) {
    const middle = ((t + s.duration / 2) / duration) * strip;
    const x = Math.round(Math.min(strip - w, Math.max(0, middle - w / 2)));
    lines.push(`${vttTime(t)} --> ${vttTime(t + s.duration)}`, `${spriteName(0)}#xywh=${x},0,${w},${h}`, "");
    t += s.duration;
  }
  return lines.join("\n");
}
