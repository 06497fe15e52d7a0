import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamFillLock, streamObjectKey } from "../../lib/contracts/cache-keys.js";
import { parseConfig } from "../../lib/runtime/config.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { makeHls, newId, postCatalogueEvent, raw } from "../support/gateway.js";
import { startTestStack, type TestStack } from "../support/stack.js";

let stack: TestStack;
let s3: Client;
let redis: Redis;
let gw: string;
let media: Record<string, Buffer>;
let tmp: string;
const ID = newId();

async function publish(id: string, files: Record<string, Buffer>): Promise<void> {
  for (const [name, body] of Object.entries(files)) await s3.putObject("stream", `videos/${id}/${name}`, body);
}

function originGets(id: string, file: string): number {
  const log = readFileSync(join(stack.stateDir, "gateway", "logs", "origin.log"), "utf8");
  return log.split("\n").filter((l) => l.includes(` /_origin/stream/videos/${id}/${file} `)).length;
}

const postEvent = (type: string, data: object): Promise<number> => postCatalogueEvent(stack, type, data);

beforeAll(async () => {
  stack = await startTestStack({ without: ["watcher"] });
  gw = stack.urls.gateway.replace(/\/$/, "");
  s3 = createStorage(parseConfig(stack.env));
  redis = new Redis(stack.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined); // the Redis-down test stops it on purpose
  tmp = mkdtempSync(join(tmpdir(), "estrena-gw-"));
  media = makeHls(tmp);
  await publish(ID, media);
});

