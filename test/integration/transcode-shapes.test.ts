import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { harness, inspect, lavfi, run, sourceDuration, startServices, type Harness, type Services } from "../support/transcode-harness.js";

/**
 * Each source shape reaches `ready` with checked output. Sources are tiny lavfi clips; with 2 s segments and 4 s
 * chunks every source above 4 s is chunked, so joins are exercised everywhere.
 */
let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-shapes-"));

beforeAll(async () => {
  services = await startServices();
  h = await harness(services, { SEGMENT_SECONDS: "2", CHUNK_SECONDS: "4", FIRST_CHUNK_SECONDS: "4", X264_PRESET: "superfast" });
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
});

const AAC = ["-c:a", "aac"];
const X264 = ["-c:v", "libx264", "-preset", "ultrafast"];
const tone = "sine=frequency=440:sample_rate=48000";

interface Shape {
  readonly name: string;
  readonly file: string;
  readonly seconds: number;
  readonly video: string;
  readonly audio: string | null;
  readonly args: readonly string[];
  /** Expected rungs: name, width x height, frame rate. */
  readonly ladder: readonly (readonly [string, number, number, number])[];
  readonly audioOut: boolean;
  /** Post-processing of the made file (e.g. set rotation with a stream copy). */
  readonly post?: (path: string) => Promise<string>;
}

const shapes: Shape[] = [
  {
    name: "landscape 1080p",
    file: "land.mp4",
    seconds: 2,
    video: "testsrc2=size=1920x1080:rate=30",
    audio: tone,
    args: [...X264, ...AAC],
    ladder: [
      ["1080p", 1920, 1080, 30],
      ["720p", 1280, 720, 30],
      ["480p", 854, 480, 30],
      ["360p", 640, 360, 30],
      ["240p", 426, 240, 30],
    ],
    audioOut: true,
  },
  {
    name: "portrait by rotation metadata",
    file: "rot.mp4",
    seconds: 3,
    video: "testsrc2=size=640x360:rate=30",
    audio: tone,
    args: [...X264, ...AAC],
    ladder: [
      ["360p", 360, 640, 30],
      ["240p", 240, 426, 30],
    ],
    audioOut: true,
    post: async (p) => {
      const out = p.replace(".mp4", "-r.mp4");
      await run("ffmpeg", ["-v", "error", "-y", "-i", p, "-c", "copy", "-metadata:s:v:0", "rotate=90", out]);
      return out;
    },
  },
  {
    name: "4:3 with odd dimensions",
    file: "odd.mp4",
    seconds: 3,
    video: "testsrc2=size=641x481:rate=25",
    audio: tone,
    args: [...X264, "-pix_fmt", "yuv444p", ...AAC],
    ladder: [
      ["480p", 640, 480, 25],
      ["360p", 480, 360, 25],
      ["240p", 320, 240, 25],
    ],
    audioOut: true,
  },
  {
    name: "no audio",
    file: "silent.mp4",
    seconds: 3,
    video: "testsrc2=size=320x240:rate=30",
    audio: null,
    args: X264,
    ladder: [["240p", 320, 240, 30]],
    audioOut: false,
  },
  {
    name: "5.1 audio",
    file: "surround.mkv",
    seconds: 3,
    video: "testsrc2=size=320x240:rate=30",
    audio: "sine=frequency=300:sample_rate=48000",
    args: [...X264, "-ac", "6", "-c:a", "ac3"],
    ladder: [["240p", 320, 240, 30]],
    audioOut: true,
  },
  {
    name: "60 fps",
    file: "fps60.mp4",
    seconds: 2,
    video: "testsrc2=size=1280x720:rate=60",
    audio: tone,
    args: [...X264, ...AAC],
    ladder: [
      ["720p", 1280, 720, 60],
      ["480p", 854, 480, 30],
      ["360p", 640, 360, 30],
      ["240p", 426, 240, 30],
    ],
    audioOut: true,
  },
  {
    name: "variable frame rate",
    file: "vfr.mkv",
    seconds: 5,
    video: "testsrc2=size=320x240:rate=30,select='not(eq(mod(n\\,4)\\,1))*not(between(n\\,40\\,55))'",
    audio: tone,
    args: [...X264, "-vsync", "vfr", ...AAC],
    ladder: [["240p", 320, 240, 30]],
    audioOut: true,
  },
  {
    name: "10-bit",
    file: "ten.mp4",
    seconds: 3,
    video: "testsrc2=size=320x240:rate=30",
    audio: tone,
    args: [...X264, "-pix_fmt", "yuv420p10le", ...AAC],
    ladder: [["240p", 320, 240, 30]],
    audioOut: true,
  },
  {
    name: "VP9 in WebM",
    file: "vp9.webm",
    seconds: 3,
    video: "testsrc2=size=320x240:rate=30",
    audio: tone,
    args: ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus"],
    ladder: [["240p", 320, 240, 30]],
    audioOut: true,
  },
  {
    name: "HEVC in Matroska",
    file: "hevc.mkv",
    seconds: 3,
    video: "testsrc2=size=320x240:rate=30",
    audio: tone,
    args: ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", ...AAC],
    ladder: [["240p", 320, 240, 30]],
    audioOut: true,
  },
  {
    name: "long enough to chunk (3 chunks)",
    file: "long.mp4",
    seconds: 12,
    video: "testsrc2=size=320x240:rate=30",
    audio: tone,
    args: [...X264, ...AAC],
    ladder: [["240p", 320, 240, 30]],
    audioOut: true,
  },
];

