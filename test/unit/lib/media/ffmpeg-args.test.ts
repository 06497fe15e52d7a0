import { describe, expect, it } from "vitest";
import { audioCommand, chunkCommand, gopFrames, ladderGraph, probeArgs, toArgv, videoEncoder } from "../../../../lib/media/ffmpeg-args.js";
import { planLadder } from "../../../../lib/media/ladder.js";
import { buildPlan } from "../../../../lib/media/plan.js";
import type { Source } from "../../../../lib/media/probe-check.js";

const probe: Source = {
  demuxer: "matroska",
  duration: 10,
  width: 320,
  height: 240,
  rotation: 0,
  fps: { num: 25, den: 1 },
  vfr: false,
  videoCodec: "hevc",
  pixFmt: "yuv420p10le",
  audio: { index: 2, codec: "ac3", channels: 6 },
  size: 5000,
};
const plan = buildPlan("v0123456789abcdef012", { bucket: "uploads", key: "a.mkv", etag: "e", size: 5000 }, probe, {
  segmentSeconds: 2,
  chunkSeconds: 4,
  firstChunkSeconds: 2,
  chunkParallelism: 2,
  x264Preset: "veryfast",
});

const x264 = (maxrate: number, bufsize: number) => [
  "-c:v",
  "libx264",
  "-preset",
  "veryfast",
  "-x264-params",
  "subme=1:me=dia:partitions=i8x8,i4x4",
  "-profile:v",
  "high",
  "-level:v",
  "3.0",
  "-crf",
  "24",
  "-maxrate",
  String(maxrate),
  "-bufsize",
  String(bufsize),
  "-g",
  "50",
  "-keyint_min",
  "50",
  "-sc_threshold",
  "0",
  "-an",
  "-sn",
  "-dn",
];
const hls = (init: string, pattern: string, type = "vod", negativeTs = "disabled") => [
  "-avoid_negative_ts",
  negativeTs,
  "-f",
  "hls",
  "-hls_time",
  "2",
  "-hls_playlist_type",
  type,
  "-hls_segment_type",
  "fmp4",
  "-hls_fmp4_init_filename",
  init,
  "-hls_segment_filename",
  pattern,
  "-hls_segment_options",
  "movflags=+frag_discont",
];
const strip = ["-map_metadata", "-1", "-map_chapters", "-1"];

