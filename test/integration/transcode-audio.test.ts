import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import HLS from "hls-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadVideo, harness, run, startServices, streamText, type Harness, type Services } from "../support/transcode-harness.js";

/**
 * Audio-only uploads (issue 14) through real MinIO, Redis and ffmpeg: each format becomes an audio-only HLS stream
 * (one variant, CODECS mp4a.40.2, no RESOLUTION) with a waveform poster, a waveform scrub strip and its thumbnails
 * track, and ffmpeg decodes the published stream from start to end. Sources are 4 s clips made at test time.
 */
let services: Services;
let h: Harness;
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-audio-"));
const SECONDS = 4;

beforeAll(async () => {
  services = await startServices();
  h = await harness(services, { SEGMENT_SECONDS: "2" });
});
afterAll(async () => {
  await h?.close();
  await services?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** A tone over quiet noise (so the waveform has a shape), stereo 44.1 kHz, encoded with `args`. */
async function sound(name: string, args: readonly string[], extra: readonly string[] = []): Promise<string> {
  const path = join(tmp, name);
  const graph = `sine=frequency=330:sample_rate=44100:duration=${SECONDS},volume='0.3+0.5*sin(t*3)':eval=frame,pan=stereo|c0=c0|c1=c0`;
  await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", graph, ...extra, "-t", String(SECONDS), ...args, path]);
  return path;
}

const formats = [
  { name: "m4a (AAC)", make: () => sound("talk.m4a", ["-c:a", "aac", "-b:a", "96k"]) },
  { name: "wav (PCM)", make: () => sound("take.wav", ["-c:a", "pcm_s16le"]) },
  { name: "ogg (opus)", make: () => sound("voice.ogg", ["-c:a", "libopus", "-b:a", "64k"]) },
  {
    name: "mp4 without a video stream",
    make: () => sound("interview.mp4", ["-c:a", "aac", "-movflags", "+faststart"]),
  },
  {
    // MP3s usually carry their cover art as an attached picture: that is not a video. (flac is covered by the unit tests.)
    name: "mp3 with cover art",
    make: () =>
      sound(
        "cover.mp3",
        ["-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "mjpeg", "-disposition:v", "attached_pic", "-id3v2_version", "3"],
        ["-f", "lavfi", "-i", "testsrc2=size=64x64:duration=1", "-frames:v", "1"],
      ),
  },
];

// biome-ignore lint/suspicious/noExplicitAny: ffprobe JSON is read ad hoc
async function probe(args: readonly string[]): Promise<any> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-protocol_whitelist", "file", ...args, "-of", "json"]);
  return JSON.parse(stdout);
}

describe("transcode: audio-only uploads", () => {
  it.each(formats)("$name becomes an audio-only HLS stream with a waveform poster", async ({ name, make }) => {
    const started = Date.now();
    const src = await make();
    const key = `audio/${name.replace(/\W+/g, "-")}`;
    const before = h.videoEvents.length;
    const vid = await h.transcode(src, key);
    const events = h.videoEvents.slice(before);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("dev.estrena.video.processing");
    expect(types).toContain("dev.estrena.video.playable");
    expect(types.at(-1)).toBe("dev.estrena.video.ready");
    // Progress is the share of the sound published so far: it only rises, and stays below 1 until ready.
    const progress = events.filter((e) => e.type === "dev.estrena.video.progress").map((e) => (e.data as { progress: number }).progress);
    expect(progress.every((p, i) => p >= 0 && p < 1 && p >= (progress[i - 1] ?? 0))).toBe(true);
    const processing = events[0]!.data as { kind: string; width: number; height: number; chunks: number };
    expect(processing).toMatchObject({ kind: "audio", width: 0, height: 0, chunks: 0 });
    const ready = events.at(-1)!.data as {
      kind: string;
      duration: number;
      renditions: { width: number; codecs: string; bandwidth: number }[];
    };
    expect(ready.kind).toBe("audio");
    expect(ready.duration).toBeGreaterThan(SECONDS - 0.2);
    expect(ready.renditions).toEqual([{ width: 0, height: 0, codecs: "mp4a.40.2", bandwidth: expect.any(Number) }]);

    // The master: one audio-only variant, no video attributes, no audio group (RFC 8216 4.3.4.2).
    const master = await streamText(services.minio, `videos/${vid}/master.m3u8`);
    const parsed = HLS.parse(master) as HLS.types.MasterPlaylist;
    expect(parsed.variants.map((v) => [v.uri, v.codecs, v.resolution, v.audio.length])).toEqual([
      ["audio.m3u8", "mp4a.40.2", undefined, 0],
    ]);
    expect(parsed.variants[0]!.bandwidth).toBe(ready.renditions[0]!.bandwidth);
    const media = HLS.parse(await streamText(services.minio, `videos/${vid}/audio.m3u8`)) as HLS.types.MediaPlaylist;
    expect(media.endlist).toBe(true);
    // 2 s segments over 4 s of sound (AAC priming may leave a few ms over in a third).
    expect(media.segments.length).toBeGreaterThanOrEqual(SECONDS / 2);
    expect(Math.abs(media.segments.reduce((t, s) => t + s.duration, 0) - SECONDS)).toBeLessThan(0.1);

    const dest = mkdtempSync(join(tmp, "out-"));
    const files = await downloadVideo(services.minio, vid, dest);
    expect(files).toEqual(
      expect.arrayContaining(["master.m3u8", "audio.m3u8", "audio_init.mp4", "poster.jpg", "sprite_0000.jpg", "thumbnails.vtt"]),
    );
    expect(files.filter((f) => /^\d+p/.test(f))).toEqual([]);

    // The poster is a 1280×720 picture (a 720p video's poster size); the strip is 90 px high.
    const poster = (await probe(["-show_streams", join(dest, "poster.jpg")])).streams[0];
    expect([poster.codec_name, poster.width, poster.height]).toEqual(["mjpeg", 1280, 720]);
    const strip = (await probe(["-show_streams", join(dest, "sprite_0000.jpg")])).streams[0];
    expect(strip.height).toBe(90);
    // The thumbnails track has one cue per segment, each a 160×90 window of the strip.
    const vtt = await streamText(services.minio, `videos/${vid}/thumbnails.vtt`);
    const cues = [...vtt.matchAll(/^sprite_0000\.jpg#xywh=(\d+),0,160,90$/gm)].map((m) => Number(m[1]));
    expect(cues.length).toBe(media.segments.length);
    expect(cues.every((x) => x >= 0 && x + 160 <= strip.width)).toBe(true);

    // A standard client reads the master: one AAC stereo stream, no video, the source's length, decoded without error.
    const info = await probe(["-show_streams", "-show_format", join(dest, "master.m3u8")]);
    expect(
      info.streams.map((s: { codec_type: string; codec_name: string; channels: number }) => [s.codec_type, s.codec_name, s.channels]),
    ).toEqual([["audio", "aac", 2]]);
    const decode = await run("ffmpeg", ["-v", "error", "-protocol_whitelist", "file", "-i", join(dest, "master.m3u8"), "-f", "null", "-"]);
    expect(decode.stderr).toBe("");
    expect(Math.abs(Number(info.format.duration) - SECONDS)).toBeLessThan(0.2);
    rmSync(dest, { recursive: true, force: true });
    process.stderr.write(`audio-only ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s, progress ${progress.join(" ") || "-"}\n`);
  });

  it("a file with neither picture nor sound still fails as no-video-stream", async () => {
    const srt = join(tmp, "only.srt");
    await run("sh", ["-c", `printf '1\\n00:00:00,000 --> 00:00:02,000\\nHello\\n' > ${srt}`]);
    const mkv = join(tmp, "subtitles-only.mkv");
    await run("ffmpeg", ["-v", "error", "-y", "-i", srt, "-c:s", "srt", mkv]);
    const before = h.videoEvents.length;
    await h.transcode(mkv, "audio/subtitles-only.mkv");
    const events = h.videoEvents.slice(before);
    expect(events.map((e) => e.type)).toEqual(["dev.estrena.video.failed"]);
    expect((events[0]!.data as { error: { code: string } }).error.code).toBe("no-video-stream");
  });
});
