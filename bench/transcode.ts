/**
 * `npm run bench:transcode [-- --short]`: our one-decode chunked ladder against a PeerTube-style baseline (one ffmpeg
 * process per rung), on the same generated 1080p30 source and the same rungs. Reports CPU-seconds per source-second,
 * SSIM per rung against the source scaled to the rung, and upload → first playable / ready times. Writes the table
 * between the transcode markers of docs/performance.md and the raw numbers to .estrena/bench/transcode.json.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { CloudEvent } from "cloudevents";
import { Client } from "minio";
import { parseConfig } from "../lib/runtime/config.js";
import { S3_CREATED_PREFIX, type UploadData } from "../lib/contracts/events.js";
import { videoId } from "../lib/runtime/ids.js";
import { createLogger } from "../lib/runtime/log.js";
import { createDeps, type Deps } from "../functions/transcode/deps.js";
import { handleEvent } from "../functions/transcode/handler.js";
import { planLadder, type Rung } from "../lib/media/ladder.js";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";

const run = promisify(execFile);
const SHORT = process.argv.includes("--short");
/** Only our side, timeline printed, nothing written: for looking into latency. */
const OURS_ONLY = process.argv.includes("--ours-only");
const SECONDS = SHORT ? 60 : 600;
/** SSIM is measured on the first minute: decoding the source once per rung and side is the bench's own big cost. */
const SSIM_SECONDS = 60;
const BENCH_DIR = join(REPO_ROOT, ".estrena", "bench");
const DOC = join(REPO_ROOT, "docs", "performance.md");
const BEGIN = "<!-- transcode:begin -->";
const END = "<!-- transcode:end -->";
const log = createLogger("bench-transcode", "warn");

/** CPU seconds used so far by this process and by its children that have exited (/proc/self/stat, clock ticks). */
function cpu(): { self: number; children: number } {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 100; // USER_HZ on Linux
  // After the ")": state is field 3, so utime (14) is index 11, stime 12, cutime 13, cstime 14.
  return { self: (Number(f[11]) + Number(f[12])) / tick, children: (Number(f[13]) + Number(f[14])) / tick };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function makeSource(): Promise<string> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `source-1080p30-${SECONDS}s.mp4`);
  if (existsSync(path)) return path;
  process.stdout.write(`generating ${SECONDS} s 1080p30 source (once, cached in ${path})\n`);
  // testsrc2 moves everywhere; light temporal noise stands in for camera grain so the bitrate caps matter. Capped at
  // 8 Mb/s, a typical 1080p30 upload (uncapped, the noise alone takes ~90 Mb/s).
  await run("ffmpeg", [
    "-v",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=1920x1080:rate=30,noise=alls=2:allf=t",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=330:sample_rate=48000",
    "-t",
    String(SECONDS),
    "-c:v",
    "libx264",
    "-preset",
    "superfast",
    "-crf",
    "21",
    "-maxrate",
    "8M",
    "-bufsize",
    "16M",
    "-pix_fmt",
    "yuv420p",
    "-c:a",
    "aac",
    "-b:a",
    "160k",
    "-movflags",
    "+faststart",
    `${path}.part.mp4`,
  ]);
  await run("mv", [`${path}.part.mp4`, path]);
  return path;
}

interface Services {
  env: Record<string, string>;
  minio: Client;
  stop(): Promise<void>;
}

