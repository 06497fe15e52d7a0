/**
 * ffmpeg/ffprobe as a client: decode a media playlist over HTTP to nothing, and read back every decoded frame's
 * timestamp. Also measures the A/V offset on the landscape source's flash-and-beep marker.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Decoded {
  /** Last frame's end minus the first frame's start, seconds. */
  readonly duration: number;
  readonly frames: number;
  /** Timestamps that did not increase, as "a -> b". */
  readonly nonMonotonic: readonly string[];
  /** What ffprobe printed at level "error". */
  readonly errors: string;
}

/** Decodes every frame of one media playlist (a variant or an audio rendition) with ffprobe. */
export async function decode(url: string): Promise<Decoded> {
  const { stdout, stderr } = await run(
    "ffprobe",
    // live_start_index 0: a growing (EVENT) playlist is read from its first segment, not three from its end.
    ["-v", "error", "-live_start_index", "0", "-show_entries", "frame=best_effort_timestamp_time,pkt_duration_time", "-of", "csv=p=0", url],
    // A playlist that never ends would keep ffprobe waiting for segments: bounded, and reported as an error.
    { maxBuffer: 64 << 20, timeout: 60_000, killSignal: "SIGKILL" },
  ).catch((err: { stdout?: string; stderr?: string; message: string }) => ({
    stdout: err.stdout ?? "",
    stderr: err.stderr || err.message,
  }));
  const times: [number, number][] = [];
  for (const line of stdout.split("\n")) {
    const [t, d] = line.split(",");
    if (!t || t === "N/A") continue;
    times.push([Number(t), d && d !== "N/A" ? Number(d) : 0]);
  }
  const nonMonotonic: string[] = [];
  for (let i = 1; i < times.length; i++) if (times[i]![0] <= times[i - 1]![0]) nonMonotonic.push(`${times[i - 1]![0]} -> ${times[i]![0]}`);
  const first = times[0]?.[0] ?? 0;
  const last = times.at(-1);
  return { duration: last ? last[0] + last[1] - first : 0, frames: times.length, nonMonotonic, errors: stderr.trim() };
}

/** Time of the first decoded video frame whose mean luma is near white, seconds, in the stream's own timeline. */
async function flashAt(url: string): Promise<number | null> {
  const { stderr } = await run(
    "ffmpeg",
    [
      "-hide_banner",
      "-nostats",
      "-copyts",
      "-i",
      url,
      "-t",
      "2",
      "-vf",
      "signalstats,metadata=print:key=lavfi.signalstats.YAVG",
      "-f",
      "null",
      "-",
    ],
    { maxBuffer: 64 << 20 },
  );
  let t: number | null = null;
  for (const line of stderr.split("\n")) {
    const frame = /pts_time:([\d.-]+)/.exec(line);
    if (frame) t = Number(frame[1]);
    const y = /YAVG=([\d.]+)/.exec(line);
    if (y && Number(y[1]) > 200 && t !== null) return t;
  }
  return null;
}

/** Time where the audio first stops being silent, seconds, in the stream's own timeline. */
async function beepAt(url: string): Promise<number | null> {
  const { stderr } = await run(
    "ffmpeg",
    ["-hide_banner", "-nostats", "-copyts", "-i", url, "-t", "2", "-af", "silencedetect=n=-40dB:d=0.05", "-f", "null", "-"],
    { maxBuffer: 64 << 20 },
  );
  const end = /silence_end: ([\d.-]+)/.exec(stderr);
  return end ? Number(end[1]) : null;
}

/** Audio marker time minus video marker time, seconds (positive: the sound comes late). */
export async function markerOffset(videoUrl: string, audioUrl: string): Promise<number | null> {
  const [v, a] = await Promise.all([flashAt(videoUrl), beepAt(audioUrl)]);
  return v === null || a === null ? null : a - v;
}
