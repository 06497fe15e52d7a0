import { describe, expect, it } from "vitest";
import { audioCommand, toArgv } from "../../../../lib/media/ffmpeg-args.js";
import { buildPlan, isAudioOnlyPlan, mediaOf, parsePlan } from "../../../../lib/media/plan.js";
import { NO_PICTURE, type Source } from "../../../../lib/media/probe-check.js";
import { stripWidth, waveformCommand, waveformVtt } from "../../../../lib/media/waveform.js";

const options = { segmentSeconds: 4, chunkSeconds: 24, firstChunkSeconds: 4, chunkParallelism: 2, x264Preset: "veryfast" };
const sound = (s: Partial<Source> = {}): Source => ({
  demuxer: "mp3",
  duration: 10,
  ...NO_PICTURE,
  audio: { index: 0, codec: "mp3", channels: 6 },
  size: 80_000,
  ...s,
});
const plan = buildPlan("v0123456789abcdef012", { bucket: "uploads", key: "talk.mp3", etag: "e", size: 80_000 }, sound(), options);

describe("the audio-only plan", () => {
  it("has no video rungs and no chunks; its grid is the waveform preview", () => {
    expect(isAudioOnlyPlan(plan)).toBe(true);
    expect(plan.rungs).toEqual([]);
    expect(plan.chunks).toEqual([]);
    expect(plan.grid).toEqual({ tileWidth: 160, tileHeight: 90, columns: 1 });
    expect(plan.passthrough).toBeUndefined();
    expect(mediaOf(plan)).toEqual({ duration: 10, width: 0, height: 0, kind: "audio" });
  });

  it("travels in job events (the wire schema accepts it) and a half-audio plan is refused", () => {
    expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
    expect(() => parsePlan({ ...plan, probe: { ...plan.probe, audio: null } })).toThrow(/rungs/);
    expect(() => parsePlan({ ...plan, chunks: [{ index: 0, start: 0, duration: 10 }] })).toThrow(/rungs/);
  });

  it("encodes one stereo AAC rendition even from 5.1 (the surround variant is a video's)", () => {
    const cmd = audioCommand(plan, "/w/src", "/w/out");
    expect(cmd.outputs.map((o) => o.path)).toEqual(["/w/out/audio.m3u8"]);
    expect(cmd.input.options).toContain("mp3");
    expect(cmd.outputs[0]!.options.join(" ")).toContain("-c:a aac -profile:a aac_low -b:a 128000 -ac 2");
  });
});

describe("waveform pictures", () => {
  it("draws the poster (1280×720) and the strip from one mono 8 kHz decode, reading only the accepted demuxer", () => {
    expect(toArgv(waveformCommand(plan, "/w/src", "/w/out"))).toEqual([
      "-hide_banner",
      "-nostdin",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "mp3",
      "-f",
      "mp3",
      "-i",
      "/w/src",
      "-filter_complex",
      "[0:0]aresample=8000,aformat=sample_fmts=s16:channel_layouts=mono,asplit=2[p][s];" +
        "[p]showwavespic=s=1280x720:colors=0x6ea8fe:scale=sqrt:draw=full:split_channels=0[poster];" +
        "[s]showwavespic=s=640x90:colors=0x6ea8fe:scale=sqrt:draw=full:split_channels=0[strip]",
      ...["-map", "[strip]", "-map_metadata", "-1", "-map_chapters", "-1", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "5"],
      ...["-f", "image2", "-update", "1", "/w/out/sprite_0000.jpg"],
      ...["-map", "[poster]", "-map_metadata", "-1", "-map_chapters", "-1", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3"],
      ...["-f", "image2", "-update", "1", "/w/out/poster.jpg"],
    ]);
  });

  it.each([
    [10, 640],
    [4 * 100, 4000],
    [4 * 100 + 0.5, 4040],
    [3600, 16_000],
  ])("a %s s source gets a %s px strip (40 px a segment, 640..16000)", (duration, width) => {
    expect(stripWidth(duration, 4)).toBe(width);
  });

  it("the thumbnails track shows the 160×90 window of the strip around each segment", () => {
    const segments = [
      { uri: "audio_00000.m4s", duration: 4 },
      { uri: "audio_00001.m4s", duration: 4 },
      { uri: "audio_00002.m4s", duration: 2 },
    ];
    const vtt = waveformVtt(10, 4, segments);
    expect(vtt).toBe(
      [
        "WEBVTT",
        "",
        "00:00:00.000 --> 00:00:04.000",
        "sprite_0000.jpg#xywh=48,0,160,90",
        "",
        "00:00:04.000 --> 00:00:08.000",
        "sprite_0000.jpg#xywh=304,0,160,90",
        "",
        "00:00:08.000 --> 00:00:10.000",
        "sprite_0000.jpg#xywh=480,0,160,90",
        "",
      ].join("\n"),
    );
  });
});
