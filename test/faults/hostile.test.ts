import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Video } from "../../lib/contracts/video.js";
import { listVideos } from "../support/ingest.js";
import type { TestStack } from "../support/stack.js";
import { HOSTILE_KINDS } from "./hostile-media.js";
import {
  faultsEnabled,
  gatewayGet,
  listKeys,
  readObject,
  s3,
  SCENARIO_MS,
  startFaultStack,
  tempDir,
  tinyClip,
  upload,
  waitFinal,
} from "./support.js";

/**
 * Hostile media through the whole stack (S3 upload → notification → ingest → router → transcode → catalogue):
 * every kind fails with its stable code and publishes nothing, hostile titles and keys on valid videos are kept as
 * plain data, the stack stays healthy, and no byte of a local file (/etc/passwd, a canary) reaches the stream bucket.
 */
let stack: TestStack;
let minio: Client;
const dir = tempDir("hostile");
const secret = `ESTRENA-CANARY-${randomBytes(12).toString("hex")}`;
const canary = join(dir, "canary.txt");
const slug = (name: string) =>
  name
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
const results = new Map<string, Video>();
const ids = new Map<string, string>();

/** Valid clips under hostile names and titles: they must become ready with key and title kept byte for byte. */
const XSS_TITLE = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"'&amp;`;
const HOSTILE_NAMES: readonly { readonly name: string; readonly key: string; readonly title: string }[] = [
  { name: "a title with HTML and script", key: "hostile-names/xss.mp4", title: XSS_TITLE },
  // MinIO refuses a path segment over 255 bytes and ".." segments outright; 1000 bytes is near S3's 1024 limit.
  {
    name: "a 1000-byte key",
    key: `${`hostile-names/${Array(5).fill("k".repeat(195)).join("/")}`.padEnd(996, "k")}.mp4`,
    title: "long key",
  },
  {
    name: "a key with encoded traversal, plus and accents",
    key: "hostile-names/a+b %2F..%2F..%2Fetc%2Fpasswd é.mp4",
    title: "encoded traversal",
  },
  { name: "a key that looks like ffmpeg options", key: "hostile-names/-f concat -i file:%2Fetc%2Fpasswd.mp4", title: "-i /etc/passwd" },
  {
    name: "a 1000-character title of markup",
    key: "hostile-names/long-title.mp4",
    title: `"><svg onload=alert(1)>`.repeat(44).slice(0, 1000),
  },
];

describe.runIf(faultsEnabled())("hostile media", { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    stack = await startFaultStack();
    minio = s3(stack);
    writeFileSync(canary, `${secret}\n`);
    const clip = tinyClip(dir, "ok.mp4", 3);
    await Promise.all([
      ...HOSTILE_KINDS.map(async (k) => {
        const file = await k.make(dir, canary);
        ids.set(k.name, await upload(stack, file, `hostile/${slug(k.name)}${file.slice(file.lastIndexOf("."))}`, k.name));
      }),
      ...HOSTILE_NAMES.map(async (n) => ids.set(n.name, await upload(stack, clip, n.key, n.title))),
    ]);
    for (const [id, video] of await waitFinal(stack, [...ids.values()], 10 * 60_000)) results.set(id, video);
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  it(`tries ${HOSTILE_KINDS.length} kinds of hostile media`, () => {
    expect(HOSTILE_KINDS.length).toBeGreaterThanOrEqual(15);
  });

  it.each(HOSTILE_KINDS.map((k) => [k.name, k.code]))("%s → failed, %s, nothing published", async (name, code) => {
    const video = results.get(ids.get(name)!)!;
    expect([video.status, video.error?.code]).toEqual(["failed", code]);
    expect(video.title).toBe(name);
    // Only the catalogue's own record is in the video's folder: no playlist, segment, poster or thumbnail.
    expect(await listKeys(minio, "stream", `videos/${video.id}/`)).toEqual([`videos/${video.id}/meta.json`]);
  });

  it.each(HOSTILE_NAMES.map((n) => [n.name, n.key, n.title]))("%s → ready, key and title kept as data", async (name, key, title) => {
    const video = results.get(ids.get(name)!)!;
    expect([video.status, video.source.key, video.title]).toEqual(["ready", key, title]);
    const master = await gatewayGet(stack, `/stream/${video.id}/master.m3u8`);
    expect(master.status).toBe(200);
  });

  it("stays healthy and still transcodes a good video afterwards", async () => {
    expect((await gatewayGet(stack, "/healthz")).status).toBe(200);
    const id = await upload(stack, tinyClip(dir, "after.mp4", 2), "hostile/after.mp4", "after");
    expect((await waitFinal(stack, [id], 180_000)).get(id)?.status).toBe("ready");
    expect((await listVideos(stack)).length).toBe(HOSTILE_KINDS.length + HOSTILE_NAMES.length + 1);
  });

  it("leaks no local file content into the stream bucket", async () => {
    const needles = [secret, "root:x:0:0", "/bin/bash\n"];
    const keys = await listKeys(minio, "stream");
    const leaks: string[] = [];
    for (const key of keys) {
      const body = (await readObject(minio, "stream", key)).toString("latin1");
      for (const n of needles) if (body.includes(n)) leaks.push(`${key} contains ${JSON.stringify(n)}`);
    }
    expect(keys.length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});