async function startServices(dir: string): Promise<Services> {
  const [s3, con, redis] = [await freePort(), await freePort(), await freePort()];
  const user = `b${randomBytes(6).toString("hex")}`;
  const password = randomBytes(18).toString("base64url");
  const bin = [process.env.ESTRENA_MINIO_BIN, join(REPO_ROOT, ".estrena/bin/minio"), "/tmp/minio-bin/minio"].find(
    (p) => p && existsSync(p),
  );
  if (!bin) throw new Error("no MinIO binary: run scripts/install.sh");
  const kids: ChildProcess[] = [
    spawn(bin, ["server", join(dir, "minio"), "--address", `127.0.0.1:${s3}`, "--console-address", `127.0.0.1:${con}`, "--quiet"], {
      env: { ...process.env, MINIO_ROOT_USER: user, MINIO_ROOT_PASSWORD: password, MINIO_BROWSER: "off" },
      stdio: "ignore",
    }),
    spawn("redis-server", ["--port", String(redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" }),
  ];
  const minio = new Client({ endPoint: "127.0.0.1", port: s3, useSSL: false, accessKey: user, secretKey: password });
  for (let i = 0; ; i++) {
    try {
      await minio.listBuckets();
      break;
    } catch (err) {
      if (i > 150) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  for (const b of ["uploads", "stream"]) if (!(await minio.bucketExists(b))) await minio.makeBucket(b);
  return {
    env: {
      S3_ENDPOINT: `http://127.0.0.1:${s3}`,
      S3_ACCESS_KEY: user,
      S3_SECRET_KEY: password,
      REDIS_URL: `redis://127.0.0.1:${redis}/0`,
      WORK_DIR: join(dir, "work"),
      LOG_LEVEL: "warn",
    },
    minio,
    async stop() {
      for (const k of kids) k.kill("SIGTERM");
      await Promise.all(kids.map((k) => (k.exitCode !== null ? null : new Promise((r) => k.once("exit", r)))));
    },
  };
}

interface OursResult {
  cpu: number;
  wall: number;
  firstPlayable: number;
  ready: number;
  videoId: string;
  chunks: number;
  /** Seconds since the upload started, and what was sent or replied then. */
  timeline: string[];
}

/** Our pipeline, in-process with real MinIO and Redis; jobs sent to K_SINK go to an in-memory queue worked `parallel` at a time. */
async function runOurs(services: Services, src: string): Promise<OursResult> {
  // A short run keeps the chunk count of a long one: 60 s in 20 s chunks is 8 + 20 + 20 + 12.
  const config = parseConfig({ ...services.env, ...(SHORT ? { CHUNK_SECONDS: "20" } : {}) });
  const real = await createDeps(config, log);
  const queue: CloudEvent<unknown>[] = [];
  const t0 = Date.now();
  let firstPlayable = 0;
  let ready = 0;
  const timeline: string[] = [];
  const route = (ev: CloudEvent<unknown>) => {
    const chunk = (ev.data as { chunk?: number }).chunk;
    timeline.push(
      `${((Date.now() - t0) / 1000).toFixed(1)} ${ev.type.replace("dev.estrena.", "")}${chunk !== undefined ? ` ${chunk}` : ""}`,
    );
    if (ev.type.startsWith("dev.estrena.transcode.")) queue.push(ev);
    else if (ev.type === "dev.estrena.video.playable" && !firstPlayable) firstPlayable = (Date.now() - t0) / 1000;
    else if (ev.type === "dev.estrena.video.ready") ready = (Date.now() - t0) / 1000;
    else if (ev.type === "dev.estrena.video.failed") throw new Error(`transcode failed: ${JSON.stringify(ev.data)}`);
  };
  const deps: Deps = { ...real, emit: async (ev) => route(ev) };
  const deliver = async (ev: CloudEvent<unknown>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const out = await handleEvent(deps, ev);
      if (out.status === 200) route(out.event);
      if (out.status !== 503) return;
      if (attempt >= 6) throw new Error(`${ev.type}: ${out.error.message}`);
    }
  };
  const c0 = cpu();
  const key = `bench/${SECONDS}s.mp4`;
  const info = await services.minio.fPutObject("uploads", key, src, {});
  timeline.push(`${((Date.now() - t0) / 1000).toFixed(1)} uploaded`);
  const size = (await services.minio.statObject("uploads", key)).size;
  const vid = videoId("uploads", key, info.etag);
  const data: UploadData = {
    videoId: vid,
    bucket: "uploads",
    key,
    size,
    etag: info.etag,
    eventName: "s3:ObjectCreated:Put",
    eventTime: new Date().toISOString(),
  };
  await deliver(
    new CloudEvent({ type: `${S3_CREATED_PREFIX}Put`, source: "bench", id: `bench-${vid}`, datacontenttype: "application/json", data }),
  );
  const running = new Set<Promise<void>>();
  while (queue.length || running.size) {
    while (queue.length && running.size < config.chunkParallelism + 1) {
      const p: Promise<void> = deliver(queue.shift()!).finally(() => running.delete(p));
      running.add(p);
    }
    await Promise.race(running);
  }
  const c1 = cpu();
  await real.close();
  const chunks = Number(JSON.parse((await text(services.minio, `jobs/${vid}/plan.json`)) || "{}").chunks?.length ?? 0);
  return {
    cpu: c1.children - c0.children + (c1.self - c0.self),
    wall: (Date.now() - t0) / 1000,
    firstPlayable,
    ready,
    videoId: vid,
    chunks,
    timeline,
  };
}

async function text(minio: Client, key: string): Promise<string> {
  const s = await minio.getObject("stream", key);
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

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

async function runBaseline(src: string, rungs: readonly Rung[], out: string): Promise<{ cpu: number; wall: number }> {
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
async function ssim(rendition: string, src: string, r: Rung): Promise<number> {
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

type Result = {
  date: string;
  seconds: number;
  short: boolean;
  cores: string;
  load: string;
  ours: OursResult;
  base: { cpu: number; wall: number };
  ssim: { rung: string; ours: number; base: number }[];
};

/** Rows for a 10-minute run of our side alone (`--ours-only`), when one was saved. */
function oursOnlyRows(): string[] {
  const file = join(BENCH_DIR, "transcode-ours-600s.json");
  if (!existsSync(file)) return [];
  const o = JSON.parse(readFileSync(file, "utf8")) as { date: string; seconds: number; load: string; ours: OursResult };
  return [
    `10-minute 1080p30 source, our side only (\`--ours-only\`, ${o.date.slice(0, 16).replace("T", " ")} UTC, load average at the end ${o.load.split(" ").slice(0, 3).join(" ")}):`,
    "",
    "| upload of the source → | seconds |",
    "|---|---|",
    `| first playable segment | ${o.ours.firstPlayable.toFixed(1)} |`,
    `| ready (${o.ours.chunks} chunks) | ${o.ours.ready.toFixed(1)} |`,
    `| CPU-seconds per source-second | ${(o.ours.cpu / o.seconds).toFixed(2)} |`,
    "",
    `Timeline: ${o.ours.timeline.join(" · ")}`,
    "",
    "The baseline was not run on the 10-minute source (another ~25 CPU-minutes on a machine shared by six); against the short run's baseline",
    `(${(r0Baseline() ?? 0).toFixed(2)} CPU-s per source-second) this side's ${(o.ours.cpu / o.seconds).toFixed(2)} would be ${(o.ours.cpu / o.seconds / (r0Baseline() ?? 1)).toFixed(2)}×, indicative only: different runs.`,
    "Its cost per source-second is lower than the short run's, probably because 60 s chunks spread each ffmpeg start and x264 lookahead flush over more frames than 20 s chunks.",
    "The first playable segment is the upload (613 MB), one download and probe, and the 8 s first chunk with every rung, encoded while the whole-file audio runs beside it.",
    "",
  ];
}

/** The short run's baseline CPU-seconds per source-second, if saved. */
function r0Baseline(): number | null {
  const file = join(BENCH_DIR, "transcode-short.json");
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, "utf8")) as Result;
  return r.base.cpu / r.seconds;
}

function writeDoc(r: Result): void {
  const perSec = (c: number) => (c / r.seconds).toFixed(2);
  const ratio = r.ours.cpu / r.base.cpu;
  const worst = Math.max(...r.ssim.map((s) => s.base - s.ours));
  const section = [
    BEGIN,
    `### Transcode: one decode per chunk vs one process per rung (${r.short ? "short run, " : ""}${r.seconds} s 1080p30 source)`,
    "",
    `Measured ${r.date.slice(0, 16).replace("T", " ")} UTC by \`npm run bench:transcode${r.short ? " -- --short" : ""}\` on ${r.cores} cores (load average at the end: ${r.load.split(" ").slice(0, 3).join(" ")}; the machine is shared, so wall times are noisy, CPU-seconds much less so).`,
    "Source: lavfi testsrc2 with light temporal noise, H.264 superfast CRF 21 capped at 8 Mb/s, AAC 160 kb/s. Rungs for both sides: " +
      r.ssim.map((s) => s.rung).join(", ") +
      " (our ladder, same caps).",
    "",
    "| | ours | baseline (PeerTube style) | ratio |",
    "|---|---|---|---|",
    `| CPU-seconds | ${r.ours.cpu.toFixed(1)} | ${r.base.cpu.toFixed(1)} | ${ratio.toFixed(2)}× |`,
    `| CPU-seconds per source-second | ${perSec(r.ours.cpu)} | ${perSec(r.base.cpu)} | ${ratio.toFixed(2)}× |`,
    `| wall-clock seconds | ${r.ours.wall.toFixed(0)} | ${r.base.wall.toFixed(0)} | |`,
    "",
    "| rung | SSIM ours | SSIM baseline | ours − baseline |",
    "|---|---|---|---|",
    ...r.ssim.map(
      (s) =>
        `| ${s.rung} | ${s.ours.toFixed(4)} | ${s.base.toFixed(4)} | ${(s.ours - s.base >= 0 ? "+" : "") + (s.ours - s.base).toFixed(4)} |`,
    ),
    "",
    `SSIM over the first ${SSIM_SECONDS} s of each rendition against the source scaled (bicubic) to the rung. Worst rung: ours ${worst > 0 ? `${worst.toFixed(4)} below` : "not below"} the baseline (target: ≤ 0.005 below).`,
    "",
    "| upload of the source → | seconds |",
    "|---|---|",
    `| first playable segment (\`video.playable\`: master + first chunk published) | ${r.ours.firstPlayable.toFixed(1)} |`,
    `| ready (\`video.ready\`: VOD playlists, ${r.ours.chunks} chunks) | ${r.ours.ready.toFixed(1)} |`,
    "",
    "Against the targets:",
    `- CPU: ours is ${ratio.toFixed(2)}× the baseline (target ≤ 0.6×) — ${ratio <= 0.6 ? "met" : "not met"}. One decode per chunk removes the baseline's repeated decodes and the cascade makes scaling cheaper, but x264 encoding`,
    "  the same pictures at the same preset costs the same on both sides and is most of the bill; the saving therefore grows with the cost of decoding the source",
    "  (4K, HEVC, high bitrates) and shrinks for a light source like this one. Going further would mean a cheaper preset on the small rungs, which costs SSIM.",
    `- SSIM: worst rung ${worst > 0 ? `${worst.toFixed(4)} below` : "not below"} the baseline (target ≤ 0.005 below) — ${worst <= 0.005 ? "met" : "not met"}.`,
    `- First playable segment: ${r.ours.firstPlayable.toFixed(1)} s after the upload started (target ≤ 15 s for a 10-minute 1080p source)${r.short ? "; this short run's source is 60 s, so its later chunks compete less, but the first chunk is the same 8 s" : ""}.`,
    "  It takes the upload, one download and probe, then the 8 s first chunk (alone, all rungs) and the whole-file audio side by side; on a machine shared with other work",
    "  the wall-clock figures stretch with the load average shown above.",
    "",
    `Timeline of the run (seconds since the upload started): ${r.ours.timeline.join(" · ")}`,
    "",
    ...oursOnlyRows(),
    "How it is measured: CPU is user+system time of the bench process and every ffmpeg/ffprobe it waited for (`/proc/self/stat` utime, stime, cutime, cstime), taken around each side;",
    "ours includes probing, the S3 uploads of every segment and playlist, and Node itself; the baseline counts only its ffmpeg processes (one per rung plus one for audio, two at a time) and uploads nothing.",
    `Ours runs the transcode handler in-process against real MinIO and Redis (defaults: 4 s segments, ${r.short ? "CHUNK_SECONDS=20 for the short run, " : "60 s chunks, "}8 s first chunk, CHUNK_PARALLELISM=2), with the jobs transcode sends to K_SINK worked \`CHUNK_PARALLELISM\` + 1 at a time`,
    "(the router and MinIO's notification hop are not in these times; they add well under a second locally).",
    "Baseline per rung: `-preset veryfast -profile:v high -maxrate CAP -bufsize 2×CAP -b_strategy 1 -bf 16 -g 2×fps`, fMP4 HLS, 4 s segments, CRF left at libx264's default 23 (as ours).",
    END,
  ].join("\n");
  const doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : "# Performance\n\n";
  const next =
    doc.includes(BEGIN) && doc.includes(END)
      ? doc.slice(0, doc.indexOf(BEGIN)) + section + doc.slice(doc.indexOf(END) + END.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(DOC, next);
}

/** `--render`: rewrite the docs section from the last saved result, without measuring again. */
async function render(): Promise<void> {
  const file = join(BENCH_DIR, `transcode${SHORT ? "-short" : ""}.json`);
  writeDoc(JSON.parse(readFileSync(file, "utf8")) as Result);
  process.stdout.write(`wrote ${DOC} from ${file}\n`);
}

(process.argv.includes("--render") ? render() : main()).catch((err: unknown) => {
  process.stderr.write(`bench:transcode failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
