import { describe, expect, it } from "vitest";
import type { UploadData } from "../../../../lib/contracts/events.js";
import type { Video } from "../../../../lib/contracts/video.js";
import { applyEvent, linksFor, newVideo, onlyProgressChanged, type CatalogueEvent } from "../../../../functions/catalogue/reducer.js";

const ID = "v0123456789abcdef012";
const links = linksFor("/stream", ID);
const upload: UploadData = {
  videoId: ID,
  bucket: "uploads",
  key: "Holiday 2026/día de playa.mp4",
  size: 1234,
  etag: "abc",
  eventName: "s3:ObjectCreated:Put",
  eventTime: "2026-11-24T04:00:00.000Z",
};
const rendition = { height: 360, width: 640, bandwidth: 800_000, codecs: "avc1.64001e,mp4a.40.2" };
const queued = newVideo(upload);
const at = (v: Partial<Video>): Video => ({ ...queued, ...v });
const ready: CatalogueEvent = {
  kind: "ready",
  duration: 6,
  width: 640,
  height: 360,
  media: "video",
  renditions: [rendition],
  present: { poster: true, thumbnails: false },
};
const audioRendition = { height: 0, width: 0, bandwidth: 140_000, codecs: "mp4a.40.2" };
const failed: CatalogueEvent = { kind: "failed", error: { code: "not-a-video", message: "no streams" } };

describe("newVideo", () => {
  it("starts queued with the file name (no extension) as title and every link null", () => {
    expect(queued).toEqual({
      id: ID,
      title: "día de playa",
      source: { bucket: "uploads", key: "Holiday 2026/día de playa.mp4", size: 1234, etag: "abc" },
      createdAt: "2026-11-24T04:00:00.000Z",
      status: "queued",
      progress: 0,
      duration: null,
      width: null,
      height: null,
      renditions: [],
      hls: null,
      poster: null,
      thumbnails: null,
      error: null,
    });
  });
  it("prefers the x-amz-meta-title", () => {
    expect(newVideo({ ...upload, title: " Playa " }).title).toBe("Playa");
    expect(newVideo({ ...upload, title: "  " }).title).toBe("día de playa");
  });
});

describe("linksFor", () => {
  it("names the master playlist, poster and thumbnails under the public base", () => {
    expect(linksFor("/stream/", ID)).toEqual({
      hls: `/stream/${ID}/master.m3u8`,
      poster: `/stream/${ID}/poster.jpg`,
      thumbnails: `/stream/${ID}/thumbnails.vtt`,
    });
  });
});

describe("applyEvent", () => {
  const cases: { name: string; before: Video | null; event: CatalogueEvent; after: Video | null }[] = [
    { name: "upload creates a queued video", before: null, event: { kind: "uploaded", upload }, after: queued },
    {
      name: "a redelivered upload never regresses",
      before: at({ status: "ready", progress: 1 }),
      event: { kind: "uploaded", upload },
      after: at({ status: "ready", progress: 1 }),
    },
    { name: "events for an unknown video change nothing", before: null, event: { kind: "progress", progress: 0.5 }, after: null },
    {
      name: "processing sets the media facts",
      before: queued,
      event: { kind: "processing", duration: 6, width: 640, height: 360, media: "video" },
      after: at({ status: "processing", kind: "video", duration: 6, width: 640, height: 360 }),
    },
    {
      name: "processing says when the upload is sound alone",
      before: queued,
      event: { kind: "processing", duration: 4, width: 0, height: 0, media: "audio" },
      after: at({ status: "processing", kind: "audio", duration: 4, width: 0, height: 0 }),
    },
    {
      name: "an audio-only stream turns ready with its waveform poster and its one AAC rendition",
      before: at({ status: "processing", kind: "audio", duration: 4, width: 0, height: 0 }),
      event: {
        ...ready,
        duration: 4,
        width: 0,
        height: 0,
        media: "audio",
        renditions: [audioRendition],
        present: { poster: true, thumbnails: true },
      },
      after: at({
        status: "ready",
        progress: 1,
        kind: "audio",
        duration: 4,
        width: 0,
        height: 0,
        renditions: [audioRendition],
        hls: links.hls,
        poster: links.poster,
        thumbnails: links.thumbnails,
      }),
    },
    {
      name: "progress moves a queued video to processing",
      before: queued,
      event: { kind: "progress", progress: 0.25 },
      after: at({ status: "processing", progress: 0.25 }),
    },
    {
      name: "progress only grows",
      before: at({ status: "processing", progress: 0.5 }),
      event: { kind: "progress", progress: 0.4 },
      after: at({ status: "processing", progress: 0.5 }),
    },
    {
      name: "progress is clamped to 1",
      before: at({ status: "processing", progress: 0.5 }),
      event: { kind: "progress", progress: 7 },
      after: at({ status: "processing", progress: 1 }),
    },
    {
      name: "playable sets the hls link while processing",
      before: at({ status: "processing", progress: 0.3 }),
      event: { kind: "playable", renditions: [rendition] },
      after: at({ status: "processing", progress: 0.3, renditions: [rendition], hls: links.hls }),
    },
    {
      name: "ready sets links for the files present",
      before: at({ status: "processing", progress: 0.9 }),
      event: ready,
      after: at({
        status: "ready",
        progress: 1,
        kind: "video",
        duration: 6,
        width: 640,
        height: 360,
        renditions: [rendition],
        hls: links.hls,
        poster: links.poster,
        thumbnails: null,
      }),
    },
    {
      name: "failed records the error",
      before: at({ status: "processing", progress: 0.3 }),
      event: failed,
      after: at({ status: "failed", progress: 0.3, error: { code: "not-a-video", message: "no streams" } }),
    },
    {
      name: "nothing leaves ready: failed",
      before: at({ status: "ready", progress: 1 }),
      event: failed,
      after: at({ status: "ready", progress: 1 }),
    },
    {
      name: "nothing leaves ready: progress",
      before: at({ status: "ready", progress: 1 }),
      event: { kind: "progress", progress: 0.2 },
      after: at({ status: "ready", progress: 1 }),
    },
    {
      name: "nothing leaves failed: ready",
      before: at({ status: "failed", error: { code: "truncated", message: "x" } }),
      event: ready,
      after: at({ status: "failed", error: { code: "truncated", message: "x" } }),
    },
    {
      name: "nothing leaves failed: processing",
      before: at({ status: "failed", error: { code: "truncated", message: "x" } }),
      event: { kind: "processing", duration: 1, width: 2, height: 2 },
      after: at({ status: "failed", error: { code: "truncated", message: "x" } }),
    },
  ];
  it.each(cases)("$name", ({ before, event, after }) => {
    expect(applyEvent(before, event, links)).toEqual(after);
  });

  it("returns the same object when nothing changes, so the write is skipped", () => {
    const v = at({ status: "processing", progress: 0.5 });
    expect(applyEvent(v, { kind: "progress", progress: 0.5 }, links)).toBe(v);
    const r = at({ status: "ready", progress: 1 });
    expect(applyEvent(r, failed, links)).toBe(r);
  });
});

describe("onlyProgressChanged", () => {
  const processing = at({ status: "processing", progress: 0.2 });
  it.each([
    ["progress tick", processing, at({ status: "processing", progress: 0.4 }), true],
    ["status change", queued, at({ status: "processing", progress: 0.4 }), false],
    ["same object", processing, processing, false],
    ["progress and links", processing, at({ status: "processing", progress: 0.4, hls: links.hls }), false],
  ])("%s → %s", (_name, before, after, expected) => {
    expect(onlyProgressChanged(before, after)).toBe(expected);
  });
});
