import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listVideos } from "../support/ingest.js";
import type { TestStack } from "../support/stack.js";
import {
  faultsEnabled,
  getVideo,
  publishedIds,
  s3,
  SCENARIO_MS,
  sleep,
  startFaultStack,
  tempDir,
  tinyClip,
  upload,
  waitFinal,
  waitFor,
} from "./support.js";

/**
 * Ingest or the event router down for 60 s (5 s in plain `npm test`; `npm run test:faults` runs the full minute).
 * Uploads made during the outage are held in MinIO's queue_dir (ingest down) or refused by ingest with a 5xx and
 * kept queued by MinIO (router down); work the router had already accepted stays in its journal. Once the service
 * is back, everything is delivered and every video becomes ready, once.
 */
const OUTAGE_MS = Number(process.env.ESTRENA_OUTAGE_MS ?? (faultsEnabled(true) ? 60_000 : 5_000));
let stack: TestStack;
const dir = tempDir("outage");

describe.runIf(faultsEnabled())(`services down for ${OUTAGE_MS / 1000} s`, { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    stack = await startFaultStack();
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  const clip = () => tinyClip(dir, "o.mp4", 4);
  const uploadMany = (prefix: string, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => upload(stack, clip(), `${prefix}/clip-${i}.mp4`, `${prefix} ${i}`)));

  it("ingest down: uploads made meanwhile are all delivered and transcoded afterwards", async () => {
    await stack.stopService("ingest");
    const ids = await uploadMany("ingest-down", 5);
    await sleep(OUTAGE_MS);
    expect((await listVideos(stack)).filter((v) => v.source.key.startsWith("ingest-down/"))).toEqual([]);
    await stack.startService("ingest");
    const t0 = Date.now();
    const videos = await waitFinal(stack, ids, 5 * 60_000);
    console.log(
      `outage: ingest down ${OUTAGE_MS / 1000} s, ${ids.length} uploads meanwhile, all final ${((Date.now() - t0) / 1000).toFixed(1)} s after it was back`,
    );
    expect(ids.map((id) => videos.get(id)?.status)).toEqual(ids.map(() => "ready"));
  });

  it("router down: work in flight and uploads made meanwhile are all delivered afterwards", async () => {
    const inFlight = await uploadMany("router-inflight", 2);
    await waitFor(
      "a video to be processing",
      async () => ((await getVideo(stack, inFlight[0]!)).video?.status === "processing" ? true : undefined),
      120_000,
      100,
    );
    await stack.stopService("router");
    const during = await uploadMany("router-down", 5);
    await sleep(OUTAGE_MS);
    await stack.startService("router");
    const t0 = Date.now();
    const ids = [...inFlight, ...during];
    const videos = await waitFinal(stack, ids, 5 * 60_000);
    console.log(
      `outage: router down ${OUTAGE_MS / 1000} s with ${inFlight.length} videos in flight and ${during.length} uploads meanwhile, all final ${((Date.now() - t0) / 1000).toFixed(1)} s after it was back`,
    );
    expect(ids.map((id) => videos.get(id)?.status)).toEqual(ids.map(() => "ready"));
    // Once each: one catalogue entry and one published folder per upload.
    const catalogued = (await listVideos(stack)).filter((v) => v.source.key.startsWith("router-"));
    expect(catalogued.map((v) => v.id).sort()).toEqual([...ids].sort());
    expect((await publishedIds(s3(stack))).filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
  });
});
