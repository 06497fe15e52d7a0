import { describe, expect, it } from "vitest";
import { chunkCommand, toArgv } from "../../../../lib/media/ffmpeg-args.js";
import { chunkRungs, chunkView, leadCommand, leadJobName, leadRungs, readingFrom } from "../../../../lib/media/lead.js";
import { buildPlan } from "../../../../lib/media/plan.js";
import type { Source } from "../../../../lib/media/probe-check.js";

const source = (width: number, height: number): Source => ({
  demuxer: "mpegts",
  duration: 20,
  width,
  height,
  rotation: 0,
  fps: { num: 30, den: 1 },
  vfr: false,
  videoCodec: "h264",
  pixFmt: "yuv420p",
  audio: { index: 1, codec: "mp2", channels: 2 },
  size: 1,
});
const options = { segmentSeconds: 4, chunkSeconds: 8, firstChunkSeconds: 4, chunkParallelism: 2, x264Preset: "veryfast" };
const planFor = (w: number, h: number) =>
  buildPlan("v0123456789abcdef012", { bucket: "uploads", key: "a.ts", etag: "e", size: 1 }, source(w, h), options);
const names = (rungs: readonly { name: string }[]) => rungs.map((r) => r.name);

describe("lead rungs", () => {
  it.each([
    // The small rungs below the top one; a one-rung ladder has none (its chunks are quick anyway).
    ["1080p", 1920, 1080, ["1080p", "720p", "480p"], ["360p", "240p"]],
    ["720p", 1280, 720, ["720p", "480p"], ["360p", "240p"]],
    ["360p", 640, 360, ["360p"], ["240p"]],
    ["portrait 1080x1920", 1080, 1920, ["1080p", "720p", "480p"], ["360p", "240p"]],
    ["240p", 320, 240, ["240p"], []],
  ] as const)("a %s source: lead rungs below the top one, at most 360p", (_n, w, h, chunks, lead) => {
    const plan = planFor(w, h);
    expect(names(leadRungs(plan))).toEqual(lead);
    expect(names(chunkRungs(plan))).toEqual(chunks);
    // The chunk command sees the plan without the lead rungs, and keeps the top rung (the poster's size).
    const cmd = chunkCommand(chunkView(plan), plan.chunks[0]!, "/src", "/out");
    expect(cmd.outputs.filter((o) => o.path.endsWith(".m3u8")).map((o) => o.path)).toEqual(chunks.map((c) => `/out/${c}.m3u8`));
  });

  it("has none for a remuxed source", () => {
    const plan = { ...planFor(1920, 1080), passthrough: { cuts: [0], targetDuration: 4, audio: "copy" as const, bitRate: 1 } };
    expect(leadRungs(plan)).toEqual([]);
    expect(chunkView(plan)).toBe(plan);
  });
});

describe("leadCommand", () => {
  const plan = planFor(1920, 1080);
  it("cuts a span where its chunk would be cut, under the chunk's segment names, and draws the poster in the first", () => {
    expect(plan.chunks.map((c) => [c.start, c.duration])).toEqual([
      [0, 4],
      [4, 8],
      [12, 8],
    ]);
    const first = leadCommand(plan, plan.chunks[0]!, "http://minio/u/a.ts?X-Amz-Signature=s", "/w");
    expect(first.input.options).toEqual([
      ...["-nostdin", "-protocol_whitelist", "http,tcp", "-format_whitelist", "mpegts", "-f", "mpegts"],
      ...["-t", "4", "-copyts", "-start_at_zero"],
    ]);
    expect(first.filterComplex).toBe(
      "[0:v:0]split=2[ladder][still];" +
        "[ladder]fps=30/1,scale=640:360:flags=bicubic,setsar=1,format=yuv420p,split=2[v0][c1];" +
        "[c1]fps=30/1,scale=426:240:flags=bicubic,setsar=1[v1];" +
        "[still]select='gte(t\\,2)',trim=end_frame=1,scale=1920:1080,setsar=1[poster]",
    );
    const argv = toArgv(leadCommand(plan, plan.chunks[1]!, "/src.ts", "/w"));
    expect(argv.slice(1, 15)).toEqual([
      ...["-nostdin", "-protocol_whitelist", "file", "-format_whitelist", "mpegts", "-f", "mpegts"],
      ...["-ss", "4", "-t", "8", "-copyts", "-start_at_zero", "-i"],
    ]);
    expect(argv).not.toContain("[poster]");
    // The same keyframes, segment length and names as chunk 1's command gives its rungs.
    const chunk = toArgv(chunkCommand(plan, plan.chunks[1]!, "/src.ts", "/w"));
    for (const flag of ["-force_key_frames", "-hls_time", "-g"]) expect(argv[argv.indexOf(flag) + 1]).toBe(chunk[chunk.indexOf(flag) + 1]);
    expect(argv).toContain("/w/360p_0001_%03d.m4s");
    expect(argv).toContain("/w/240p_0001_%03d.m4s");
    // ffmpeg rewrites its playlist after each segment, which the lead step watches.
    expect(argv[argv.indexOf("-hls_playlist_type") + 1]).toBe("event");
    // The last span reads to the end.
    expect(leadCommand(plan, plan.chunks[2]!, "/src.ts", "/w").input.options).not.toContain("-t");
  });

  it("names a span's record after its chunk, apart from the chunk's own", () => {
    expect(leadJobName(3)).toBe("l0003");
  });
});

describe("readingFrom", () => {
  it("points a file command at a URL, allowing only that URL's protocols", () => {
    const cmd = { input: { path: "/src", options: ["-nostdin", "-protocol_whitelist", "file", "-f", "mpegts"] }, outputs: [] };
    expect(readingFrom(cmd, "https://s3/u/a.ts?sig").input).toEqual({
      path: "https://s3/u/a.ts?sig",
      options: ["-nostdin", "-protocol_whitelist", "https,tls,tcp", "-f", "mpegts"],
    });
  });
});
