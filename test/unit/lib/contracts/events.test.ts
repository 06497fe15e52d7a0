import { HTTP } from "cloudevents";
import { describe, expect, it } from "vitest";
import {
  ESTRENA_TYPES,
  estrenaEvent,
  PayloadError,
  parseEventData,
  parsePayload,
  uploadDataSchema,
} from "../../../../lib/contracts/events.js";

describe("event catalogue", () => {
  it.each(ESTRENA_TYPES.map((t) => [t]))("%s follows dev.estrena.<noun>.<verb>", (type) => {
    expect(type).toMatch(/^dev\.estrena\.[a-z]+\.[a-z]+$/);
  });

  it("round-trips an event through binary HTTP", () => {
    const event = estrenaEvent("dev.estrena.video.progress", { videoId: "v0123456789abcdef012", progress: 0.5 }, { id: "fixed" });
    const msg = HTTP.binary(event);
    expect(msg.headers["ce-type"]).toBe("dev.estrena.video.progress");
    expect(msg.headers["ce-id"]).toBe("fixed");
    const back = HTTP.toEvent({ headers: msg.headers, body: msg.body });
    expect(Array.isArray(back)).toBe(false);
    expect((back as typeof event).data).toEqual({ videoId: "v0123456789abcdef012", progress: 0.5 });
    expect((back as typeof event).subject).toBe("v0123456789abcdef012");
  });

  const ID = "v0123456789abcdef012";
  const fps = { num: 30, den: 1 };
  const plan = {
    videoId: ID,
    source: { bucket: "uploads", key: "a.mp4", etag: "e", size: 10 },
    probe: {
      demuxer: "mov",
      duration: 8,
      width: 640,
      height: 360,
      rotation: 0,
      fps,
      vfr: false,
      videoCodec: "h264",
      pixFmt: "yuv420p",
      audio: null,
      size: 10,
    },
    rungs: [{ name: "360p", width: 640, height: 360, fps, maxrate: 760000, level: 30, codecs: "avc1.64001e" }],
    chunks: [{ index: 0, start: 0, duration: 8 }],
    segmentSeconds: 4,
    parallelism: 2,
    grid: { tileWidth: 160, tileHeight: 90, columns: 5 },
    posterTime: 2,
    preset: "veryfast",
  };
  it.each([
    ["dev.estrena.video.progress", { videoId: ID, progress: 0.25 }, { videoId: ID, progress: 0.25 }],
    [
      "dev.estrena.video.playable",
      { videoId: ID, renditions: [{ height: 240, width: 426, bandwidth: 399000.6, codecs: "avc1.64001e" }] },
      { videoId: ID, renditions: [{ height: 240, width: 426, bandwidth: 399001, codecs: "avc1.64001e" }] },
    ],
    ["dev.estrena.video.deleted", { videoId: ID, extra: 1 }, { videoId: ID }],
    ["dev.estrena.transcode.chunk", { videoId: ID, plan, chunk: 0 }, { videoId: ID, plan, chunk: 0 }],
  ] as const)("validates %s data with its schema", (type, data, want) => {
    expect(parseEventData(type, data)).toEqual(want);
  });

  it.each([
    ["dev.estrena.video.progress", { videoId: "v1", progress: 0.5 }, "bad dev.estrena.video.progress data: videoId: not a video id"],
    ["dev.estrena.transcode.chunk", { videoId: ID, plan, chunk: -1 }, "bad dev.estrena.transcode.chunk data: chunk:"],
    ["dev.estrena.transcode.audio", { videoId: ID, plan: { ...plan, rungs: [] } }, "bad dev.estrena.transcode.audio data: plan.rungs:"],
    ["dev.estrena.video.failed", { videoId: ID }, "bad dev.estrena.video.failed data: error:"],
  ] as const)("refuses bad %s data, naming the field", (type, data, message) => {
    expect(() => parseEventData(type, data)).toThrow(PayloadError);
    expect(() => parseEventData(type, data)).toThrow(message);
  });

  it("validates upload data the same way for every consumer", () => {
    const upload = {
      videoId: ID,
      bucket: "uploads",
      key: "a.mp4",
      size: 1,
      etag: "e",
      eventName: "s3:ObjectCreated:Put",
      eventTime: "2026-11-30T22:00:00Z",
    };
    expect(parsePayload("upload", uploadDataSchema, upload)).toEqual(upload);
    expect(() => parsePayload("upload", uploadDataSchema, { ...upload, key: "" })).toThrow("bad upload data: key:");
  });
});
