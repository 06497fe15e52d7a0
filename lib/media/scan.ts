import { execFile } from "node:child_process";
import { readCues } from "./mkv-index.js";
import { readMoov, videoPackets, type IndexPacket } from "./mp4-index.js";
import type { ProbeResult, Source } from "./probe-check.js";
import { pinnedInput, type SourceInput } from "./source-input.js";
import type { StandardFacts } from "./standard.js";

/** How the keyframes were found: from the file's index (a few ranged reads) or by a packet scan of the whole file. */
export type ScanMethod = "index" | "packets";

/**
 * What the standard-input check needs beyond the probe's format: the stream fields the probe already read (profile,
 * bit depth, field order, audio profile and rate) and the video's keyframe times and sizes. For MP4/MOV those come
 * from the index in moov (mp4-index.ts), for Matroska from its Cues (mkv-index.ts): a few ranged reads, whatever the
 * length. Otherwise, or when the index does
 * not answer, a packet scan reads every packet header through the demuxer (decoding nothing, but reading the whole
 * file: about 0.4 s a minute of 8 Mb/s 1080p on disk). Same safety options as the probe, demuxer pinned.
 */
export async function scanSource(
  input: SourceInput,
  source: Source,
  probe: ProbeResult,
  signal?: AbortSignal,
  index?: Promise<IndexPacket[] | null>,
): Promise<{ facts: StandardFacts; method: ScanMethod }> {
  const details = probe as Details;
  const indexed = INDEXED.has(source.demuxer) ? await (index ?? indexScan(input)) : null;
  if (indexed) return { facts: standardFacts(source, details, packetScan(indexed, source.duration)), method: "index" };
  const packets = await ffprobe(
    [...pinnedInput(input.url, source.demuxer), "-select_streams", "v:0", "-show_entries", "packet=pts_time,size,flags"],
    input.url,
    signal,
  );
  return { facts: standardFacts(source, details, parsePackets(packets, source.duration)), method: "packets" };
}

/** The demuxers whose files carry an index that indexScan reads. */
const INDEXED: ReadonlySet<string> = new Set(["mov", "matroska"]);
const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];

/**
 * The video packets from the file's index (MP4's moov, Matroska's Cues); null when it cannot answer (the packet scan
 * then does). Never throws, so the plan step can start it beside the probe (a file with neither costs a small read).
 */
export async function indexScan(input: SourceInput): Promise<IndexPacket[] | null> {
  try {
    // One read tells the two apart and is the MP4 walk's first box header too.
    const head = await input.read(0, 16);
    if (EBML_MAGIC.every((b, i) => head[i] === b)) return await readCues(input.read, input.size);
    const read = (offset: number, length: number) =>
      offset === 0 && length <= head.length ? Promise.resolve(head.subarray(0, length)) : input.read(offset, length);
    const moov = await readMoov(read, input.size);
    const packets = moov ? videoPackets(moov) : null;
    return packets && packets.length > 0 ? packets : null;
  } catch {
    // A box whose fields run past its end (a hostile or damaged index): the packet scan reads the file instead.
    return null;
  }
}

interface DetailStream {
  readonly index: number;
  readonly codec_type?: string;
  readonly codec_name?: string;
  readonly profile?: string;
  readonly pix_fmt?: string;
  readonly bits_per_raw_sample?: string;
  readonly field_order?: string;
  readonly width?: number;
  readonly height?: number;
  readonly sample_aspect_ratio?: string;
  readonly channels?: number;
  readonly sample_rate?: string;
}
interface Details {
  readonly streams?: readonly DetailStream[];
}

/** The video packets: keyframe times, the average bitrate and the costliest GOP's. */
export interface PacketScan {
  readonly keyframes: readonly number[];
  readonly bitRate: number | null;
  readonly peakGopBitRate: number | null;
}

/** Reads `ffprobe -show_entries packet=pts_time,size,flags -of csv=p=0` (fields in ffprobe's order). Pure. */
export function parsePackets(csv: string, duration: number): PacketScan {
  const packets: IndexPacket[] = [];
  for (const line of csv.split("\n")) {
    const [time, size, flags] = line.trim().split(",");
    const bytes = Number(size);
    if (Number.isFinite(bytes)) packets.push({ time: Number(time), size: bytes, key: Boolean(flags?.startsWith("K")) });
  }
  return packetScan(packets, duration);
}

/** Keyframe times, the average bitrate and the costliest GOP of video packets in decode order. Pure. */
export function packetScan(packets: readonly IndexPacket[], duration: number): PacketScan {
  const keyframes: number[] = [];
  const gopBytes: number[] = [];
  let total = 0;
  for (const p of packets) {
    total += p.size;
    if (p.key && Number.isFinite(p.time)) {
      keyframes.push(p.time);
      gopBytes.push(0);
    }
    if (gopBytes.length > 0) gopBytes[gopBytes.length - 1] = (gopBytes[gopBytes.length - 1] ?? 0) + p.size;
  }
  // Packets come in decode order: a keyframe can be listed after a B-frame shown before it, so sort.
  const order = keyframes.map((t, i) => [t, gopBytes[i] ?? 0] as const).sort((a, b) => a[0] - b[0]);
  let peak: number | null = null;
  order.forEach(([t, bytes], i) => {
    const span = (order[i + 1]?.[0] ?? duration) - t;
    if (span >= 0.5) peak = Math.max(peak ?? 0, Math.round((bytes * 8) / span));
  });
  return { keyframes: order.map(([t]) => t), bitRate: duration > 0 ? Math.round((total * 8) / duration) : null, peakGopBitRate: peak };
}

/** The facts the probe alone gives: no keyframes, bitrates unknown (for `refusedByProbe`). Pure. */
export function probeFacts(source: Source, probe: ProbeResult): StandardFacts {
  return standardFacts(source, probe as Details, { keyframes: [], bitRate: null, peakGopBitRate: null });
}

/** Puts the probe, the stream details and the packet scan together. Pure. */
export function standardFacts(source: Source, details: Details, scan: PacketScan): StandardFacts {
  const streams = details.streams ?? [];
  // The probe chose the first video stream that is not cover art; cover art is a still image codec.
  const v = streams.find((s) => s.codec_type === "video" && s.codec_name === source.videoCodec);
  const a = source.audio ? streams.find((s) => s.index === source.audio?.index) : undefined;
  const depth = Number(v?.bits_per_raw_sample);
  return {
    demuxer: source.demuxer,
    video: {
      codec: source.videoCodec,
      profile: v?.profile ?? "",
      pixFmt: source.pixFmt,
      bitDepth: Number.isFinite(depth) && depth > 0 ? depth : null,
      fieldOrder: v?.field_order && v.field_order !== "unknown" ? v.field_order : null,
      width: v?.width ?? 0,
      height: v?.height ?? 0,
      sar: v?.sample_aspect_ratio ?? null,
      rotation: source.rotation,
      fps: source.fps.num / source.fps.den,
      vfr: source.vfr,
      bitRate: scan.bitRate,
    },
    audio: a
      ? { codec: a.codec_name ?? "", profile: a.profile ?? "", channels: a.channels ?? 0, sampleRate: Number(a.sample_rate ?? 0) }
      : null,
    keyframes: scan.keyframes,
    peakGopBitRate: scan.peakGopBitRate,
    duration: source.duration,
  };
}

function ffprobe(args: string[], url: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "ffprobe",
      ["-v", "error", ...args, "-of", "csv=p=0", url],
      { maxBuffer: 256 << 20, timeout: 120_000, signal },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}
