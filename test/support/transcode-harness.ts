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
import { parseConfig, type Config } from "../../lib/runtime/config.js";
import { S3_CREATED_PREFIX, type UploadData } from "../../lib/contracts/events.js";
import { videoId } from "../../lib/runtime/ids.js";
import { createLogger } from "../../lib/runtime/log.js";
import type { Metrics } from "../../lib/runtime/metrics.js";
import { createDeps, type Deps, handleEvent } from "../../functions/transcode/testing.js";
import { freePorts } from "./stack.js";
import { CloudEvent as CE } from "cloudevents";

export const run = promisify(execFile);

export interface Services {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly minio: Client;
  stop(): Promise<void>;
}

function minioBinary(): string {
  for (const p of [process.env.ESTRENA_MINIO_BIN, join(process.cwd(), ".estrena/bin/minio"), "/tmp/minio-bin/minio"])
    if (p && existsSync(p)) return p;
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
    spawn(
      minioBinary(),
      ["server", join(dir, "minio"), "--address", `127.0.0.1:${s3}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet"],
      {
        env: { ...process.env, MINIO_ROOT_USER: user, MINIO_ROOT_PASSWORD: password, MINIO_BROWSER: "off" },
        stdio: "ignore",
      },
    ),
  );
  children.push(
    spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" }),
  );
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
  /** Uploads a file and returns its upload event, without delivering it. */
  upload(file: string, key: string): Promise<{ videoId: string; event: CloudEvent<unknown> }>;
  /** Delivers one event as the broker would (redelivering on 503) and routes the reply. */
  deliver(ev: CloudEvent<unknown>): Promise<void>;
  /** Job events sent to K_SINK and not yet delivered. */
  readonly queue: CloudEvent<unknown>[];
  close(): Promise<void>;
}

/** Real deps from the services plus `env`; K_SINK is an in-memory queue drained by `transcode()`. */
export async function harness(
  services: Services,
  env: Record<string, string> = {},
  parallel = 2,
  metrics?: Metrics,
  wrap: (d: Deps) => Deps = (d) => d,
): Promise<Harness> {
  const config = parseConfig({ ...services.env, ...env });
  const queue: CloudEvent<unknown>[] = [];
  const videoEvents: CloudEvent<unknown>[] = [];
  const real = await createDeps(config, createLogger("transcode-test", config.logLevel), metrics);
  const route = (ev: CloudEvent<unknown>) => {
    if (ev.type.startsWith("dev.estrena.transcode.")) queue.push(ev);
    else videoEvents.push(ev);
  };
  const deps: Deps = wrap({ ...real, emit: async (ev) => route(ev) });

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
    queue,
    deliver: (ev) => deliver(ev),
    async upload(file, key) {
      const info = await services.minio.fPutObject("uploads", key, file, {});
      const stat = await services.minio.statObject("uploads", key);
      const vid = videoId("uploads", key, info.etag);
      const data: UploadData = {
        videoId: vid,
        bucket: "uploads",
        key,
        size: stat.size,
        etag: info.etag,
        eventName: "s3:ObjectCreated:Put",
        eventTime: new Date().toISOString(),
      };
      return {
        videoId: vid,
        event: new CE({ type: `${S3_CREATED_PREFIX}Put`, source: "test", id: `up-${vid}`, datacontenttype: "application/json", data }),
      };
    },
    async transcode(file, key) {
      const { videoId: vid, event } = await this.upload(file, key);
      await deliver(event);
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

export interface RenditionCheck {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  /** Seconds from first frame to end of last frame, from the decoded packets. */
  readonly duration: number;
  readonly firstPts: number;
  /** Keyframe times (s): where segments start. */
  readonly keyframes: readonly number[];
  readonly extinf: readonly number[];
  readonly profile: string;
  readonly pixFmt: string;
  /** Display-matrix rotation left on the output (players would turn the picture again): must be 0. */
  readonly rotation: number;
}

export interface OutputCheck {
  readonly master: string;
  readonly renditions: readonly RenditionCheck[];
  readonly audio: { readonly duration: number; readonly channels: number; readonly firstPts: number } | null;
  readonly files: readonly string[];
  readonly vtt: string;
}

// biome-ignore lint/suspicious/noExplicitAny: ffprobe JSON is read ad hoc by the checks below
async function probeJson(args: readonly string[]): Promise<any> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-protocol_whitelist", "file", ...args, "-of", "json"], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

/** Downloads a published video and measures every rendition with ffprobe. */
export async function inspect(minio: Client, vid: string): Promise<OutputCheck> {
  const dest = mkdtempSync(join(tmpdir(), "estrena-tx-out-"));
  try {
    const files = await downloadVideo(minio, vid, dest);
    const master = await streamText(minio, `videos/${vid}/master.m3u8`);
    // Largest first (the master lists a quick-start rung first; order is not what we check here).
    const names = [...master.matchAll(/^(\d+p)\.m3u8$/gm)].map((m) => m[1]!).sort((a, b) => parseInt(b, 10) - parseInt(a, 10));
    const renditions: RenditionCheck[] = [];
    for (const name of names) {
      const pl = await streamText(minio, `videos/${vid}/${name}.m3u8`);
      const extinf = [...pl.matchAll(/^#EXTINF:([\d.]+),/gm)].map((m) => Number(m[1]));
      const info = await probeJson(["-show_streams", "-show_entries", "packet=pts_time,duration_time,flags", join(dest, `${name}.m3u8`)]);
      const s = info.streams[0];
      const packets = (info.packets as { pts_time: string; duration_time?: string; flags: string }[]).map((p) => ({
        pts: Number(p.pts_time),
        dur: Number(p.duration_time ?? 0),
        key: p.flags.startsWith("K"),
      }));
      const pts = packets.map((p) => p.pts);
      const first = Math.min(...pts);
      const lastPkt = packets.reduce((a, b) => (b.pts > a.pts ? b : a));
      const [n, d] = String(s.r_frame_rate).split("/").map(Number);
      renditions.push({
        name,
        width: s.width,
        height: s.height,
        frameRate: n! / d!,
        duration: lastPkt.pts + (lastPkt.dur || d! / n!) - first,
        firstPts: first,
        keyframes: packets.filter((p) => p.key).map((p) => Math.round(p.pts * 1000) / 1000),
        extinf,
        profile: s.profile,
        pixFmt: s.pix_fmt,
        rotation: Number(s.side_data_list?.find((d: { rotation?: number }) => d.rotation !== undefined)?.rotation ?? 0),
      });
    }
    let audio: OutputCheck["audio"] = null;
    if (files.includes("audio.m3u8")) {
      const info = await probeJson(["-show_streams", "-show_entries", "packet=pts_time,duration_time", join(dest, "audio.m3u8")]);
      const packets = info.packets as { pts_time: string; duration_time: string }[];
      const first = Number(packets[0]!.pts_time);
      const last = packets[packets.length - 1]!;
      audio = { duration: Number(last.pts_time) + Number(last.duration_time) - first, channels: info.streams[0].channels, firstPts: first };
    }
    const vtt = files.includes("thumbnails.vtt") ? await streamText(minio, `videos/${vid}/thumbnails.vtt`) : "";
    return { master, renditions, audio, files, vtt };
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

/** Duration of a source file by ffprobe (the format's duration). */
export async function sourceDuration(path: string): Promise<number> {
  const info = await probeJson(["-show_format", path]);
  return Number(info.format.duration);
}
