import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { readCues } from "../../../../lib/media/mkv-index.js";
import type { ReadRange } from "../../../../lib/media/mp4-index.js";
import { indexScan } from "../../../../lib/media/scan.js";

/**
 * The Matroska Cues reader against ffmpeg itself: for files ffmpeg's muxer writes (audio interleaved, B-frames,
 * irregular keyframes), the keyframes read from the Cues equal ffprobe's packet scan, and the GOP sizes add up to the
 * video's bytes plus what is interleaved with it. Files without usable Cues answer null. Tiny files, made at test time.
 */
const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), "estrena-mkv-index-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function make(name: string, args: readonly string[], audio = true): Promise<string> {
  const path = join(tmp, name);
  const inputs = ["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", ...(audio ? ["-f", "lavfi", "-i", "sine=sample_rate=48000"] : [])];
  const codecs = ["-c:v", "libx264", "-preset", "ultrafast", ...(audio ? ["-c:a", "aac"] : [])];
  await run("ffmpeg", ["-v", "error", "-y", ...inputs, "-t", "6", ...codecs, ...args, path]);
  return path;
}

/** ffprobe's packet scan of the first video stream: keyframe times in order, and all its packets' bytes. */
async function ffprobeKeyframes(path: string): Promise<{ keyframes: number[]; bytes: number }> {
  const { stdout } = await run("ffprobe", [
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,size,flags", "-of", "csv=p=0", path],
  ]);
  const packets = stdout
    .trim()
    .split("\n")
    .map((l) => l.split(","));
  return {
    keyframes: packets
      .filter(([, , f]) => f?.startsWith("K"))
      .map(([t]) => Number(t))
      .sort((a, b) => a - b),
    bytes: packets.reduce((sum, [, s]) => sum + Number(s), 0),
  };
}

/** A ranged reader over bytes that counts its reads. */
function reader(bytes: Uint8Array): { read: ReadRange; reads: number } {
  const r = {
    reads: 0,
    read: async (offset: number, length: number) => {
      r.reads++;
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
  };
  return r;
}

describe("Matroska Cues: keyframes without reading the file", () => {
  it.each([
    ["with audio and B-frames, a keyframe every second", "av.mkv", ["-g", "30", "-bf", "2"], true],
    ["video only, keyframes at irregular times", "irregular.mkv", ["-force_key_frames", "0,1.3,2.9,4.1,5.5"], false],
    ["x264's own keyframe choice (scene cuts, GOP up to 2 s)", "scenecut.mkv", ["-g", "60"], true],
  ])("%s: the keyframes ffprobe finds, a few reads", async (_, name, args, audio) => {
    const path = await make(name, args, audio);
    const bytes = readFileSync(path);
    const r = reader(bytes);
    const packets = await readCues(r.read, bytes.length);
    const want = await ffprobeKeyframes(path);
    expect(packets?.map((p) => p.time)).toEqual(want.keyframes);
    expect(packets?.every((p) => p.key && p.size > 0)).toBe(true);
    // Every video byte is inside some GOP, audio and block headers too; never more than the file.
    const total = packets!.reduce((s, p) => s + p.size, 0);
    expect(total).toBeGreaterThanOrEqual(want.bytes);
    expect(total).toBeLessThan(statSync(path).size);
    if (!audio) expect(total / want.bytes).toBeLessThan(1.05);
    expect(r.reads).toBeLessThanOrEqual(3);
  });

  it("a recording written to a pipe (no Cues, sizes unknown) answers null", async () => {
    const path = join(tmp, "live.mkv");
    await run("bash", [
      "-c",
      `ffmpeg -v error -f lavfi -i testsrc2=size=320x180:rate=30 -t 3 -c:v libx264 -preset ultrafast -g 30 -f matroska pipe:1 > ${path}`,
    ]);
    const bytes = readFileSync(path);
    expect(await readCues(reader(bytes).read, bytes.length)).toBeNull();
  });

  it("a file cut short (its Cues lost) answers null", async () => {
    const bytes = readFileSync(await make("cut.mkv", ["-g", "30"]));
    const short = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    expect(await readCues(reader(short).read, short.length)).toBeNull();
  });

  it("hostile or damaged indexes answer null through indexScan, never a throw", async () => {
    const good = readFileSync(await make("hostile.mkv", ["-g", "30"], false));
    const damaged: Buffer[] = [];
    // Every byte of the Cues element's header and of its first cue points flipped in turn.
    const cues = good.lastIndexOf(Buffer.from([0x1c, 0x53, 0xbb, 0x6b]));
    expect(cues).toBeGreaterThan(0);
    for (let i = cues; i < cues + 48; i++) {
      const b = Buffer.from(good);
      b[i] = b[i]! ^ 0xff;
      damaged.push(b);
    }
    // A SeekHead that points the Cues past the end of the file; random bytes after the EBML magic.
    damaged.push(Buffer.concat([good.subarray(0, cues), Buffer.alloc(8)]));
    damaged.push(
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))]),
    );
    for (const b of damaged) {
      const input = { url: "damaged.mkv", size: b.length, read: reader(b).read };
      const packets = await indexScan(input);
      // Whatever a damaged index yields is well-formed: times in order, sizes positive.
      if (packets) {
        expect(packets.every((p, i) => p.size > 0 && (i === 0 || p.time >= packets[i - 1]!.time))).toBe(true);
      }
    }
    expect((await indexScan({ url: "good.mkv", size: good.length, read: reader(good).read }))?.length).toBe(6);
  });
});
