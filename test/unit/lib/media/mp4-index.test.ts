import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readMoov, videoPackets, type IndexPacket, type ReadRange } from "../../../../lib/media/mp4-index.js";
import { probeInput } from "../../../../lib/media/probe.js";
import { indexScan, scanSource } from "../../../../lib/media/scan.js";
import { fileInput } from "../../../../lib/media/source-input.js";

/**
 * The MP4 index parser against ffmpeg itself: for files ffmpeg makes (faststart or not, B-frames and their ctts and
 * edit list, no B-frames, an audio track first), the packets read from moov equal ffprobe's packet scan, field by
 * field. Tiny files, made at test time.
 */
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "estrena-mp4-index-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function make(name: string, args: readonly string[], audio = true): Promise<string> {
  const path = join(tmp, name);
  const inputs = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", ...(audio ? ["-f", "lavfi", "-i", "sine=sample_rate=48000"] : [])];
  await run("ffmpeg", ["-v", "error", "-y", ...inputs, "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", ...args, path]);
  return path;
}

/** ffprobe's packet scan of the first video stream (what scan.ts reads), in decode order. */
async function ffprobePackets(path: string): Promise<IndexPacket[]> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,size,flags", "-of", "csv=p=0", path],
  ]);
  return stdout
    .trim()
    .split("\n")
    .map((l) => l.split(","))
    .map(([t, s, f]) => ({ time: Number(t), size: Number(s), key: Boolean(f?.startsWith("K")) }));
}

