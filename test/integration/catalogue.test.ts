import { randomBytes } from "node:crypto";
import { HTTP } from "cloudevents";
import { Redis } from "ioredis";
import type { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceIndexObject, streamObjectKey } from "../../lib/contracts/cache-keys.js";
import { parseConfig } from "../../lib/runtime/config.js";
import { estrenaEvent } from "../../lib/contracts/events.js";
import { createStorage } from "../../lib/runtime/storage.js";
import type { Video } from "../../lib/contracts/video.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { deliveryAuthorization } from "../../lib/runtime/event-auth.js";

let stack: TestStack;
let s3: Client;
let redis: Redis;
let gw: string;

const newId = () => `v${randomBytes(10).toString("hex").slice(0, 19)}`;
const rendition = { height: 90, width: 160, bandwidth: 200000, codecs: "avc1.640014" };

async function post(type: string, data: unknown, contentType = "application/json"): Promise<number> {
  const msg = HTTP.binary(estrenaEvent("dev.estrena.video.progress", data as never).cloneWith({ type, source: "/test" }));
  const res = await fetch(stack.urls.catalogue, {
    method: "POST",
    // As the router delivers it: with its credential (EVENT_AUTH_TOKEN).
    headers: {
      ...(msg.headers as Record<string, string>),
      "content-type": contentType,
      ...deliveryAuthorization(stack.credentials.eventToken),
    },
    body: msg.body as string,
  });
  await res.body?.cancel();
  return res.status;
}

function uploadData(id: string, key: string, eventTime: string, title?: string) {
  return {
    videoId: id,
    bucket: "uploads",
    key,
    size: 10,
    etag: id,
    eventName: "s3:ObjectCreated:Put",
    eventTime,
    ...(title ? { title } : {}),
  };
}

async function api<T>(path: string): Promise<[number, T]> {
  const res = await fetch(`${gw}${path}`);
  return [res.status, (await res.json()) as T];
}

const editor = () => ({
  authorization: `Basic ${Buffer.from(`${stack.credentials.editor.user}:${stack.credentials.editor.password}`).toString("base64")}`,
});

/** The same call as editors make it (`/api/videos…` → `/api/studio/videos…`, HTTP Basic): every status, and the source. */
async function studio<T>(path: string): Promise<[number, T]> {
  const res = await fetch(`${gw}${path.replace(/^\/api\/videos/, "/api/studio/videos")}`, { headers: editor() });
  return [res.status, (await res.json()) as T];
}

async function meta(id: string): Promise<Video | null> {
  try {
    const stream = await s3.getObject("stream", `videos/${id}/meta.json`);
    const parts: Buffer[] = [];
    for await (const p of stream) parts.push(p as Buffer);
    return JSON.parse(Buffer.concat(parts).toString()) as Video;
  } catch {
    return null;
  }
}

