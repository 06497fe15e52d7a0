import { describe, expect, it } from "vitest";
import type { Video } from "../../../../lib/contracts/video.js";
import { applyUpdate } from "../../../../web/src/shared/api.js";
import { describeFatal, MAX_NETWORK_RETRIES, recoveryFor } from "../../../../web/src/player/recovery.js";
import { qualityButtonText } from "../../../../web/src/player/quality-menu.js";
import { speedLabel } from "../../../../web/src/player/speed-menu.js";

const video: Video = {
  id: "v1",
  title: "Clip",
  source: { bucket: "uploads", key: "clip.mp4", size: 10, etag: "e" },
  createdAt: "2026-01-01T00:00:00.000Z",
  status: "processing",
  progress: 0.2,
  duration: 20,
  width: 640,
  height: 360,
  renditions: [],
  hls: null,
  poster: null,
  thumbnails: null,
  error: null,
};

describe("applyUpdate", () => {
  it.each([
    ["a whole Video", { ...video, progress: 0.5 }, { ...video, progress: 0.5 }],
    [
      "a {type, video} message",
      { type: "status", video: { ...video, status: "ready", progress: 1, hls: "/stream/v1/master.m3u8" } },
      { ...video, status: "ready", progress: 1, hls: "/stream/v1/master.m3u8" },
    ],
    ["a partial progress tick", { videoId: "v1", progress: 0.7 }, { ...video, progress: 0.7 }],
    ["another video's update", { ...video, id: "v2", progress: 0.9 }, video],
    ["an unknown status", { status: "exploded" }, video],
    ["a non-numeric progress", { progress: "lots" }, video],
    ["unknown fields", { progress: 0.3, extra: 1 }, { ...video, progress: 0.3 }],
    ["null", null, video],
  ])("%s", (_name, data, expected) => {
    expect(applyUpdate(video, data)).toEqual(expected);
  });
});

describe("recoveryFor", () => {
  it.each([
    ["networkError", 404, { network: 0, media: 0 }, { kind: "give-up", fatal: "not-found" }],
    ["networkError", 0, { network: 0, media: 0 }, { kind: "reload", delayMs: 2000 }],
    ["networkError", 503, { network: 0, media: 1 }, { kind: "reload", delayMs: 2000 }],
    ["networkError", 503, { network: MAX_NETWORK_RETRIES, media: 0 }, { kind: "give-up", fatal: "network" }],
    ["networkError", 0, { network: 1, media: 0 }, { kind: "give-up", fatal: "network" }],
    ["mediaError", 0, { network: 0, media: 0 }, { kind: "recover-media", swapAudio: false }],
    ["mediaError", 0, { network: 0, media: 1 }, { kind: "recover-media", swapAudio: true }],
    ["mediaError", 0, { network: 0, media: 2 }, { kind: "give-up", fatal: "media" }],
    ["muxError", 0, { network: 0, media: 0 }, { kind: "give-up", fatal: "other" }],
  ])("%s (HTTP %d, attempts %j) → %j", (type, status, attempts, expected) => {
    expect(recoveryFor(type, status, attempts)).toEqual(expected);
  });

  it("words every fatal kind for people, without jargon", () => {
    for (const kind of ["network", "media", "unsupported", "not-found", "failed", "other"] as const) {
      expect(describeFatal(kind)).toMatch(/^[A-Z][^<>]*\.$/);
      expect(describeFatal(kind)).not.toMatch(/hls|fatal|error code|MSE/i);
    }
  });
});

describe("labels", () => {
  it.each([
    [true, null, "Auto"],
    [true, { index: 0, height: 720, width: 1280, bandwidth: 1 }, "Auto · 720p"],
    [false, { index: 2, height: 360, width: 640, bandwidth: 1 }, "360p"],
  ])("quality button auto=%s level=%j → %s", (auto, level, text) => {
    expect(qualityButtonText(auto, level)).toBe(text);
  });

  it.each([
    [1, "Normal"],
    [1.5, "1.5×"],
    [0.5, "0.5×"],
  ])("speed %d → %s", (rate, text) => {
    expect(speedLabel(rate)).toBe(text);
  });
});
