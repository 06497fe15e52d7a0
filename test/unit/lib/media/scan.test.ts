import { describe, expect, it } from "vitest";
import type { Source } from "../../../../lib/media/probe-check.js";
import { parsePackets, standardFacts } from "../../../../lib/media/scan.js";
import { standardVerdict } from "../../../../lib/media/standard.js";

describe("parsePackets", () => {
  it("reads keyframe times in presentation order, the average bitrate and the costliest GOP", () => {
    // Decode order: the keyframe at 2 s comes before a B-frame shown at 1.9 s.
    const csv = [
      "0.000000,500000,K_",
      "0.100000,100000,__",
      "1.900000,50000,__",
      "2.000000,250000,K_",
      "2.100000,0,__",
      "N/A,1000,__",
      "",
    ].join("\n");
    const scan = parsePackets(csv, 4);
    expect(scan.keyframes).toEqual([0, 2]);
    expect(scan.bitRate).toBe(Math.round((901_000 * 8) / 4));
    // GOP 0: 650,000 bytes over 2 s; GOP 1: 251,000 bytes over 2 s.
    expect(scan.peakGopBitRate).toBe(2_600_000);
  });
  it("an empty scan has no keyframes", () => {
    expect(parsePackets("", 10)).toEqual({ keyframes: [], bitRate: 0, peakGopBitRate: null });
  });
});

describe("standardFacts", () => {
  const source: Source = {
    demuxer: "mov",
    duration: 4,
    width: 1920,
    height: 1080,
    rotation: 0,
    fps: { num: 30, den: 1 },
    vfr: false,
    videoCodec: "h264",
    pixFmt: "yuv420p",
    audio: { index: 2, codec: "aac", channels: 2 },
    size: 1,
  };
  const details = {
    streams: [
      { index: 0, codec_type: "video", codec_name: "mjpeg", width: 300, height: 300 },
      {
        index: 1,
        codec_type: "video",
        codec_name: "h264",
        profile: "High",
        bits_per_raw_sample: "8",
        field_order: "progressive",
        width: 1920,
        height: 1080,
        sample_aspect_ratio: "1:1",
      },
      { index: 2, codec_type: "audio", codec_name: "aac", profile: "LC", channels: 2, sample_rate: "48000" },
    ],
  };
  it("takes the video stream the probe chose (not cover art) and the probe's audio stream", () => {
    const facts = standardFacts(source, details, { keyframes: [0, 2], bitRate: 5_000_000, peakGopBitRate: 6_000_000 });
    expect(facts.video).toMatchObject({
      profile: "High",
      bitDepth: 8,
      fieldOrder: "progressive",
      width: 1920,
      height: 1080,
      bitRate: 5_000_000,
    });
    expect(facts.audio).toEqual({ codec: "aac", profile: "LC", channels: 2, sampleRate: 48_000 });
    expect(standardVerdict(facts)).toEqual({ standard: true, refused: [], audio: "copy" });
  });
  it("unknown field order and bit depth are not held against a source", () => {
    const v = { ...details.streams[1], field_order: "unknown", bits_per_raw_sample: undefined };
    const facts = standardFacts(source, { streams: [v] }, { keyframes: [0, 2], bitRate: 5_000_000, peakGopBitRate: null });
    expect(facts.video.fieldOrder).toBeNull();
    expect(facts.video.bitDepth).toBeNull();
    expect(facts.audio).toBeNull();
  });
});