beforeAll(async () => {
  stack = await startTestStack({ without: ["watcher"] });
  gw = stack.urls.gateway.replace(/\/$/, "");
  s3 = createStorage(parseConfig(stack.env));
  redis = new Redis(stack.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.cleanup();
});

describe("event intake", () => {
  it("follows a video from upload to ready, keeping progress in Redis and status changes in meta.json", async () => {
    const id = newId();
    const get = async () => (await studio<Video>(`/api/videos/${id}`))[1];
    const viewerStatus = async () => (await api<unknown>(`/api/videos/${id}`))[0];
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, "dir/first_clip.mp4", "2026-11-24T01:00:00.000Z"))).toBe(204);
    expect([(await get()).status, (await get()).title, (await meta(id))?.status]).toEqual(["queued", "first clip", "queued"]);
    // Nothing plays yet: viewers do not see it.
    expect(await viewerStatus()).toBe(404);

    expect(await post("dev.estrena.video.processing", { videoId: id, duration: 4, width: 160, height: 90, chunks: 1 })).toBe(204);
    expect(await post("dev.estrena.video.progress", { videoId: id, progress: 0.5 })).toBe(204);
    expect(await post("dev.estrena.video.progress", { videoId: id, progress: 0.25 })).toBe(204);
    expect([(await get()).status, (await get()).progress, (await get()).duration]).toEqual(["processing", 0.5, 4]);
    expect([(await meta(id))?.status, (await meta(id))?.progress]).toEqual(["processing", 0]);

    expect(await viewerStatus()).toBe(404);
    expect(await post("dev.estrena.video.playable", { videoId: id, renditions: [rendition] })).toBe(204);
    expect([(await get()).status, (await get()).hls]).toEqual(["processing", `/stream/${id}/master.m3u8`]);
    // The progressive playlist plays: viewers see it now, without the editors' fields.
    const [viewer, seen] = await api<Record<string, unknown>>(`/api/videos/${id}`);
    expect([viewer, "error" in seen, "source" in seen, seen.status]).toEqual([200, false, false, "processing"]);

    await s3.putObject("stream", `videos/${id}/thumbnails.vtt`, "WEBVTT\n");
    expect(await post("dev.estrena.video.ready", { videoId: id, duration: 4, width: 160, height: 90, renditions: [rendition] })).toBe(204);
    expect(await post("dev.estrena.video.failed", { videoId: id, error: { code: "truncated", message: "late" } })).toBe(204);
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, "dir/first_clip.mp4", "2026-11-24T01:00:00.000Z"))).toBe(204);
    const ready = await get();
    expect(ready).toEqual({
      id,
      title: "first clip",
      source: { bucket: "uploads", key: "dir/first_clip.mp4", size: 10, etag: id },
      createdAt: "2026-11-24T01:00:00.000Z",
      kind: "video",
      status: "ready",
      progress: 1,
      duration: 4,
      width: 160,
      height: 90,
      renditions: [rendition],
      hls: `/stream/${id}/master.m3u8`,
      poster: null,
      thumbnails: `/stream/${id}/thumbnails.vtt`,
      error: null,
    });
    expect(await meta(id)).toEqual(ready);
  });

  it("answers 400 to garbage and foreign types, 204 to our own types it has no use for, 503 (redeliver) to events for a video it does not know yet", async () => {
    const garbage = await fetch(stack.urls.catalogue, {
      method: "POST",
      headers: { "content-type": "application/json", ...deliveryAuthorization(stack.credentials.eventToken) },
      body: "{}",
    });
    expect([garbage.status, ((await garbage.json()) as { error: { code: string } }).error.code]).toEqual([400, "bad-request"]);
    expect(await post("com.example.unknown", { videoId: newId() })).toBe(400);
    expect(await post("dev.estrena.video.subtitles", { videoId: newId() })).toBe(204);
    expect(await post("dev.estrena.video.progress", { videoId: "../../etc", progress: 1 })).toBe(400);
    expect(await post("dev.estrena.video.progress", { videoId: newId(), progress: 0.1 })).toBe(503);
  });

  it("unpublishes on ObjectRemoved: record, media and gateway cache entries go", async () => {
    const id = newId();
    const key = `to delete/${id}.mp4`;
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, key, "2026-11-24T02:00:00.000Z"))).toBe(204);
    await s3.putObject("stream", `videos/${id}/seg_000.m4s`, Buffer.from("segment"));
    expect((await fetch(`${gw}/stream/${id}/seg_000.m4s`)).status).toBe(200);
    expect(await redis.exists(streamObjectKey(id, "seg_000.m4s"))).toBe(1);

    const removed = { bucket: "uploads", key, eventName: "s3:ObjectRemoved:Delete", eventTime: "2026-11-24T02:01:00.000Z" };
    expect(await post("com.amazonaws.s3.ObjectRemoved:Delete", removed)).toBe(204);
    expect(await post("com.amazonaws.s3.ObjectRemoved:Delete", removed)).toBe(204);
    const [status, body] = await api<{ error: { code: string } }>(`/api/videos/${id}`);
    expect([status, body.error.code]).toEqual([404, "not-found"]);
    const left: string[] = [];
    for await (const o of s3.listObjectsV2("stream", `videos/${id}/`, true)) left.push((o as { name: string }).name);
    expect(left).toEqual([]);
    expect(await redis.exists(streamObjectKey(id, "seg_000.m4s"))).toBe(0);
    expect(
      await s3.statObject("stream", sourceIndexObject("uploads", key)).then(
        () => "present",
        () => "gone",
      ),
    ).toBe("gone");
  });

  it("ignores the late copy of a replaced version's upload event and transcode's answer to it; the same file uploaded again later comes back", async () => {
    const [a, b] = [newId(), newId()];
    const key = `replaced/${a}.mp4`;
    const ready = (id: string) => ({ videoId: id, duration: 4, width: 160, height: 90, renditions: [rendition] });
    const first = uploadData(a, key, "2026-11-24T03:00:00.000Z");
    for (const [id, upload] of [
      [a, first],
      [b, uploadData(b, key, "2026-11-24T03:01:00.000Z")],
    ] as const) {
      expect(await post("com.amazonaws.s3.ObjectCreated:Put", upload)).toBe(204);
      expect(await post("dev.estrena.video.ready", ready(id))).toBe(204);
    }
    expect([(await api(`/api/videos/${a}`))[0], (await api(`/api/videos/${b}`))[0]]).toEqual([404, 200]);

    // MinIO's queued webhook target delivers the same notification up to 3 s after the fast one.
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", first)).toBe(204);
    expect(await post("dev.estrena.video.ready", ready(a))).toBe(204);
    expect([(await studio(`/api/videos/${a}`))[0], await meta(a)]).toEqual([404, null]);

    const again = uploadData(a, key, new Date(Date.now() + 1_000).toISOString());
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", again)).toBe(204);
    expect((await studio<Video>(`/api/videos/${a}`))[1].status).toBe("queued");
  });

  it("a late copy of a delete leaves an upload made under the key after it", async () => {
    const [a, b] = [newId(), newId()];
    const key = `deleted then uploaded/${a}.mp4`;
    const removed = { bucket: "uploads", key, eventName: "s3:ObjectRemoved:Delete", eventTime: "2026-11-24T04:01:00.000Z" };
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(a, key, "2026-11-24T04:00:00.000Z"))).toBe(204);
    expect(await post("com.amazonaws.s3.ObjectRemoved:Delete", removed)).toBe(204);
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(b, key, "2026-11-24T04:02:00.000Z"))).toBe(204);
    expect(await post("com.amazonaws.s3.ObjectRemoved:Delete", removed)).toBe(204);
    expect([(await studio(`/api/videos/${a}`))[0], (await studio(`/api/videos/${b}`))[0]]).toEqual([404, 200]);
  });
});

