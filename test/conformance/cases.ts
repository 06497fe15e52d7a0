/**
 * The conformance cases: tiny sources generated with ffmpeg's lavfi at test time, each exercising one shape of the
 * transcode (orientation, channel layout, chunking, variable frame rate, sound alone). The stack runs with 2 s segments and 4 s
 * chunks (STACK_ENV), so a 3.5 or 4 s source is one chunk and the 9 s one is three (2 s first, then 4 s, then 3 s).
 * The 4 s landscape source ends on a segment boundary, where the AAC priming leaves one audio frame over.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Short segments and chunks keep every source tiny while still exercising chunk joins. */
export const STACK_ENV = { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "4", FIRST_CHUNK_SECONDS: "2", CHUNK_PARALLELISM: "1" };

/** Where the landscape source flashes white and beeps at once: the A/V offset is measured on this marker. */
export const MARKER_SECONDS = 0.5;

export interface Case {
  readonly name: string;
  readonly file: string;
  /** Audio channels of the source. */
  readonly channels: number;
  /** ffmpeg arguments after the inputs, before the output file. */
  readonly args: readonly string[];
  readonly inputs: readonly string[];
}

const x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
const aac = ["-c:a", "aac", "-b:a", "96k"];
const tone = (seconds: number) => ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`];

export const CASES: readonly Case[] = [
  {
    name: "landscape",
    file: "landscape.mp4",
    channels: 2,
    // Bars with a white flash and a 1 kHz beep together at MARKER_SECONDS, silence and bars otherwise.
    inputs: [
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=640x360:rate=25:duration=4",
      "-f",
      "lavfi",
      "-i",
      `aevalsrc=if(between(t\\,${MARKER_SECONDS}\\,${MARKER_SECONDS + 0.1})\\,sin(2*PI*1000*t)\\,0)|if(between(t\\,${MARKER_SECONDS}\\,${MARKER_SECONDS + 0.1})\\,sin(2*PI*1000*t)\\,0):s=48000:d=4`,
    ],
    args: ["-vf", `drawbox=c=white:t=fill:enable='between(t,${MARKER_SECONDS},${MARKER_SECONDS + 0.039})'`, ...x264, ...aac],
  },
  {
    name: "portrait",
    file: "portrait.mp4",
    channels: 2,
    inputs: ["-f", "lavfi", "-i", "testsrc2=size=360x640:rate=30:duration=3.5", ...tone(3.5)],
    args: [...x264, ...aac],
  },
  {
    name: "5.1",
    file: "surround.mp4",
    channels: 6,
    // A different pitch in each of the six channels, so a wrong mapping is audible and measurable.
    inputs: [
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=640x360:rate=25:duration=3.5",
      "-f",
      "lavfi",
      "-i",
      "aevalsrc=sin(2*PI*300*t)|sin(2*PI*400*t)|sin(2*PI*500*t)|0.5*sin(2*PI*60*t)|sin(2*PI*600*t)|sin(2*PI*700*t):s=48000:d=3.5:c=5.1",
    ],
    args: [...x264, "-c:a", "aac", "-b:a", "256k", "-channel_layout", "5.1"],
  },
  {
    name: "chunked",
    file: "chunked.mp4",
    channels: 2,
    inputs: ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=9", ...tone(9)],
    // A keyframe every 2 s, as phones export: remuxed, it is cut into 2 s segments and three chunks. With x264's
    // default GOP (10 s) it would be one segment and one chunk, and test no join.
    args: [...x264, "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", ...aac],
  },
  {
    name: "audio",
    file: "audio.m4a",
    channels: 2,
    // Sound alone (a podcast, music): one audio-only variant, with a waveform poster.
    inputs: [
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000:duration=5",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=660:sample_rate=48000:duration=5",
    ],
    args: ["-filter_complex", "[0:a][1:a]join=inputs=2:channel_layout=stereo", ...aac],
  },
  {
    name: "vfr",
    file: "vfr.mkv",
    channels: 2,
    // 30 fps with three frames of every ten dropped, kept as variable frame rate in Matroska.
    inputs: ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=3.5", ...tone(3.5)],
    args: ["-vf", "select='not(between(mod(n\\,10)\\,3\\,5))'", "-fps_mode", "vfr", ...x264, ...aac],
  },
];

/** Writes a case's source into `dir` and returns its path. */
export async function makeSource(c: Case, dir: string): Promise<string> {
  const out = join(dir, c.file);
  await run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...c.inputs, ...c.args, "-shortest", out]);
  return out;
}

/** Each stream's duration in a file, seconds, as ffprobe reads it after decoding the packets' timestamps. */
export async function streamDurations(file: string): Promise<{ video: number; audio: number }> {
  const { stdout } = await run(
    "ffprobe",
    ["-v", "error", "-show_entries", "packet=pts_time,duration_time,codec_type", "-of", "csv=p=0", file],
    { maxBuffer: 64 << 20 },
  );
  const span: Record<string, [number, number]> = {};
  for (const line of stdout.trim().split("\n")) {
    const [type, pts, dur] = line.split(",");
    const start = Number(pts);
    const end = start + Number(dur || 0);
    const s = (span[type!] ??= [start, end]);
    s[0] = Math.min(s[0], start);
    s[1] = Math.max(s[1], end);
  }
  const d = (t: string) => (span[t] ? span[t][1] - span[t][0] : 0);
  return { video: d("video"), audio: d("audio") };
}
