/**
 * Shared pieces of the fault suite. Built on the other suites' helpers (startTestStack, the ingest helpers, the e2e
 * clip maker and uploader); only what the fault scenarios add lives here.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "minio";
import type { Video } from "../../lib/contracts/video.js";
import { makeClip, upload } from "../support/browser.js";
import { getVideo, s3, waitFor } from "../support/ingest.js";
import { startTestStack, type TestStack } from "../support/stack.js";

export { makeClip, upload, getVideo, s3, waitFor };

/**
 * `npm test` runs the fault scenarios except the slow ones (ESTRENA_FAULTS=skip leaves them all out);
 * `npm run test:faults` sets ESTRENA_FAULTS=all and runs every scenario, slow ones included.
 */
export function faultsEnabled(slow = false): boolean {
  const v = process.env.ESTRENA_FAULTS ?? "";
  if (v === "skip") return false;
  return slow ? v === "all" : true;
}

/** Transcode settings for tiny sources: 2 s segments, the fastest x264 preset. */
export const FAST_TRANSCODE: Readonly<Record<string, string>> = { SEGMENT_SECONDS: "2", X264_PRESET: "ultrafast", LOG_LEVEL: "info" };

/** A full stack (watcher left out: nothing here uses the watched folder) with fast transcode settings. */
export function startFaultStack(env: Record<string, string> = {}, opts: Parameters<typeof startTestStack>[0] = {}): Promise<TestStack> {
  return startTestStack({ without: ["watcher"], ...opts, env: { ...FAST_TRANSCODE, ...env, ...opts.env } });
}

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `estrena-fault-${name}-`));

/** A tiny H.264/AAC clip, 240p by default. */
export function tinyClip(dir: string, name: string, seconds: number, size = "426x240"): string {
  const file = join(dir, name);
  makeClip(file, seconds, { size });
  return file;
}

/** Waits until every id reaches a final status; returns the videos. Fails fast naming a video that failed. */
export async function waitFinal(stack: TestStack, ids: readonly string[], ms: number): Promise<Map<string, Video>> {
  const done = new Map<string, Video>();
  await waitFor(
    `${ids.length} videos to finish`,
    async () => {
      for (const id of ids) {
        if (done.has(id)) continue;
        const { video } = await getVideo(stack, id);
        if (video && (video.status === "ready" || video.status === "failed")) done.set(id, video);
      }
      return done.size === ids.length ? true : undefined;
    },
    ms,
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; finished ${done.size}/${ids.length}; missing ${ids.filter((i) => !done.has(i)).join(", ")}`);
  });
  return done;
}

/** Every object key under a prefix of a bucket. */
export async function listKeys(minio: Client, bucket: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of minio.listObjectsV2(bucket, prefix, true) as AsyncIterable<{ name?: string }>) if (o.name) keys.push(o.name);
  return keys.sort();
}

/** Reads a whole object. */
export async function readObject(minio: Client, bucket: string, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of await minio.getObject(bucket, key)) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

/** Ids of the videos published in the stream bucket (those with a master playlist). */
export async function publishedIds(minio: Client): Promise<string[]> {
  return (await listKeys(minio, "stream", "videos/")).filter((k) => k.endsWith("/master.m3u8")).map((k) => k.split("/")[1]!);
}

/** GET through the gateway; never throws for a status. */
export async function gatewayGet(stack: TestStack, path: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(new URL(path, stack.urls.gateway));
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Per-scenario time limit: generous, because 2 shared cores can be very busy; the assertions, not the clock, decide. */
export const SCENARIO_MS = 20 * 60_000;
