import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePlan } from "../../lib/media/plan.js";
import {
  harness,
  inspect,
  lavfi,
  sourceDuration,
  startServices,
  streamText,
  type Harness,
  type Services,
} from "../support/transcode-harness.js";

/**
 * Standard input (issue 15): the source's video is remuxed as the top rung and published segment by segment, the
 * lower rungs are encoded with keyframes at the source's own cuts, and a source that a full decode rejects is
 * withdrawn. Real ffmpeg, MinIO and Redis; the transcode core in-process, the test playing the broker.
 */
let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-pass-"));
const env = { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "4", FIRST_CHUNK_SECONDS: "2", CHUNK_PARALLELISM: "1", X264_PRESET: "superfast" };

beforeAll(async () => {
  services = await startServices();
  h = await harness(services, env, 2);
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

/** A phone-like export: H.264 High 640x360 30 fps, a keyframe every 1.5 s (so cuts fall unevenly), AAC-LC stereo. */
const standard = (name: string, seconds: number) =>
  lavfi(join(tmp, name), seconds, "testsrc2=size=640x360:rate=30", "sine=frequency=440:sample_rate=48000", [
    ...["-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-pix_fmt", "yuv420p"],
    ...["-g", "45", "-keyint_min", "45", "-sc_threshold", "0"],
    ...["-c:a", "aac", "-ac", "2", "-b:a", "96k", "-movflags", "+faststart"],
  ]);

describe("standard input: remuxed top rung, aligned lower rungs", () => {
  it("publishes the source's video as is, cut at its keyframes, and every rung switches at the same instants", async () => {
    const src = await standard("std.mp4", 10);
    const vid = await h.transcode(src, "pass/std.mp4");
    const plan = parsePlan(JSON.parse(await streamText(services.minio, `jobs/${vid}/plan.json`)));
    // Keyframes at 0, 1.5, 3, ...: the muxer cuts at the first one at least 2 s past each cut.
    expect(plan.passthrough?.cuts).toEqual([0, 3, 4.5, 6, 9]);
    expect(plan.passthrough?.audio).toBe("copy");
    expect(plan.rungs.map((r) => r.name)).toEqual(["360p", "240p"]);
    expect(plan.chunks.every((c) => plan.passthrough?.cuts.includes(c.start))).toBe(true);

    const types = h.videoEvents.map((e) => e.type);
    expect(types).toContain("dev.estrena.video.playable");
    expect(types.at(-1)).toBe("dev.estrena.video.ready");

    const out = await inspect(services.minio, vid);
    expect(out.renditions.map((r) => r.name)).toEqual(["360p", "240p"]);
    const [top, low] = out.renditions;
    // The top rung is the source's stream: same profile and packets, not an x264 re-encode (ours are CRF-capped High).
    expect(top!.width).toBe(640);
    expect(top!.extinf).toEqual([3, 1.5, 1.5, 3, 1]);
    // Every segment of every rung starts on a keyframe at the same instant. The source keeps its other keyframes
    // (every 1.5 s); the encoded rung has keyframes exactly at the cuts and nowhere else.
    expect(low!.extinf).toEqual(top!.extinf);
    expect(low!.keyframes).toEqual([0, 3, 4.5, 6, 9]);
    expect(top!.keyframes).toEqual([0, 1.5, 3, 4.5, 6, 7.5, 9]);
    expect(await streamText(services.minio, `videos/${vid}/360p.m3u8`)).toContain("#EXT-X-TARGETDURATION:3");
    expect(Math.abs(top!.duration - (await sourceDuration(src)))).toBeLessThan(0.1);
    expect(out.audio?.channels).toBe(2);
    expect(Math.abs((out.audio?.duration ?? 0) - 10)).toBeLessThan(0.1);
    expect(out.master).toMatch(/360p\.m3u8/);
    expect(out.master).toMatch(/240p\.m3u8/);
  });

  it("a source damaged in the middle is published by the remux, then withdrawn when the lower rungs' decode fails", async () => {
    const good = await standard("damaged.mp4", 12);
    const bytes = readFileSync(good);
    // moov is at the front (+faststart): the middle of the file is sample data. 0xFF makes NAL lengths impossible.
    bytes.fill(0xff, Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 30_000);
    const bad = join(tmp, "damaged-bad.mp4");
    writeFileSync(bad, bytes);
    const before = h.videoEvents.length;
    const vid = await h.transcode(bad, "pass/damaged.mp4");
    const events = h.videoEvents.slice(before).filter((e) => (e.data as { videoId?: string }).videoId === vid);
    const failed = events.find((e) => e.type === "dev.estrena.video.failed");
    expect(failed?.data).toMatchObject({ error: { code: "truncated" } });
    expect(events.some((e) => e.type === "dev.estrena.video.ready")).toBe(false);
    const left: string[] = [];
    for await (const o of services.minio.listObjectsV2("stream", `videos/${vid}/`, true) as AsyncIterable<{ name?: string }>) {
      if (o.name) left.push(o.name);
    }
    expect(left).toEqual([]);
  });
});