afterAll(async () => {
  redis?.disconnect();
  await stack?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("/stream/ headers", () => {
  const cases: [file: string, type: string, cacheControl: string][] = [
    ["master.m3u8", "application/vnd.apple.mpegurl", "public, max-age=10"],
    ["video.m3u8", "application/vnd.apple.mpegurl", "public, max-age=60"],
    ["live.m3u8", "application/vnd.apple.mpegurl", "public, max-age=1"],
    ["init.mp4", "video/mp4", "public, max-age=31536000, immutable"],
    ["seg_000.m4s", "video/mp4", "public, max-age=31536000, immutable"],
    ["poster.jpg", "image/jpeg", "public, max-age=31536000, immutable"],
    ["thumbnails.vtt", "text/vtt; charset=utf-8", "public, max-age=3600"],
  ];
  it.each(cases)("%s: %s, %s, CORS, ETag, security headers, exact bytes", async (file, type, cacheControl) => {
    const res = await fetch(`${gw}/stream/${ID}/${file}`, { headers: { "accept-encoding": "identity" } });
    const body = Buffer.from(await res.arrayBuffer());
    expect([res.status, res.headers.get("content-type"), res.headers.get("cache-control")]).toEqual([200, type, cacheControl]);
    expect([
      res.headers.get("access-control-allow-origin"),
      res.headers.get("x-content-type-options"),
      res.headers.get("cross-origin-resource-policy"),
    ]).toEqual(["*", "nosniff", "cross-origin"]);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(body.equals(media[file]!)).toBe(true);
  });

  it("sends the page's security headers, CSP included, even on a 404", async () => {
    const res = await fetch(`${gw}/no-such-page.html`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect([res.headers.get("x-frame-options"), res.headers.get("referrer-policy")]).toEqual(["DENY", "strict-origin-when-cross-origin"]);
  });

  it("gzips playlists and JSON, not segments", async () => {
    // One catalogue entry makes the list longer than gzip_min_length (256 bytes).
    const upload = {
      videoId: ID,
      bucket: "uploads",
      key: "clip.mp4",
      size: 1,
      etag: "e",
      eventName: "s3:ObjectCreated:Put",
      eventTime: new Date().toISOString(),
    };
    expect(await postEvent("com.amazonaws.s3.ObjectCreated:Put", upload)).toBe(204);
    // Viewers list only what plays: its progressive playlist makes it listed (and the list long enough to gzip).
    const renditions = [{ height: 90, width: 160, bandwidth: 200000, codecs: "avc1.640014" }];
    expect(await postEvent("dev.estrena.video.playable", { videoId: ID, renditions })).toBe(204);
    const heads = async (path: string) => (await raw(gw, path, "GET", { "accept-encoding": "gzip" })).headers["content-encoding"];
    expect([await heads(`/stream/${ID}/video.m3u8`), await heads("/api/videos"), await heads(`/stream/${ID}/seg_001.m4s`)]).toEqual([
      "gzip",
      "gzip",
      undefined,
    ]);
  });
});

describe("/stream/ HTTP semantics", () => {
  const url = () => `${gw}/stream/${ID}/seg_001.m4s`;
  const seg = () => media["seg_001.m4s"]!;

  it("answers byte ranges with 206 and exact bytes", async () => {
    const cases: [range: string, first: number, last: number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=100-", 100, seg().length - 1],
      ["bytes=-50", seg().length - 50, seg().length - 1],
      ["bytes=10-999999999", 10, seg().length - 1],
    ];
    for (const [range, first, last] of cases) {
      const res = await fetch(url(), { headers: { range } });
      const body = Buffer.from(await res.arrayBuffer());
      expect([range, res.status, res.headers.get("content-range")]).toEqual([range, 206, `bytes ${first}-${last}/${seg().length}`]);
      expect(body.equals(seg().subarray(first, last + 1))).toBe(true);
    }
  });

  it("answers an unsatisfiable range with 416, and ignores a range when If-Range names another version", async () => {
    const res = await fetch(url(), { headers: { range: `bytes=${seg().length}-` } });
    expect([res.status, res.headers.get("content-range")]).toEqual([416, `bytes */${seg().length}`]);
    const stale = await fetch(url(), { headers: { range: "bytes=0-9", "if-range": '"old"' } });
    expect([stale.status, (await stale.arrayBuffer()).byteLength]).toEqual([200, seg().length]);
  });

  it("answers If-None-Match with 304 (strong, weak and lists)", async () => {
    const etag = (await fetch(url())).headers.get("etag")!;
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await fetch(url(), { headers: { "if-none-match": inm } });
      expect([inm, res.status, res.headers.get("etag")]).toEqual([inm, 304, etag]);
    }
    expect((await fetch(url(), { headers: { "if-none-match": '"other"' } })).status).toBe(200);
  });

  it("answers HEAD with the length and no body", async () => {
    const res = await raw(gw, `/stream/${ID}/seg_001.m4s`, "HEAD");
    expect([res.status, res.headers["content-length"], res.body.length]).toEqual([200, String(seg().length), 0]);
  });

  it("answers a CORS preflight from another origin", async () => {
    const res = await raw(gw, `/stream/${ID}/seg_001.m4s`, "OPTIONS", {
      origin: "https://player.example",
      "access-control-request-method": "GET",
      "access-control-request-headers": "range",
    });
    expect([res.status, res.headers["access-control-allow-origin"], res.headers["access-control-allow-headers"]]).toEqual([
      204,
      "*",
      "Range, If-None-Match, If-Range",
    ]);
  });
});

describe("exposure", () => {
  it.each([
    ["POST", `/stream/${ID}/seg_000.m4s`],
    ["PUT", `/stream/${ID}/seg_000.m4s`],
    ["DELETE", `/stream/${ID}/seg_000.m4s`],
    ["PATCH", `/stream/${ID}/seg_000.m4s`],
    ["PUT", "/api/videos"],
    ["POST", "/api/videos"],
    ["DELETE", `/api/videos/${ID}`],
    ["POST", "/"],
    ["POST", "/healthz"],
    ["OPTIONS", "/api/videos"],
  ])("refuses %s %s with 405", async (method, path) => {
    expect((await raw(gw, path, method)).status).toBe(405);
  });

  it("never serves the uploads bucket, the origin, listings or anything outside videos/<id>/<file>", async () => {
    const secret = `TOP-SECRET-${randomBytes(8).toString("hex")}`;
    await s3.putObject("uploads", "private/secret.txt", Buffer.from(secret));
    await s3.putObject("stream", "index/sources/x.json", Buffer.from(secret));
    const paths = [
      "/uploads/private/secret.txt",
      "/stream/../uploads/private/secret.txt",
      `/stream/${ID}/../../uploads/private/secret.txt`,
      `/stream/${ID}/..%2F..%2Fuploads%2Fprivate%2Fsecret.txt`,
      "/stream/%2e%2e/uploads/private/secret.txt",
      `/stream/${ID}/%2e%2e/%2e%2e/index/sources/x.json`,
      "/stream/index/sources/x.json",
      "/_origin/uploads/private/secret.txt",
      `/_origin/stream/videos/${ID}/seg_000.m4s`,
      "/stream/",
      `/stream/${ID}/`,
      `/stream/${ID}`,
      `/stream/${ID}/meta.json`,
      `/stream/${ID}/a..m3u8`,
      `/stream/${ID.toUpperCase()}/seg_000.m4s`,
      `/stream/${ID.slice(0, -1)}/seg_000.m4s`,
      `/stream/${ID}/seg_000.m4s/x`,
      "/minio/admin/v3/info",
      "/minio/health/live",
      "/stream?list-type=2",
      "/api/../uploads/private/secret.txt",
    ];
    for (const path of paths) {
      const res = await raw(gw, path);
      expect([path, [400, 404].includes(res.status)]).toEqual([path, true]);
      expect(res.body.toString("latin1")).not.toContain(secret);
    }
  });
});

describe("caching", () => {
  it("turns 100 concurrent cold requests for one segment into one MinIO GET", async () => {
    const id = newId();
    await publish(id, { "seg_000.m4s": media["seg_000.m4s"]! });
    const bodies = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${gw}/stream/${id}/seg_000.m4s`).then(async (r) => [r.status, Buffer.from(await r.arrayBuffer())] as const),
      ),
    );
    expect(bodies.every(([status, body]) => status === 200 && body.equals(media["seg_000.m4s"]!))).toBe(true);
    expect(originGets(id, "seg_000.m4s")).toBe(1);
  });

  it("coalesces across replicas too: while another replica holds the fill lock, it waits for that replica's L2 copy", async () => {
    const id = newId();
    await publish(id, { "seg_003.m4s": media["seg_003.m4s"]! });
    // Another replica is fetching this object from MinIO: its lock is in Redis.
    await redis.set(streamFillLock(id, "seg_003.m4s"), "other-replica", "PX", 10_000);
    const pending = fetch(`${gw}/stream/${id}/seg_003.m4s`).then(
      async (r) => [r.status, r.headers.get("x-cache"), Buffer.from(await r.arrayBuffer())] as const,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(originGets(id, "seg_003.m4s")).toBe(0);
    // That replica stores its copy (different bytes here, to tell where the answer came from) and lets go.
    const theirs = Buffer.from("the other replica's copy");
    await redis.hset(streamObjectKey(id, "seg_003.m4s"), "etag", '"theirs"', "body", theirs);
    await redis.del(streamFillLock(id, "seg_003.m4s"));
    const [status, xcache, body] = await pending;
    expect([status, xcache, body.equals(theirs), originGets(id, "seg_003.m4s")]).toEqual([200, "L2", true, 0]);
  });

  it("fetches from MinIO itself when the replica holding the lock gives up without a copy", async () => {
    const id = newId();
    await publish(id, { "seg_003.m4s": media["seg_003.m4s"]! });
    await redis.set(streamFillLock(id, "seg_003.m4s"), "other-replica", "PX", 10_000);
    const pending = fetch(`${gw}/stream/${id}/seg_003.m4s`).then(async (r) => [r.status, Buffer.from(await r.arrayBuffer())] as const);
    await new Promise((r) => setTimeout(r, 300));
    await redis.del(streamFillLock(id, "seg_003.m4s"));
    const [status, body] = await pending;
    expect([status, body.equals(media["seg_003.m4s"]!), originGets(id, "seg_003.m4s")]).toEqual([200, true, 1]);
  });

  it("fills L1 and L2 (Redis) on a miss, then answers from L1 without another origin GET", async () => {
    const id = newId();
    await publish(id, { "live.m3u8": media["live.m3u8"]! });
    const xcache = async () => (await fetch(`${gw}/stream/${id}/live.m3u8`)).headers.get("x-cache");
    expect(await xcache()).toBe("MISS");
    expect(await xcache()).toBe("L1");
    expect(await redis.exists(streamObjectKey(id, "live.m3u8"))).toBe(1);
    expect(originGets(id, "live.m3u8")).toBe(1);
  });

  it("drops cached playlists when the catalogue applies video.ready", async () => {
    const id = newId();
    const master2 = Buffer.from(`${media["master.m3u8"]!.toString()}#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=320x180\nhi.m3u8\n`);
    await publish(id, { "master.m3u8": media["master.m3u8"]!, "poster.jpg": media["poster.jpg"]! });
    const upload = {
      videoId: id,
      bucket: "uploads",
      key: `${id}.mp4`,
      size: 1,
      etag: "e",
      eventName: "s3:ObjectCreated:Put",
      eventTime: new Date().toISOString(),
    };
    expect(await postEvent("com.amazonaws.s3.ObjectCreated:Put", upload)).toBe(204);
    const get = async () => {
      const res = await fetch(`${gw}/stream/${id}/master.m3u8`);
      return [res.headers.get("x-cache"), await res.text()];
    };
    expect(await get()).toEqual(["MISS", media["master.m3u8"]!.toString()]);
    await s3.putObject("stream", `videos/${id}/master.m3u8`, master2);
    // Past the master's L1 TTL (5 s, counted in whole seconds by nginx, so up to 6) the first request gets the old copy while one background request refreshes
    // it; the refreshed copy still comes from Redis: without an event it would stay for 10 minutes.
    const refreshed = async () => {
      await new Promise((r) => setTimeout(r, 6_500));
      expect((await get())[0]).toBe("L1-STALE");
      // Until the background refresh has landed, requests still get the old copy.
      let answer = await get();
      for (let i = 0; i < 50 && answer[0] !== "L1"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await get();
      }
      return answer;
    };
    expect(await refreshed()).toEqual(["L1", media["master.m3u8"]!.toString()]);
    expect(originGets(id, "master.m3u8")).toBe(1);

    const ready = {
      videoId: id,
      duration: 4,
      width: 160,
      height: 90,
      renditions: [{ height: 90, width: 160, bandwidth: 200000, codecs: "avc1.640014" }],
    };
    expect(await postEvent("dev.estrena.video.ready", ready)).toBe(204);
    expect(await redis.exists(streamObjectKey(id, "master.m3u8"))).toBe(0);
    expect(await refreshed()).toEqual(["L1", master2.toString()]);
    expect(originGets(id, "master.m3u8")).toBe(2);
    const video = (await (await fetch(`${gw}/api/videos/${id}`)).json()) as {
      status: string;
      poster: string | null;
      thumbnails: string | null;
    };
    expect([video.status, video.poster, video.thumbnails]).toEqual(["ready", `/stream/${id}/poster.jpg`, null]);
  });
});

describe("Redis down and back", () => {
  it("serves everything from MinIO while Redis is stopped, names the degradation, and caches again once it returns", async () => {
    const id = newId();
    await publish(id, media);
    await stack.stopService("redis");
    try {
      const files = Object.keys(media);
      const results = await Promise.all(
        files.flatMap((f) =>
          [1, 2, 3].map(() =>
            fetch(`${gw}/stream/${id}/${f}`).then(async (r) => [f, r.status, Buffer.from(await r.arrayBuffer()).equals(media[f]!)]),
          ),
        ),
      );
      expect(results.filter(([, status, same]) => status !== 200 || !same)).toEqual([]);
      const health = await fetch(`${gw}/healthz`);
      const body = (await health.json()) as { status: string; degraded: string[] };
      expect([health.status, body.status, body.degraded]).toEqual([200, "degraded", ["redis"]]);
      expect((await fetch(`${gw}/api/videos/${ID}`)).status).toBe(200);
      expect((await fetch(`${gw}/api/videos/${newId()}`)).status).toBe(404);
      expect((await fetch(`${gw}/api/videos`)).status).toBe(200);
    } finally {
      await stack.startService("redis");
    }
    // The gateway's breaker retries Redis after a second; the next cold object is stored in L2 again.
    const fresh = newId();
    await publish(fresh, { "seg_002.m4s": media["seg_002.m4s"]! });
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await fetch(`${gw}/stream/${fresh}/seg_002.m4s`)).status).toBe(200);
    let stored = 0;
    for (let i = 0; i < 50 && !stored; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await redis.exists(streamObjectKey(fresh, "seg_002.m4s"));
    }
    expect(stored).toBe(1);
    expect(((await (await fetch(`${gw}/healthz`)).json()) as { status: string }).status).toBe("ok");
  });
});

