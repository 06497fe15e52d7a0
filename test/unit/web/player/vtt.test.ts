import { describe, expect, it } from "vitest";
import { cueAt, parseThumbnailsVtt, parseTimestamp } from "../../../../web/src/player/vtt.js";

describe("parseTimestamp", () => {
  it.each([
    ["00:00.000", 0],
    ["01:02.500", 62.5],
    ["00:01:02.500", 62.5],
    ["1:00:00.000", 3600],
    ["10:00:01,250", 36001.25],
    ["00:05", 5],
  ])("%s → %d", (text, seconds) => {
    expect(parseTimestamp(text)).toBe(seconds);
  });
});

const VTT = `WEBVTT

1
00:00:00.000 --> 00:00:02.000
sprite.jpg#xywh=0,0,160,90

00:00:02.000 --> 00:00:04.000
sprite.jpg#xywh=160,0,160,90

NOTE a comment block is skipped

00:04.000 --> 00:06.000 align:start
../other/sprite-2.jpg#xywh=0,90,160,90

00:00:06.000 --> 00:00:08.000
broken.jpg#xywh=1,2,3
`;

describe("parseThumbnailsVtt", () => {
  it("reads cues, resolves sprites against the VTT URL, and skips malformed payloads", () => {
    const cues = parseThumbnailsVtt(VTT, "http://h/stream/v1/thumbnails.vtt");
    expect(cues).toEqual([
      { start: 0, end: 2, url: "http://h/stream/v1/sprite.jpg", x: 0, y: 0, w: 160, h: 90 },
      { start: 2, end: 4, url: "http://h/stream/v1/sprite.jpg", x: 160, y: 0, w: 160, h: 90 },
      { start: 4, end: 6, url: "http://h/stream/other/sprite-2.jpg", x: 0, y: 90, w: 160, h: 90 },
    ]);
  });

  it("accepts CRLF line endings and a byte-order mark", () => {
    const text = "\uFEFFWEBVTT\r\n\r\n00:00:00.000 --> 00:00:05.000\r\nthumbs/s.jpg#xywh=5,6,7,8\r\n";
    expect(parseThumbnailsVtt(text, "http://h/a/t.vtt")).toEqual([
      { start: 0, end: 5, url: "http://h/a/thumbs/s.jpg", x: 5, y: 6, w: 7, h: 8 },
    ]);
  });

  it("returns no cues for an empty or non-VTT body", () => {
    expect(parseThumbnailsVtt("", "http://h/t.vtt")).toEqual([]);
    expect(parseThumbnailsVtt("<html>404</html>", "http://h/t.vtt")).toEqual([]);
  });
});

describe("cueAt", () => {
  const cues = parseThumbnailsVtt(VTT, "http://h/v/t.vtt");
  it.each([
    [0, 0],
    [1.99, 0],
    [2, 160],
    [5.5, 0],
    [60, 0],
  ])("at %d s picks the cue at x=%d", (time, x) => {
    expect(cueAt(cues, time)?.x).toBe(x);
  });

  it("picks the cue by start time, the last one past the end, and null without cues", () => {
    expect(cueAt(cues, 5)?.url).toBe("http://h/other/sprite-2.jpg");
    expect(cueAt(cues, 600)?.start).toBe(4);
    expect(cueAt([], 1)).toBe(null);
    expect(cueAt(cues, Number.NaN)).toBe(null);
  });
});
