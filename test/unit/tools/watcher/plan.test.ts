import { describe, expect, it } from "vitest";
import { decide, fingerprint, ledgerLine, objectKeyFor, parseLedger, retryDelayMs, skipReason } from "../../../../tools/watcher/plan.js";
import { encodeTitle, contentTypeFor } from "../../../../tools/upload/client.js";
import { decodeMetaValue } from "../../../../functions/ingest/s3-event.js";

describe("watched-folder import rules", () => {
  it.each([
    ["clip.mp4", null],
    ["Clip.MOV", null],
    ["sub/dir/clip.mkv", null],
    ["a.webm", null],
    ["a.avi", null],
    ["a.ts", null],
    ["a.flv", null],
    ["podcast/episode 1.m4a", null],
    ["song.MP3", null],
    ["take.wav", null],
    ["album/track.flac", null],
    ["track.ogg", null],
    ["voice.opus", null],
    ["talk.vtt", null],
    ["talk.en.srt", null],
    ["talks/talk.PT-BR.SRT", null],
    [".hidden.mp4", "hidden"],
    [".sync/clip.mp4", "hidden"],
    ["sub/.clip.mp4.Xa3f9", "hidden"],
    ["clip.mp4.part", "in-progress"],
    ["clip.mp4.crdownload", "in-progress"],
    ["clip.mp4.tmp", "in-progress"],
    ["clip.mp4~", "in-progress"],
    ["notes.txt", "not-a-video"],
    ["Thumbs.db", "not-a-video"],
    ["clip", "not-a-video"],
    ["poster.jpg", "not-a-video"],
  ])("%s → %s", (path, reason) => {
    expect(skipReason(path)).toBe(reason);
  });

  it.each([
    ["clip.mp4", "clip.mp4"],
    ["sub/dir/clip.mp4", "sub/dir/clip.mp4"],
    ["with space/ü.mp4", "with space/ü.mp4"],
  ])("%s is uploaded as key %s", (path, key) => {
    expect(objectKeyFor(path)).toBe(key);
  });

  const f = { path: "sub/clip.mp4", size: 1234, mtimeMs: 1764000000123.75 };

  it("fingerprints path, size and whole-millisecond mtime", () => {
    expect(fingerprint(f)).toBe("1234:1764000000123:sub/clip.mp4");
  });

  it("imports a new file, skips it once recorded, and imports it again when rewritten", () => {
    const ledger = parseLedger(ledgerLine({ ...f, key: "sub/clip.mp4", etag: "abc", importedAt: "2026-11-24T00:00:00.000Z" }));
    expect(decide(f, new Set())).toEqual({ action: "import" });
    expect(decide(f, ledger)).toEqual({ action: "skip", reason: "already-imported" });
    expect(decide({ ...f, size: 1235 }, ledger)).toEqual({ action: "import" });
    expect(decide({ ...f, mtimeMs: f.mtimeMs + 1000 }, ledger)).toEqual({ action: "import" });
    expect(decide({ ...f, path: "other.mp4" }, ledger)).toEqual({ action: "import" });
  });

  it("skips empty files and non-videos", () => {
    expect(decide({ ...f, size: 0 }, new Set())).toEqual({ action: "skip", reason: "empty" });
    expect(decide({ ...f, path: "readme.md" }, new Set())).toEqual({ action: "skip", reason: "not-a-video" });
  });

  it("reads a ledger with a torn last line", () => {
    const good = ledgerLine({ ...f, key: "sub/clip.mp4", etag: "abc", importedAt: "2026-11-24T00:00:00.000Z" });
    const torn = `${good}{"path":"b.mp4","size":`;
    expect([...parseLedger(torn)]).toEqual(["1234:1764000000123:sub/clip.mp4"]);
    expect([...parseLedger("")]).toEqual([]);
  });

  it.each([
    [1, 1000],
    [2, 2000],
    [5, 16000],
    [6, 30000],
    [50, 30000],
  ])("retry %i waits %i ms", (attempt, ms) => {
    expect(retryDelayMs(attempt)).toBe(ms);
  });
});

describe("upload metadata", () => {
  it.each([
    ["Plain title", "Plain title"],
    ["Über uns", "=?UTF-8?B?w5xiZXIgdW5z?="],
    ["日本語", "=?UTF-8?B?5pel5pys6Kqe?="],
    ["tab\there", "=?UTF-8?B?dGFiCWhlcmU=?="],
    ["=?looks encoded?=", "=?UTF-8?B?PT9sb29rcyBlbmNvZGVkPz0=?="],
  ])("title %j is stored as %j and ingest reads it back", (title, stored) => {
    expect(encodeTitle(title)).toBe(stored);
    expect(decodeMetaValue(stored)).toBe(title);
  });

  it.each([
    ["a.mp4", "video/mp4"],
    ["a.MOV", "video/quicktime"],
    ["a.mkv", "video/x-matroska"],
    ["a.bin", "application/octet-stream"],
  ])("%s has Content-Type %s", (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});
