/**
 * `npm run bench:transcode [-- --short]`: our one-decode chunked ladder against a PeerTube-style baseline (one ffmpeg
 * process per rung), on the same generated 1080p30 source and the same rungs. Reports CPU-seconds per source-second,
 * SSIM per rung against the source scaled to the rung, and upload → first playable / ready times. Writes the table
 * between the transcode markers of docs/performance.md and the raw numbers to .estrena/bench/transcode.json.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { planLadder } from "../lib/media/index.js";
import { runBaseline, ssim } from "./transcode-baseline.js";
import { render, writeDoc } from "./transcode-doc.js";
import { BENCH_DIR, DOC, makeSource, OURS_ONLY, run, runOurs, SECONDS, SHORT, startServices } from "./transcode-ours.js";

async function main(): Promise<void> {
  const src = await makeSource();
  const dir = join(BENCH_DIR, `run-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const services = await startServices(dir);
  // Stopped by a signal: take MinIO and Redis down too.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void services.stop().finally(() => process.exit(130)));
  try {
    const rungs = planLadder(1920, 1080, { num: 30, den: 1 });
    process.stdout.write(`ours: ${SECONDS} s source, rungs ${rungs.map((r) => r.name).join(" ")}\n`);
    const ours = await runOurs(services, src);
    process.stdout.write(
      `ours: ${ours.cpu.toFixed(1)} CPU-s, first playable ${ours.firstPlayable.toFixed(1)} s, ready ${ours.ready.toFixed(1)} s\n`,
    );
    if (OURS_ONLY) {
      process.stdout.write(`${ours.timeline.join("\n")}\n`);
      const load = readFileSync("/proc/loadavg", "utf8").trim();
      writeFileSync(
        join(BENCH_DIR, `transcode-ours-${SECONDS}s.json`),
        JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, load, ours }, null, 2),
      );
      return;
    }
    const ourDir = join(dir, "ours");
    mkdirSync(ourDir, { recursive: true });
    for await (const o of services.minio.listObjectsV2("stream", `videos/${ours.videoId}/`, true) as AsyncIterable<{ name?: string }>) {
      if (o.name) await services.minio.fGetObject("stream", o.name, join(ourDir, o.name.slice(`videos/${ours.videoId}/`.length)));
    }
    process.stdout.write("baseline: one ffmpeg per rung\n");
    const base = await runBaseline(src, rungs, join(dir, "baseline"));
    process.stdout.write(`baseline: ${base.cpu.toFixed(1)} CPU-s\n`);
    const rows: { rung: string; ours: number; base: number }[] = [];
    for (const r of rungs) {
      rows.push({
        rung: r.name,
        ours: await ssim(join(ourDir, `${r.name}.m3u8`), src, r),
        base: await ssim(join(dir, "baseline", `${r.name}.m3u8`), src, r),
      });
      process.stdout.write(`ssim ${r.name}: ours ${rows.at(-1)!.ours.toFixed(4)} baseline ${rows.at(-1)!.base.toFixed(4)}\n`);
    }
    const result = {
      date: new Date().toISOString(),
      seconds: SECONDS,
      short: SHORT,
      cores: (await run("nproc")).stdout.trim(),
      load: readFileSync("/proc/loadavg", "utf8").trim(),
      ours,
      base,
      ssim: rows,
    };
    writeFileSync(join(BENCH_DIR, `transcode${SHORT ? "-short" : ""}.json`), JSON.stringify(result, null, 2));
    writeDoc(result);
    process.stdout.write(`wrote ${DOC}\n`);
  } finally {
    await services.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

(process.argv.includes("--render") ? render() : main()).catch((err: unknown) => {
  process.stderr.write(`bench:transcode failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
