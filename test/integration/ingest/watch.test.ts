import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../../support/stack.js";
import { getVideo, s3, startCapture, waitFor, type Capture } from "../../support/ingest.js";
import { videoId } from "../../../lib/runtime/ids.js";

const BUCKET = "uploads";
let media: string;
let stack: TestStack;
let capture: Capture;
let client: Client;

const write = (rel: string, bytes = 4096) => {
  mkdirSync(join(media, rel, ".."), { recursive: true });
  writeFileSync(join(media, rel), randomBytes(bytes));
};

beforeAll(async () => {
  media = mkdtempSync(join(tmpdir(), "estrena-media-"));
  write("present.mp4");
  write("sub/nested.mkv");
  write("notes.txt");
  write(".hidden.mp4");
  write("copying.mp4.part");
  capture = await startCapture();
  stack = await startTestStack({
    without: ["gateway"],
    subscribers: { transcode: capture.url },
    env: { ESTRENA_MEDIA_DIR: media, ESTRENA_WATCH_STABLE_MS: "1000" },
  });
  client = s3(stack);
});

afterAll(async () => {
  await stack?.cleanup();
  await capture?.close();
  rmSync(media, { recursive: true, force: true });
});

/** Distinct uploads of one key seen by transcode's Trigger: one per object version (ETag). */
const etagsOf = (key: string) => [...new Set(capture.events.filter((e) => e.data!.key === key).map((e) => e.data!.etag))];
const ledger = () =>
  readFileSync(join(stack.stateDir, "watch-ledger.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { path: string; size: number; etag: string });
const objectNames = async () => {
  const names: string[] = [];
  for await (const o of client.listObjectsV2(BUCKET, "", true)) names.push((o as { name: string }).name);
  return names.sort();
};

async function importedVideo(key: string) {
  const etag = await waitFor(`${key} to be uploaded`, () => etagsOf(key)[0], 60_000);
  return waitFor(`${key} in the catalogue`, async () => (await getVideo(stack, videoId(BUCKET, key, etag))).video ?? undefined);
}

describe("the watched folder", () => {
  it("imports video files present at start, sub-folders as prefixes, and skips the rest", async () => {
    const present = await importedVideo("present.mp4");
    const nested = await importedVideo("sub/nested.mkv");
    expect([present.status, present.title, present.source.size]).toEqual(["queued", "present", 4096]);
    expect(nested.source.key).toBe("sub/nested.mkv");
    expect(await objectNames()).toEqual(["present.mp4", "sub/nested.mkv"]);
  });

  it("imports a file that appears later once its size is stable", async () => {
    write("later/arrived.webm", 8192);
    const v = await importedVideo("later/arrived.webm");
    expect(v.source.size).toBe(8192);
  });

  it("does not upload a half-written file: one upload, of the whole file", async () => {
    const file = join(media, "growing.mp4");
    writeFileSync(file, randomBytes(64 * 1024));
    // Keep writing more often than the 1 s stability window, for 4 s.
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 200));
      appendFileSync(file, randomBytes(64 * 1024));
    }
    const size = statSync(file).size;
    const v = await importedVideo("growing.mp4");
    expect(v.source.size).toBe(size);
    expect((await client.statObject(BUCKET, "growing.mp4")).size).toBe(size);
    expect(etagsOf("growing.mp4")).toHaveLength(1);
    expect(
      ledger()
        .filter((e) => e.path === "growing.mp4")
        .map((e) => e.size),
    ).toEqual([size]);
  });

  it("a restart uploads nothing twice, and keeps importing new files", async () => {
    const before = await Promise.all(
      ["present.mp4", "sub/nested.mkv", "growing.mp4"].map(async (k) => (await client.statObject(BUCKET, k)).lastModified.getTime()),
    );
    const lines = ledger().length;
    await stack.stopService("watcher");
    await stack.startService("watcher");
    // New files are queued behind the start-up scan, so once this one is in, the scan has been decided.
    write("after-restart.mp4");
    await importedVideo("after-restart.mp4");
    const after = await Promise.all(
      ["present.mp4", "sub/nested.mkv", "growing.mp4"].map(async (k) => (await client.statObject(BUCKET, k)).lastModified.getTime()),
    );
    expect(after).toEqual(before);
    expect(ledger()).toHaveLength(lines + 1);
    for (const key of ["present.mp4", "sub/nested.mkv", "later/arrived.webm", "growing.mp4", "after-restart.mp4"])
      expect(etagsOf(key)).toHaveLength(1);
    expect(await objectNames()).toEqual(["after-restart.mp4", "growing.mp4", "later/arrived.webm", "present.mp4", "sub/nested.mkv"]);
  });
});
