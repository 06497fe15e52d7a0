import { describe, expect, it } from "vitest";
import {
  audioMode,
  maxKeyframeGap,
  refusedByProbe,
  STANDARD_RULES,
  standardVerdict,
  type StandardFacts,
} from "../../../../lib/media/standard.js";

/** A typical phone export: 1080p30 H.264 High, keyframes every 2 s, 6 Mb/s, AAC-LC stereo 48 kHz. */
const phone: StandardFacts = {
  demuxer: "mov",
  video: {
    codec: "h264",
    profile: "High",
    pixFmt: "yuv420p",
    bitDepth: 8,
    fieldOrder: "progressive",
    width: 1920,
    height: 1080,
    sar: "1:1",
    rotation: 0,
    fps: 30,
    vfr: false,
    bitRate: 6_000_000,
  },
  audio: { codec: "aac", profile: "LC", channels: 2, sampleRate: 48_000 },
  keyframes: [0, 2, 4, 6, 8, 10],
  peakGopBitRate: 9_000_000,
  duration: 12,
};

type Change = { video?: Partial<StandardFacts["video"]> } & Partial<Omit<StandardFacts, "video">>;
function facts(change: Change): StandardFacts {
  return { ...phone, ...change, video: { ...phone.video, ...change.video } };
}

describe("standardVerdict: which sources are remuxed, and why the others are not", () => {
  const cases: [string, Change, string[]][] = [
    ["a phone export", {}, []],
    ["Main profile, 720p, 60 fps", { video: { profile: "Main", width: 1280, height: 720, fps: 60 } }, []],
    ["Constrained Baseline", { video: { profile: "Constrained Baseline" } }, []],
    ["portrait 1080x1920 stored upright", { video: { width: 1080, height: 1920 } }, []],
    ["2K (2048x1080)", { video: { width: 2048, height: 1080 } }, []],
    ["Matroska", { demuxer: "matroska" }, []],
    ["keyframes 10 s apart", { keyframes: [0, 10], duration: 20 }, []],
    ["video starting 21 ms in, on a keyframe (after AAC priming)", { keyframes: [0.021, 2.021, 4.021], duration: 6 }, []],
    ["bit depth not reported", { video: { bitDepth: null } }, []],
    ["MPEG-TS", { demuxer: "mpegts" }, ["container"]],
    ["HEVC", { video: { codec: "hevc", profile: "Main" } }, ["codec"]],
    ["High 10", { video: { profile: "High 10", pixFmt: "yuv420p10le", bitDepth: 10 } }, ["profile", "8-bit 4:2:0"]],
    ["High 4:4:4", { video: { profile: "High 4:4:4 Predictive", pixFmt: "yuv444p" } }, ["profile", "8-bit 4:2:0"]],
    ["10-bit samples", { video: { bitDepth: 10 } }, ["8-bit 4:2:0"]],
    ["4:2:2", { video: { pixFmt: "yuv422p" } }, ["8-bit 4:2:0"]],
    ["full range (yuvj420p)", { video: { pixFmt: "yuvj420p" } }, ["8-bit 4:2:0"]],
    ["interlaced", { video: { fieldOrder: "tt" } }, ["progressive"]],
    ["4K", { video: { width: 3840, height: 2160 } }, ["size"]],
    ["anamorphic", { video: { sar: "4:3" } }, ["size"]],
    ["odd width", { video: { width: 1279 } }, ["size"]],
    ["rotated a quarter turn (phone portrait)", { video: { rotation: 90 } }, ["upright"]],
    ["variable frame rate", { video: { vfr: true } }, ["frame rate"]],
    ["120 fps", { video: { fps: 120 } }, ["frame rate"]],
    ["12 Mb/s", { video: { bitRate: 12_000_000 } }, ["bitrate"]],
    ["bitrate unknown", { video: { bitRate: null } }, ["bitrate"]],
    ["a 20 Mb/s GOP", { peakGopBitRate: 20_000_000 }, ["bitrate"]],
    ["keyframes 12 s apart", { keyframes: [0, 12], duration: 20 }, ["keyframes"]],
    ["one keyframe for a 30 s file", { keyframes: [0], duration: 30 }, ["keyframes"]],
    ["no keyframe at the start", { keyframes: [0.5, 2.5, 4.5], duration: 6 }, ["keyframes"]],
    ["no keyframes found", { keyframes: [] }, ["keyframes"]],
  ];
  it.each(cases)("%s", (_name, change, refusedBy) => {
    const v = standardVerdict(facts(change));
    expect(v.standard).toBe(refusedBy.length === 0);
    expect(v.refused.map((r) => r.split(": ")[0])).toEqual(refusedBy);
  });

  it("names every failed rule with its reason", () => {
    const v = standardVerdict(facts({ demuxer: "avi", video: { codec: "mpeg4", profile: "Simple Profile" } }));
    expect(v.refused).toEqual([
      "container: only MP4/MOV and Matroska carry H.264 in a form fMP4 takes as is",
      "codec: every HLS client decodes H.264; other codecs are encoded to it",
      "profile: High, Main and Baseline are what players support (no High 10, 4:2:2 or 4:4:4 profiles)",
    ]);
  });

  it("has one reason for every rule, and unique names", () => {
    expect(new Set(STANDARD_RULES.map((r) => r.name)).size).toBe(STANDARD_RULES.length);
    for (const r of STANDARD_RULES) expect(r.why.length).toBeGreaterThan(10);
  });
});

