import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, lavfi, startServices, streamText, type Harness, type Services } from "./transcode-harness.js";

let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-src-"));

beforeAll(async () => {
  services = await startServices();
  h = await harness(services, { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "4", FIRST_CHUNK_SECONDS: "2" });
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

describe("transcode pipeline (in-process, real ffmpeg + MinIO + Redis)", () => {
  it("chunks a small source and publishes a VOD ladder", async () => {
    const src = await lavfi(join(tmp, "a.mp4"), 6, "testsrc2=size=640x360:rate=30", "sine=frequency=440:sample_rate=48000", ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]);
    const vid = await h.transcode(src, "a.mp4");
    const types = h.videoEvents.map((e) => e.type);
    console.log(types);
    console.log(await streamText(services.minio, `videos/${vid}/master.m3u8`));
    console.log(await streamText(services.minio, `videos/${vid}/360p.m3u8`));
    expect(types).toContain("dev.estrena.video.ready");
  });
});
