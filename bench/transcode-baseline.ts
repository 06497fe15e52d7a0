import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Rung } from "../lib/media/index.js";
import { cpu, run, SSIM_SECONDS } from "./transcode-ours.js";

// The baseline side of `npm run bench:transcode`: PeerTube's one ffmpeg process per rung, and the SSIM measure.

/** PeerTube's default VOD profile, per rung in its own process: veryfast, 2 s GOP, maxrate cap, bufsize 2× cap. */
export function baselineArgs(src: string, r: Rung, out: string): string[] {
  const fps = r.fps.num / r.fps.den;
  return [
    "-v",
    "error",
    "-y",
    "-i",
    src,
    "-an",
    "-vf",
    `fps=${r.fps.num}/${r.fps.den},scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p`,
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-profile:v",
    "high",
    "-maxrate",
    String(r.maxrate),
    "-bufsize",
    String(r.maxrate * 2),
    // PeerTube: b-strategy 1 with up to 16 B-frames, a keyframe every 2 s.
    "-b_strategy",
    "1",
    "-bf",
    "16",
    "-g",
    String(Math.round(fps * 2)),
    "-f",
    "hls",
    "-hls_time",
    "4",
    "-hls_playlist_type",
    "vod",
    "-hls_segment_type",
    "fmp4",
    "-hls_segment_filename",
    join(out, `${r.name}_%05d.m4s`),
    "-hls_fmp4_init_filename",
    `${r.name}_init.mp4`,
    join(out, `${r.name}.m3u8`),
  ];
}

export async function runBaseline(src: string, rungs: readonly Rung[], out: string): Promise<{ cpu: number; wall: number }> {
  mkdirSync(out, { recursive: true });
  const c0 = cpu();
  const t0 = Date.now();
  const jobs = [
    ...rungs.map((r) => baselineArgs(src, r, out)),
    [
      "-v",
      "error",
      "-y",
      "-i",
      src,
      "-vn",
      "-c:a",
      "aac",
      "-b:a",
      "128k",
      "-ac",
      "2",
      "-f",
      "hls",
      "-hls_time",
      "4",
      "-hls_segment_type",
      "fmp4",
      "-hls_fmp4_init_filename",
      "audio_init.mp4",
      "-hls_segment_filename",
      join(out, "audio_%05d.m4s"),
      join(out, "audio.m3u8"),
    ],
  ];
  // Two at a time, like a two-core PeerTube with transcoding concurrency 2.
  const queue = [...jobs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let a = queue.shift(); a; a = queue.shift()) await run("ffmpeg", a, { maxBuffer: 1 << 24 });
    }),
  );
  const c1 = cpu();
  return { cpu: c1.children - c0.children, wall: (Date.now() - t0) / 1000 };
}

/** SSIM (All) of a rendition against the source scaled to the rendition, over the first SSIM_SECONDS. */
export async function ssim(rendition: string, src: string, r: Rung): Promise<number> {
  const { stderr } = await run(
    "ffmpeg",
    [
      "-v",
      "info",
      "-nostats",
      "-protocol_whitelist",
      "file",
      "-t",
      String(SSIM_SECONDS),
      "-i",
      rendition,
      "-t",
      String(SSIM_SECONDS),
      "-i",
      src,
      "-lavfi",
      `[1:v]fps=${r.fps.num}/${r.fps.den},scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p[ref];[0:v]format=yuv420p[d];[d][ref]ssim`,
      "-f",
      "null",
      "-",
    ],
    { maxBuffer: 1 << 24 },
  );
  const m = /SSIM .* All:([\d.]+)/.exec(stderr);
  if (!m) throw new Error(`no SSIM in ffmpeg output:\n${stderr.slice(-800)}`);
  return Number(m[1]);
}
