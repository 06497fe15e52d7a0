import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishLead } from "../../functions/transcode/publish-lead.js";
import { leadSpans } from "../../functions/transcode/steps/lead.js";
import type { Deps } from "../../functions/transcode/testing.js";
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
 * Non-standard input (issue 15): the lead rungs (360p and 240p here) are encoded from the start of the source by the
 * audio job, beside the audio, and published segment by segment with it; the chunks fill in the other rungs, and the
 * final playlists name every rung, cut at the same instants. Real ffmpeg, MinIO and Redis, the test playing the broker.
 */
let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-lead-"));
const env = { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "6", FIRST_CHUNK_SECONDS: "4", CHUNK_PARALLELISM: "1", X264_PRESET: "superfast" };
/** Every media playlist the test's video had written, in order: [name, segment durations]. */
const writes: [string, number[]][] = [];
/** Every playlist (master too) written, in order: [file name, text]. */
const texts: [string, string][] = [];
/** Makes the audio job's ffmpeg runs read the source at its own pace (-re), so segments close one at a time. */
let realtime = false;
/** The first output of every ffmpeg run, in order. */
const runs: string[] = [];

beforeAll(async () => {
  services = await startServices();
  const wrap = (d: Deps): Deps => ({
    ...d,
    ffmpeg: (cmd, o) => {
      runs.push(cmd.outputs[0]?.path ?? "");
      return d.ffmpeg(
        realtime && (o.niceness ?? 10) < 10 ? { ...cmd, input: { ...cmd.input, options: ["-re", ...cmd.input.options] } } : cmd,
        o,
      );
    },
    store: {
      ...d.store,
      putText: async (key, text) => {
        await d.store.putText(key, text);
        if (key.endsWith(".m3u8")) texts.push([key.slice(key.lastIndexOf("/") + 1), text]);
        const m = /\/(\w+)\.m3u8$/.exec(key);
        if (m && !text.includes("#EXT-X-STREAM-INF"))
          writes.push([m[1]!, [...text.matchAll(/^#EXTINF:([\d.]+),/gm)].map((x) => Number(x[1]))]);
      },
    },
  });
  h = await harness(services, env, 2, undefined, wrap);
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

/** 720p H.264 in MPEG-TS with MP2 audio: refused as standard (container, audio), so every rung is encoded. */
const nonStandard = (name: string, seconds: number) =>
  lavfi(join(tmp, name), seconds, "testsrc2=size=1280x720:rate=30", "sine=frequency=440:sample_rate=48000", [
    ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "mp2", "-f", "mpegts"],
  ]);
const take = (type: string) => {
  const i = h.queue.findIndex((e) => e.type === type);
  expect(i, `a queued ${type}`).toBeGreaterThanOrEqual(0);
  return h.queue.splice(i, 1)[0]!;
};
const seconds = (d: readonly number[]) => d.reduce((a, b) => a + b, 0);

/**
 * Replays the playlist writes of one video: once a media playlist is VOD it never goes back to EVENT, and each master
 * written names only playlists that exist and are all of one type (EVENT while it grows, VOD at the end). Between master
 * writes the playlists turn VOD one by one: a player may find either type on its next reload.
 */
function expectOneWay(log: readonly [string, string][]): void {
  const now = new Map<string, string>();
  const type = (t: string) => (t.includes("#EXT-X-ENDLIST") ? "VOD" : "EVENT");
  let checks = 0;
  for (const [file, text] of log) {
    const was = now.get(file);
    if (was && file !== "master.m3u8") expect(`${file}: ${type(was)} -> ${type(text)}`).not.toBe(`${file}: VOD -> EVENT`);
    now.set(file, text);
    if (file !== "master.m3u8") continue;
    const named = [...text.matchAll(/^(\w+\.m3u8)$/gm), ...text.matchAll(/URI="(\w+\.m3u8)"/g)].map((m) => m[1]!);
    const types = new Set(named.map((n) => `${now.has(n) ? type(now.get(n)!) : "missing"}`));
    expect([...types], `a master naming ${named.join(" ")}`).toHaveLength(1);
    expect(types.has("missing")).toBe(false);
    checks++;
  }
  // The lead's master and the final one.
  expect(checks).toBeGreaterThanOrEqual(2);
}

describe("non-standard input: lead rungs published segment by segment", () => {
  it("plays from the lead rungs and the audio before the first chunk is encoded, one segment at a time", async () => {
    const { videoId: vid, event } = await h.upload(await nonStandard("ns.ts", 12), `lead/ns-${Date.now()}.ts`);
    await h.deliver(event);
    const chunk0 = take("dev.estrena.transcode.chunk");
    const plan = parsePlan((chunk0.data as { plan: unknown }).plan);
    expect(plan.passthrough).toBeUndefined();
    expect(plan.rungs.map((r) => r.name)).toEqual(["720p", "480p", "360p", "240p"]);
    expect(plan.chunks.map((c) => Math.round(c.duration))).toEqual([4, 6, 2]);

    // Only the audio job (with the lead); chunk 0 is held back.
    writes.length = 0;
    texts.length = 0;
    realtime = true;
    try {
      await h.deliver(take("dev.estrena.transcode.audio"));
    } finally {
      realtime = false;
    }
    const master = await streamText(services.minio, `videos/${vid}/master.m3u8`);
    expect([...master.matchAll(/^(\w+)\.m3u8$/gm)].map((m) => m[1])).toEqual(["360p", "240p"]);
    expect(master).toContain('TYPE=AUDIO,GROUP-ID="audio"');
    expect(h.videoEvents.filter((e) => e.type === "dev.estrena.video.playable")).toHaveLength(1);

    // The 360p playlist grew one segment at a time: its first version named one segment (chunk 0 makes two).
    const lead = writes.filter(([n]) => n === "360p").map(([, d]) => d);
    expect(lead[0]).toEqual([2]);
    expect(lead.map((d) => d.length)).toEqual(lead.map((_, i) => i + 1));
    expect(lead.at(-1)).toHaveLength(6);
    // Audio in step: each audio playlist reaches the video written just before it, and goes no further than one segment past it.
    let video = 0;
    for (const [name, d] of writes) {
      if (name === "360p") video = seconds(d);
      if (name !== "audio") continue;
      expect(seconds(d)).toBeGreaterThanOrEqual(video - 0.03);
      expect(seconds(d)).toBeLessThan(video + 2.1);
    }
    const media = await streamText(services.minio, `videos/${vid}/360p.m3u8`);
    expect(media).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(media.match(/^360p_.*\.m4s$/gm)).toEqual([
      "360p_0000_000.m4s",
      "360p_0000_001.m4s",
      "360p_0001_000.m4s",
      "360p_0001_001.m4s",
      "360p_0001_002.m4s",
      "360p_0002_000.m4s",
    ]);
    expect(await streamText(services.minio, `videos/${vid}/720p.m3u8`).catch(() => null)).toBeNull();

    // The chunks fill in the other rungs; at the end every rung is named and cut at the same instants.
    h.queue.push(chunk0);
    while (h.queue.length) await h.deliver(h.queue.shift()!);
    expect(h.videoEvents.map((e) => e.type).at(-1)).toBe("dev.estrena.video.ready");
    const out = await inspect(services.minio, vid);
    expect(out.renditions.map((r) => r.name)).toEqual(["720p", "480p", "360p", "240p"]);
    const ref = out.renditions[0]!;
    expect(ref.extinf).toEqual([2, 2, 2, 2, 2, 2]);
    for (const r of out.renditions) {
      expect(r.extinf, r.name).toEqual(ref.extinf);
      expect(r.keyframes, r.name).toEqual(ref.keyframes);
      expect(r.pixFmt, r.name).toBe("yuv420p");
    }
    expect(Math.abs(out.audio!.duration - (await sourceDuration(join(tmp, "ns.ts"))))).toBeLessThanOrEqual(0.1);
    expect(out.files).toContain("poster.jpg");
    expect(out.vtt.match(/-->/g)).toHaveLength(6);
    expect(await streamText(services.minio, `videos/${vid}/360p.m3u8`)).toContain("#EXT-X-ENDLIST");
    expectOneWay(texts);

    // A lead publish that runs late, after the final publish but before finalize writes the ready marker (the
    // audio job's publisher and the last chunk's finalize race for the publish lock), leaves the VOD playlists alone.
    const ready = `jobs/${vid}/ready.json`;
    const record = await streamText(services.minio, ready);
    await h.deps.store.remove([ready]);
    const late = texts.length;
    try {
      expect((await publishLead(h.deps, plan)).first).toBe(false);
    } finally {
      await h.deps.store.putText(ready, record);
    }
    expect(texts.slice(late).map(([f]) => f)).toEqual([]);
    expect(await streamText(services.minio, `videos/${vid}/240p.m3u8`)).toContain("#EXT-X-ENDLIST");
  }, 300_000);

  it("leads a silent source too: its lead job runs without audio and the video ends whole", async () => {
    const src = await lavfi(join(tmp, "silent.mkv"), 8, "testsrc2=size=640x360:rate=25", null, [
      ...["-c:v", "libx264", "-preset", "ultrafast", "-g", "250", "-pix_fmt", "yuv420p"],
    ]);
    const vid = await h.transcode(src, `lead/silent-${Date.now()}.mkv`);
    const types = h.videoEvents.filter((e) => (e.data as { videoId: string }).videoId === vid).map((e) => e.type);
    expect(types.filter((t) => t === "dev.estrena.video.playable")).toHaveLength(1);
    expect(types.at(-1)).toBe("dev.estrena.video.ready");
    const out = await inspect(services.minio, vid);
    expect(out.audio).toBeNull();
    expect(out.renditions.map((r) => r.name)).toEqual(["360p", "240p"]);
    expect(out.renditions[1]!.keyframes).toEqual(out.renditions[0]!.keyframes);
    expect(out.files).toContain("240p_0000_000.m4s");
  }, 300_000);

  it("hands the lead on at a span boundary, and a new delivery goes on from the first span not done", async () => {
    const { videoId: vid, event } = await h.upload(await nonStandard("hand.ts", 12), `lead/hand-${Date.now()}.ts`);
    await h.deliver(event);
    const plan = parsePlan((take("dev.estrena.transcode.chunk").data as { plan: unknown }).plan);
    const audio = take("dev.estrena.transcode.audio");
    const src = await h.deps.store.presign(plan.source.bucket, plan.source.key, 600);
    let kicks = 0;
    // No budget left after the first span: it stops there and names the next.
    expect(await leadSpans(h.deps, plan, src, new AbortController().signal, () => kicks++, 0)).toBe(1);
    expect(kicks).toBeGreaterThan(0);
    const partial = JSON.parse(await streamText(services.minio, `jobs/${vid}/lead-partial.json`)) as { segments: number };
    expect(partial.segments).toBe(2);
    expect(await streamText(services.minio, `jobs/${vid}/done/l0001.json`).catch(() => null)).toBeNull();

    runs.length = 0;
    await h.deliver(audio);
    // The audio, and the lead from span 1 on: span 0 is not encoded again.
    expect(runs.filter((r) => /\/l\d{4}-/.test(r)).map((r) => /\/(l\d{4})-/.exec(r)![1])).toEqual(["l0001", "l0002"]);
    const media = await streamText(services.minio, `videos/${vid}/360p.m3u8`);
    expect(media.match(/^360p_.*\.m4s$/gm)).toHaveLength(6);
    expect(await streamText(services.minio, `jobs/${vid}/done/l0002.json`)).toContain('"chunk":2');
    // The chunks are not this test's subject.
    h.queue.length = 0;
  }, 300_000);
});
