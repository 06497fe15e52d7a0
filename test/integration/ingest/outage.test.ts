import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { videoId } from "../../../lib/runtime/ids.js";
import { startTestStack, type TestStack } from "../../support/stack.js";
import { MiB, listVideos, randomStream, s3, startCapture, waitFor, type Capture } from "../../support/ingest.js";

/**
 * How long ingest stays down. Short by default to keep the suite fast; the fault suite and the numbers in
 * docs/events.md use ESTRENA_INGEST_OUTAGE_MS=60000. MinIO's behaviour does not depend on the length: it
 * retries the head of its queue every 3 s for as long as it takes.
 */
const OUTAGE_MS = Number(process.env.ESTRENA_INGEST_OUTAGE_MS ?? 5_000);
const BUCKET = "uploads";

let stack: TestStack;
let capture: Capture;
let client: Client;

beforeAll(async () => {
  capture = await startCapture();
  stack = await startTestStack({ without: ["watcher", "gateway"], subscribers: { transcode: capture.url } });
  client = s3(stack);
});

afterAll(async () => {
  await stack?.cleanup();
  await capture?.close();
});

/** Notifications MinIO holds on disk for the webhook target, not yet delivered. */
function queued(): number {
  const dir = join(stack.stateDir, "minio-events");
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(".event")).length;
}

async function uploadBatch(prefix: string, n: number): Promise<{ key: string; id: string }[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const key = `${prefix}/clip-${i}.mp4`;
      const size = i % 4 === 0 ? 5 * MiB + 1024 : 2048;
      const up = await client.putObject(BUCKET, key, i % 4 === 0 ? randomStream(size) : randomBytes(size), size);
      return { key, id: videoId(BUCKET, key, up.etag) };
    }),
  );
}

async function allCatalogued(prefix: string, ids: string[]): Promise<boolean | undefined> {
  const have = new Set((await listVideos(stack)).filter((v) => v.source.key.startsWith(`${prefix}/`)).map((v) => v.id));
  return ids.every((id) => have.has(id)) ? true : undefined;
}

describe("ingest down: MinIO's queue_dir keeps every notification", () => {
  it(`uploads made while ingest is stopped (${OUTAGE_MS / 1000} s) are all delivered after it restarts`, async () => {
    await stack.stopService("ingest");
    const made = await uploadBatch("outage", 12);
    await waitFor("MinIO to queue all 12 notifications on disk", () => (queued() >= 12 ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    expect(capture.events.filter((e) => e.data!.key.startsWith("outage/"))).toEqual([]);
    expect(queued()).toBe(12);

    const t0 = Date.now();
    await stack.startService("ingest");
    const tUp = Date.now();
    await waitFor(
      "all 12 videos in the catalogue",
      () =>
        allCatalogued(
          "outage",
          made.map((m) => m.id),
        ),
      120_000,
    );
    const tAll = Date.now();
    console.log(
      `ingest outage ${OUTAGE_MS} ms: ingest healthy after ${tUp - t0} ms; all 12 catalogued ${tAll - tUp} ms after that; queue left: ${queued()}`,
    );

    const videos = (await listVideos(stack)).filter((v) => v.source.key.startsWith("outage/"));
    expect(videos.map((v) => v.id).sort()).toEqual(made.map((m) => m.id).sort());
    expect(videos.every((v) => v.status === "queued")).toBe(true);
    await waitFor("MinIO's queue to drain", () => (queued() === 0 ? true : undefined), 30_000);
  });

  it("notifications queued while ingest is down survive a MinIO restart too", async () => {
    await stack.stopService("ingest");
    const made = await uploadBatch("restart", 4);
    await waitFor("MinIO to queue 4 notifications", () => (queued() >= 4 ? true : undefined), 30_000);
    await stack.stopService("minio");
    await stack.startService("minio");
    expect(queued()).toBe(4);
    await stack.startService("ingest");
    await waitFor(
      "all 4 videos in the catalogue",
      () =>
        allCatalogued(
          "restart",
          made.map((m) => m.id),
        ),
      120_000,
    );
  });
});
