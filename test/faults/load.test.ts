import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runViewers, type ViewerReport } from "../../bench/load-viewers.js";
import type { TestStack } from "../support/stack.js";
import { faultsEnabled, SCENARIO_MS, startFaultStack, tempDir, tinyClip, upload, waitFinal } from "./support.js";

/**
 * Load: 20 uploads at once while 200 simulated viewers play already published videos at realtime pace through
 * the gateway. Every upload must reach `ready`, and no viewer request may fail or stall (no answer within our player's
 * 10 s timeout). Rebuffers (a segment arriving after the playhead reached it) are reported, not asserted: how many
 * there are depends on what else the two cores run, not only on estrena.
 */
const UPLOADS = Number(process.env.ESTRENA_LOAD_UPLOADS ?? 20);
const VIEWERS = Number(process.env.ESTRENA_LOAD_VIEWERS ?? 200);

let stack: TestStack;
const dir = tempDir("load");

describe.runIf(faultsEnabled())("load", { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    stack = await startFaultStack();
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  it(`${UPLOADS} uploads at once while ${VIEWERS} viewers stream: all ready, no failed or stalled request`, async () => {
    const seeds = await Promise.all(
      [0, 1, 2].map((i) => upload(stack, tinyClip(dir, `seed-${i}.mp4`, 6), `load/seed-${i}.mp4`, `seed ${i}`)),
    );
    expect([...(await waitFinal(stack, seeds, 180_000)).values()].map((v) => v.status)).toEqual(["ready", "ready", "ready"]);

    const audience = new AbortController();
    const watching: Promise<ViewerReport> = runViewers({
      base: stack.urls.gateway,
      ids: seeds,
      viewers: VIEWERS,
      durationMs: 30 * 60_000,
      rampMs: 5_000,
      signal: audience.signal,
    });
    const t0 = Date.now();
    const clip = tinyClip(dir, "burst.mp4", 5);
    const ids = await Promise.all(
      Array.from({ length: UPLOADS }, (_, i) => upload(stack, clip, `load/burst-${String(i).padStart(2, "0")}.mp4`, `burst ${i}`)),
    );
    const videos = await waitFinal(stack, ids, 15 * 60_000);
    const allReadyMs = Date.now() - t0;
    audience.abort();
    const report = await watching;

    const statuses = ids.map(
      (id) => `${id}:${videos.get(id)?.status}${videos.get(id)?.error ? ` ${JSON.stringify(videos.get(id)?.error)}` : ""}`,
    );
    expect(statuses).toEqual(ids.map((id) => `${id}:ready`));
    console.log(
      `load: ${UPLOADS} uploads ready in ${(allReadyMs / 1000).toFixed(1)} s while ${VIEWERS} viewers made ${report.requests} requests ` +
        `(${(report.bytes / 1e6).toFixed(1)} MB, ${report.sessions} videos played to the end, ${report.playedSeconds} s of media); ` +
        `latency p50 ${report.latencyMs.p50} ms p99 ${report.latencyMs.p99} ms max ${report.latencyMs.max} ms; failed or stalled requests ${report.failures.length}, rebuffers ${report.rebuffers.length}`,
    );
    expect(report.failures).toEqual([]);
    // The audience really was watching during the burst: every viewer played at least one whole video.
    expect(report.sessions).toBeGreaterThanOrEqual(VIEWERS);
  });
});