describe("ffmpeg arguments", () => {
  it("the plan they are built from", () => {
    expect(plan.chunks).toEqual([
      { index: 0, start: 0, duration: 2 },
      { index: 1, start: 2, duration: 4 },
      { index: 2, start: 6, duration: 4 },
    ]);
    expect(plan.rungs.map((r) => [r.name, r.width, r.height, r.maxrate])).toEqual([["240p", 320, 240, 250000]]);
    expect(plan.posterTime).toBe(1);
  });

  it("a middle chunk: seek, bounded read, absolute timestamps, one decode split to rung and storyboard", () => {
    expect(toArgv(chunkCommand(plan, plan.chunks[1]!, "/w/src", "/w/c1"))).toEqual([
      "-hide_banner",
      "-nostdin",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "matroska",
      "-f",
      "matroska",
      "-ss",
      "2",
      "-t",
      "4",
      "-copyts",
      "-start_at_zero",
      "-i",
      "/w/src",
      "-filter_complex",
      "[0:v:0]split=2[ladder][thumbs];[ladder]fps=25/1,scale=320:240:flags=bicubic,setsar=1,format=yuv420p[v0];[thumbs]select='gte(t\\,2+selected_n*2)',scale=160:120,setsar=1,tile=2x1[tiles]",
      "-map",
      "[v0]",
      ...x264(250000, 500000),
      "-force_key_frames",
      "expr:gte(t,2+n_forced*2)",
      ...strip,
      ...hls("240p_init.mp4", "/w/c1/240p_0001_%03d.m4s"),
      "/w/c1/240p.m3u8",
      "-map",
      "[tiles]",
      "-frames:v",
      "1",
      "-c:v",
      "mjpeg",
      "-q:v",
      "5",
      "-f",
      "image2",
      "-update",
      "1",
      "/w/c1/sprite_0001.jpg",
    ]);
  });

  it("the first chunk adds the poster; the last reads to the end of the file", () => {
    const first = chunkCommand(plan, plan.chunks[0]!, "/w/src", "/w/c0");
    expect(first.input.options).toEqual([
      "-nostdin",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "matroska",
      "-f",
      "matroska",
      "-t",
      "2",
      "-copyts",
      "-start_at_zero",
    ]);
    expect(first.filterComplex).toBe(
      "[0:v:0]split=3[ladder][thumbs][still];[ladder]fps=25/1,scale=320:240:flags=bicubic,setsar=1,format=yuv420p[v0];[thumbs]select='gte(t\\,0+selected_n*2)',scale=160:120,setsar=1,tile=1x1[tiles];[still]select='gte(t\\,1)',trim=end_frame=1,scale=320:240,setsar=1[poster]",
    );
    expect(first.outputs.at(-1)).toEqual({
      path: "/w/c0/poster.jpg",
      options: ["-map", "[poster]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1"],
    });
    const last = chunkCommand(plan, plan.chunks[2]!, "/w/src", "/w/c2");
    expect(last.input.options).toEqual([
      "-nostdin",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "matroska",
      "-f",
      "matroska",
      "-ss",
      "6",
      "-copyts",
      "-start_at_zero",
    ]);
  });

  it("audio: whole file, AAC-LC stereo 48 kHz (5.1 downmixed) as an EVENT playlist rewritten per segment, and AAC-LC 5.1 beside it; both start at 0", () => {
    expect(toArgv(audioCommand(plan, "/w/src", "/w/a"))).toEqual([
      "-hide_banner",
      "-nostdin",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "matroska",
      "-f",
      "matroska",
      "-copyts",
      "-start_at_zero",
      "-i",
      "/w/src",
      "-map",
      "0:2",
      "-vn",
      "-sn",
      "-dn",
      "-c:a",
      "aac",
      "-profile:a",
      "aac_low",
      "-b:a",
      "128000",
      "-ac",
      "2",
      "-ar",
      "48000",
      ...strip,
      ...hls("audio_init.mp4", "/w/a/audio_%05d.m4s", "event", "make_zero"),
      "/w/a/audio.m3u8",
      "-map",
      "0:2",
      "-vn",
      "-sn",
      "-dn",
      "-c:a",
      "aac",
      "-profile:a",
      "aac_low",
      "-b:a",
      "384000",
      "-ac",
      "6",
      "-channel_layout",
      "5.1",
      "-ar",
      "48000",
      ...strip,
      ...hls("audio_5_1_init.mp4", "/w/a/audio_5_1_%05d.m4s", "vod", "make_zero"),
      "/w/a/audio_5_1.m3u8",
    ]);
  });

  it("audio: a stereo source gets the stereo rendition only", () => {
    const stereo = { ...plan, probe: { ...probe, audio: { ...probe.audio!, channels: 2 } } };
    expect(audioCommand(stereo, "/w/src", "/w/a").outputs.map((o) => o.path)).toEqual(["/w/a/audio.m3u8"]);
  });

  it("the ladder is a cascade: each rung scaled from the one above, the rate capped where the cap falls", () => {
    expect(ladderGraph(planLadder(1280, 720, { num: 60, den: 1 }))).toEqual([
      "[ladder]fps=60/1,scale=1280:720:flags=bicubic,setsar=1,format=yuv420p,split=2[v0][c1]",
      "[c1]fps=30/1,scale=854:480:flags=bicubic,setsar=1,split=2[v1][c2]",
      "[c2]fps=30/1,scale=640:360:flags=bicubic,setsar=1,split=2[v2][c3]",
      "[c3]fps=30/1,scale=426:240:flags=bicubic,setsar=1[v3]",
    ]);
  });

  it("x264: the default preset gets the cheaper motion analysis at CRF 24; an operator's other preset is left as it is", () => {
    const rung = planLadder(320, 240, { num: 25, den: 1 })[0]!;
    const tuned = videoEncoder(rung, "veryfast", 2);
    expect(tuned.slice(2, 6)).toEqual(["-preset", "veryfast", "-x264-params", "subme=1:me=dia:partitions=i8x8,i4x4"]);
    expect(tuned[tuned.indexOf("-crf") + 1]).toBe("24");
    const chosen = videoEncoder(rung, "medium", 2);
    expect(chosen).not.toContain("-x264-params");
    expect(chosen[chosen.indexOf("-crf") + 1]).toBe("23");
  });

  it("audio of a silent source is a programming error", () => {
    expect(() => audioCommand({ ...plan, probe: { ...probe, audio: null } }, "/w/src", "/w/a")).toThrow(/no audio/);
  });

  it.each([
    [{ num: 30, den: 1 }, 4, 120],
    [{ num: 30000, den: 1001 }, 4, 120],
    [{ num: 60, den: 1 }, 2, 120],
    [{ num: 24000, den: 1001 }, 6, 144],
  ])("GOP for %j with %i s segments is %i frames", (fps, seg, want) => {
    expect(gopFrames({ ...plan.rungs[0]!, fps }, seg)).toBe(want);
  });

  it("probe: the source's own protocols only (a URL: http over tcp), accepted demuxers only", () => {
    expect(probeArgs("http://minio:9000/u/a.mp4?X-Amz-Signature=s", "mov")).toContain("http,tcp");
    expect(probeArgs("/w/src", "mov,matroska")).toEqual([
      "-v",
      "error",
      "-protocol_whitelist",
      "file",
      "-format_whitelist",
      "mov,matroska",
      "-show_format",
      "-show_streams",
      "-of",
      "json",
      "/w/src",
    ]);
  });
});