describe("GET /api/videos", () => {
  const ids = Array.from({ length: 5 }, newId);
  const titles = ["Mar azul", "Canción del mar", "Montaña", "Marzo", "Noche"];
  beforeAll(async () => {
    for (const [i, id] of ids.entries()) {
      expect(
        await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, `list/${id}.mp4`, `2026-11-2${i}T12:00:00.000Z`, titles[i])),
      ).toBe(204);
      // Viewers list only what plays.
      expect(await post("dev.estrena.video.playable", { videoId: id, renditions: [rendition] })).toBe(204);
    }
  });
  type Page = { videos: Video[]; next: string | null };

  it("pages newest first with an opaque cursor", async () => {
    let next: string | null = null;
    const all: string[] = [];
    do {
      const [status, page]: [number, Page] = await api<Page>(`/api/videos?limit=2${next ? `&cursor=${encodeURIComponent(next)}` : ""}`);
      expect([status, page.videos.length <= 2]).toEqual([200, true]);
      all.push(...page.videos.map((v) => v.id));
      next = page.next;
    } while (next);
    const mine = all.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
  });

  it("searches titles ignoring case and accents", async () => {
    const find = async (q: string) => (await api<Page>(`/api/videos?q=${encodeURIComponent(q)}`))[1].videos.map((v) => v.title);
    expect(await find("mar")).toEqual(["Marzo", "Canción del mar", "Mar azul"]);
    expect(await find("CANCION")).toEqual(["Canción del mar"]);
    expect(await find("montana")).toEqual(["Montaña"]);
  });

  it("answers a bad cursor or limit with 400 and a stable code", async () => {
    expect(await api("/api/videos?cursor=not-a-cursor")).toEqual([
      400,
      { error: { code: "bad-cursor", message: "cursor is not one this API returned" } },
    ]);
    expect((await api<{ error: { code: string } }>("/api/videos?limit=0"))[1].error.code).toBe("bad-request");
    expect(await api<{ error: { code: string } }>("/api/videos/not-an-id")).toEqual([
      404,
      { error: { code: "not-found", message: "no such video" } },
    ]);
  });

  it("rebuilds itself from MinIO after Redis is flushed", async () => {
    const before = (await studio<Page>("/api/videos?limit=100"))[1].videos;
    await redis.flushall();
    const after = (await studio<Page>("/api/videos?limit=100"))[1].videos;
    expect(after.map((v) => v.id)).toEqual(before.map((v) => v.id));
    expect(await redis.hlen("estrena:cat:videos")).toBe(before.length);
  });
});

