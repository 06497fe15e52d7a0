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

/** Deliveries at transcode's Trigger, per video id, for keys under `prefix`; each video's deliveries must share one event id. */
function deliveries(prefix: string): Map<string, number> {
  const n = new Map<string, number>();
  const ids = new Map<string, string>();
  for (const e of capture.events.filter((x) => x.data!.key.startsWith(`${prefix}/`))) {
    const vid = e.data!.videoId;
    expect(ids.get(vid) ?? e.id).toBe(e.id);
    ids.set(vid, e.id);
    n.set(vid, (n.get(vid) ?? 0) + 1);
  }
  return n;
}

describe("two webhook targets: the fast one delivers at once, the queued one whatever the fast one could not", () => {
  it("with ingest up, each upload is delivered twice under one event id: once by each target", async () => {
    const made = await uploadBatch("both", 3);
    const seen = await waitFor("2 deliveries of each of the 3 uploads", () => {
      const d = deliveries("both");
      return [...d.values()].reduce((a, b) => a + b, 0) >= 6 ? d : undefined;
    });
    expect([...seen.keys()].sort()).toEqual(made.map((m) => m.id).sort());
    expect([...seen.values()]).toEqual([2, 2, 2]);
    await waitFor("MinIO's queue to drain", () => (queued() === 0 ? true : undefined), 30_000);
  });
});

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
    // The fast target's POSTs failed while ingest was down and are not retried: the queued target delivered each once.
    const once = await waitFor("12 deliveries at transcode's Trigger", () => {
      const d = deliveries("outage");
      return d.size >= 12 ? d : undefined;
    });
    expect([...once.values()]).toEqual(Array(12).fill(1));
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
    // MinIO started while the fast target's endpoint was down; the target works once ingest is back.
    const [later] = await uploadBatch("after-restart", 1);
    const d = await waitFor("both deliveries of an upload made after the restart", () => {
      const n = deliveries("after-restart");
      return (n.get(later!.id) ?? 0) >= 2 ? n : undefined;
    });
    expect([...d.values()]).toEqual([2]);
  });
});