describe("crash", () => {
  it("comes back after nginx and its workers are SIGKILLed (the fill socket they leave behind is cleared)", async () => {
    const id = newId();
    await publish(id, { "seg_002.m4s": media["seg_002.m4s"]! });
    stack.killService("gateway", { restart: true });
    let status = 0;
    for (let i = 0; i < 150 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = await fetch(`${gw}/stream/${id}/seg_002.m4s`).then(
        (r) => r.status,
        () => 0,
      );
    }
    // A cold object needs the fill handler behind the socket: a 200 here means the new nginx bound it.
    expect([status, originGets(id, "seg_002.m4s")]).toEqual([200, 1]);
  });
});

describe("catalogue unreachable", () => {
  it("answers /api/ and /healthz with 503 JSON naming the catalogue, and recovers when it is back", async () => {
    await stack.stopService("catalogue");
    try {
      const api = await fetch(`${gw}/api/videos`);
      expect([api.status, await api.json()]).toEqual([503, { error: { code: "unavailable", message: "the catalogue is not answering" } }]);
      const health = await fetch(`${gw}/healthz`);
      expect([health.status, ((await health.json()) as { degraded: string[] }).degraded]).toEqual([503, ["catalogue"]]);
      expect((await fetch(`${gw}/stream/${ID}/seg_000.m4s`)).status).toBe(200);
    } finally {
      await stack.startService("catalogue");
    }
    expect((await fetch(`${gw}/api/videos`)).status).toBe(200);
  });
});