/** Reads Server-Sent Events until the server closes the stream. */
async function readSse(res: Response, onEvent: (name: string, data: Video) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const name = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (name && data) onEvent(name, JSON.parse(data) as Video);
    }
  }
}

describe("GET /api/videos/:id/events", () => {
  it("streams the record, then progress and status changes, and ends after ready", async () => {
    const id = newId();
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, `sse/${id}.mp4`, "2026-11-24T03:00:00.000Z"))).toBe(204);
    // Viewers cannot follow what does not play yet; editors can.
    expect((await fetch(`${gw}/api/videos/${id}/events`)).status).toBe(404);
    const res = await fetch(`${gw}/api/studio/videos/${id}/events`, { headers: editor() });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
    const seen: [string, string, number][] = [];
    let sent = false;
    const done = readSse(res, (name, v) => {
      seen.push([name, v.status, v.progress]);
      if (!sent) {
        sent = true;
        void (async () => {
          await post("dev.estrena.video.progress", { videoId: id, progress: 0.3 });
          await post("dev.estrena.video.progress", { videoId: id, progress: 0.6 });
          await post("dev.estrena.video.playable", { videoId: id, renditions: [rendition] });
          await post("dev.estrena.video.ready", { videoId: id, duration: 4, width: 160, height: 90, renditions: [rendition] });
        })();
      }
    });
    await done;
    expect(seen).toEqual([
      ["video", "queued", 0],
      ["status", "processing", 0.3],
      ["progress", "processing", 0.6],
      ["status", "processing", 0.6],
      ["status", "ready", 1],
    ]);
  });

  it("answers 404 for an unknown video", async () => {
    expect((await fetch(`${gw}/api/videos/${newId()}/events`)).status).toBe(404);
  });
});

describe("GET /metrics (added by the deploy engineer: lib/runtime/metrics.ts)", () => {
  it("serves Prometheus metrics on the function's port, counting events by type and code, and not through the gateway", async () => {
    expect(await post("dev.estrena.video.progress", { videoId: "../../etc", progress: 1 })).toBe(400);
    const id = newId();
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, `metrics/${id}.mp4`, new Date().toISOString()))).toBe(204);
    const res = await fetch(new URL("/metrics", stack.urls.catalogue));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(
      /^estrena_events_failed_total\{type="dev\.estrena\.video\.progress",code="bad-request",service="catalogue"\} [1-9]\d*$/m,
    );
    expect(text).toMatch(/^estrena_events_handled_total\{type="com\.amazonaws\.s3\.ObjectCreated:Put",service="catalogue"\} [1-9]\d*$/m);
    const viaGateway = await fetch(`${gw}/metrics`);
    await viaGateway.body?.cancel();
    expect(viaGateway.status).toBe(404);
  });
});

describe("Redis down and back", () => {
  it("applies events and answers from MinIO while Redis is down, and never serves the stale cached copy afterwards", async () => {
    const id = newId();
    expect(await post("com.amazonaws.s3.ObjectCreated:Put", uploadData(id, `outage/${id}.mp4`, "2026-11-24T05:00:00.000Z"))).toBe(204);
    expect((await studio<Video>(`/api/videos/${id}`))[1].status).toBe("queued");
    await stack.stopService("redis");
    try {
      expect(await post("dev.estrena.video.processing", { videoId: id, duration: 4, width: 160, height: 90, chunks: 1 })).toBe(204);
      expect((await studio<Video>(`/api/videos/${id}`))[1].status).toBe("processing");
      const [status, page] = await studio<{ videos: Video[] }>("/api/videos?limit=100");
      expect([status, page.videos.find((v) => v.id === id)?.status]).toEqual([200, "processing"]);
      const health = await api<{ status: string; degraded: string[] }>("/healthz");
      expect(health).toEqual([200, expect.objectContaining({ status: "degraded", degraded: ["redis"] })]);
    } finally {
      await stack.startService("redis");
    }
    // Whatever Redis kept from before the outage says "queued"; the catalogue must answer "processing".
    for (let i = 0; i < 3; i++) {
      expect((await studio<Video>(`/api/videos/${id}`))[1].status).toBe("processing");
      expect((await studio<{ videos: Video[] }>("/api/videos?limit=100"))[1].videos.find((v) => v.id === id)?.status).toBe("processing");
      await new Promise((r) => setTimeout(r, 500));
    }
  });
});
