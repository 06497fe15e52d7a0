import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "minio";
import { startStack, type StackHandle } from "../dev/stack.js";
import { videoId } from "../lib/runtime/ids.js";
import { createLogger } from "../lib/runtime/log.js";
import { REPO_ROOT, SERVICE_PORTS, type Ports } from "../lib/runtime/stack-settings.js";

/**
 * The whole path of one upload on the real native stack (`npm start`'s processes: MinIO with its webhook,
 * ingest, the event router, transcode, the catalogue, nginx with its Redis cache), each source on a fresh stack.
 * Times are seconds after the upload completed (the S3 PUT answered), per hop: MinIO's notification, ingest and the
 * router (to the plan step's start, from MinIO's eventTime and transcode's "first playable" log line), transcode's
 * own hops, then `video.playable` through the router to the catalogue (the gateway's API shows the stream) and the
 * gateway serving the master playlist, the first media playlist and its first segment (first playable for a viewer).
 */
export interface WholePath {
  readonly label: string;
  /** Remuxed (standard input); older runs' rows, all standard, lack it. */
  readonly standard?: boolean;
  /** Seconds after the upload completed; null when transcode logged no hop line (the lead path logs none). */
  readonly delivered: number | null;
  readonly hops: Readonly<Record<string, number>>;
  readonly catalogue: number;
  readonly gateway: number;
}

/** How often the viewer side looks: fine enough for sub-second hops, light on a 2-core machine. */
const POLL_MS = 25;
/** dev/stack.ts's RESYNC_SETTLE_MS and a margin. */
const SETTLE_MS = 7_000;
/** Longest wait for one upload to become playable before the run is called failed. */
const WAIT_MS = 180_000;

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const { port } = srv.address() as AddressInfo;
    await new Promise((r) => srv.close(r));
    if (!out.includes(port)) out.push(port);
  }
  return out;
}

async function stack(dir: string): Promise<StackHandle> {
  const free = await freePorts(SERVICE_PORTS.length);
  const ports = Object.fromEntries(SERVICE_PORTS.map((p, i) => [p, free[i]])) as Ports;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ESTRENA_MEDIA_DIR: join(dir, "media"),
    ESTRENA_MINIO_BIN: process.env.ESTRENA_MINIO_BIN ?? join(REPO_ROOT, ".estrena", "bin", "minio"),
  };
  for (const k of ["ESTRENA_STATE_DIR", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "WEBHOOK_AUTH_TOKEN"]) delete env[k];
  return startStack({ env, stateDir: dir, ports, log: createLogger("bench-stack", "warn") });
}

/**
 * Uploads `src` to a fresh stack and follows it to first playable through the gateway; the stack is stopped after.
 * A standard source's remux logs every hop; for the rest (the lead rungs, another job) only the plan is timed.
 */
export async function wholePath(label: string, src: string, standard: boolean): Promise<WholePath> {
  const dir = mkdtempSync(join(tmpdir(), "estrena-bench-stack-"));
  const s = await stack(dir);
  try {
    // The stack announces uploads that MinIO took while it was starting after a settling delay (dev/stack.ts);
    // an upload inside that window could be carried by that resync instead of the bucket notification measured here.
    await sleep(SETTLE_MS);
    const u = new URL(s.urls.minio);
    const minio = new Client({
      endPoint: u.hostname,
      port: Number(u.port),
      useSSL: false,
      accessKey: s.credentials.user,
      secretKey: s.credentials.password,
    });
    const key = `bench/${Date.now()}.mp4`;
    const info = await minio.fPutObject("uploads", key, src, {});
    const t0 = Date.now();
    const vid = videoId("uploads", key, info.etag);
    const since = () => (Date.now() - t0) / 1000;
    const gw = s.urls.gateway.replace(/\/$/, "");
    let catalogue = -1;
    for (const end = t0 + WAIT_MS; Date.now() < end; await sleep(POLL_MS)) {
      if (catalogue < 0) {
        const r = await fetch(`${gw}/api/videos/${vid}`).catch(() => null);
        const v = r?.ok ? ((await r.json()) as { hls?: string | null }) : null;
        if (!v?.hls) continue;
        catalogue = since();
      }
      if (await servesFirstSegment(gw, vid)) {
        const gateway = since();
        const log = join(dir, "logs", "transcode.log");
        const line = firstPlayableLine(log, vid);
        const times = { catalogue: round2(catalogue), gateway: round2(gateway) };
        if (!line) {
          const planned = logTime(log, vid, "planned");
          if (standard || planned === null) throw new Error(`${label}: transcode logged no "first playable" line`);
          return { label, standard, delivered: null, hops: { planned: round2((planned - t0) / 1000) }, ...times };
        }
        // One machine, one clock: the plan step's start against the upload's completion.
        const planStart = (Date.parse(line.startedAt) - t0) / 1000;
        const hops = Object.fromEntries(Object.entries(line.hopsMs).map(([k, ms]) => [k, round2(planStart + ms / 1000)]));
        return { label, standard, delivered: round2(planStart), hops, ...times };
      }
    }
    throw new Error(`${label}: not playable through the gateway within ${WAIT_MS / 1000} s (logs in ${dir}/logs)`);
  } finally {
    await s.stop();
    // The services' logs stay for reading (the last run's, per source).
    cpSync(join(dir, "logs"), join(REPO_ROOT, ".estrena", "bench", "instant-stack-logs", label.split(",")[0]!.replace(/\W+/g, "-")), {
      recursive: true,
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The master playlist, its first media playlist and that playlist's first segment, all through the gateway. */
async function servesFirstSegment(gw: string, vid: string): Promise<boolean> {
  const text = async (name: string) => {
    const r = await fetch(`${gw}/stream/${vid}/${name}`).catch(() => null);
    return r?.ok ? r.text() : null;
  };
  const master = await text("master.m3u8");
  const media = master?.split("\n").find((l) => l.endsWith(".m3u8"));
  const playlist = media ? await text(media) : null;
  const segment = playlist?.split("\n").find((l) => l.endsWith(".m4s"));
  if (!segment) return false;
  const r = await fetch(`${gw}/stream/${vid}/${segment}`).catch(() => null);
  if (r) await r.arrayBuffer();
  return Boolean(r?.ok);
}

interface HopLine {
  readonly startedAt: string;
  readonly hopsMs: Record<string, number>;
}

/** The first line transcode logged with message `msg` for the video, parsed, or null. */
function logLine(log: string, vid: string, msg: string): Record<string, unknown> | null {
  const quoted = `"msg":${JSON.stringify(msg)}`;
  for (const raw of readFileSync(log, "utf8").split("\n")) {
    const at = raw.indexOf("{");
    if (at >= 0 && raw.includes(quoted) && raw.includes(vid)) return JSON.parse(raw.slice(at)) as Record<string, unknown>;
  }
  return null;
}

/** transcode's one-line-per-video timings: milliseconds after `startedAt`, when its plan step started. */
function firstPlayableLine(log: string, vid: string): HopLine | null {
  const o = logLine(log, vid, "first playable") as Partial<HopLine> | null;
  return o?.hopsMs && o.startedAt ? { startedAt: o.startedAt, hopsMs: o.hopsMs } : null;
}

/** When transcode logged its first line with message `msg` for the video: epoch ms, or null. */
function logTime(log: string, vid: string, msg: string): number | null {
  const time = Date.parse(String(logLine(log, vid, msg)?.time ?? ""));
  return Number.isFinite(time) ? time : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round2 = (x: number) => Math.round(x * 100) / 100;
