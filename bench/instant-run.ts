import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { CloudEvent } from "cloudevents";
import { Client } from "minio";
import { createDeps, type Deps, handleEvent } from "../functions/transcode/testing.js";
import { S3_CREATED_PREFIX, type UploadData } from "../lib/contracts/events.js";
import { parseConfig } from "../lib/runtime/config.js";
import { videoId } from "../lib/runtime/ids.js";
import { pino } from "pino";
import type { Logger } from "../lib/runtime/log.js";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";
import { streamServer, watch, type Viewing } from "./instant-viewer.js";

export interface Services {
  readonly env: Record<string, string>;
  readonly minio: Client;
  /** Downloads a video's published folder. */
  download(videoId: string, dir: string): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** MinIO and Redis of its own, on free ports, with throwaway credentials. */
export async function startServices(dir: string): Promise<Services> {
  const [s3, con, redis] = [await freePort(), await freePort(), await freePort()];
  const user = `b${randomBytes(6).toString("hex")}`;
  const password = randomBytes(18).toString("base64url");
  const bin = [process.env.ESTRENA_MINIO_BIN, join(REPO_ROOT, ".estrena/bin/minio")].find((p) => p && existsSync(p));
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
  const env = {
    S3_ENDPOINT: `http://127.0.0.1:${s3}`,
    S3_ACCESS_KEY: user,
    S3_SECRET_KEY: password,
    REDIS_URL: `redis://127.0.0.1:${redis}/0`,
  };
  return {
    env: { ...env, WORK_DIR: join(dir, "work"), LOG_LEVEL: "warn" },
    minio,
    async download(vid, out) {
      mkdirSync(out, { recursive: true });
      for await (const o of minio.listObjectsV2("stream", `videos/${vid}/`, true) as AsyncIterable<{ name?: string }>) {
        if (o.name) await minio.fGetObject("stream", o.name, join(out, o.name.slice(`videos/${vid}/`.length)));
      }
    },
    async stop() {
      for (const k of kids) k.kill("SIGTERM");
      await Promise.all(kids.map((k) => (k.exitCode !== null ? null : new Promise((r) => k.once("exit", r)))));
    },
  };
}

/** Seconds after the upload event was delivered at which each step was reached. */
export interface Latency {
  /** Probed in place, keyframes read, planned: `video.processing` sent. */
  readonly planned: number;
  /** The first media segment was uploaded to the stream bucket. */
  readonly firstSegment: number;
  /** The master playlist was written: `video.playable`. */
  readonly playable: number;
  /** The source was downloaded to the worker's disk (chunk jobs only, after the remux started), or -1. */
  readonly download: number;
  /** transcode's own "first playable" line: milliseconds since the plan step started, per hop. */
  readonly hops: Readonly<Record<string, number>>;
}

/** A logger that keeps transcode's "first playable" lines (per-hop timings) and drops the rest below warn. */
function hopLogger(): { log: Logger; hops: Map<string, Record<string, number>> } {
  const hops = new Map<string, Record<string, number>>();
  const log: Logger = pino(
    { level: "info" },
    {
      write(line: string) {
        const o = JSON.parse(line) as { msg?: string; level?: number; videoId?: string; hopsMs?: Record<string, number> };
        if (o.msg === "first playable" && o.videoId && o.hopsMs) hops.set(o.videoId, o.hopsMs);
        else if ((o.level ?? 0) >= 40) process.stderr.write(line);
      },
    },
  );
  return { log, hops };
}

export interface OursRun {
  readonly videoId: string;
  readonly standard: boolean;
  /** CPU-seconds of this process and every ffmpeg it ran, and wall seconds, from the upload event to the end. */
  readonly cpu: number;
  readonly wall: number;
  readonly latency: Latency;
  readonly viewing: Viewing | null;
}

/** CPU seconds used by this process and its reaped children (/proc/self/stat, clock ticks of 10 ms). */
function cpu(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

/**
 * Uploads a source and drives our pipeline in-process as the broker would (the upload event, then the jobs it sends,
 * CHUNK_PARALLELISM + 1 at a time; times count from the upload event's delivery).
 * `full`: to `video.ready`; otherwise until a viewer who opened the video at first playable has watched `viewSeconds`,
 * then the remaining work is stopped (ffmpeg killed).
 */
export async function runOurs(services: Services, src: string, key: string, o: { viewSeconds: number; full: boolean }): Promise<OursRun> {
  const config = parseConfig({ ...services.env });
  const logged = hopLogger();
  const real = await createDeps(config, logged.log);
  const stop = new AbortController();
  const queue: CloudEvent<unknown>[] = [];
  const marks: Record<string, number> = {};
  let t0 = 0;
  const mark = (name: string) => {
    marks[name] ??= (Date.now() - t0) / 1000;
  };
  let playable: (() => void) | null = null;
  const played = new Promise<void>((r) => (playable = r));
  let done = false;
  const route = (ev: CloudEvent<unknown>) => {
    if (ev.type.startsWith("dev.estrena.transcode.")) queue.push(ev);
    else if (ev.type === "dev.estrena.video.playable") {
      mark("playable");
      playable?.();
    } else if (ev.type === "dev.estrena.video.processing") mark("planned");
    else if (ev.type === "dev.estrena.video.failed") throw new Error(`transcode failed: ${JSON.stringify(ev.data)}`);
  };
  const deps: Deps = {
    ...real,
    emit: async (ev) => route(ev),
    store: {
      ...real.store,
      download: async (b, k, p) => {
        await real.store.download(b, k, p);
        mark("download");
      },
      putFile: async (k, p) => {
        await real.store.putFile(k, p);
        if (k.endsWith(".m4s")) mark("firstSegment");
      },
    },
    ffmpeg: (cmd, opts) => real.ffmpeg(cmd, { ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal }),
  };
  const deliver = async (ev: CloudEvent<unknown>): Promise<void> => {
    for (let attempt = 1; !stop.signal.aborted; attempt++) {
      const out = await handleEvent(deps, ev);
      if (out.status === 200) route(out.event);
      if (out.status !== 503) return;
      if (attempt >= 6) throw new Error(`${ev.type}: ${out.error.message}`);
    }
  };

  const info = await services.minio.fPutObject("uploads", key, src, {});
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
  const c0 = cpu();
  t0 = Date.now();
  // The plan step runs a standard source's remux itself, while the chunk jobs it sends run beside it.
  queue.push(
    new CloudEvent({ type: `${S3_CREATED_PREFIX}Put`, source: "bench", id: `bench-${vid}`, datacontenttype: "application/json", data }),
  );
  const work = (async () => {
    const running = new Set<Promise<void>>();
    while ((queue.length || running.size) && !stop.signal.aborted) {
      while (queue.length && running.size < config.chunkParallelism + 1) {
        const p: Promise<void> = deliver(queue.shift()!).finally(() => running.delete(p));
        running.add(p);
      }
      await Promise.race(running);
    }
    await Promise.allSettled(running);
    done = true;
  })();
  let viewing: Viewing | null = null;
  if (!o.full) {
    await Promise.race([played, work]);
    if (o.viewSeconds > 0 && marks.playable !== undefined) {
      const server = await streamServer(services.minio);
      try {
        viewing = await watch(server.url, vid, o.viewSeconds);
      } finally {
        await server.close();
      }
    }
    if (!done) stop.abort();
  }
  await work;
  const plan = JSON.parse(await text(services.minio, `jobs/${vid}/plan.json`)) as { passthrough?: unknown };
  const result: OursRun = {
    videoId: vid,
    standard: Boolean(plan.passthrough),
    cpu: cpu() - c0,
    wall: (Date.now() - t0) / 1000,
    latency: {
      planned: marks.planned ?? -1,
      firstSegment: marks.firstSegment ?? -1,
      playable: marks.playable ?? -1,
      download: marks.download ?? -1,
      hops: logged.hops.get(vid) ?? {},
    },
    viewing,
  };
  await real.close();
  return result;
}

async function text(minio: Client, key: string): Promise<string> {
  const s = await minio.getObject("stream", key);
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts).toString("utf8");
}
