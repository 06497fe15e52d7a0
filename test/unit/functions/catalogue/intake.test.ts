import { describe, expect, it } from "vitest";
import { EstrenaError } from "../../../../lib/contracts/errors.js";
import { decodeEvent, type IncomingEvent } from "../../../../functions/catalogue/intake.js";
import { FAILURE_MESSAGES } from "../../../../lib/contracts/failures.js";

const ID = "v0123456789abcdef012";
const uploadData = {
  videoId: ID,
  bucket: "uploads",
  key: "a b/c.mp4",
  size: 10,
  etag: "e1",
  eventName: "s3:ObjectCreated:Put",
  eventTime: "2026-11-24T04:00:00.000Z",
  title: "T",
};
const rendition = { height: 360, width: 640, bandwidth: 800000, codecs: "avc1.64001e" };
/** The one rendition of an audio-only stream: no picture. */
const audioRendition = { height: 0, width: 0, bandwidth: 140000, codecs: "mp4a.40.2" };
const ev = (type: string, data: unknown): IncomingEvent => ({ type, id: "1", data });

describe("decodeEvent", () => {
  const cases: { type: string; data: unknown; expected: unknown }[] = [
    {
      type: "com.amazonaws.s3.ObjectCreated:Put",
      data: uploadData,
      expected: { action: "apply", videoId: ID, event: { kind: "uploaded", upload: uploadData } },
    },
    {
      type: "com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload",
      data: uploadData,
      expected: { action: "apply", videoId: ID, event: { kind: "uploaded", upload: uploadData } },
    },
    {
      type: "com.amazonaws.s3.ObjectRemoved:Delete",
      data: { bucket: "uploads", key: "a b/c.mp4", eventName: "s3:ObjectRemoved:Delete", eventTime: "2026-11-24T04:00:00.000Z" },
      expected: { action: "unpublish-source", bucket: "uploads", key: "a b/c.mp4", eventTime: "2026-11-24T04:00:00.000Z" },
    },
    { type: "dev.estrena.video.deleted", data: { videoId: ID }, expected: { action: "unpublish", videoId: ID } },
    { type: "dev.estrena.video.subtitles", data: { videoId: ID }, expected: { action: "ignore" } },
    {
      type: "dev.estrena.video.processing",
      data: { videoId: ID, duration: 6.5, width: 640, height: 360, chunks: 2 },
      // Older senders say nothing about the kind: a video.
      expected: { action: "apply", videoId: ID, event: { kind: "processing", duration: 6.5, width: 640, height: 360, media: "video" } },
    },
    {
      type: "dev.estrena.video.processing",
      data: { videoId: ID, duration: 4, width: 0, height: 0, kind: "audio", chunks: 0 },
      expected: { action: "apply", videoId: ID, event: { kind: "processing", duration: 4, width: 0, height: 0, media: "audio" } },
    },
    {
      type: "dev.estrena.video.progress",
      data: { videoId: ID, progress: 0.5 },
      expected: { action: "apply", videoId: ID, event: { kind: "progress", progress: 0.5 } },
    },
    {
      type: "dev.estrena.video.progress",
      data: JSON.stringify({ videoId: ID, progress: 0.5 }),
      expected: { action: "apply", videoId: ID, event: { kind: "progress", progress: 0.5 } },
    },
    {
      type: "dev.estrena.video.playable",
      data: { videoId: ID, renditions: [rendition] },
      expected: { action: "apply", videoId: ID, event: { kind: "playable", renditions: [rendition] } },
    },
    {
      type: "dev.estrena.video.playable",
      data: { videoId: ID, renditions: [{ ...rendition, bandwidth: 799999.6 }] },
      expected: { action: "apply", videoId: ID, event: { kind: "playable", renditions: [{ ...rendition, bandwidth: 800000 }] } },
    },
    {
      type: "dev.estrena.video.ready",
      data: { videoId: ID, duration: 6, width: 640, height: 360, renditions: [rendition] },
      expected: {
        action: "apply",
        videoId: ID,
        event: {
          kind: "ready",
          duration: 6,
          width: 640,
          height: 360,
          media: "video",
          renditions: [rendition],
          present: { poster: false, thumbnails: false },
        },
      },
    },
    {
      type: "dev.estrena.video.ready",
      data: { videoId: ID, duration: 4, width: 0, height: 0, kind: "audio", renditions: [audioRendition] },
      expected: {
        action: "apply",
        videoId: ID,
        event: {
          kind: "ready",
          duration: 4,
          width: 0,
          height: 0,
          media: "audio",
          renditions: [audioRendition],
          present: { poster: false, thumbnails: false },
        },
      },
    },
    {
      type: "dev.estrena.video.failed",
      // The message is the table's, whatever the sender wrote.
      data: { videoId: ID, error: { code: "truncated", message: "ENOENT: stat '/srv/work/poster.jpg'" } },
      expected: {
        action: "apply",
        videoId: ID,
        event: { kind: "failed", error: { code: "truncated", message: FAILURE_MESSAGES.truncated } },
      },
    },
  ];
  it.each(cases)("$type", ({ type, data, expected }) => {
    expect(decodeEvent(ev(type, data))).toEqual(expected);
  });

  const bad: { name: string; event: IncomingEvent; message: RegExp }[] = [
    { name: "unknown type", event: ev("com.example.something", { videoId: ID }), message: /not one the catalogue handles/ },
    { name: "bad video id", event: ev("dev.estrena.video.progress", { videoId: "../x", progress: 1 }), message: /videoId/ },
    { name: "missing field", event: ev("dev.estrena.video.progress", { videoId: ID }), message: /progress/ },
    { name: "no data", event: ev("com.amazonaws.s3.ObjectCreated:Put", undefined), message: /bad com\.amazonaws/ },
    { name: "data not JSON", event: ev("dev.estrena.video.progress", "{"), message: /not JSON/ },
    {
      name: "bad event time",
      event: ev("com.amazonaws.s3.ObjectCreated:Put", { ...uploadData, eventTime: "yesterday" }),
      message: /eventTime/,
    },
  ];
  it.each(bad)("rejects $name as a non-retryable bad-request", ({ event, message }) => {
    let err: unknown;
    try {
      decodeEvent(event);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EstrenaError);
    expect([(err as EstrenaError).code, (err as EstrenaError).retryable]).toEqual(["bad-request", false]);
    expect((err as EstrenaError).message).toMatch(message);
  });
});
