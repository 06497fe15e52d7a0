import { describe, expect, it } from "vitest";
import { cutChunks, cutDurations, forcedKeyframes, segmentCuts, targetDuration } from "../../../../lib/media/cuts.js";

const every = (step: number, until: number) => Array.from({ length: Math.floor(until / step) }, (_, i) => i * step);

describe("segmentCuts: where ffmpeg's hls muxer cuts, at the source's keyframes", () => {
  it("keyframes every 2 s, 4 s target: every other keyframe", () => {
    expect(segmentCuts(every(2, 20), 4)).toEqual([0, 4, 8, 12, 16]);
  });
  it("keyframes every 3 s, 4 s target: the first keyframe at or after each multiple of 4 (checked on ffmpeg 5.1)", () => {
    // ffmpeg -c copy -f hls -hls_time 4 on a 30 s clip with -g 90 at 30 fps: EXTINF 6, 3, 3, 6, 3, 3, 6.
    const cuts = segmentCuts(every(3, 30), 4);
    expect(cuts).toEqual([0, 6, 9, 12, 18, 21, 24]);
    expect(cutDurations(cuts, 30)).toEqual([6, 3, 3, 6, 3, 3, 6]);
  });
  it("keyframes further apart than the target: one segment per GOP", () => {
    expect(segmentCuts([0, 10, 20], 4)).toEqual([0, 10, 20]);
  });
  it("29.97 fps keyframe times within a microsecond still count", () => {
    expect(segmentCuts([0, 2.002, 4.004, 6.006, 8.008], 4)).toEqual([0, 4.004, 8.008]);
    expect(segmentCuts([0, 1.999999, 3.9999995], 2)).toEqual([0, 1.999999, 3.9999995]);
  });
  it("no keyframes: no cuts", () => {
    expect(segmentCuts([], 4)).toEqual([]);
  });
});

describe("targetDuration", () => {
  it("is the largest EXTINF rounded to the nearest integer, at least the floor", () => {
    expect(targetDuration([6, 3, 3], 4)).toBe(6);
    expect(targetDuration([4.004, 4.004, 2.5], 4)).toBe(4);
    expect(targetDuration([10.49], 1)).toBe(10);
    expect(targetDuration([], 4)).toBe(4);
  });
});

describe("cutChunks: chunks of the lower rungs start on cuts", () => {
  const cuts = segmentCuts(every(2, 200), 4);
  it("a short source is one chunk", () => {
    expect(
      cutChunks(
        cuts.filter((c) => c < 50),
        50,
        8,
        60,
      ),
    ).toEqual([{ index: 0, start: 0, duration: 50 }]);
  });
  it("a short first chunk, then full ones, every start a cut", () => {
    const chunks = cutChunks(cuts, 200, 8, 60);
    expect(chunks).toEqual([
      { index: 0, start: 0, duration: 8 },
      { index: 1, start: 8, duration: 60 },
      { index: 2, start: 68, duration: 60 },
      { index: 3, start: 128, duration: 60 },
      { index: 4, start: 188, duration: 12 },
    ]);
    for (const c of chunks) expect(cuts).toContain(c.start);
  });
  it("a last chunk of one segment joins the one before", () => {
    expect(cutChunks([0, 6, 9, 12, 18, 21], 23, 6, 12).map((c) => c.start)).toEqual([0, 6, 18]);
    expect(cutChunks([0, 6, 9, 12, 18], 20, 6, 12)).toEqual([
      { index: 0, start: 0, duration: 6 },
      { index: 1, start: 6, duration: 14 },
    ]);
  });
});

describe("forcedKeyframes", () => {
  it("lists the chunk's cuts, each a millisecond early", () => {
    expect(forcedKeyframes([0, 4, 8, 12, 16], { index: 1, start: 8, duration: 8 })).toBe("7.999000,11.999000");
    expect(forcedKeyframes([0, 4.004], { index: 0, start: 0, duration: 6 })).toBe("0.000000,4.003000");
  });
});
