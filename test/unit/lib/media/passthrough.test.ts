import { describe, expect, it } from "vitest";
import { chunkCommand } from "../../../../lib/media/ffmpeg-args.js";
import { buildPlan, encodedRungs, parsePlan } from "../../../../lib/media/plan.js";
import type { Source } from "../../../../lib/media/probe-check.js";
import { remuxCommand } from "../../../../lib/media/remux-args.js";
import type { StandardFacts } from "../../../../lib/media/standard.js";

const probe: Source = {
  demuxer: "mov",
  duration: 21,
  width: 1280,
  height: 720,
  rotation: 0,
  fps: { num: 30, den: 1 },
  vfr: false,
  videoCodec: "h264",
  pixFmt: "yuv420p",
  audio: { index: 1, codec: "aac", channels: 2 },
  size: 1,
};
/** Keyframes every 3 s: with 4 s segments the muxer cuts at 0, 6, 9, 12, 18. */
const facts: StandardFacts = {
  demuxer: "mov",
  video: {
    codec: "h264",
    profile: "High",
    pixFmt: "yuv420p",
    bitDepth: 8,
    fieldOrder: "progressive",
    width: 1280,
    height: 720,
    sar: "1:1",
    rotation: 0,
    fps: 30,
    vfr: false,
    bitRate: 3_000_000,
  },
  audio: { codec: "aac", profile: "LC", channels: 2, sampleRate: 48_000 },
  keyframes: [0, 3, 6, 9, 12, 15, 18],
  peakGopBitRate: 4_500_000,
  duration: 21,
};
const options = { segmentSeconds: 4, chunkSeconds: 8, firstChunkSeconds: 4, chunkParallelism: 2, x264Preset: "veryfast" };
const plan = buildPlan("v0123456789abcdef012", { bucket: "uploads", key: "a.mp4", etag: "e", size: 1 }, probe, options, facts);

describe("a passthrough plan", () => {
  it("keeps the source as the top rung, encodes the smaller ones, and chunks on the cuts", () => {
    expect(plan.passthrough).toEqual({ cuts: [0, 6, 9, 12, 18], targetDuration: 6, audio: "copy", bitRate: 3_000_000 });
    expect(plan.rungs.map((r) => r.name)).toEqual(["720p", "480p", "360p", "240p"]);
    expect(plan.rungs[0]).toMatchObject({ width: 1280, height: 720, maxrate: 4_500_000 });
    expect(encodedRungs(plan).map((r) => r.name)).toEqual(["480p", "360p", "240p"]);
    expect(plan.chunks).toEqual([
      { index: 0, start: 0, duration: 6 },
      // [18, 21) is a single segment: it joins the chunk before.
      { index: 1, start: 6, duration: 15 },
    ]);
    // It survives the trip through a job event.
    expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });

  it("a source without a standard check is planned as before", () => {
    const p = buildPlan("v0123456789abcdef012", { bucket: "uploads", key: "a.mp4", etag: "e", size: 1 }, probe, options);
    expect(p.passthrough).toBeUndefined();
    expect(encodedRungs(p)).toEqual(p.rungs);
  });

  it("remuxes video and audio with stream copy into EVENT fMP4 HLS, cut every segmentSeconds at keyframes", () => {
    const cmd = remuxCommand(plan, "/w/src", "/w/out");
    expect(cmd.input.options).toEqual([
      "-nostdin",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "mov",
      "-f",
      "mov",
      "-copyts",
      "-start_at_zero",
    ]);
    expect(cmd.filterComplex).toBeUndefined();
    expect(cmd.outputs.map((o) => o.path)).toEqual(["/w/out/720p.m3u8", "/w/out/audio.m3u8"]);
    const [video, audio] = cmd.outputs.map((o) => o.options.join(" "));
    expect(video).toContain("-map 0:v:0 -c:v copy -an");
    expect(video).toContain("-hls_time 4 -hls_playlist_type event");
    expect(audio).toContain("-map 0:1 -c:a copy -vn");
  });

  it("encodes the lower rungs of a chunk with keyframes at exactly its cuts, failing on any decode error", () => {
    const cmd = chunkCommand(plan, plan.chunks[1]!, "/w/src", "/w/out");
    expect(cmd.input.options.slice(0, 2)).toEqual(["-nostdin", "-xerror"]);
    expect(cmd.outputs.map((o) => o.path)).toEqual(["/w/out/480p.m3u8", "/w/out/360p.m3u8", "/w/out/240p.m3u8", "/w/out/sprite_0001.jpg"]);
    const o = cmd.outputs[0]!.options;
    expect(o[o.indexOf("-force_key_frames") + 1]).toBe("5.999000,8.999000,11.999000,17.999000");
    // A GOP longer than any gap between cuts (7 s at 30 fps), and the muxer cutting at every keyframe.
    expect(o[o.indexOf("-g") + 1]).toBe("210");
    expect(o[o.indexOf("-hls_time") + 1]).toBe("0.1");
  });
});
