import { describe, expect, it } from "vitest";
import { backoff, fingerprint, partRange, remainingParts } from "../../../../web/src/studio/parts.js";

const MiB = 1024 * 1024;

describe("studio upload parts", () => {
  it("cuts a file into ranges, the last one short", () => {
    expect(partRange(1, 8 * MiB, 18 * MiB)).toEqual({ start: 0, end: 8 * MiB });
    expect(partRange(3, 8 * MiB, 18 * MiB)).toEqual({ start: 16 * MiB, end: 18 * MiB });
  });

  it("resumes with only the parts that are not stored whole", () => {
    const stored = [
      { partNumber: 1, etag: '"a"', size: 8 * MiB },
      { partNumber: 3, etag: '"c"', size: 2 * MiB },
      { partNumber: 2, etag: '"short"', size: 1 * MiB },
      { partNumber: 9, etag: '"stray"', size: 8 * MiB },
    ];
    const r = remainingParts(18 * MiB, 8 * MiB, stored);
    expect(r.todo).toEqual([2]);
    expect([...r.done.keys()].sort()).toEqual([1, 3]);
    expect(r.doneBytes).toBe(10 * MiB);
  });

  it("an empty file is one empty part", () => {
    expect(remainingParts(0, 8 * MiB, []).todo).toEqual([1]);
  });

  it("names a file by name, size, date and what it replaces", () => {
    const f = { name: "a.mp4", size: 3, lastModified: 7 };
    expect(fingerprint(f)).toBe("estrena.upload:a.mp4:3:7:");
    expect(fingerprint(f, "v1")).not.toBe(fingerprint(f));
  });

  it("backs off 1, 2, 4 ... 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(backoff)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});
