import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopyConditions, type Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { videoId } from "../../../lib/runtime/ids.js";
import { startTestStack, type TestStack } from "../../support/stack.js";
import {
  MiB,
  createdNotification,
  getVideo,
  listVideos,
  postToIngest,
  randomStream,
  s3,
  startCapture,
  waitFor,
  type Capture,
} from "../../support/ingest.js";
import { defaultTitle } from "../../../functions/catalogue/title.js";

const BUCKET = "uploads";
let stack: TestStack;
let capture: Capture;
let client: Client;

beforeAll(async () => {
  capture = await startCapture();
  // transcode's Trigger delivers to the capture server instead: videos stay queued and we see each event.
  stack = await startTestStack({ without: ["watcher", "gateway"], subscribers: { transcode: capture.url } });
  client = s3(stack);
});

afterAll(async () => {
  await stack?.cleanup();
  await capture?.close();
});

const eventsFor = (prefix: string) => capture.events.filter((e) => e.data!.key.startsWith(prefix));
const videosUnder = async (prefix: string) => (await listVideos(stack)).filter((v) => v.source.key.startsWith(prefix));

describe("every upload becomes exactly one video", () => {
  it("50 concurrent uploads, single-part and multipart, make exactly 50 queued videos with distinct ids", async () => {
    const jobs = Array.from({ length: 50 }, (_, i) => {
      const multipart = i % 5 === 0; // 10 of them, in ≥ 5 MiB parts
      const key = `c50/${multipart ? "multi" : "single"}-${i}.mp4`;
      const size = multipart ? 10 * MiB + 4096 : 4096;
      return { key, size, multipart };
    });
    const results = await Promise.all(
      jobs.map(async (j) => ({
        ...j,
        etag: (await client.putObject(BUCKET, j.key, j.multipart ? randomStream(j.size) : randomBytes(j.size), j.size)).etag,
      })),
    );
    // Multipart ETags end in -<number of parts>. (minio-js may merge buffered 5 MiB blocks into bigger parts, so the count varies.)
    expect(results.filter((r) => r.multipart && /^[0-9a-f]{32}-\d+$/.test(r.etag))).toHaveLength(10);

    const videos = await waitFor("50 videos in the catalogue", async () => {
      const v = await videosUnder("c50/");
      return v.length >= 50 ? v : undefined;
    });
    expect(videos).toHaveLength(50);
    expect(new Set(videos.map((v) => v.id)).size).toBe(50);
    expect(videos.map((v) => v.status)).toEqual(Array(50).fill("queued"));
    const expected = results
      .map((r) => ({ id: videoId(BUCKET, r.key, r.etag), key: r.key, size: r.size }))
      .sort((a, b) => a.key.localeCompare(b.key));
    expect(videos.map((v) => ({ id: v.id, key: v.source.key, size: v.source.size })).sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      expected,
    );

    // The same events reached transcode's Trigger: 40 Put, 10 CompleteMultipartUpload, one id each. Each upload is
    // delivered at least twice (MinIO's fast and queued webhook targets, tools/minio-bootstrap/setup.ts), with the same
    // id; sometimes a third: 5 s after MinIO starts, the stack's resync (tools/minio-resync) announces, as a Put, each upload
    // the catalogue had not recorded yet. The id makes every repeat harmless; the types are read from the first delivery.
    const perId = (e: typeof capture.events) => {
      const n = new Map<string, number>();
      for (const x of e) n.set(x.id, (n.get(x.id) ?? 0) + 1);
      return n;
    };
    const events = await waitFor("both deliveries of each of the 50 uploads at the transcode subscriber", () => {
      const e = eventsFor("c50/");
      const n = perId(e);
      return n.size >= 50 && [...n.values()].every((c) => c >= 2) ? e : undefined;
    });
    const byId = new Map<string, (typeof events)[number]>();
    for (const e of events) if (!byId.has(e.id)) byId.set(e.id, e);
    expect(byId.size).toBe(50);
    const counts = [...perId(events).values()];
    console.log(`50 uploads: ${events.length} deliveries; per upload ${Math.min(...counts)}-${Math.max(...counts)}`);
    const types = [...byId.values()].map((e) => e.type);
    expect(types.filter((t) => t === "com.amazonaws.s3.ObjectCreated:Put")).toHaveLength(40);
    expect(types.filter((t) => t === "com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload")).toHaveLength(10);
    expect(new Set([...byId.values()].map((e) => e.data!.videoId))).toEqual(new Set(expected.map((e) => e.id)));
  });

  it("the same object sent 5 times (5 PUTs of the same bytes, each notified by both targets, then 5 identical notifications) is 1 video", async () => {
    const bytes = randomBytes(4096);
    const key = "same/again.mp4";
    const etags: string[] = [];
    for (let i = 0; i < 5; i++) etags.push((await client.putObject(BUCKET, key, bytes, bytes.length)).etag);
    expect(new Set(etags).size).toBe(1);
    const note = createdNotification(BUCKET, key, etags[0]!, bytes.length);
    for (let i = 0; i < 5; i++) expect((await postToIngest(stack, note)).status).toBe(200);

    const events = await waitFor("15 deliveries of the same upload", () => {
      const e = eventsFor("same/");
      return e.length >= 15 ? e : undefined;
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(1);
    expect(new Set(events.map((e) => e.data!.videoId))).toEqual(new Set([videoId(BUCKET, key, etags[0]!)]));
    const videos = await videosUnder("same/");
    expect(videos.map((v) => [v.id, v.status])).toEqual([[videoId(BUCKET, key, etags[0]!), "queued"]]);
  });

  it("server-side copies and multipart uploads arrive as ObjectCreated, titles included", async () => {
    const size = 5 * MiB + 1;
    const up = await client.putObject(BUCKET, "copies/original.mp4", randomStream(size), size, { "X-Amz-Meta-Title": "Original cut" });
    await client.copyObject(BUCKET, "copies/copy.mp4", `/${BUCKET}/copies/original.mp4`, new CopyConditions());
    const events = await waitFor("the multipart and the copy events", () => {
      const e = eventsFor("copies/");
      return new Set(e.map((x) => x.data!.key)).size >= 2 ? e : undefined;
    });
    const byKey = Object.fromEntries(events.map((e) => [e.data!.key, e]));
    expect(byKey["copies/original.mp4"]!.type).toBe("com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload");
    expect(byKey["copies/copy.mp4"]!.type).toBe("com.amazonaws.s3.ObjectCreated:Copy");
    expect(up.etag).toMatch(/^[0-9a-f]{32}-\d+$/);
    // A copy is a new single-part object: MinIO gives it the MD5 of the content as ETag, hence another video id.
    expect(byKey["copies/copy.mp4"]!.data!.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(byKey["copies/copy.mp4"]!.data!.title).toBe("Original cut");
    const videos = await waitFor("two videos", async () => {
      const v = await videosUnder("copies/");
      return v.length >= 2 ? v : undefined;
    });
    expect(videos.map((v) => v.title).sort()).toEqual(["Original cut", "Original cut"]);
    expect(new Set(videos.map((v) => v.id)).size).toBe(2);
  });
});

describe("the webhook refuses what it must", () => {
  /** Sends a good notification after the bad ones and waits for it: anything the bad ones emitted would have arrived first. */
  async function sentinel(key: string): Promise<void> {
    await client.putObject(BUCKET, key, randomBytes(64), 64);
    // Both deliveries (fast and queued target), so that none of this sentinel's arrives during the next test.
    await waitFor(`the sentinel ${key}`, () => (eventsFor(key).length >= 2 ? true : undefined));
  }

  it.each([
    ["no Authorization header", null],
    ["a wrong token", "Bearer not-the-token"],
    ["the right token without its scheme", "TOKEN"],
  ])("answers 401 to %s and emits nothing", async (_, auth) => {
    const key = `refused/401-${String(auth).slice(0, 6)}.mp4`;
    const res = await postToIngest(
      stack,
      createdNotification(BUCKET, key, "0123456789abcdef0123456789abcdef", 10),
      auth === "TOKEN" ? stack.credentials.webhookToken : auth,
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual({ error: { code: "unauthorized", message: "missing or wrong bearer token" } });
    await sentinel(`refused/sentinel-401-${String(auth).slice(0, 6)}.mp4`);
    expect(eventsFor(key)).toEqual([]);
    expect((await getVideo(stack, videoId(BUCKET, key, "0123456789abcdef0123456789abcdef"))).status).toBe(404);
  });

  it.each([
    ["malformed JSON", '{"Records":[{"s3":', "application/json"],
    ["malformed JSON as text", '{"Records":[{"s3":', "text/plain"],
    ["a JSON body that is not a notification", '{"hello":"world"}', "application/json"],
    [
      "a record missing its object",
      JSON.stringify({
        Records: [
          {
            eventSource: "minio:s3",
            eventTime: new Date().toISOString(),
            eventName: "s3:ObjectCreated:Put",
            s3: { bucket: { name: BUCKET } },
          },
        ],
      }),
      "application/json",
    ],
  ])("answers 400 to %s and emits nothing", async (_, body, type) => {
    const before = capture.events.length;
    const res = await postToIngest(stack, body, `Bearer ${stack.credentials.webhookToken}`, type);
    expect(res.status).toBe(400);
    await sentinel(`refused/sentinel-400-${before}.mp4`);
    expect(
      capture.events
        .slice(before)
        .map((e) => e.data!.key)
        .filter((k) => k.startsWith("refused/")),
    ).toEqual([`refused/sentinel-400-${before}.mp4`, `refused/sentinel-400-${before}.mp4`]);
  });
});

describe("hostile keys", () => {
  const stored: [string, string][] = [
    ["spaces", "hostile/with  two spaces .mp4"],
    ["unicode", "hostile/日本語 動画 🎬 ü.mp4"],
    ["plus and percent", "hostile/a+b%2Fc%25d 100%.mp4"],
    ["nested prefixes", "hostile/a/b/c/d/e/f.mp4"],
    ["backslashes", "hostile/a\\b\\windows\\x.mp4"],
    ["control characters", "hostile/ctl\u0001\u001f\ttab\nnewline.mp4"],
    ["quotes", "hostile/say \"hi\" 'there'.mp4"],
    ["1,000 characters", `hostile/${"a".repeat(250)}/${"b".repeat(250)}/${"c".repeat(250)}/${"d".repeat(235)}.mp4`],
  ];

  it.each(stored)("%s: stored in MinIO, mapped, and catalogued under its exact key", async (_, key) => {
    expect(key.length).toBeGreaterThan(10);
    const up = await client.putObject(BUCKET, key, randomBytes(256), 256);
    const id = videoId(BUCKET, key, up.etag);
    const v = await waitFor(`video for ${JSON.stringify(key).slice(0, 60)}`, async () => (await getVideo(stack, id)).video ?? undefined);
    expect(v.source.key).toBe(key);
    // The default title: the file name without its extension, `_` as spaces.
    expect(v.title).toBe(defaultTitle(key));
    expect(v.status).toBe("queued");
  });

  it("a leading slash is stripped by MinIO itself", async () => {
    const up = await client.putObject(BUCKET, "/hostile/leading.mp4", randomBytes(64), 64);
    const id = videoId(BUCKET, "hostile/leading.mp4", up.etag);
    const v = await waitFor("the leading-slash video", async () => (await getVideo(stack, id)).video ?? undefined);
    expect(v.source.key).toBe("hostile/leading.mp4");
  });

  it.each([["hostile/../../escape.mp4"], ["hostile/..\\..\\escape.mp4"], ["hostile/./x.mp4"]])(
    "MinIO refuses the path trick %j outright",
    async (key) => {
      await expect(client.putObject(BUCKET, key, randomBytes(8), 8)).rejects.toThrow(/bad components/);
    },
  );

  it.each([["../../etc/passwd"], ["/abs/path.mp4"], ["..\\..\\x.mp4"], ["a/./b/../../../c.mp4"], ["\u0000nul.mp4"]])(
    "a crafted notification for %j maps, and nothing lands outside videos/<id>/",
    async (key) => {
      const etag = randomBytes(16).toString("hex");
      const res = await postToIngest(stack, createdNotification(BUCKET, key, etag, 10));
      expect(res.status).toBe(200);
      const v = await waitFor(
        `video for ${JSON.stringify(key)}`,
        async () => (await getVideo(stack, videoId(BUCKET, key, etag))).video ?? undefined,
      );
      expect(v.source.key).toBe(key);
    },
  );

  it("everything in the stream bucket is under videos/<id>/ (or the catalogue's hashed source index)", async () => {
    const names: string[] = [];
    for await (const o of client.listObjectsV2("stream", "", true)) names.push((o as { name: string }).name);
    expect(names.filter((n) => n.startsWith("videos/")).length).toBeGreaterThan(0);
    expect(names.filter((n) => !/^videos\/v[0-9a-f]{19}\/[^/]+$/.test(n) && !/^index\/sources\/[0-9a-f]{64}\.json$/.test(n))).toEqual([]);
  });

  it("deleting the source unpublishes the video and removes its stream objects", async () => {
    const key = "hostile/日本語 動画 🎬 ü.mp4";
    const stat = await client.statObject(BUCKET, key);
    const id = videoId(BUCKET, key, stat.etag);
    expect((await getVideo(stack, id)).status).toBe(200);
    await client.removeObject(BUCKET, key);
    await waitFor("the video to be unpublished", async () => ((await getVideo(stack, id)).status === 404 ? true : undefined));
    const left: string[] = [];
    for await (const o of client.listObjectsV2("stream", `videos/${id}/`, true)) left.push((o as { name: string }).name);
    expect(left).toEqual([]);
  });
});

describe("npm run upload", () => {
  it("uploads in parts with a title and prints the video id; the catalogue shows it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "estrena-upload-"));
    try {
      const file = join(dir, "Über clip.mp4");
      writeFileSync(file, randomBytes(11 * MiB));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ESTRENA_STATE_DIR: stack.stateDir,
        ESTRENA_MINIO_PORT: String(stack.ports.minio),
        ESTRENA_UPLOAD_PART_MB: "5",
      };
      for (const k of ["S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"]) delete env[k];
      const run = spawnSync(process.execPath, ["dist/tools/upload/main.js", file, "--title", "Über uns — Teil 1"], {
        env,
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(run.stderr).toBe(""); // no terminal, so no progress bar
      expect(run.status).toBe(0);
      const m = /as video (v[0-9a-f]{19})$/m.exec(run.stdout);
      expect(m).not.toBeNull();
      const v = await waitFor("the uploaded video", async () => (await getVideo(stack, m![1]!)).video ?? undefined);
      expect(v.title).toBe("Über uns — Teil 1");
      expect(v.source.key).toBe("Über clip.mp4");
      expect(v.source.size).toBe(11 * MiB);
      expect(v.source.etag).toMatch(/^[0-9a-f]{32}-\d+$/);
      const e = await waitFor("its event", () => eventsFor("Über clip.mp4")[0]);
      expect(e.type).toBe("com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails with a clear message when there are no credentials", () => {
    const empty = mkdtempSync(join(tmpdir(), "estrena-nocreds-"));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ESTRENA_STATE_DIR: empty };
      for (const k of ["S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"]) delete env[k];
      const run = spawnSync(process.execPath, ["dist/tools/upload/main.js", "whatever.mp4"], { env, encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("no S3 credentials: set S3_ACCESS_KEY and S3_SECRET_KEY, or start the stack once (npm start)");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("exits 2 with usage when given no file", () => {
    const run = spawnSync(process.execPath, ["dist/tools/upload/main.js"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^usage: npm run upload -- FILE\.\.\. \[--title TITLE\]/);
  });
});
