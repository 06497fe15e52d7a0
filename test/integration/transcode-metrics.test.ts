import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics, type Metrics } from "../../lib/runtime/metrics.js";
import { harness, lavfi, startServices, type Harness, type Services } from "../support/transcode-harness.js";

/*
 * The transcode numbers docs/operations.md tunes by: seconds per source second per job, and chunks waiting
 * (from Redis). Real ffmpeg, MinIO and Redis through the transcode test harness.
 */
let services: Services;
let h: Harness;
let metrics: Metrics;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-metrics-"));

beforeAll(async () => {
  services = await startServices();
  metrics = createMetrics("transcode", { processMetrics: false, chunksWaiting: () => h.deps.state.chunksWaiting() });
  h = await harness(services, { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "4", FIRST_CHUNK_SECONDS: "2" }, 2, metrics);
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const sample = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
};

describe("transcode metrics", () => {
  it("counts chunks waiting per video from Redis: planned minus chunk jobs done, until retired or unplanned", async () => {
    const { state } = h.deps;
    await state.planned("vaaaaaaaaaaaaaaaaaaa", 3);
    await state.markDone("vaaaaaaaaaaaaaaaaaaa", "c0000");
    await state.markDone("vaaaaaaaaaaaaaaaaaaa", "audio");
    await state.planned("vbbbbbbbbbbbbbbbbbbb", 2);
    expect(await state.chunksWaiting()).toBe(4);
    expect(sample(await metrics.registry.metrics(), "estrena_transcode_chunks_waiting{")).toBe(4);
    await state.unplan("vbbbbbbbbbbbbbbbbbbb");
    expect(await state.chunksWaiting()).toBe(2);
    await state.retire("vaaaaaaaaaaaaaaaaaaa", 60);
    expect(await state.chunksWaiting()).toBe(0);
  });

  it("records seconds per source second for every chunk and the audio, and nothing waits once the video is ready", async () => {
    const src = await lavfi(join(tmp, "m.mp4"), 6, "testsrc2=size=320x180:rate=30", "sine=frequency=440:sample_rate=48000", [
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-c:a",
      "aac",
    ]);
    await h.transcode(src, "m.mp4");
    const processing = h.videoEvents.find((e) => e.type === "dev.estrena.video.processing")?.data as { chunks: number } | undefined;
    expect(h.videoEvents.map((e) => e.type)).toContain("dev.estrena.video.ready");
    const text = await metrics.registry.metrics();
    expect(processing?.chunks).toBeGreaterThan(1);
    expect(sample(text, 'estrena_transcode_seconds_per_source_second_count{service="transcode",part="chunk"}')).toBe(processing?.chunks);
    expect(sample(text, 'estrena_transcode_seconds_per_source_second_count{service="transcode",part="audio"}')).toBe(1);
    expect(sample(text, 'estrena_transcode_seconds_per_source_second_sum{service="transcode",part="chunk"}')).toBeGreaterThan(0);
    expect(sample(text, "estrena_transcode_chunks_waiting{")).toBe(0);
  });
});
