import { describe, expect, it } from "vitest";
import type { Video } from "../../../../lib/contracts/video.js";
import { cardStatusText, watchUrl } from "../../../../web/src/catalogue/card.js";
import { metaLine } from "../../../../web/src/player/status.js";
import { ErrorCode } from "../../../../lib/contracts/errors.js";

const base: Video = {
  id: "v0123456789abcdef012",
  title: "Clip",
  source: { bucket: "uploads", key: "clip.mp4", size: 10, etag: "e" },
  createdAt: "2026-01-01T00:00:00.000Z",
  status: "ready",
  progress: 1,
  duration: 3723,
  width: 1280,
  height: 720,
  renditions: [],
  hls: "/stream/v0123456789abcdef012/master.m3u8",
  poster: null,
  thumbnails: null,
  error: null,
};

describe("cardStatusText", () => {
  it.each([
    ["queued", { status: "queued", progress: 0, hls: null }, "Queued for processing"],
    ["processing, nothing published", { status: "processing", progress: 0.42, hls: null }, "Processing 42%"],
    ["processing and playable", { status: "processing", progress: 0.42 }, "Processing 42% · playable now"],
    [
      "failed with a reason",
      { status: "failed", error: { code: ErrorCode.NotAVideo, message: "The file is not a video." } },
      "Couldn't process: The file is not a video.",
    ],
    ["failed without a reason", { status: "failed", error: null }, "Couldn't process this file"],
    ["ready", {}, "1:02:03"],
  ] as const)("%s", (_name, patch, text) => {
    expect(cardStatusText({ ...base, ...patch } as Video)).toBe(text);
  });
});

describe("links and details", () => {
  it("builds the player URL with the id escaped", () => {
    expect(watchUrl("v0123456789abcdef012")).toBe("/watch.html?v=v0123456789abcdef012");
    expect(watchUrl("a&b")).toBe("/watch.html?v=a%26b");
  });

  it.each([
    [base, "1:02:03 · 1280×720"],
    [{ ...base, width: null, height: null }, "1:02:03"],
    [{ ...base, duration: null, width: null, height: null }, ""],
  ])("metaLine(%#) → %s", (video, text) => {
    expect(metaLine(video)).toBe(text);
  });
});
