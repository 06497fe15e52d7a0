import { describe, expect, it } from "vitest";
import { EstrenaError } from "../../../../lib/contracts/errors.js";
import {
  checkProbe,
  chooseFps,
  isAudioOnly,
  rotationOf,
  sniff,
  type ProbeResult,
  type ProbeStream,
} from "../../../../lib/media/probe-check.js";

const limits = { maxDurationSeconds: 3600, maxPixels: 3840 * 2160, maxFileBytes: 10_000_000 };
const video = (s: Partial<ProbeStream> = {}): ProbeStream => ({
  index: 0,
  codec_type: "video",
  codec_name: "h264",
  width: 1920,
  height: 1080,
  pix_fmt: "yuv420p",
  r_frame_rate: "30/1",
  avg_frame_rate: "30/1",
  sample_aspect_ratio: "1:1",
  ...s,
});
const audio = (s: Partial<ProbeStream> = {}): ProbeStream => ({ index: 1, codec_type: "audio", codec_name: "aac", channels: 2, ...s });
const probe = (streams: ProbeStream[], format = "mov,mp4,m4a,3gp,3g2,mj2", duration = "12.5"): ProbeResult => ({
  format: { format_name: format, duration },
  streams,
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof EstrenaError) return err.code;
    throw err;
  }
  return "accepted";
}

describe("checkProbe accepts real video and describes it", () => {
  it("landscape H.264 with AAC", () => {
    expect(checkProbe(probe([video(), audio()]), "mp4", 1000, limits)).toEqual({
      demuxer: "mov",
      duration: 12.5,
      width: 1920,
      height: 1080,
      rotation: 0,
      fps: { num: 30, den: 1 },
      vfr: false,
      videoCodec: "h264",
      pixFmt: "yuv420p",
      audio: { index: 1, codec: "aac", channels: 2 },
      size: 1000,
    });
  });

  it.each([
    {
      name: "rotation swaps width and height",
      s: video({ width: 640, height: 360, side_data_list: [{ side_data_type: "Display Matrix", rotation: -90 }] }),
      want: [360, 640, 270],
    },
    { name: "legacy rotate tag", s: video({ width: 640, height: 360, tags: { rotate: "90" } }), want: [360, 640, 90] },
    { name: "180° keeps the shape", s: video({ width: 640, height: 360, side_data_list: [{ rotation: 180 }] }), want: [640, 360, 180] },
    {
      name: "anamorphic: display width from the sample aspect ratio",
      s: video({ width: 720, height: 576, sample_aspect_ratio: "64:45" }),
      want: [1024, 576, 0],
    },
  ])("$name", ({ s, want }) => {
    const src = checkProbe(probe([s]), "mp4", 1000, limits);
    expect([src.width, src.height, src.rotation]).toEqual(want);
  });

  it.each([
    ["matroska,webm", "matroska"],
    ["avi", "avi"],
    ["mpegts", "mpegts"],
    ["flv", "flv"],
  ])("container %s uses only the %s demuxer", (format, demuxer) => {
    expect(checkProbe(probe([video()], format), "binary", 1000, limits).demuxer).toBe(demuxer);
  });

  it("ignores cover art and audio it cannot transcode", () => {
    const src = checkProbe(
      probe([
        video({ index: 0, codec_name: "mjpeg", disposition: { attached_pic: 1 } }),
        video({ index: 1 }),
        audio({ index: 2, codec_name: "truehd" }),
      ]),
      "mp4",
      1,
      limits,
    );
    expect([src.videoCodec, src.audio]).toEqual(["h264", null]);
  });
});

describe("checkProbe accepts sound alone as an audio-only source (0 × 0)", () => {
  const noPicture = { width: 0, height: 0, rotation: 0, fps: { num: 1, den: 1 }, vfr: false, videoCodec: "none", pixFmt: "none" };
  it.each([
    ["m4a (AAC)", "mov,mp4,m4a,3gp,3g2,mj2", "mov", "aac", 2],
    ["mp3", "mp3", "mp3", "mp3", 2],
    ["wav", "wav", "wav", "pcm_s16le", 1],
    ["flac", "flac", "flac", "flac", 2],
    ["ogg vorbis", "ogg", "ogg", "vorbis", 2],
    ["ogg opus", "ogg", "ogg", "opus", 2],
    ["ADTS AAC", "aac", "aac", "aac", 2],
  ] as const)("%s", (_name, format, demuxer, codec, channels) => {
    const src = checkProbe(probe([audio({ index: 0, codec_name: codec, channels })], format, "5.2"), "binary", 1000, limits);
    expect(src).toEqual({ demuxer, duration: 5.2, ...noPicture, audio: { index: 0, codec, channels }, size: 1000 });
    expect(isAudioOnly(src)).toBe(true);
  });

  it("an mp4 without a video stream, and a file whose only picture is cover art", () => {
    expect(isAudioOnly(checkProbe(probe([audio()]), "mp4", 100, limits))).toBe(true);
    const withArt = checkProbe(
      probe([audio({ index: 0 }), video({ index: 1, disposition: { attached_pic: 1 } })], "mp3"),
      "binary",
      100,
      limits,
    );
    expect(withArt.audio).toEqual({ index: 0, codec: "aac", channels: 2 });
    expect(isAudioOnly(withArt)).toBe(true);
  });

  it("a video stays a video", () => {
    expect(isAudioOnly(checkProbe(probe([video(), audio()]), "mp4", 100, limits))).toBe(false);
  });
});

