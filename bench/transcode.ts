/**
 * `npm run bench:transcode`: the ladder's cost and quality against the PeerTube-style baseline (issue 15, item 3), in
 * one run on the same 60 s 1080p30 stream:
 *  - the baseline: one ffmpeg per rung (and one for audio), two at a time;
 *  - ours on a standard source (MP4: top rung remuxed, the rest encoded from one decode per chunk);
 *  - ours on the same stream made non-standard (MPEG-TS, which the standard check refuses: every rung encoded).
 * CPU-seconds (this process and every ffmpeg it waited for, /proc) and wall seconds per side with their ratios, and
 * SSIM, PSNR and bitrate of every rung against the source scaled to the rung. Writes the "Ladder cost and quality"
 * section of docs/performance.md (transcode markers), its chart, and .estrena/bench/transcode.json.
 * `--render` rewrites the section from the last JSON. bench:instant measures first playable and does not repeat this.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { planLadder } from "../lib/media/ladder.js";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";
import { runBaseline, ssim } from "./instant-baseline.js";
import { runOurs, startServices } from "./instant-run.js";
import { type LadderResult, type Side, writeDoc } from "./transcode-doc.js";

const run = promisify(execFile);
const BENCH_DIR = join(REPO_ROOT, ".estrena", "bench");
const JSON_OUT = join(BENCH_DIR, "transcode.json");
const SECONDS = 60;

/** The standard source (shared with bench:instant, same name and recipe): H.264 High, keyframe every 2 s, ≤ 6 Mb/s. */
async function sources(): Promise<{ std: string; nonstd: string }> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const std = join(BENCH_DIR, "instant-std-60s.mp4");
  if (!existsSync(std)) {
    process.stdout.write("generating the 60 s 1080p30 source (once)\n");
    const video = "testsrc2=size=1920x1080:rate=30,noise=alls=2:allf=t";
    await run("ffmpeg", [
      ...["-v", "error", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=48000"],
      ...["-t", String(SECONDS), "-c:v", "libx264", "-preset", "superfast", "-crf", "21", "-maxrate", "6M", "-bufsize", "12M"],
      ...["-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart"],
      `${std}.part.mp4`,
    ]);
    await run("mv", [`${std}.part.mp4`, std]);
  }
  // The same stream in MPEG-TS: not a standard container, so every rung is encoded.
  const nonstd = join(BENCH_DIR, "instant-nonstd-60s.ts");
  if (!existsSync(nonstd)) {
    await run("ffmpeg", ["-v", "error", "-y", "-i", std, "-c", "copy", "-f", "mpegts", `${nonstd}.part`]);
    await run("mv", [`${nonstd}.part`, nonstd]);
  }
  return { std, nonstd };
}

/** Average bitrate of a rung's media segments in a folder, kb/s. */
function kbps(dir: string, rung: string): number {
  const bytes = readdirSync(dir)
    .filter((f) => f.startsWith(`${rung}_`) && f.endsWith(".m4s"))
    .reduce((t, f) => t + statSync(join(dir, f)).size, 0);
  return Math.round((bytes * 8) / 1000 / SECONDS);
}

async function main(): Promise<void> {
  const { std, nonstd } = await sources();
  const rungs = planLadder(1920, 1080, { num: 30, den: 1 });
  const dir = join(BENCH_DIR, `transcode-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const quality = async (folder: string) => {
    const out = [];
    // Against the MP4 either way: the same stream, and MPEG-TS timestamps start 1.4 s in, which would pair wrong frames.
    for (const r of rungs) out.push({ rung: r.name, ...(await ssim(join(folder, `${r.name}.m3u8`), std, r)), kbps: kbps(folder, r.name) });
    return out;
  };
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0]!;
  const sides: Side[] = [];
  try {
    process.stdout.write("baseline: one ffmpeg per rung, two at a time\n");
    const base = await runBaseline(std, rungs, join(dir, "baseline"));
    sides.push({
      label: "baseline (PeerTube style)",
      ladder: "5 encoded, one process per rung",
      ...base,
      load: load(),
      rungs: await quality(join(dir, "baseline")),
    });
    process.stdout.write(`  ${JSON.stringify(sides.at(-1))}\n`);
    const services = await startServices(dir);
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void services.stop().finally(() => process.exit(130)));
    try {
      for (const [label, path] of [
        ["ours, standard (MP4)", std],
        ["ours, non-standard (same stream in MPEG-TS)", nonstd],
      ] as const) {
        process.stdout.write(`${label}\n`);
        const o = await runOurs(services, path, `ladder/${Date.now()}`, { viewSeconds: 0, full: true });
        const folder = join(dir, `ours-${sides.length}`);
        await services.download(o.videoId, folder);
        const ladder = o.standard ? `remux + ${rungs.length - 1} encoded` : `${rungs.length} encoded`;
        sides.push({ label, ladder, cpu: o.cpu, wall: o.wall, load: load(), rungs: await quality(folder) });
        process.stdout.write(`  ${JSON.stringify(sides.at(-1))}\n`);
      }
    } finally {
      await services.stop();
    }
    const result: LadderResult = {
      date: new Date().toISOString(),
      load: readFileSync("/proc/loadavg", "utf8").trim(),
      seconds: SECONDS,
      sides,
    };
    writeFileSync(JSON_OUT, JSON.stringify(result, null, 2));
    writeDoc(result);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

(process.argv.includes("--render") ? Promise.resolve(writeDoc(JSON.parse(readFileSync(JSON_OUT, "utf8")) as LadderResult)) : main()).catch(
  (err: unknown) => {
    process.stderr.write(`bench:transcode failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
