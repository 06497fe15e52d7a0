import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FfmpegCommand } from "../../lib/media/ffmpeg-args.js";
import { parsePlan } from "../../lib/media/plan.js";
import { harness, inspect, lavfi, startServices, streamText, type Harness, type Services } from "../support/transcode-harness.js";

/**
 * Instant publish reads the upload in place (issue 15): the plan step probes it, reads the keyframes from the MP4
 * index and remuxes it through a presigned URL with range requests, so the first playable publish never waits for a
 * download. The upload event alone (no job delivered) must end in `video.playable`, with no download, no copy of the
 * source on the worker's disk, a few ranged reads of the index, and ffmpeg allowed nothing but http for its input.
 * Real MinIO, Redis and ffmpeg; the MP4 source's moov is at the end (not faststart), the harder case for ranged reads;
 * a Matroska one has its Cues at the end, as recorders write them.
 */
let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-ranged-"));
const downloads: string[] = [];
const ranges: { offset: number; length: number }[] = [];
const commands: FfmpegCommand[] = [];
/** The largest file seen in the worker's scratch space while the remux ran. */
let largestScratchFile = 0;

function largestFile(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) max = Math.max(max, statSync(join(e.parentPath, e.name), { throwIfNoEntry: false })?.size ?? 0);
  }
  return max;
}

beforeAll(async () => {
  services = await startServices();
  const env = { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "4", FIRST_CHUNK_SECONDS: "2", X264_PRESET: "superfast" };
  h = await harness(services, env, 2, undefined, (d) => ({
    ...d,
    store: {
      ...d.store,
      download: async (b, k, p) => {
        downloads.push(k);
        await d.store.download(b, k, p);
      },
      readRange: async (b, k, offset, length) => {
        ranges.push({ offset, length });
        return d.store.readRange(b, k, offset, length);
      },
      putFile: async (k, p) => {
        largestScratchFile = Math.max(largestScratchFile, largestFile(d.config.workDir));
        await d.store.putFile(k, p);
      },
    },
    ffmpeg: (cmd, opts) => {
      commands.push(cmd);
      return d.ffmpeg(cmd, opts);
    },
  }));
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

describe("standard input read in place", () => {
  it("the upload event alone ends playable: ranged reads of the upload, never a download", async () => {
    for (const seen of [downloads, ranges, commands]) seen.length = 0;
    // H.264 High with B-frames, keyframes every 1 s, AAC-LC stereo, moov written after the samples.
    const src = await lavfi(join(tmp, "tail-moov.mp4"), 8, "testsrc2=size=640x360:rate=30", "sine=frequency=440:sample_rate=48000", [
      ...["-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "30", "-bf", "2"],
      ...["-c:a", "aac", "-ac", "2", "-b:a", "96k"],
    ]);
    const size = statSync(src).size;
    const { videoId: vid, event } = await h.upload(src, "ranged/tail-moov.mp4");
    await h.deliver(event);

    const types = h.videoEvents.filter((e) => (e.data as { videoId?: string }).videoId === vid).map((e) => e.type);
    expect(types).toContain("dev.estrena.video.processing");
    expect(types).toContain("dev.estrena.video.playable");
    // The remux ran in the plan step: no audio job went through the broker; the chunk jobs wait in the queue.
    expect(h.queue.map((e) => e.type)).not.toContain("dev.estrena.transcode.audio");
    expect(h.queue.map((e) => e.type)).toContain("dev.estrena.transcode.chunk");
    expect(downloads).toEqual([]);
    expect(largestScratchFile).toBeGreaterThan(0);
    expect(largestScratchFile).toBeLessThan(size / 2);

    // Sniff, top-level box headers, moov: a few small reads, far from the whole file.
    expect(ranges.length).toBeLessThanOrEqual(6);
    expect(ranges.reduce((n, r) => n + r.length, 0)).toBeLessThan(size / 4);
    // The keyframes came from the index: moov, at the end of the file, was read whole.
    expect(ranges.some((r) => r.offset > size / 2 && r.length > 1000)).toBe(true);

    // The remux read a presigned URL, with the demuxer pinned and only http allowed.
    const remux = commands.find((c) => c.outputs.some((o) => o.options.includes("copy")));
    expect(remux?.input.path).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/uploads\/ranged\/tail-moov\.mp4\?X-Amz-/);
    const opts = remux!.input.options;
    expect(opts[opts.indexOf("-protocol_whitelist") + 1]).toBe("http,tcp");
    expect(opts[opts.indexOf("-f") + 1]).toBe("mov");

    const plan = parsePlan(JSON.parse(await streamText(services.minio, `jobs/${vid}/plan.json`)));
    expect(plan.passthrough?.cuts).toEqual([0, 2, 4, 6]);
    const out = await inspect(services.minio, vid);
    expect(out.renditions.map((r) => r.name)).toEqual(["360p"]);
    expect(out.renditions[0]!.keyframes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out.audio?.channels).toBe(2);
  });

  it("a Matroska recording (OBS's default) too: its keyframes from the Cues at the end, a few ranged reads", async () => {
    for (const seen of [downloads, ranges, commands]) seen.length = 0;
    const src = await lavfi(join(tmp, "recording.mkv"), 8, "testsrc2=size=640x360:rate=30", "sine=frequency=440:sample_rate=48000", [
      ...["-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "30", "-bf", "2"],
      ...["-c:a", "aac", "-ac", "2", "-b:a", "96k"],
    ]);
    const size = statSync(src).size;
    const { videoId: vid, event } = await h.upload(src, "ranged/recording.mkv");
    await h.deliver(event);

    const types = h.videoEvents.filter((e) => (e.data as { videoId?: string }).videoId === vid).map((e) => e.type);
    expect(types).toContain("dev.estrena.video.playable");
    expect(downloads).toEqual([]);
    // Sniff, the EBML magic, the head (SeekHead, Info, Tracks), the Cues: never the clusters.
    expect(ranges.length).toBeLessThanOrEqual(6);
    expect(ranges.reduce((n, r) => n + r.length, 0)).toBeLessThan(size / 4);
    expect(ranges.some((r) => r.offset > size / 2)).toBe(true);
    const remux = commands.find((c) => c.outputs.some((o) => o.options.includes("copy")));
    const opts = remux!.input.options;
    expect(opts[opts.indexOf("-f") + 1]).toBe("matroska");

    // Matroska shifts every track by the AAC priming (21 ms), so the video's keyframes are that late.
    const plan = parsePlan(JSON.parse(await streamText(services.minio, `jobs/${vid}/plan.json`)));
    expect(plan.passthrough?.cuts[0]).toBeLessThan(0.1);
    expect(plan.passthrough?.cuts.map(Math.round)).toEqual([0, 2, 4, 6]);
    const out = await inspect(services.minio, vid);
    expect(out.renditions[0]!.keyframes.map(Math.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
