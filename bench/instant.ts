/**
 * `npm run bench:instant`: instant publish (issue 15). In one run, with real MinIO and Redis and the transcode core
 * in-process:
 *  - ours against the PeerTube-style baseline, CPU and wall, SSIM/PSNR per rung, for a standard source and for the
 *    same video made non-standard (the same stream in MPEG-TS, which the standard check refuses);
 *  - upload complete → first playable for 1-, 10- and 60-minute standard sources and a 10-minute non-standard one,
 *    with the steps on the way, and the stalls of a viewer who opens the video in Chromium at that moment;
 *  - the same sources on the real native stack (MinIO notification, ingest, router, transcode, catalogue,
 *    gateway cache), per hop, to the gateway serving the first segment (bench/instant-stack.ts).
 * Flags, to iterate on part of it: --only=1,10,60,ns (sources), --no-compare (reuse the last run's ladder comparison),
 * --no-stack (skip the whole-path runs), --stack-runs=N (whole-path runs per source, 3), --quick (no 60-minute source).
 * Writes the section between the instant markers of docs/performance.md and .estrena/bench/instant.json.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { planLadder } from "../lib/media/ladder.js";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";
import { runBaseline, ssim } from "./instant-baseline.js";
import { writeDoc, type Result } from "./instant-doc.js";
import type { WholePath } from "./instant-stack.js";
import { runOurs, startServices } from "./instant-run.js";
import { wholePath } from "./instant-stack.js";

const run = promisify(execFile);
export const BENCH_DIR = join(REPO_ROOT, ".estrena", "bench");
const VIEW_SECONDS = 40;
/** Whole-path runs per source, each on a fresh stack: one run on a shared 2-core machine is too noisy to quote. */
const STACK_RUNS = 3;

/** A 60 s 1080p30 clip, H.264 High, keyframe every 2 s, ≤ 6 Mb/s, AAC-LC stereo: a phone export, standard input. */
async function clip(name: string, seconds: number, video: string, x264: string[]): Promise<string> {
  const path = join(BENCH_DIR, name);
  if (existsSync(path)) return path;
  process.stdout.write(`generating ${name}\n`);
  await run("ffmpeg", [
    ...[
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      video,
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=330:sample_rate=48000",
      "-t",
      String(seconds),
    ],
    ...[
      "-c:v",
      "libx264",
      ...x264,
      "-g",
      "60",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-b:a",
      "128k",
      "-ac",
      "2",
      "-movflags",
      "+faststart",
    ],
    `${path}.part.mp4`,
  ]);
  await run("mv", [`${path}.part.mp4`, path]);
  return path;
}

/** `times` copies of a clip back to back, stream-copied (seconds to make, whatever the length). */
async function repeat(src: string, times: number, name: string, container: "mp4" | "mpegts" = "mp4"): Promise<string> {
  const path = join(BENCH_DIR, name);
  if (existsSync(path)) return path;
  const list = join(BENCH_DIR, `${name}.txt`);
  writeFileSync(list, `${Array.from({ length: times }, () => `file '${src}'`).join("\n")}\n`);
  const tail = container === "mp4" ? ["-movflags", "+faststart", "-f", "mp4"] : ["-f", "mpegts"];
  await run("ffmpeg", ["-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", list, "-c", "copy", ...tail, `${path}.part`]);
  await run("mv", [`${path}.part`, path]);
  rmSync(list);
  return path;
}

