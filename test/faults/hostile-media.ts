/**
 * Hostile sources for the fault suite, as data: each kind names the file it makes and the `error.code` the platform
 * must answer with. Files that name local paths point at /etc/passwd and at a canary file with a random secret, so a
 * leak of either into the stream bucket can be detected.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { lavfi, run } from "../support/transcode-harness.js";

export interface HostileKind {
  readonly name: string;
  /** The `error.code` expected on the video. */
  readonly code: string;
  /** Writes the file into `dir` and returns its path. */
  make(dir: string, canary: string): Promise<string>;
}

const put = (dir: string, name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

const tinyMp4 = (dir: string, name: string) =>
  lavfi(join(dir, name), 2, "testsrc2=size=160x120:rate=10", null, ["-c:v", "libx264", "-preset", "ultrafast"]);
const rawVideo = (dir: string, name: string, pixFmt: string) =>
  lavfi(join(dir, name), 1, "testsrc2=size=16x16:rate=5", null, ["-c:v", "rawvideo", "-pix_fmt", pixFmt]);

/** Rewrites bytes of a file made by `make`, at offsets found relative to a four-character chunk or box name. */
async function patched(path: Promise<string>, out: string, edit: (d: Buffer) => void): Promise<string> {
  const d = Buffer.from(readFileSync(await path));
  edit(d);
  writeFileSync(out, d);
  return out;
}

export const HOSTILE_KINDS: readonly HostileKind[] = [
  { name: "an empty file", code: "not-a-video", make: async (dir) => put(dir, "empty.mp4", "") },
  { name: "random bytes", code: "not-a-video", make: async (dir) => put(dir, "random.mp4", randomBytes(64 * 1024)) },
  { name: "a text file", code: "not-a-video", make: async (dir) => put(dir, "notes.mp4", "not a video\n".repeat(100)) },
  {
    name: "a PNG image named .mp4",
    code: "not-a-video",
    make: async (dir) => (
      await run("ffmpeg", [
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x64",
        "-frames:v",
        "1",
        "-f",
        "image2",
        "-c:v",
        "png",
        join(dir, "still.mp4"),
      ]),
      join(dir, "still.mp4")
    ),
  },
  {
    name: "a gzip of an mp4",
    code: "not-a-video",
    make: async (dir) => put(dir, "zipped.mp4", gzipSync(readFileSync(await tinyMp4(dir, "gz-src.mp4")))),
  },
  {
    name: "an MP4 cut at 60 %",
    code: "truncated",
    make: async (dir) => {
      const b = readFileSync(await tinyMp4(dir, "whole.mp4"));
      return put(dir, "cut.mp4", b.subarray(0, Math.floor(b.length * 0.6)));
    },
  },
  {
    name: "an MP4 cut after its first 1 KiB",
    code: "truncated",
    make: async (dir) => put(dir, "head.mp4", readFileSync(await tinyMp4(dir, "whole2.mp4")).subarray(0, 1024)),
  },
  {
    // Sound alone is accepted (an audio-only stream); a file with neither picture nor sound is not.
    name: "a Matroska file holding only subtitles",
    code: "no-video-stream",
    make: async (dir) => {
      const srt = put(dir, "only.srt", "1\n00:00:00,000 --> 00:00:02,000\nHello\n");
      await run("ffmpeg", ["-v", "error", "-y", "-i", srt, "-c:s", "srt", join(dir, "subtitles-only.mkv")]);
      return join(dir, "subtitles-only.mkv");
    },
  },
  {
    name: "an HLS playlist naming file:///etc/passwd",
    code: "unsafe-input",
    make: async (dir) => put(dir, "passwd.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"),
  },
  {
    name: "an HLS playlist named .avi naming the canary (the classic AVI attack)",
    code: "unsafe-input",
    make: async (dir, canary) =>
      put(
        dir,
        "movie.avi",
        `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nconcat:${canary}|subfile,,start,0,end,64,,:/etc/passwd\n#EXT-X-ENDLIST\n`,
      ),
  },
  {
    name: "an HLS playlist behind a UTF-8 BOM with EXT-X-MAP on the canary",
    code: "unsafe-input",
    make: async (dir, canary) =>
      put(dir, "bom.mkv", `\uFEFF#EXTM3U\n#EXT-X-MAP:URI="file://${canary}"\n#EXTINF:1,\n${canary}\n#EXT-X-ENDLIST\n`),
  },
  {
    name: "an ffconcat list naming /etc/passwd",
    code: "unsafe-input",
    make: async (dir) => put(dir, "list.mp4", "ffconcat version 1.0\nfile '/etc/passwd'\nfile 'file:/etc/hostname'\n"),
  },
  {
    name: "a bare concat list naming the canary",
    code: "unsafe-input",
    make: async (dir, canary) => put(dir, "bare.mov", `file '${canary}'\nduration 1\n`),
  },
  {
    name: "an SDP file opening RTP sockets",
    code: "unsafe-input",
    make: async (dir) =>
      put(
        dir,
        "stream.mp4",
        "v=0\no=- 0 0 IN IP4 127.0.0.1\ns=x\nc=IN IP4 127.0.0.1\nt=0 0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n",
      ),
  },
  {
    name: "a DASH manifest with a file: BaseURL",
    code: "unsafe-input",
    make: async (dir) =>
      put(
        dir,
        "dash.mp4",
        `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"><BaseURL>file:///etc/passwd</BaseURL></MPD>\n`,
      ),
  },
  {
    name: "an SRT subtitle naming file:///etc/passwd",
    code: "not-a-video",
    make: async (dir) => put(dir, "subs.avi", '1\n00:00:00,000 --> 00:00:05,000\n<font src="file:///etc/passwd">x</font>\n'),
  },
  {
    name: "an HLS playlist hidden behind 8 KiB of padding",
    code: "not-a-video",
    make: async (dir, canary) => put(dir, "padded.mp4", `${" ".repeat(8192)}\n#EXTM3U\n#EXTINF:1,\n${canary}\n#EXT-X-ENDLIST\n`),
  },
  {
    name: "an AVI declaring 12000x12000 pictures",
    code: "too-large",
    make: (dir) =>
      patched(rawVideo(dir, "dims-src.avi", "yuv420p"), join(dir, "dims.avi"), (d) => {
        const avih = d.indexOf("avih");
        d.writeUInt32LE(12000, avih + 8 + 32);
        d.writeUInt32LE(12000, avih + 8 + 36);
        const strf = d.indexOf("strf");
        d.writeInt32LE(12000, strf + 8 + 4);
        d.writeInt32LE(12000, strf + 8 + 8);
      }),
  },
  {
    name: "an AVI declaring 2^31 frames",
    code: "too-large",
    make: (dir) =>
      patched(rawVideo(dir, "frames-src.avi", "yuv420p"), join(dir, "frames.avi"), (d) => {
        d.writeUInt32LE(0x7fffffff, d.indexOf("avih") + 8 + 16); // dwTotalFrames
        d.writeUInt32LE(0x7fffffff, d.indexOf("strh") + 8 + 32); // dwLength
      }),
  },
  {
    name: "a MOV declaring 15000x15000 raw pictures",
    code: "too-large",
    make: (dir) =>
      patched(rawVideo(dir, "mov-src.mov", "uyvy422"), join(dir, "dims.mov"), (d) => {
        // stsd → first sample entry → width/height (16-bit), after 16 bytes of entry header and 16 of version/vendor/quality.
        const entry = d.indexOf("stsd") + 4 + 8;
        d.writeUInt16BE(15000, entry + 32);
        d.writeUInt16BE(15000, entry + 34);
      }),
  },
  {
    name: "PNG frames in a MOV",
    code: "unsupported-codec",
    make: (dir) => lavfi(join(dir, "png.mov"), 1, "testsrc2=size=64x64:rate=5", null, ["-c:v", "png"]),
  },
  {
    name: "Cinepak in an AVI",
    code: "unsupported-codec",
    make: (dir) => lavfi(join(dir, "cine.avi"), 1, "testsrc2=size=64x64:rate=5", null, ["-c:v", "cinepak"]),
  },
];
