import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, lavfi, run, startServices, type Harness, type Services } from "../support/transcode-harness.js";

/** Bad sources end `failed` with the right code, publish nothing, and leave transcode able to do the next video. */
let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-bad-"));

beforeAll(async () => {
  services = await startServices();
  h = await harness(services, { SEGMENT_SECONDS: "2", X264_PRESET: "superfast" });
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

const file = (name: string, content: string | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

interface Bad {
  readonly name: string;
  readonly code: string;
  make(): Promise<string>;
}

const cases: Bad[] = [
  { name: "zero bytes", code: "not-a-video", make: async () => file("empty.mp4", "") },
  { name: "random bytes", code: "not-a-video", make: async () => file("random.mp4", randomBytes(65536)) },
  {
    name: "a text file",
    code: "not-a-video",
    make: async () => file("notes.mp4", "These are my holiday notes.\nNot a video at all.\n".repeat(20)),
  },
  {
    name: "a truncated mp4",
    code: "truncated",
    make: async () => {
      const p = await lavfi(join(tmp, "whole.mp4"), 3, "testsrc2=size=320x240:rate=30", null, ["-c:v", "libx264", "-preset", "ultrafast"]);
      const bytes = readFileSync(p);
      return file("cut.mp4", bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    },
  },
  {
    name: "an image",
    code: "not-a-video",
    make: async () => {
      const p = join(tmp, "still.png");
      await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", p]);
      return file("still.mp4", readFileSync(p));
    },
  },
  // Audio-only files are accepted (test/integration/transcode-audio.test.ts); bytes that only claim to be audio are not.
  { name: "random bytes named .mp3", code: "not-a-video", make: async () => file("random.mp3", randomBytes(65536)) },
  { name: "a text file named .wav", code: "not-a-video", make: async () => file("notes.wav", "RIFF? no, just notes.\n".repeat(40)) },
  {
    name: "an HLS playlist disguised as mp4",
    code: "unsafe-input",
    make: async () => file("playlist.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"),
  },
  {
    name: "a concat list disguised as mp4",
    code: "unsafe-input",
    make: async () => file("concat.mp4", "ffconcat version 1.0\nfile '/etc/passwd'\n"),
  },
  {
    name: "absurd declared dimensions",
    code: "too-large",
    make: async () => {
      const p = await lavfi(join(tmp, "raw.avi"), 1, "testsrc2=size=16x16:rate=5", null, ["-c:v", "rawvideo", "-pix_fmt", "yuv420p"]);
      const d = Buffer.from(readFileSync(p));
      // Declare 12000x12000 in the AVI main header and the stream's BITMAPINFOHEADER.
      const avih = d.indexOf("avih");
      d.writeUInt32LE(12000, avih + 8 + 32);
      d.writeUInt32LE(12000, avih + 8 + 36);
      const strf = d.indexOf("strf");
      d.writeInt32LE(12000, strf + 8 + 4);
      d.writeInt32LE(12000, strf + 8 + 8);
      return file("huge.avi", d);
    },
  },
];

describe("transcode: bad inputs fail with stable codes", () => {
  it.each(cases)("$name → $code", async (c) => {
    const src = await c.make();
    const before = h.videoEvents.length;
    const vid = await h.transcode(src, `bad/${c.name.replace(/\W+/g, "-")}`);
    const events = h.videoEvents.slice(before);
    expect(events.map((e) => e.type)).toEqual(["dev.estrena.video.failed"]);
    expect((events[0]!.data as { error: { code: string } }).error.code).toBe(c.code);
    // Nothing published for it, and the source is kept.
    const published: string[] = [];
    for await (const o of services.minio.listObjectsV2("stream", `videos/${vid}/`, true) as AsyncIterable<{ name: string }>)
      published.push(o.name);
    expect(published).toEqual([]);
    expect((await services.minio.statObject("uploads", `bad/${c.name.replace(/\W+/g, "-")}`)).size).toBeGreaterThanOrEqual(0);
  });

  it("still transcodes a good video afterwards", async () => {
    const src = await lavfi(join(tmp, "ok.mp4"), 2, "testsrc2=size=320x240:rate=30", null, ["-c:v", "libx264", "-preset", "ultrafast"]);
    const before = h.videoEvents.length;
    await h.transcode(src, "bad/after.mp4");
    expect(h.videoEvents.slice(before).at(-1)?.type).toBe("dev.estrena.video.ready");
  });
});
