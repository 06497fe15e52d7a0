import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Rung } from "../lib/media/ladder.js";

const run = promisify(execFile);
/** Quality is measured on the first half minute: decoding the source once per rung and side is the bench's own big cost. */
export const QUALITY_SECONDS = 30;

function childCpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) / 100;
}

/** PeerTube's default VOD profile, per rung in its own process: veryfast, 2 s GOP, maxrate cap, bufsize 2× cap. */
function baselineArgs(src: string, r: Rung, out: string): string[] {
  const fps = r.fps.num / r.fps.den;
  return [
    ...[
      "-v",
      "error",
      "-y",
      "-i",
      src,
      "-an",
      "-vf",
      `fps=${r.fps.num}/${r.fps.den},scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p`,
    ],
    ...["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-maxrate", String(r.maxrate), "-bufsize", String(r.maxrate * 2)],
    // PeerTube: b-strategy 1 with up to 16 B-frames, a keyframe every 2 s.
    ...["-b_strategy", "1", "-bf", "16", "-g", String(Math.round(fps * 2))],
    ...["-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4"],
    ...[
      "-hls_segment_filename",
      join(out, `${r.name}_%05d.m4s`),
      "-hls_fmp4_init_filename",
      `${r.name}_init.mp4`,
      join(out, `${r.name}.m3u8`),
    ],
  ];
}

/** The baseline's ladder and audio, two processes at a time (a two-core PeerTube with transcoding concurrency 2). */
export async function runBaseline(src: string, rungs: readonly Rung[], out: string): Promise<{ cpu: number; wall: number }> {
  mkdirSync(out, { recursive: true });
  const c0 = childCpu();
  const t0 = Date.now();
  const audio = ["-v", "error", "-y", "-i", src, "-vn", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "hls", "-hls_time", "4"];
  audio.push(
    "-hls_segment_type",
    "fmp4",
    "-hls_fmp4_init_filename",
    "audio_init.mp4",
    "-hls_segment_filename",
    join(out, "audio_%05d.m4s"),
  );
  const queue = [...rungs.map((r) => baselineArgs(src, r, out)), [...audio, join(out, "audio.m3u8")]];
  await Promise.all(
    [0, 1].map(async () => {
      for (let a = queue.shift(); a; a = queue.shift()) await run("ffmpeg", a, { maxBuffer: 1 << 24 });
    }),
  );
  return { cpu: childCpu() - c0, wall: (Date.now() - t0) / 1000 };
}

/** SSIM (All) and PSNR (average) of a rendition against the source scaled (bicubic) to the rendition, first QUALITY_SECONDS. */
export async function ssim(rendition: string, src: string, r: Rung): Promise<{ ssim: number; psnr: number }> {
  const ref = `[1:v]fps=${r.fps.num}/${r.fps.den},scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p,split[r1][r2]`;
  const { stderr } = await run(
    "ffmpeg",
    [
      ...[
        "-v",
        "info",
        "-nostats",
        "-protocol_whitelist",
        "file",
        "-t",
        String(QUALITY_SECONDS),
        "-i",
        rendition,
        "-t",
        String(QUALITY_SECONDS),
        "-i",
        src,
      ],
      ...["-lavfi", `${ref};[0:v]format=yuv420p,split[d1][d2];[d1][r1]ssim;[d2][r2]psnr`, "-f", "null", "-"],
    ],
    { maxBuffer: 1 << 24 },
  );
  const s = /SSIM .* All:([\d.]+)/.exec(stderr);
  const p = /PSNR .* average:([\d.]+|inf)/.exec(stderr);
  if (!s || !p) throw new Error(`no SSIM/PSNR in ffmpeg output:\n${stderr.slice(-800)}`);
  return { ssim: Number(s[1]), psnr: p[1] === "inf" ? 99 : Number(p[1]) };
}
