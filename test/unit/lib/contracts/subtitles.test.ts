import { describe, expect, it } from "vitest";
import {
  canonicalLanguage,
  isSidecarKey,
  keyBase,
  languageName,
  pairSidecar,
  sidecarCandidates,
  viewerSubtitles,
} from "../../../../lib/contracts/subtitles.js";

describe("pairing a sidecar with a video", () => {
  it.each([
    ["talk.vtt", "talk.mp4", "und"],
    ["talk.en.vtt", "talk.mp4", "en"],
    ["talk.pt-br.srt", "talk.mov", "pt-BR"],
    ["TALK.EN.SRT", "TALK.mkv", "en"],
    ["talk.zh-Hant.vtt", "talk.mp4", "zh-Hant"],
    ["talk.es-419.vtt", "talk.webm", "es-419"],
    ["talks/2026/keynote.fr.vtt", "talks/2026/keynote.mp4", "fr"],
    ["a b/c d.de.srt", "a b/c d.mp4", "de"],
    ["日本語 動画.ja.vtt", "日本語 動画.mp4", "ja"],
    // A video whose own name has a dot: "talk.en" is its base, the sidecar names no language.
    ["talk.en.vtt", "talk.en.mp4", "und"],
    ["noext.vtt", "noext", "und"],
  ])("%s + %s → %s", (sidecar, video, language) => {
    expect(pairSidecar(sidecar, video)).toBe(language);
  });

  it.each([
    ["talk.en.vtt", "other.mp4"],
    ["talk.vtt", "talk.en.mp4"],
    ["talks/talk.en.vtt", "talk.mp4"],
    ["talk.en.vtt", "talks/talk.mp4"],
    ["talk.english-subtitles-v2.vtt", "talk.mp4"],
    ["talk.e1.vtt", "talk.mp4"],
    ["talk.en.vtt", "talk.vtt"],
    ["talk.en.txt", "talk.mp4"],
    // Hostile keys never pair across folders or by a traversal.
    ["../talk.en.vtt", "talk.mp4"],
    ["talk/../talk.en.vtt", "talk.mp4"],
    ["talk.en.vtt\u0000", "talk.mp4"],
    [".vtt", ".mp4"],
    ['talk."en".vtt', "talk.mp4"],
    [`talk.${"x".repeat(40)}.vtt`, "talk.mp4"],
  ])("%s does not pair with %s", (sidecar, video) => {
    expect(pairSidecar(sidecar, video)).toBeNull();
  });

  it("lists a tagged sidecar's two readings, the language one first", () => {
    expect(sidecarCandidates("d/talk.en.vtt")).toEqual([
      { base: "d/talk", language: "en" },
      { base: "d/talk.en", language: "und" },
    ]);
    expect(sidecarCandidates("d.x/talk.vtt")).toEqual([{ base: "d.x/talk", language: "und" }]);
  });

  it("takes the extension off the file name only, never a folder's dot", () => {
    expect([keyBase("a.b/c"), keyBase("a.b/c.mp4"), keyBase(".hidden"), keyBase("x.tar.gz")]).toEqual([
      "a.b/c",
      "a.b/c",
      ".hidden",
      "x.tar",
    ]);
  });

  it("knows a sidecar by its extension, in any case", () => {
    expect(["a.vtt", "A.SRT", "b.Vtt"].map(isSidecarKey)).toEqual([true, true, true]);
    expect(["a.mp4", "vtt", "a.vtt.mp4", "a.ass"].map(isSidecarKey)).toEqual([false, false, false, false]);
  });
});

describe("languages", () => {
  it.each([
    ["en", "en", "English"],
    ["PT-br", "pt-BR", "Brazilian Portuguese"],
    ["fr-CA", "fr-CA", "Canadian French"],
    ["und", "und", "Subtitles"],
  ])("%s → %s, named %s", (tag, canonical, name) => {
    expect(canonicalLanguage(tag)).toBe(canonical);
    expect(languageName(canonical)).toBe(name);
  });

  it.each(["", "e", "english", "en_US", "en-", "12", "en--us", "<script>", `en-${"a".repeat(40)}`])("%j is not a language tag", (tag) => {
    expect(canonicalLanguage(tag)).toBeNull();
  });
});

describe("what viewers see of the tracks", () => {
  it("only published ones, without where they came from", () => {
    const ok = { language: "en", name: "English", uri: "sub-en-a.m3u8", from: { kind: "studio" as const }, error: null };
    const bad = {
      language: "fr",
      name: "French",
      uri: null,
      from: { kind: "sidecar" as const, key: "t.fr.vtt", etag: "e" },
      error: { code: "subtitle-invalid" as const, message: "m" },
    };
    expect(viewerSubtitles([ok, bad])).toEqual([{ language: "en", name: "English", uri: "sub-en-a.m3u8" }]);
    expect(viewerSubtitles(undefined)).toEqual([]);
  });
});
