import { describe, expect, it } from "vitest";
import { type KeyValueStore, loadResume, MAX_ENTRIES, RESUME_PREFIX, resumeEntry, saveResume } from "../../../../web/src/player/resume.js";

class MemoryStore implements KeyValueStore {
  readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  key(i: number): string | null {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.map.set(k, v);
  }
  removeItem(k: string): void {
    this.map.delete(k);
  }
}

describe("resumeEntry", () => {
  it.each([
    [4.9, 100, null],
    [5, 100, { t: 5, d: 100, at: 7 }],
    [42.37, 100, { t: 42.3, d: 100, at: 7 }],
    [94.9, 100, { t: 94.9, d: 100, at: 7 }],
    [95.1, 100, null],
    [590, 600, { t: 590, d: 600, at: 7 }],
    [590.1, 600, null],
    [12.2, 20, { t: 12.2, d: 20, at: 7 }],
    [19.1, 20, null],
    [30, Number.NaN, { t: 30, d: 0, at: 7 }],
    [Number.NaN, 100, null],
  ])("t=%d of %d → %j", (t, d, expected) => {
    expect(resumeEntry(t, d, 7)).toEqual(expected);
  });
});

describe("saveResume / loadResume", () => {
  it("round-trips a position", () => {
    const store = new MemoryStore();
    saveResume(store, "v1", 63.25, 600, 1000);
    expect(store.getItem(`${RESUME_PREFIX}v1`)).toBe('{"t":63.2,"d":600,"at":1000}');
    expect(loadResume(store, "v1")).toBe(63.2);
    expect(loadResume(store, "v2")).toBe(null);
  });

  it("forgets a video watched to the end", () => {
    const store = new MemoryStore();
    saveResume(store, "v1", 63, 600, 1);
    saveResume(store, "v1", 595, 600, 2);
    expect(loadResume(store, "v1")).toBe(null);
    expect(store.length).toBe(0);
  });

  it("ignores corrupt entries", () => {
    const store = new MemoryStore();
    store.setItem(`${RESUME_PREFIX}v1`, "{not json");
    store.setItem(`${RESUME_PREFIX}v2`, '{"t":"12"}');
    expect(loadResume(store, "v1")).toBe(null);
    expect(loadResume(store, "v2")).toBe(null);
  });

  it("keeps only the newest entries and leaves other keys alone", () => {
    const store = new MemoryStore();
    store.setItem("estrena:volume", "{}");
    for (let i = 0; i < MAX_ENTRIES + 3; i++) saveResume(store, `v${i}`, 10, 100, 1000 + i);
    expect(store.length).toBe(MAX_ENTRIES + 1);
    expect(loadResume(store, "v0")).toBe(null);
    expect(loadResume(store, "v2")).toBe(null);
    expect(loadResume(store, "v3")).toBe(10);
    expect(store.getItem("estrena:volume")).toBe("{}");
  });

  it("survives a store that throws (private mode, quota)", () => {
    const store: KeyValueStore = {
      length: 0,
      key: () => null,
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("quota");
      },
      removeItem: () => undefined,
    };
    expect(() => saveResume(store, "v1", 30, 100)).not.toThrow();
    expect(loadResume(store, "v1")).toBe(null);
  });
});
