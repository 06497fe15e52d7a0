import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CloudEvent } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Deps, handleEvent, jobEvent } from "../../functions/transcode/testing.js";
import { parsePlan } from "../../lib/media/plan.js";
import {
  harness,
  inspect,
  lavfi,
  run,
  sourceDuration,
  startServices,
  streamText,
  type Harness,
  type Services,
} from "../support/transcode-harness.js";

/**
 * Publishing order, idempotency and recovery, driven job by job: real ffmpeg, MinIO and Redis, the transcode core
 * called in-process, and the test playing the broker.
 */
let services: Services;
let h: Harness;
let ffmpegRuns = 0;
/** When set, every write of a master playlist fails. */
let failMaster = false;
/** When set, runs after the audio's ffmpeg has finished and before the audio job goes on (to look at what it published). */
let afterAudioEncode: (() => Promise<void>) | null = null;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-pipe-"));
const env = {
  SEGMENT_SECONDS: "2",
  CHUNK_SECONDS: "4",
  FIRST_CHUNK_SECONDS: "2",
  CHUNK_PARALLELISM: "1",
  X264_PRESET: "superfast",
  JOB_LOCK_SECONDS: "3",
};

beforeAll(async () => {
  services = await startServices();
  const count = (d: Deps): Deps => ({
    ...d,
    store: {
      ...d.store,
      putText: async (key, text) => {
        if (failMaster && key.endsWith("/master.m3u8")) throw new Error("master write refused by the test");
        return d.store.putText(key, text);
      },
    },
    ffmpeg: async (cmd, o) => {
      ffmpegRuns++;
      await d.ffmpeg(cmd, o);
      if (afterAudioEncode && cmd.outputs.some((out) => out.path.endsWith("/audio.m3u8"))) await afterAudioEncode();
    },
  });
  h = await harness(services, env, 2, undefined, count);
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

const source = (name: string, seconds: number) =>
  lavfi(join(tmp, name), seconds, "testsrc2=size=320x240:rate=30", "sine=frequency=440:sample_rate=48000", [
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-c:a",
    "aac",
  ]);
const take = (type: string) => {
  const i = h.queue.findIndex((e) => e.type === type);
  expect(i, `a queued ${type}`).toBeGreaterThanOrEqual(0);
  return h.queue.splice(i, 1)[0]!;
};
async function exists(key: string): Promise<boolean> {
  return services.minio.statObject("stream", key).then(
    () => true,
    () => false,
  );
}
async function drain(): Promise<void> {
  while (h.queue.length) await h.deliver(h.queue.shift()!);
}
const typesFor = (vid: string) => h.videoEvents.filter((e) => (e.data as { videoId: string }).videoId === vid).map((e) => e.type);

describe("transcode: progressive, ordered publishing", () => {
  it("publishes chunk by chunk without gaps, master last, EVENT until finalize, then VOD", async () => {
    const { videoId: vid, event } = await h.upload(await source("prog.mp4", 10), "prog.mp4");
    const dir = `videos/${vid}/`;
    await h.deliver(event);
    expect(typesFor(vid)).toEqual(["dev.estrena.video.processing"]);
    const chunk0 = take("dev.estrena.transcode.chunk");
    const audio = take("dev.estrena.transcode.audio");
    const plan = parsePlan((chunk0.data as { plan: unknown }).plan);
    expect(plan.chunks.map((c) => [c.start, c.duration])).toEqual([
      [0, 2],
      [2, 4],
      [6, 4],
    ]);

    // Chunk 0 alone cannot be published: its audio is not there yet.
    await h.deliver(chunk0);
    expect(await exists(`${dir}240p_0000_000.m4s`)).toBe(true);
    expect(await exists(`${dir}master.m3u8`)).toBe(false);
    await h.deliver(audio);
    expect(await exists(`${dir}master.m3u8`)).toBe(true);
    expect(typesFor(vid)).toContain("dev.estrena.video.playable");

    const media = await streamText(services.minio, `${dir}240p.m3u8`);
    expect(media).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(media).not.toContain("#EXT-X-ENDLIST");
    expect(media.match(/^240p_.*\.m4s$/gm)).toEqual(["240p_0000_000.m4s"]);
    const audioList = await streamText(services.minio, `${dir}audio.m3u8`);
    expect(audioList).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    const named = [...(media + audioList).matchAll(/^(\w+\.m4s)$/gm), ...(media + audioList).matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!);
    for (const n of named) expect(await exists(dir + n), n).toBe(true);

    // Chunk 2 finishing before chunk 1 publishes nothing new: no gap is ever published.
    const chunk1 = take("dev.estrena.transcode.chunk");
    await h.deliver(jobEvent({ kind: "chunk", plan, chunk: 2 }) as CloudEvent<unknown>);
    expect((await streamText(services.minio, `${dir}240p.m3u8`)).match(/^240p_.*\.m4s$/gm)).toEqual(["240p_0000_000.m4s"]);
    await h.deliver(chunk1);
    expect((await streamText(services.minio, `${dir}240p.m3u8`)).match(/^240p_.*\.m4s$/gm)).toEqual([
      "240p_0000_000.m4s",
      "240p_0001_000.m4s",
      "240p_0001_001.m4s",
      "240p_0002_000.m4s",
      "240p_0002_001.m4s",
    ]);
    await drain();

    const types = typesFor(vid);
    expect(types.at(-1)).toBe("dev.estrena.video.ready");
    const final = await streamText(services.minio, `${dir}240p.m3u8`);
    expect(final).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(final.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
    const progress = h.videoEvents
      .filter((e) => e.type === "dev.estrena.video.progress" && (e.data as { videoId: string }).videoId === vid)
      .map((e) => (e.data as { progress: number }).progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe("transcode: audio published while it encodes", () => {
  it("makes a video with a soundtrack playable before its whole-file audio job has finished", async () => {
    const { videoId: vid, event } = await h.upload(await source("early.mp4", 10), "early.mp4");
    const dir = `videos/${vid}/`;
    await h.deliver(event);
    const chunk0 = take("dev.estrena.transcode.chunk");
    const audio = take("dev.estrena.transcode.audio");
    await h.deliver(chunk0);
    expect(await exists(`${dir}master.m3u8`)).toBe(false);

    // The audio's ffmpeg has written every segment; its job is held open until the master playlist appears (or 60 s).
    let seen: { audioDone: boolean; playable: boolean; audioList: string } | null = null;
    afterAudioEncode = async () => {
      for (let i = 0; i < 120 && !(await exists(`${dir}master.m3u8`)); i++) await new Promise((r) => setTimeout(r, 500));
      seen = {
        audioDone: await exists(`jobs/${vid}/done/audio.json`),
        playable: typesFor(vid).includes("dev.estrena.video.playable"),
        audioList: await streamText(services.minio, `${dir}audio.m3u8`).catch(() => ""),
      };
    };
    try {
      await h.deliver(audio);
    } finally {
      afterAudioEncode = null;
    }
    expect(seen).not.toBeNull();
    const early = seen!;
    expect([early.audioDone, early.playable]).toEqual([false, true]);
    // EVENT, no ENDLIST, and only the audio that goes with the published chunk 0 (0-2 s): its first segment.
    expect(early.audioList).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(early.audioList).not.toContain("#EXT-X-ENDLIST");
    expect(early.audioList.match(/^audio_.*\.m4s$/gm)).toEqual(["audio_00000.m4s"]);
    const named = [...early.audioList.matchAll(/^(\w+\.m4s)$/gm), ...early.audioList.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]!);
    for (const n of named) expect(await exists(dir + n), n).toBe(true);

    await drain();
    expect(typesFor(vid).at(-1)).toBe("dev.estrena.video.ready");
    expect(typesFor(vid).filter((t) => t === "dev.estrena.video.playable")).toHaveLength(1);
    const final = await streamText(services.minio, `${dir}audio.m3u8`);
    expect(final).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(final.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
  });
});

describe("transcode: idempotency and recovery", () => {
  it("duplicated and concurrent deliveries do every job once and publish the same output", async () => {
    const src = await source("dup.mp4", 8);
    const { videoId: vid, event } = await h.upload(src, "dup.mp4");
    const before = ffmpegRuns;
    await Promise.all([h.deliver(event), h.deliver(event)]);
    // Every job event arrives twice, at the same time.
    while (h.queue.length) {
      const batch = h.queue.splice(0, h.queue.length);
      await Promise.all(batch.flatMap((e) => [h.deliver(e), h.deliver(e)]));
    }
    const plan = parsePlan(JSON.parse(await streamText(services.minio, `jobs/${vid}/plan.json`)));
    expect(plan.chunks).toHaveLength(3);
    expect(ffmpegRuns - before).toBe(plan.chunks.length + 1);
    const out = await inspect(services.minio, vid);
    expect(out.renditions[0]!.extinf).toEqual([2, 2, 2, 2]);
    expect(Math.abs(out.renditions[0]!.duration - (await sourceDuration(src)))).toBeLessThanOrEqual(0.1);
    expect(typesFor(vid).filter((t) => t === "dev.estrena.video.ready").length).toBeGreaterThanOrEqual(1);

    // The same upload event after the video is ready: answered `ready` again, no work.
    const again = ffmpegRuns;
    const n = h.videoEvents.length;
    await h.deliver(event);
    expect(ffmpegRuns).toBe(again);
    expect(h.videoEvents.slice(n).map((e) => e.type)).toEqual(["dev.estrena.video.ready"]);
    expect(h.queue).toEqual([]);
  });

  it("the second delivery of an upload (MinIO's queued target after the fast one) answers 202 at once, with no work", async () => {
    const src = await source("twice.mp4", 4);
    const { videoId: vid, event } = await h.upload(src, "twice.mp4");
    // While the first delivery plans, in this process: the duplicate does not wait for it.
    const first = h.deliver(event);
    const during = await handleEvent(h.deps, event);
    await first;
    expect(during).toEqual({ status: 202 });
    const jobs = h.queue.length;
    expect(jobs).toBeGreaterThan(0);
    expect(await exists(`jobs/${vid}/started.json`)).toBe(true);
    // After the plan step handed its work on to the job events: no plan, no job, no reply.
    const before = ffmpegRuns;
    const events = h.videoEvents.length;
    expect(await handleEvent(h.deps, event)).toEqual({ status: 202 });
    expect(h.queue).toHaveLength(jobs);
    expect(h.videoEvents).toHaveLength(events);
    await drain();
    expect(ffmpegRuns - before).toBeGreaterThan(0);
    expect(typesFor(vid).at(-1)).toBe("dev.estrena.video.ready");
  });

  it("after the catalogue removed its video, a late copy of the upload event redoes nothing; the same file uploaded again is transcoded anew", async () => {
    const src = await source("again.mp4", 4);
    const { videoId: vid, event } = await h.upload(src, `again-${Date.now()}.mp4`);
    await h.deliver(event);
    await drain();
    expect(typesFor(vid).at(-1)).toBe("dev.estrena.video.ready");
    // As the catalogue's unpublish does: the stream goes, the job records stay.
    const published: string[] = [];
    for await (const o of services.minio.listObjectsV2("stream", `videos/${vid}/`, true)) published.push((o as { name: string }).name);
    await services.minio.removeObjects("stream", published);

    const before = ffmpegRuns;
    await h.deliver(event);
    await drain();
    expect(ffmpegRuns).toBe(before);
    expect(await exists(`videos/${vid}/master.m3u8`)).toBe(false);

    const data = event.data as { eventTime: string };
    const later = event.cloneWith({ data: { ...data, eventTime: new Date(Date.parse(data.eventTime) + 60_000).toISOString() } });
    const sent = typesFor(vid).length;
    await h.deliver(later);
    await drain();
    expect(ffmpegRuns - before).toBeGreaterThan(0);
    // From scratch: playable again (the job state in Redis went with the records), then ready.
    const anew = typesFor(vid).slice(sent);
    expect(anew).toContain("dev.estrena.video.playable");
    expect(anew.at(-1)).toBe("dev.estrena.video.ready");
    const out = await inspect(services.minio, vid);
    expect(Math.abs(out.renditions[0]!.duration - (await sourceDuration(src)))).toBeLessThanOrEqual(0.1);
  });

  it("says playable once, before ready, when only finalize could write the master (the lead's progressive publish failed)", async () => {
    // 720p: the rungs up to 360p are lead rungs, published as they go by the audio job, which logs a failed publish and goes on.
    const src = await lavfi(join(tmp, "late-master.mp4"), 4, "testsrc2=size=1280x720:rate=30", "sine=frequency=440:sample_rate=48000", [
      ...["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"],
    ]);
    const { videoId: vid, event } = await h.upload(src, `late-master-${Date.now()}.mp4`);
    failMaster = true;
    let finalize: CloudEvent<unknown> | undefined;
    try {
      await h.deliver(event);
      while (h.queue.length) {
        const job = h.queue.shift()!;
        if (job.type === "dev.estrena.transcode.finalize") finalize = job;
        else await h.deliver(job);
      }
    } finally {
      failMaster = false;
    }
    expect(typesFor(vid)).not.toContain("dev.estrena.video.failed");
    expect(typesFor(vid)).not.toContain("dev.estrena.video.playable");
    expect(await exists(`videos/${vid}/master.m3u8`)).toBe(false);
    expect(finalize, "every job done, finalize asked for").toBeDefined();
    await h.deliver(finalize!);
    const types = typesFor(vid);
    expect(types.filter((t) => t === "dev.estrena.video.playable")).toHaveLength(1);
    expect(types.indexOf("dev.estrena.video.playable")).toBeLessThan(types.indexOf("dev.estrena.video.ready"));
    expect(await exists(`videos/${vid}/master.m3u8`)).toBe(true);
  });

  it("completes after Redis is flushed in the middle, from what the bucket holds", async () => {
    const src = await source("flush.mp4", 8);
    const { videoId: vid, event } = await h.upload(src, "flush.mp4");
    await h.deliver(event);
    await h.deliver(take("dev.estrena.transcode.audio"));
    await h.deliver(take("dev.estrena.transcode.chunk"));
    await run("redis-cli", ["-u", services.env.REDIS_URL!, "flushall"]);
    const before = ffmpegRuns;
    await drain();
    expect(ffmpegRuns - before).toBe(2);
    expect(typesFor(vid).at(-1)).toBe("dev.estrena.video.ready");
    const out = await inspect(services.minio, vid);
    expect(out.renditions[0]!.extinf).toEqual([2, 2, 2, 2]);
    expect(Math.abs(out.audio!.duration - (await sourceDuration(src)))).toBeLessThanOrEqual(0.1);
  });
});