/** A ranged reader over a file's bytes that counts its reads. */
function reader(path: string): { read: ReadRange; reads: { offset: number; length: number }[]; size: number } {
  const bytes = readFileSync(path);
  const reads: { offset: number; length: number }[] = [];
  return {
    size: bytes.length,
    reads,
    read: async (offset, length) => {
      reads.push({ offset, length });
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
  };
}

async function indexPackets(path: string): Promise<IndexPacket[] | null> {
  const r = reader(path);
  const moov = await readMoov(r.read, r.size);
  return moov ? videoPackets(moov) : null;
}

describe("MP4 index: video packets from moov", () => {
  it("B-frames (ctts, edit list), faststart: the same packets as ffprobe's scan", async () => {
    const path = await make("bframes.mp4", ["-g", "45", "-bf", "3", "-c:a", "aac", "-movflags", "+faststart"]);
    const expected = await ffprobePackets(path);
    expect(expected.some((p, i) => i > 0 && p.time < expected[i - 1]!.time)).toBe(true);
    expect(await indexPackets(path)).toEqual(expected);
  });

  it("moov at the end (not faststart): found by skipping mdat, with a handful of reads", async () => {
    const path = await make("tail.mp4", ["-g", "30", "-c:a", "aac"]);
    const r = reader(path);
    const moov = await readMoov(r.read, r.size);
    expect(moov).not.toBeNull();
    expect(videoPackets(moov!)).toEqual(await ffprobePackets(path));
    // ftyp, free, mdat headers, then moov: never the sample data.
    expect(r.reads.length).toBeLessThanOrEqual(5);
    expect(r.reads.reduce((n, x) => n + x.length, 0)).toBeLessThan(r.size / 4);
  });

  it("no B-frames and no edit list, an audio track first, irregular keyframes", async () => {
    const path = await make("plain.mp4", [
      ...["-bf", "0", "-g", "40", "-keyint_min", "10", "-use_editlist", "0", "-c:a", "aac"],
      ...["-map", "1:a", "-map", "0:v", "-movflags", "+faststart"],
    ]);
    expect(await indexPackets(path)).toEqual(await ffprobePackets(path));
  });

  it("a fragmented MP4 or a file without moov is not answered (the caller scans packets instead)", async () => {
    const frag = await make("frag.mp4", ["-g", "30", "-movflags", "frag_keyframe+empty_moov"], false);
    expect(await indexPackets(frag)).toBeNull();
    const ts = await make("clip.ts", ["-g", "30", "-f", "mpegts"], false);
    expect(await indexPackets(ts)).toBeNull();
  });

  it("truncated boxes end in null, not a throw", async () => {
    const path = await make("cut.mp4", ["-g", "30", "-movflags", "+faststart"], false);
    const bytes = readFileSync(path);
    const r = reader(path);
    const moov = await readMoov(r.read, r.size);
    expect(videoPackets(moov!.subarray(0, 200))).toBeNull();
    const short: ReadRange = async (o, n) => bytes.subarray(o, Math.min(o + n, 1000));
    expect(await readMoov(short, bytes.length)).toBeNull();
  });
});

describe("scanSource: the index for MP4 and Matroska, the packet scan otherwise", () => {
  it("an MP4 and a Matroska copy of one stream give the same keyframes and GOP bitrates, from their indexes and by a packet scan", async () => {
    // No audio: remuxing AAC's priming into Matroska would shift every timestamp by 21 ms.
    const mp4 = await make("scan.mp4", ["-g", "30", "-bf", "2", "-movflags", "+faststart"], false);
    const mkv = join(tmp, "scan.mkv");
    await run("ffmpeg", ["-v", "error", "-y", "-i", mp4, "-c", "copy", mkv]);
    const limits = { maxDurationSeconds: 3600, maxPixels: 4096 * 2160, maxFileBytes: 1 << 30 };
    const scan = async (path: string) => {
      const input = await fileInput(path);
      const probed = await probeInput(input, limits);
      return scanSource(input, probed.source, probed.result);
    };
    const [a, b] = [await scan(mp4), await scan(mkv)];
    expect([a.method, b.method]).toEqual(["index", "index"]);
    // A Matroska file whose SeekHead does not point to its Cues: the packet scan reads it.
    const bytes = Buffer.from(readFileSync(mkv));
    const seekToCues = bytes.indexOf(Buffer.from([0x53, 0xab, 0x84, 0x1c, 0x53, 0xbb, 0x6b]));
    expect(seekToCues).toBeGreaterThan(0);
    bytes[seekToCues + 6] = 0x6a;
    const unindexed = join(tmp, "scan-unindexed.mkv");
    writeFileSync(unindexed, bytes);
    const c = await scan(unindexed);
    expect(c.method).toBe("packets");
    expect(c.facts.keyframes).toEqual(a.facts.keyframes);
    expect(a.facts.keyframes).toEqual([0, 1, 2, 3, 4]);
    expect(b.facts.keyframes).toEqual(a.facts.keyframes);
    expect(a.facts.video.profile).toBe(b.facts.video.profile);
    // Same packets, so the same bytes per GOP; the durations differ by the containers' rounding, and the Cues' GOP
    // sizes carry Matroska's block headers too (a few bytes a frame): never below the video's own.
    expect((b.facts.peakGopBitRate ?? 0) / (a.facts.peakGopBitRate ?? 1)).toBeGreaterThan(0.99);
    expect((b.facts.peakGopBitRate ?? 0) / (a.facts.peakGopBitRate ?? 1)).toBeLessThan(1.05);
    expect(Math.abs((c.facts.peakGopBitRate ?? 0) / (a.facts.peakGopBitRate ?? 1) - 1)).toBeLessThan(0.02);
  });
});

describe("indexScan on a damaged index", () => {
  it("a moov whose sample tables are cut short answers null (the packet scan takes over), never a throw", async () => {
    const path = await make("damaged-index.mp4", ["-g", "30", "-movflags", "+faststart"], false);
    const bytes = Buffer.from(readFileSync(path));
    // Claim a huge entry count in stsz: reading its table would run past the end of moov.
    const stsz = bytes.indexOf("stsz");
    bytes.writeUInt32BE(0, stsz + 8);
    bytes.writeUInt32BE(0x7fffffff, stsz + 12);
    const input = { url: path, size: bytes.length, read: async (o: number, n: number) => bytes.subarray(o, o + n) };
    expect(await indexScan(input)).toBeNull();
  });
});
