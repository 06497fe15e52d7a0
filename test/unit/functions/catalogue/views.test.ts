import { describe, expect, it } from "vitest";
import type { Video } from "../../../../lib/contracts/video.js";
import { FAILURE_MESSAGES } from "../../../../lib/contracts/failures.js";
import { isPlayable, studioVideo, viewerList, viewerVideo } from "../../../../functions/catalogue/views.js";

const base: Video = {
  id: "v0000000000000000001",
  title: "talk",
  source: { bucket: "uploads", key: "talk.mp4", size: 10, etag: "e1" },
  createdAt: "2026-01-01T00:00:00.000Z",
  status: "ready",
  progress: 1,
  duration: 10,
  width: 640,
  height: 360,
  renditions: [],
  hls: "/stream/v0000000000000000001/master.m3u8",
  poster: null,
  thumbnails: null,
  error: null,
};
const video = (over: Partial<Video>): Video => ({ ...base, ...over });

describe("viewers see only what plays", () => {
  it.each([
    ["ready", video({}), true],
    ["processing with a playable playlist", video({ status: "processing", progress: 0.3 }), true],
    ["processing without a playlist yet", video({ status: "processing", hls: null }), false],
    ["queued", video({ status: "queued", hls: null }), false],
    ["failed", video({ status: "failed", hls: null, error: { code: "truncated", message: "x" } }), false],
    ["failed after becoming playable", video({ status: "failed", error: { code: "internal", message: "ENOENT /x/poster.jpg" } }), false],
  ])("%s: playable %s", (_name, v, playable) => {
    expect(isPlayable(v)).toBe(playable);
    expect(viewerList([v]).length).toBe(playable ? 1 : 0);
  });

  it("drops error and source from the viewers' shape", () => {
    const v = viewerVideo(video({}));
    expect(Object.keys(v).sort()).toEqual([
      "createdAt",
      "duration",
      "height",
      "hls",
      "id",
      "poster",
      "progress",
      "renditions",
      "status",
      "thumbnails",
      "title",
      "width",
    ]);
  });

  it("keeps the old version of a re-uploaded source listed until the new one is ready", () => {
    const old = video({});
    const fresh = video({
      id: "v0000000000000000002",
      createdAt: "2026-01-02T00:00:00.000Z",
      status: "processing",
      progress: 0.5,
      source: { ...base.source, etag: "e2" },
    });
    expect(viewerList([old, fresh]).map((v) => v.id)).toEqual([old.id]);
    const done = { ...fresh, status: "ready" as const, progress: 1 };
    expect(viewerList([old, done]).map((v) => v.id)).toEqual([done.id]);
  });

  it("shows a new upload while it processes when nothing older of that source plays", () => {
    const failedOld = video({ status: "failed", error: { code: "truncated", message: "" } });
    const fresh = video({ id: "v0000000000000000002", createdAt: "2026-01-02T00:00:00.000Z", status: "processing" });
    expect(viewerList([failedOld, fresh]).map((v) => v.id)).toEqual([fresh.id]);
  });
});

describe("the studio sees every upload with an actionable message", () => {
  it("maps a stored raw message to the table's", () => {
    const v = studioVideo(
      video({
        status: "failed",
        error: { code: "internal", message: "ENOENT: no such file or directory, stat '/w/.estrena/work/v1/poster.jpg'" },
      }),
    );
    expect(v.error).toEqual({ code: "internal", message: FAILURE_MESSAGES.internal });
    expect(v.source.key).toBe("talk.mp4");
  });
});