async function main(): Promise<void> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const quick = process.argv.includes("--quick");
  const only = process.argv
    .find((a) => a.startsWith("--only="))
    ?.slice(7)
    .split(",");
  const previous = existsSync(join(BENCH_DIR, "instant.json"))
    ? (JSON.parse(readFileSync(join(BENCH_DIR, "instant.json"), "utf8")) as Result)
    : null;
  const compare = !process.argv.includes("--no-compare");
  const stackRuns = Number(process.argv.find((a) => a.startsWith("--stack-runs="))?.slice(13) ?? STACK_RUNS);
  // Light temporal noise stands in for camera grain, so bitrate caps matter (as bench/transcode.ts).
  const std = await clip("instant-std-60s.mp4", 60, "testsrc2=size=1920x1080:rate=30,noise=alls=2:allf=t", [
    ...["-preset", "superfast", "-crf", "21", "-maxrate", "6M", "-bufsize", "12M"],
  ]);
  // The 60-minute source repeats a low-complexity minute (no noise): 60 × the noisy one would be 2.7 GB.
  const lite = await clip("instant-lite-60s.mp4", 60, "testsrc2=size=1920x1080:rate=30", [
    "-preset",
    "superfast",
    "-crf",
    "23",
    "-maxrate",
    "4M",
    "-bufsize",
    "8M",
  ]);
  const nonstd = await repeat(std, 1, "instant-nonstd-60s.ts", "mpegts");
  const all = [
    { id: "1", label: "1 min, standard", path: std, seconds: 60 },
    { id: "10", label: "10 min, standard", path: await repeat(std, 10, "instant-std-10min.mp4"), seconds: 600 },
    ...(quick
      ? []
      : [
          {
            id: "60",
            label: "60 min, standard (low-complexity minute ×60)",
            path: await repeat(lite, 60, "instant-lite-60min.mp4"),
            seconds: 3600,
          },
        ]),
    { id: "ns", label: "10 min, non-standard (MPEG-TS)", path: await repeat(std, 10, "instant-nonstd-10min.ts", "mpegts"), seconds: 600 },
  ];
  const sources = all.filter((s) => !only || only.includes(s.id));

  const dir = join(BENCH_DIR, `instant-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const services = await startServices(dir);
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void services.stop().finally(() => process.exit(130)));
  try {
    const firstPlayable: Result["firstPlayable"][number][] = [];
    for (const s of sources) {
      process.stdout.write(`first playable: ${s.label}\n`);
      const o = await runOurs(services, s.path, `instant/${Date.now()}-${s.seconds}`, { viewSeconds: VIEW_SECONDS, full: false });
      const load = readFileSync("/proc/loadavg", "utf8").trim();
      firstPlayable.push({ label: s.label, seconds: s.seconds, ...o.latency, viewing: o.viewing, standard: o.standard, load });
      process.stdout.write(`  ${JSON.stringify(firstPlayable.at(-1))}\n`);
    }

    const whole: (WholePath & { load: string; runs: number[] })[] = [];
    for (const s of process.argv.includes("--no-stack") ? [] : sources) {
      const tries: WholePath[] = [];
      for (let i = 1; i <= stackRuns; i++) {
        process.stdout.write(`whole path on the native stack: ${s.label} (${i}/${stackRuns})\n`);
        tries.push(await wholePath(s.label, s.path, s.id !== "ns"));
        process.stdout.write(`  ${JSON.stringify(tries.at(-1))}\n`);
      }
      // The row is the median run, with every run's first playable beside it.
      const median = [...tries].sort((a, b) => a.gateway - b.gateway)[Math.floor((tries.length - 1) / 2)]!;
      whole.push({ ...median, runs: tries.map((t) => t.gateway), load: readFileSync("/proc/loadavg", "utf8").trim() });
    }

    const rungs = planLadder(1920, 1080, { num: 30, den: 1 });
    const compareRows: NonNullable<Result["compare"]>[number][] = [];
    for (const [label, path] of !compare
      ? []
      : ([
          ["standard (MP4)", std],
          ["non-standard (same stream in MPEG-TS)", nonstd],
        ] as const)) {
      process.stdout.write(`ours, whole ladder: ${label}\n`);
      const o = await runOurs(services, path, `instant/cmp-${Date.now()}`, { viewSeconds: 0, full: true });
      const ourDir = join(dir, `ours-${compareRows.length}`);
      await services.download(o.videoId, ourDir);
      const rows = [];
      // Against the MP4 either way: the same stream, and MPEG-TS timestamps start 1.4 s in, which would pair wrong frames.
      for (const r of rungs) rows.push({ rung: r.name, ...(await ssim(join(ourDir, `${r.name}.m3u8`), std, r)) });
      compareRows.push({ label, cpu: o.cpu, wall: o.wall, rungs: rows, standard: o.standard });
      process.stdout.write(`  ${JSON.stringify(compareRows.at(-1))}\n`);
    }
    let baseline = previous?.baseline;
    if (compare) {
      process.stdout.write("baseline: one ffmpeg per rung\n");
      const base = await runBaseline(std, rungs, join(dir, "baseline"));
      const baseRows = [];
      for (const r of rungs) baseRows.push({ rung: r.name, ...(await ssim(join(dir, "baseline", `${r.name}.m3u8`), std, r)) });
      baseline = { cpu: base.cpu, wall: base.wall, rungs: baseRows };
    }
    const date = new Date().toISOString();
    const load = readFileSync("/proc/loadavg", "utf8").trim();
    const result: Result = {
      date,
      load,
      compareSeconds: 60,
      // A partial run (--only, --no-stack) keeps the last run's rows for what it did not measure.
      firstPlayable: merge(firstPlayable, previous?.firstPlayable ?? [], all),
      wholePath: merge(whole, previous?.wholePath ?? [], all),
      ...(compare
        ? { compare: compareRows, baseline, compareRun: { date, load } }
        : previous?.compare
          ? { compare: previous.compare, baseline, compareRun: previous.compareRun ?? { date: previous.date, load: previous.load } }
          : {}),
    };
    writeFileSync(join(BENCH_DIR, "instant.json"), JSON.stringify(result, null, 2));
    writeDoc(result);
  } finally {
    await services.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This run's rows, then the previous run's rows for sources this run left out, in the sources' order. */
function merge<T extends { label: string }>(now: readonly T[], before: readonly T[], order: readonly { label: string }[]): T[] {
  const rows = [...now, ...before.filter((b) => !now.some((n) => n.label === b.label))];
  const rank = (r: T) => order.findIndex((o) => o.label === r.label);
  return rows.filter((r) => rank(r) >= 0).sort((a, b) => rank(a) - rank(b));
}

(process.argv.includes("--render")
  ? Promise.resolve(writeDoc(JSON.parse(readFileSync(join(BENCH_DIR, "instant.json"), "utf8")) as Result))
  : main()
).catch((err: unknown) => {
  process.stderr.write(`bench:instant failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