describe("transcode: source shapes reach ready with checked output", () => {
  it.each(shapes)("$name", async (shape) => {
    let src = await lavfi(join(tmp, shape.file), shape.seconds, shape.video, shape.audio, shape.args);
    if (shape.post) src = await shape.post(src);
    const duration = await sourceDuration(src);
    const before = h.videoEvents.length;
    // A fresh key per attempt: an automatic retry of the same upload would be answered as a duplicate.
    const vid = await h.transcode(src, `shapes/${Date.now()}-${shape.file}`);
    const events = h.videoEvents.slice(before).filter((e) => (e.data as { videoId: string }).videoId === vid);
    expect(events.map((e) => e.type)).not.toContain("dev.estrena.video.failed");
    expect(events.at(-1)?.type).toBe("dev.estrena.video.ready");
    expect(events.filter((e) => e.type === "dev.estrena.video.playable")).toHaveLength(1);

    const out = await inspect(services.minio, vid);
    expect(out.renditions.map((r) => [r.name, r.width, r.height, Math.round(r.frameRate)])).toEqual(shape.ladder);
    const ref = out.renditions[0]!;
    for (const r of out.renditions) {
      expect(r.width % 2, r.name).toBe(0);
      expect(r.height % 2, r.name).toBe(0);
      expect(r.profile, r.name).toBe("High");
      expect(r.pixFmt, r.name).toBe("yuv420p");
      expect(r.rotation, r.name).toBe(0);
      expect(Math.abs(r.duration - duration), `${r.name} lasts ${r.duration}, source ${duration}`).toBeLessThanOrEqual(0.1);
      expect(Math.abs(r.firstPts), r.name).toBeLessThanOrEqual(0.1);
      // Aligned segment boundaries: same EXTINF list and keyframes at the same instants in every rung.
      expect(r.extinf, r.name).toEqual(ref.extinf);
      expect(r.keyframes, r.name).toEqual(ref.keyframes);
      expect(r.keyframes).toHaveLength(r.extinf.length);
    }
    const starts = ref.extinf.map((_, i) => ref.extinf.slice(0, i).reduce((a, b) => a + b, 0));
    // Segment i starts on a keyframe at the playlist's time for it, to within one frame (the first at the first frame,
    // which a source may place a frame after 0 to keep A/V sync; VFR sources with millisecond timestamps land a frame late).
    if (process.env.TX_DEBUG) console.log(shape.name, ref.keyframes, ref.extinf, ref.firstPts);
    ref.keyframes.forEach((k, i) =>
      expect(Math.abs(k - (i === 0 ? ref.firstPts : starts[i]!)), `segment ${i}`).toBeLessThanOrEqual(1 / ref.frameRate + 0.002),
    );
    if (shape.audioOut) {
      expect(out.master).toContain('TYPE=AUDIO,GROUP-ID="audio"');
      expect(out.audio?.channels).toBe(2);
      expect(Math.abs(out.audio!.duration - duration), `audio lasts ${out.audio!.duration}`).toBeLessThanOrEqual(0.1);
    } else {
      expect(out.master).not.toContain("TYPE=AUDIO");
      expect(out.audio).toBeNull();
    }
    expect(out.files).toContain("poster.jpg");
    expect(out.vtt.match(/-->/g)).toHaveLength(ref.extinf.length);
    for (const sprite of new Set([...out.vtt.matchAll(/^(sprite_\d+\.jpg)#/gm)].map((m) => m[1]!))) expect(out.files).toContain(sprite);
  });
});
