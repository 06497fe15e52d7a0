import { describe, expect, it } from "vitest";
import { chunksWithAudio, contiguousDone, initialChunks, nextChunks, planChunks, segmentCount } from "../../../../lib/media/chunks.js";

const opts = { segmentSeconds: 4, chunkSeconds: 60, firstChunkSeconds: 8 };

describe("planChunks", () => {
  it.each([
    { name: "short source: one chunk", duration: 42.5, o: opts, want: [{ index: 0, start: 0, duration: 42.5 }] },
    { name: "exactly one chunk long: one chunk", duration: 60, o: opts, want: [{ index: 0, start: 0, duration: 60 }] },
    {
      name: "long source: a short first chunk, then full ones, then the rest",
      duration: 150,
      o: opts,
      want: [
        { index: 0, start: 0, duration: 8 },
        { index: 1, start: 8, duration: 60 },
        { index: 2, start: 68, duration: 60 },
        { index: 3, start: 128, duration: 22 },
      ],
    },
    {
      name: "a tail shorter than a segment joins the chunk before",
      duration: 129.5,
      o: opts,
      want: [
        { index: 0, start: 0, duration: 8 },
        { index: 1, start: 8, duration: 60 },
        { index: 2, start: 68, duration: 61.5 },
      ],
    },
    {
      name: "12 s with 4 s chunks and 2 s segments: three chunks",
      duration: 12,
      o: { segmentSeconds: 2, chunkSeconds: 4, firstChunkSeconds: 4 },
      want: [
        { index: 0, start: 0, duration: 4 },
        { index: 1, start: 4, duration: 4 },
        { index: 2, start: 8, duration: 4 },
      ],
    },
    {
      name: "chunk and first-chunk lengths are rounded down to whole segments (2 s tail joins the last)",
      duration: 30,
      o: { segmentSeconds: 4, chunkSeconds: 10, firstChunkSeconds: 5 },
      want: [
        { index: 0, start: 0, duration: 4 },
        { index: 1, start: 4, duration: 8 },
        { index: 2, start: 12, duration: 8 },
        { index: 3, start: 20, duration: 10 },
      ],
    },
    {
      name: "first chunk never longer than a full chunk",
      duration: 20,
      o: { segmentSeconds: 2, chunkSeconds: 6, firstChunkSeconds: 30 },
      want: [
        { index: 0, start: 0, duration: 6 },
        { index: 1, start: 6, duration: 6 },
        { index: 2, start: 12, duration: 6 },
        { index: 3, start: 18, duration: 2 },
      ],
    },
  ])("$name", ({ duration, o, want }) => expect(planChunks(duration, o)).toEqual(want));

  it("chunks tile the source without gaps or overlaps, starting on segment boundaries", () => {
    const chunks = planChunks(600.04, opts);
    expect(chunks).toHaveLength(11);
    let t = 0;
    for (const c of chunks) {
      expect(c.start).toBe(t);
      expect(c.start % 4).toBe(0);
      t = Math.round((t + c.duration) * 1e6) / 1e6;
    }
    expect(t).toBe(600.04);
  });
});

describe("chunk scheduling", () => {
  it.each([
    [{ index: 0, start: 0, duration: 8 }, 4, 2],
    [{ index: 3, start: 128, duration: 22 }, 4, 6],
    [{ index: 2, start: 68, duration: 61.5 }, 4, 16],
    [{ index: 0, start: 0, duration: 0.5 }, 4, 1],
  ])("segmentCount(%j, %i) = %i", (c, seg, want) => expect(segmentCount(c, seg)).toBe(want));

  it("starts the first chunk alone, then keeps a window of `parallelism` chunks in flight", () => {
    expect(initialChunks(10)).toEqual([0]);
    expect(initialChunks(0)).toEqual([]);
    expect(nextChunks(0, 10, 2)).toEqual([1, 2]);
    expect(nextChunks(0, 2, 4)).toEqual([1]);
    expect(nextChunks(0, 1, 2)).toEqual([]);
    expect(nextChunks(1, 10, 2)).toEqual([3]);
    expect(nextChunks(7, 10, 2)).toEqual([9]);
    expect(nextChunks(8, 10, 2)).toEqual([]);
  });

  it.each([
    [[], 0],
    [[1, 2], 0],
    [[0, 1, 3], 2],
    [[2, 0, 1], 3],
  ])("contiguousDone(%j) = %i", (done, want) => expect(contiguousDone(new Set(done))).toBe(want));
});

describe("chunksWithAudio", () => {
  // Chunks of 8, 12 and 10.5 s: they end at 8, 20 and 30.5.
  const chunks = [
    { index: 0, start: 0, duration: 8 },
    { index: 1, start: 8, duration: 12 },
    { index: 2, start: 20, duration: 10.5 },
  ];
  it.each([
    ["audio complete (or none): nothing held back", 3, null, 3],
    ["no audio segment yet", 3, 0, 0],
    ["one audio segment, short of the first chunk's end", 3, 4.010667, 0],
    ["audio three AAC frames short of the first chunk's end", 3, 7.936, 0],
    ["audio within one AAC frame of the end", 2, 7.98, 1],
    ["audio past the first chunk's end", 3, 8.021333, 1],
    ["audio covers two chunks, only one done without a gap", 1, 24.064, 1],
    ["audio covers two of three chunks", 3, 24.064, 2],
    ["audio covers all of them", 3, 32.085333, 3],
  ] as const)("%s", (_name, k, audioSeconds, want) => expect(chunksWithAudio(chunks, k, audioSeconds)).toBe(want));
});
