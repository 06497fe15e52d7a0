/**
 * Test support for the transcode suites: MinIO and Redis on free ports in a temp dir, the transcode core called
 * in-process with real deps, and a tiny in-memory broker that delivers the jobs transcode sends to K_SINK
 * (in parallel, redelivering on 503) and records every `dev.estrena.video.*` event. Also lavfi source makers.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { CloudEvent } from "cloudevents";
import { Client } from "minio";
import { parseConfig, type Config } from "../../functions/shared/config.js";
import { S3_CREATED_PREFIX, type UploadData } from "../../functions/shared/events.js";
import { videoId } from "../../functions/shared/ids.js";
import { createLogger } from "../../functions/shared/log.js";
import { createDeps, type Deps } from "../../functions/transcode/deps.js";
import { handleEvent } from "../../functions/transcode/handler.js";
import { freePorts } from "../support/stack.js";
import { CloudEvent as CE } from "cloudevents";

export const run = promisify(execFile);

export interface Services {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly minio: Client;
  stop(): Promise<void>;
}

function minioBinary(): string {
  for (const p of [process.env.ESTRENA_MINIO_BIN, join(process.cwd(), ".estrena/bin/minio"), "/tmp/minio-bin/minio"]) if (p && existsSync(p)) return p;
  throw new Error("no MinIO binary: run scripts/install.sh");
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up`);
}

/** Starts MinIO and Redis for one test file, with generated credentials, and creates the two buckets. */
export async function startServices(): Promise<Services> {
  const dir = mkdtempSync(join(tmpdir(), "estrena-transcode-"));
  const [s3, consolePort, redisPort] = await freePorts(3);
  const user = `u${randomBytes(6).toString("hex")}`;
  const password = randomBytes(18).toString("base64url");
  const children: ChildProcess[] = [];
  children.push(
    spawn(minioBinary(), ["server", join(dir, "minio"), "--address", `127.0.0.1:${s3}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet"], {
      env: { ...process.env, MINIO_ROOT_USER: user, MINIO_ROOT_PASSWORD: password, MINIO_BROWSER: "off" },
      stdio: "ignore",
    }),
  );
  children.push(spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" }));
  const minio = new Client({ endPoint: "127.0.0.1", port: s3!, useSSL: false, accessKey: user, secretKey: password });
  await waitFor("minio", async () => (await minio.listBuckets(), true));
  for (const b of ["uploads", "stream"]) if (!(await minio.bucketExists(b))) await minio.makeBucket(b);
  const env = {
    S3_ENDPOINT: `http://127.0.0.1:${s3}`,
    S3_ACCESS_KEY: user,
    S3_SECRET_KEY: password,
    REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
    WORK_DIR: join(dir, "work"),
    LOG_LEVEL: process.env.ESTRENA_TEST_LOG ?? "warn",
  };
  await waitFor("redis", async () => (await run("redis-cli", ["-p", String(redisPort), "ping"])).stdout.includes("PONG"));
  return {
    dir,
    env,
    minio,
    async stop() {
      for (const c of children) c.kill("SIGTERM");
      await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Harness {
  readonly config: Config;
  readonly deps: Deps;
  /** Every dev.estrena.video.* event, replies and K_SINK posts alike, in order. */
  readonly videoEvents: CloudEvent<unknown>[];
  /** Uploads a file and runs the whole pipeline to quiescence; returns the video id. */
  transcode(file: string, key: string): Promise<string>;
  close(): Promise<void>;
}

/** Real deps from the services plus `env`; K_SINK is an in-memory queue drained by `transcode()`. */
export async function harness(services: Services, env: Record<string, string> = {}, parallel = 2): Promise<Harness> {
  const config = parseConfig({ ...services.env, ...env });
  const queue: CloudEvent<unknown>[] = [];
  const videoEvents: CloudEvent<unknown>[] = [];
  const real = await createDeps(config, createLogger("transcode-test", config.logLevel));
  const route = (ev: CloudEvent<unknown>) => {
    if (ev.type.startsWith("dev.estrena.transcode.")) queue.push(ev);
    else videoEvents.push(ev);
  };
  const deps: Deps = { ...real, emit: async (ev) => route(ev) };

  async function deliver(ev: CloudEvent<unknown>, attempt = 1): Promise<void> {
    const out = await handleEvent(deps, ev);
    if (out.status === 200) route(out.event);
    if (out.status === 503) {
      if (attempt >= 6) throw new Error(`${ev.type} ${ev.id} still failing: ${out.error.message}`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
      return deliver(ev, attempt + 1);
    }
  }

  return {
    config,
    deps,
    videoEvents,
    async transcode(file, key) {
      const info = await services.minio.fPutObject("uploads", key, file, {});
      const stat = await services.minio.statObject("uploads", key);
      const vid = videoId("uploads", key, info.etag);
      const data: UploadData = { videoId: vid, bucket: "uploads", key, size: stat.size, etag: info.etag, eventName: "s3:ObjectCreated:Put", eventTime: new Date().toISOString() };
      await deliver(new CE({ type: `${S3_CREATED_PREFIX}Put`, source: "test", id: `up-${vid}`, datacontenttype: "application/json", data }));
      const running = new Set<Promise<void>>();
      while (queue.length || running.size) {
        while (queue.length && running.size < parallel) {
          const p: Promise<void> = deliver(queue.shift()!).finally(() => running.delete(p));
          running.add(p);
        }
        await Promise.race(running);
      }
      return vid;
    },
    async close() {
      await real.close();
    },
  };
}

/** Makes a source with lavfi. `video` and `audio` are lavfi graphs; `args` are output options. */
export async function lavfi(path: string, seconds: number, video: string, audio: string | null, args: readonly string[]): Promise<string> {
  const inputs = ["-f", "lavfi", "-i", video, ...(audio ? ["-f", "lavfi", "-i", audio] : [])];
  await run("ffmpeg", ["-v", "error", "-y", ...inputs, "-t", String(seconds), ...args, path]);
  return path;
}

/** Reads an object of the stream bucket as text. */
export async function streamText(minio: Client, key: string): Promise<string> {
  const s = await minio.getObject("stream", key);
  const parts: Buffer[] = [];
  for await (const p of s) parts.push(p as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** Downloads a video's published folder to a local dir (for ffprobe). */
export async function downloadVideo(minio: Client, vid: string, dest: string): Promise<string[]> {
  const names: string[] = [];
  for await (const o of minio.listObjectsV2("stream", `videos/${vid}/`, true) as AsyncIterable<{ name?: string }>) {
    if (!o.name) continue;
    const name = o.name.slice(`videos/${vid}/`.length);
    await minio.fGetObject("stream", o.name, join(dest, name));
    names.push(name);
  }
  return names.sort();
}
