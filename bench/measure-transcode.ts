/**
 * Measures transcode seconds per source second on this machine, with the exact ffmpeg commands transcode runs
 * (probe → plan → one chunk job per chunk → the audio job), one at a time, as one Knative pod would:
 *   node dist/bench/measure-transcode.js [SOURCE]     (default: a generated 1080p30 clip with audio)
 * The result feeds the transcode sizing model in docs/operations.md. In production, read the same figure from
 * the estrena_transcode_seconds_per_source_second histogram instead.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseConfig } from "../lib/runtime/config.js";
import { audioCommand, buildPlan, chunkCommand, probeSource, toArgv } from "../lib/media/index.js";

const run = promisify(execFile);

/** A test source: 1080p30 moving pattern with a tone, encoded fast so only the measured run costs time. */
async function generate(path: string, seconds: number): Promise<void> {
  await run("ffmpeg", [
    "-nostdin",
    "-v",
    "error",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=1920x1080:rate=30:duration=${seconds}`,
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:duration=${seconds}`,
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-crf",
    "18",
    "-c:a",
    "aac",
    "-shortest",
    path,
  ]);
}

interface Cost {
  wall: number;
  /** User + system CPU seconds (GNU time), or NaN without /usr/bin/time. */
  cpu: number;
}

/** Runs ffmpeg and returns its wall time and, through GNU time, the CPU time it used (independent of contention). */
async function timed(argv: string[], dir: string): Promise<Cost> {
  const t0 = process.hrtime.bigint();
  const report = join(dir, "time.txt");
  const gnuTime = existsSync("/usr/bin/time");
  const cmd = gnuTime ? ["/usr/bin/time", "-o", report, "-f", "%U %S", "ffmpeg"] : ["ffmpeg"];
  await run(cmd[0]!, [...cmd.slice(1), "-v", "error", ...argv], { maxBuffer: 16 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = gnuTime
    ? readFileSync(report, "utf8")
        .trim()
        .split(/\s+/)
        .map(Number)
        .reduce((a, b) => a + b, 0)
    : Number.NaN;
  return { wall, cpu };
}

async function main(): Promise<void> {
  // Only the transcoding settings matter here; placeholders satisfy the required connection settings.
  const config = parseConfig({
    S3_ENDPOINT: "http://127.0.0.1:1",
    S3_ACCESS_KEY: "unused",
    S3_SECRET_KEY: "unused-secret",
    REDIS_URL: "redis://127.0.0.1:1",
    ...process.env,
  });
  const dir = mkdtempSync(join(tmpdir(), "estrena-measure-"));
  try {
    const src = process.argv[2] ?? join(dir, "source.mp4");
    if (!process.argv[2]) await generate(src, 24);
    const probe = await probeSource(src, config);
    const plan = buildPlan("v0000000000000000000", { bucket: "uploads", key: "measure", etag: "0", size: 0 }, probe, config);
    const video: Cost = { wall: 0, cpu: 0 };
    for (const chunk of plan.chunks) {
      const out = join(dir, `chunk${chunk.index}`);
      await run("mkdir", ["-p", out]);
      const c = await timed(toArgv(chunkCommand(plan, chunk, src, out)), dir);
      video.wall += c.wall;
      video.cpu += c.cpu;
    }
    const audio = probe.audio ? await timed(toArgv(audioCommand(plan, src, join(dir, "chunk0"))), dir) : { wall: 0, cpu: 0 };
    const ratio = (s: number) => Math.round((s / probe.duration) * 1000) / 1000;
    const result = {
      source: `${probe.width}x${probe.height} ${(probe.fps.num / probe.fps.den).toFixed(2)} fps, ${probe.duration.toFixed(1)} s`,
      rungs: plan.rungs.map((r) => `${r.height}p`).join(" "),
      preset: plan.preset,
      chunks: plan.chunks.length,
      cores: cpus().length,
      video: { wallSecondsPerSourceSecond: ratio(video.wall), cpuSecondsPerSourceSecond: ratio(video.cpu) },
      audio: { wallSecondsPerSourceSecond: ratio(audio.wall), cpuSecondsPerSourceSecond: ratio(audio.cpu) },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`measure-transcode: ${(err as Error).message}\n`);
  process.exit(1);
});