describe("checkProbe refuses with stable codes", () => {
  it.each([
    { name: "empty file", f: () => checkProbe(null, "empty", 0, limits), code: "not-a-video" },
    { name: "file over the size limit", f: () => checkProbe(probe([video()]), "mp4", 10_000_001, limits), code: "too-large" },
    { name: "playlist", f: () => checkProbe(null, "playlist", 100, limits), code: "unsafe-input" },
    { name: "concat list", f: () => checkProbe(null, "concat", 100, limits), code: "unsafe-input" },
    {
      name: "mp4 without its moov",
      f: () => checkProbe(null, "mp4", 100, limits, "[mov,mp4] moov atom not found\nx: Invalid data"),
      code: "truncated",
    },
    { name: "text without a moov error", f: () => checkProbe(null, "text", 100, limits, "Invalid data found"), code: "not-a-video" },
    { name: "unreadable binary", f: () => checkProbe(null, "binary", 100, limits, "Invalid data found"), code: "not-a-video" },
    { name: "container not on the list", f: () => checkProbe(probe([video()], "hls"), "binary", 100, limits), code: "not-a-video" },
    { name: "image sequence demuxer", f: () => checkProbe(probe([video()], "image2"), "binary", 100, limits), code: "not-a-video" },
    {
      name: "neither picture nor sound",
      f: () => checkProbe(probe([{ index: 0, codec_type: "data" }]), "mp4", 100, limits),
      code: "no-video-stream",
    },
    { name: "no streams at all", f: () => checkProbe(probe([], "wav"), "binary", 100, limits), code: "no-video-stream" },
    {
      name: "only cover art, no sound",
      f: () =>
        checkProbe(probe([video({ index: 0, codec_name: "mjpeg", disposition: { attached_pic: 1 } })], "mp3"), "binary", 100, limits),
      code: "no-video-stream",
    },
    {
      name: "sound alone in a codec we cannot decode",
      f: () => checkProbe(probe([audio({ index: 0, codec_name: "wmapro" })], "ogg"), "binary", 100, limits),
      code: "unsupported-codec",
    },
    { name: "sound too long", f: () => checkProbe(probe([audio()], "mp3", "3600.5"), "binary", 100, limits), code: "too-large" },
    { name: "sound without a duration", f: () => checkProbe(probe([audio()], "wav", "N/A"), "binary", 100, limits), code: "truncated" },
    {
      name: "video codec we cannot decode",
      f: () => checkProbe(probe([video({ codec_name: "cinepak_unknown" })]), "mp4", 100, limits),
      code: "unsupported-codec",
    },
    {
      name: "absurd declared dimensions",
      f: () => checkProbe(probe([video({ width: 12000, height: 12000 })], "avi"), "binary", 100, limits),
      code: "too-large",
    },
    { name: "too long", f: () => checkProbe(probe([video()], undefined, "3600.5"), "mp4", 100, limits), code: "too-large" },
    { name: "no duration", f: () => checkProbe(probe([video()], undefined, "N/A"), "mp4", 100, limits), code: "truncated" },
    { name: "no picture size", f: () => checkProbe(probe([video({ width: 0, height: 0 })]), "mp4", 100, limits), code: "not-a-video" },
  ])("$name → $code", ({ f, code }) => expect(codeOf(f)).toBe(code));
});

describe("sniff", () => {
  const b = (s: string) => new TextEncoder().encode(s);
  it.each([
    [new Uint8Array(), "empty"],
    [Uint8Array.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]), "mp4"],
    [b("#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n"), "playlist"],
    [b("\uFEFF  #EXTM3U\n"), "playlist"],
    [b("[playlist]\nFile1=http://x/y\n"), "playlist"],
    [b('<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">'), "playlist"],
    [b("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n"), "playlist"],
    [b("ffconcat version 1.0\nfile '/etc/passwd'\n"), "concat"],
    [b("file 'a.mp4'\nfile 'b.mp4'\n"), "concat"],
    [b("Dear diary, today I filmed nothing.\n"), "text"],
    [Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x00, 0x01, 0x02]), "binary"],
  ])("%#: %s", (head, want) => expect(sniff(head)).toBe(want));
});

describe("frame rate and rotation helpers", () => {
  it.each([
    [
      { num: 30000, den: 1001 },
      { num: 30000, den: 1001 },
      { fps: { num: 30000, den: 1001 }, vfr: false },
    ],
    [
      { num: 60, den: 2 },
      { num: 30, den: 1 },
      { fps: { num: 30, den: 1 }, vfr: false },
    ],
    [
      { num: 30, den: 1 },
      { num: 2245, den: 100 },
      { fps: { num: 22, den: 1 }, vfr: true },
    ],
    [
      { num: 90000, den: 1 },
      { num: 25, den: 1 },
      { fps: { num: 25, den: 1 }, vfr: true },
    ],
    [null, null, { fps: { num: 30, den: 1 }, vfr: true }],
  ])("chooseFps(%j, %j)", (r, avg, want) => expect(chooseFps(r, avg)).toEqual(want));

  it.each([
    [{ index: 0 }, 0],
    [{ index: 0, side_data_list: [{ rotation: 90 }] }, 90],
    [{ index: 0, side_data_list: [{ rotation: -90 }] }, 270],
    [{ index: 0, tags: { rotate: "270" } }, 270],
    [{ index: 0, side_data_list: [{ rotation: -180 }] }, 180],
  ])("rotationOf(%j) = %i", (s, want) => expect(rotationOf(s)).toBe(want));
});
