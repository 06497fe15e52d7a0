import { describe, expect, it } from "vitest";
import type { EstrenaError } from "../../../../lib/contracts/errors.js";
import type { Video } from "../../../../lib/contracts/video.js";
import { decodeCursor, encodeCursor, fold, listPage, matches, parseListQuery } from "../../../../functions/catalogue/list.js";

const video = (n: number, title: string, createdAt: string): Video => ({
  id: `v${String(n).padStart(19, "0")}`,
  title,
  source: { bucket: "uploads", key: `${title}.mp4`, size: 1, etag: "e" },
  createdAt,
  status: "ready",
  progress: 1,
  duration: 1,
  width: 2,
  height: 2,
  renditions: [],
  hls: null,
  poster: null,
  thumbnails: null,
  error: null,
});
const all = [
  video(1, "Canción del mar", "2026-11-20T10:00:00.000Z"),
  video(2, "Holiday", "2026-11-22T10:00:00.000Z"),
  video(3, "Holiday at sea", "2026-11-21T10:00:00.000Z"),
  video(4, "Tie A", "2026-11-23T10:00:00.000Z"),
  video(5, "Tie B", "2026-11-23T10:00:00.000Z"),
];
const ids = (vs: readonly Video[]) => vs.map((v) => Number(v.id.slice(1)));

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as EstrenaError).code;
  }
  return "no error";
}

describe("listPage", () => {
  it("lists newest first, ties broken by id", () => {
    expect(ids(listPage(all, { q: "", cursor: null, limit: 10 }).videos)).toEqual([5, 4, 2, 3, 1]);
    expect(listPage(all, { q: "", cursor: null, limit: 10 }).next).toBe(null);
  });
  it("pages with cursors until next is null, without repeats or gaps", () => {
    const seen: number[][] = [];
    let cursor: string | null = null;
    do {
      const page = listPage(all, { q: "", cursor, limit: 2 });
      seen.push(ids(page.videos));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual([[5, 4], [2, 3], [1]]);
  });
  it("keeps its place when a newer video arrives between pages", () => {
    const first = listPage(all, { q: "", cursor: null, limit: 2 });
    const later = [...all, video(6, "Brand new", "2026-11-24T00:00:00.000Z")];
    expect(ids(listPage(later, { q: "", cursor: first.next, limit: 2 }).videos)).toEqual([2, 3]);
  });
  it("searches titles, every term, ignoring case and accents", () => {
    expect(ids(listPage(all, { q: "holiday", cursor: null, limit: 10 }).videos)).toEqual([2, 3]);
    expect(ids(listPage(all, { q: "SEA holiday", cursor: null, limit: 10 }).videos)).toEqual([3]);
    expect(ids(listPage(all, { q: "cancion", cursor: null, limit: 10 }).videos)).toEqual([1]);
    expect(ids(listPage(all, { q: "nothing", cursor: null, limit: 10 }).videos)).toEqual([]);
  });
  it("pages within search results", () => {
    const p1 = listPage(all, { q: "holiday", cursor: null, limit: 1 });
    expect(ids(p1.videos)).toEqual([2]);
    const p2 = listPage(all, { q: "holiday", cursor: p1.next, limit: 1 });
    expect([ids(p2.videos), p2.next]).toEqual([[3], null]);
  });
});

describe("cursor", () => {
  it("round-trips a position", () => {
    const v = all[1]!;
    expect(decodeCursor(encodeCursor(v))).toEqual({ c: v.createdAt, i: v.id });
  });
  it.each([
    "zzz",
    "!!",
    Buffer.from("[1,2]").toString("base64url"),
    Buffer.from('{"c":"not a date","i":"x"}').toString("base64url"),
    Buffer.from('{"c":"2026-01-01T00:00:00Z"}').toString("base64url"),
    "a".repeat(401),
  ])("rejects %j with bad-cursor", (cursor) => {
    expect(code(() => decodeCursor(cursor))).toBe("bad-cursor");
  });
});

describe("parseListQuery", () => {
  it("applies defaults", () => {
    expect(parseListQuery({})).toEqual({ q: "", cursor: null, limit: 24 });
    expect(parseListQuery({ q: "  sea ", limit: "5", cursor: "" })).toEqual({ q: "sea", cursor: null, limit: 5 });
  });
  it.each([
    [{ limit: "0" }, "bad-request"],
    [{ limit: "101" }, "bad-request"],
    [{ limit: "2.5" }, "bad-request"],
    [{ q: ["a", "b"] }, "bad-request"],
    [{ q: "x".repeat(201) }, "bad-request"],
    [{ cursor: "%%%" }, "bad-cursor"],
  ])("%j → %s", (query, expected) => {
    expect(code(() => parseListQuery(query))).toBe(expected);
  });
});

describe("matches / fold", () => {
  it("folds accents and case", () => {
    expect(fold("Ñandú ÉTÉ")).toBe("nandu ete");
    expect(matches("Día de playa", "DIA playa")).toBe(true);
    expect(matches("Día de playa", "noche")).toBe(false);
  });
});
