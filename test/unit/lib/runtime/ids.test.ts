import { describe, expect, it } from "vitest";
import { isVideoId, metaKey, streamPrefix, videoId } from "../../../../lib/runtime/ids.js";

describe("videoId", () => {
  it("is stable for the same object version and ignores ETag quotes", () => {
    expect(videoId("uploads", "a.mp4", '"abc"')).toBe(videoId("uploads", "a.mp4", "abc"));
  });

  it.each([
    ["uploads", "a.mp4", "def"],
    ["uploads", "b.mp4", "abc"],
    ["other", "a.mp4", "abc"],
    ["uploads", "a.mp4\0abc", ""],
  ])("differs when any part differs (%s %s %s)", (bucket, key, etag) => {
    expect(videoId(bucket, key, etag)).not.toBe(videoId("uploads", "a.mp4", "abc"));
  });

  it("has the documented shape", () => {
    expect(videoId("uploads", "../../etc/passwd", "x")).toMatch(/^v[0-9a-f]{19}$/);
  });
});

describe("streamPrefix", () => {
  it("names a folder under videos/", () => {
    const id = videoId("uploads", "x", "y");
    expect(streamPrefix(id)).toBe(`videos/${id}/`);
    expect(metaKey(id)).toBe(`videos/${id}/meta.json`);
  });

  it.each(["../x", "v123", "", "v0123456789abcdef012/..", "V0123456789abcdef012"])("refuses %j", (bad) => {
    expect(isVideoId(bad)).toBe(false);
    expect(() => streamPrefix(bad)).toThrow(/not a video id/);
  });
});
