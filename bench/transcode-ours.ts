import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { CloudEvent } from "cloudevents";
import { Client } from "minio";
import { createDeps, type Deps, handleEvent } from "../functions/transcode/testing.js";
import { S3_CREATED_PREFIX, type UploadData } from "../lib/contracts/events.js";
import { parseConfig } from "../lib/runtime/config.js";
import { videoId } from "../lib/runtime/ids.js";
import { createLogger } from "../lib/runtime/log.js";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";

// The bench's settings and our side of it: `npm run bench:transcode` (bench/transcode.ts) runs these.

export const run = promisify(execFile);
export const SHORT = process.argv.includes("--short");
/** Only our side, timeline printed, nothing written: for looking into latency. */
export const OURS_ONLY = process.argv.includes("--ours-only");
export const SECONDS = SHORT ? 60 : 600;
/** SSIM is measured on the first minute: decoding the source once per rung and side is the bench's own big cost. */
export const SSIM_SECONDS = 60;
export const BENCH_DIR = join(REPO_ROOT, ".estrena", "bench");
export const DOC = join(REPO_ROOT, "docs", "performance.md");
const log = createLogger("bench-transcode", "warn");

/** CPU seconds used so far by this process and by its children that have exited (/proc/self/stat, clock ticks). */
export function cpu(): { self: number; children: number } {
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

export async function makeSource(): Promise<string> {
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

export interface Services {
  env: Record<string, string>;
  minio: Client;
  stop(): Promise<void>;
}

export async function startServices(dir: string): Promise<Services> {
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

export interface OursResult {
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
export async function runOurs(services: Services, src: string): Promise<OursResult> {
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