describe("refusedByProbe: what is refused before any index or packet is read", () => {
  const unscanned = (change: Change) =>
    facts({ ...change, keyframes: [], peakGopBitRate: null, video: { bitRate: null, ...change.video } });
  it.each([
    ["a phone export (its keyframes and bitrate still to read)", {}, []],
    ["MPEG-TS", { demuxer: "mpegts" }, ["container"]],
    ["HEVC in MP4", { video: { codec: "hevc", profile: "Main" } }, ["codec"]],
    ["interlaced 4K", { video: { fieldOrder: "tt", width: 3840, height: 2160 } }, ["progressive", "size"]],
  ] as [string, Change, string[]][])("%s", (_name, change, refusedBy) => {
    expect(refusedByProbe(unscanned(change)).map((r) => r.split(": ")[0])).toEqual(refusedBy);
  });

  it("leaves only the bitrate and keyframe rules to the scan", () => {
    expect(STANDARD_RULES.filter((r) => r.scan).map((r) => r.name)).toEqual(["bitrate", "keyframes"]);
  });
});

describe("audioMode", () => {
  it.each([
    ["AAC-LC stereo 48 kHz", phone.audio, "copy"],
    ["AAC-LC stereo 44.1 kHz", { codec: "aac", profile: "LC", channels: 2, sampleRate: 44_100 }, "copy"],
    ["AAC-LC mono", { codec: "aac", profile: "LC", channels: 1, sampleRate: 48_000 }, "encode"],
    ["AAC-LC 5.1", { codec: "aac", profile: "LC", channels: 6, sampleRate: 48_000 }, "encode"],
    ["HE-AAC", { codec: "aac", profile: "HE-AAC", channels: 2, sampleRate: 48_000 }, "encode"],
    ["AAC at 32 kHz", { codec: "aac", profile: "LC", channels: 2, sampleRate: 32_000 }, "encode"],
    ["Opus", { codec: "opus", profile: "", channels: 2, sampleRate: 48_000 }, "encode"],
    ["no audio", null, "none"],
  ] as const)("%s → %s", (_name, audio, mode) => {
    expect(audioMode(audio)).toBe(mode);
  });
});

describe("maxKeyframeGap", () => {
  it("counts the stretch after the last keyframe", () => {
    expect(maxKeyframeGap([0, 2, 4], 9)).toBe(5);
    expect(maxKeyframeGap([0, 3, 4], 5)).toBe(3);
    expect(maxKeyframeGap([], 5)).toBe(Infinity);
  });
});
