/**
 * The video packets of an MP4/MOV from its index (the `moov` box), found and read with a few ranged reads instead of
 * demuxing the whole file: decode-order sample sizes (stsz), sync samples (stss) and presentation times (stts, ctts
 * and the edit list, as ffmpeg's mov demuxer computes them), which is what the packet scan (scan.ts) reads from
 * ffprobe. The `moov` may sit at the start (faststart) or at the end. Anything this parser does not model (fragmented
 * files, several edits, a non-unit edit rate, stz2) answers null, and the caller falls back to the packet scan.
 * ISO/IEC 14496-12 box layouts. Pure apart from `readMoov`'s reads.
 */

/** Reads `length` bytes at `offset` of the source (fewer at its end). */
export type ReadRange = (offset: number, length: number) => Promise<Uint8Array>;

/** One video packet in decode order: presentation time in seconds, size in bytes, keyframe. */
export interface IndexPacket {
  readonly time: number;
  readonly size: number;
  readonly key: boolean;
}

/** Largest `moov` read: a 2-hour 60 fps index is a few MB; more than this is not a file we would accept anyway. */
const MAX_MOOV_BYTES = 64 << 20;
/** Top-level boxes walked before giving up (ftyp, free, mdat, moov, ... are a handful). */
const MAX_TOP_BOXES = 64;

/** Walks the top-level boxes with 16-byte ranged reads, then reads `moov` whole. Null when there is none. */
export async function readMoov(read: ReadRange, size: number): Promise<Uint8Array | null> {
  let offset = 0;
  for (let i = 0; i < MAX_TOP_BOXES && offset + 8 <= size; i++) {
    const head = await read(offset, 16);
    const box = boxHeader(head, 0, size - offset);
    if (!box) return null;
    if (box.type === "moov") {
      if (box.size > MAX_MOOV_BYTES) return null;
      const moov = await read(offset, box.size);
      return moov.length === box.size ? moov : null;
    }
    offset += box.size;
  }
  return null;
}

interface Box {
  readonly type: string;
  /** Whole box, header included. */
  readonly size: number;
  readonly header: number;
}

/** The box header at `at`; `room` is what is left of the container (a size of 0 means "to its end"). */
function boxHeader(b: Uint8Array, at: number, room: number): Box | null {
  if (at + 8 > b.length) return null;
  const v = view(b);
  let size = v.getUint32(at);
  const type = String.fromCharCode(b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
  let header = 8;
  if (size === 1) {
    if (at + 16 > b.length) return null;
    size = Number(v.getBigUint64(at + 8));
    header = 16;
  } else if (size === 0) {
    size = room;
  }
  return size >= header && size <= room ? { type, size, header } : null;
}

/** The child boxes of `b[start, end)`, by type (first of each). */
function children(b: Uint8Array, start: number, end: number): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (let at = start; at + 8 <= end; ) {
    const box = boxHeader(b, at, end - at);
    if (!box) break;
    if (!out.has(box.type)) out.set(box.type, { start: at + box.header, end: at + box.size });
    at += box.size;
  }
  return out;
}

/** Every `trak` of the moov, in order (ffmpeg's stream order). */
function traks(b: Uint8Array, start: number, end: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (let at = start; at + 8 <= end; ) {
    const box = boxHeader(b, at, end - at);
    if (!box) break;
    if (box.type === "trak") out.push({ start: at + box.header, end: at + box.size });
    at += box.size;
  }
  return out;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The first H.264 video track's packets, in decode order, with ffprobe's presentation times; null when the index
 * cannot answer (see the file comment). `moov` is the whole box as `readMoov` returns it. Pure.
 */
export function videoPackets(moov: Uint8Array): IndexPacket[] | null {
  const top = boxHeader(moov, 0, moov.length);
  if (!top || top.type !== "moov") return null;
  const boxes = children(moov, top.header, top.size);
  // Fragmented MP4: the samples are described in moof boxes, not here.
  if (boxes.has("mvex")) return null;
  const mvhd = boxes.get("mvhd");
  if (!mvhd) return null;
  const movieScale = timescale(moov, mvhd.start);
  for (const trak of traks(moov, top.header, top.size)) {
    const t = children(moov, trak.start, trak.end);
    const mdia = t.get("mdia");
    if (!mdia) continue;
    const m = children(moov, mdia.start, mdia.end);
    const hdlr = m.get("hdlr");
    const mdhd = m.get("mdhd");
    const minf = m.get("minf");
    if (!hdlr || !mdhd || !minf || fourcc(moov, hdlr.start + 8) !== "vide") continue;
    const stbl = children(moov, minf.start, minf.end).get("stbl");
    if (!stbl) return null;
    const s = children(moov, stbl.start, stbl.end);
    const stsd = s.get("stsd");
    const entry = stsd ? fourcc(moov, stsd.start + 12) : "";
    if (entry !== "avc1" && entry !== "avc3") continue;
    const edts = t.get("edts");
    const elst = edts ? children(moov, edts.start, edts.end).get("elst") : undefined;
    return samples(moov, s, timescale(moov, mdhd.start), movieScale, elst);
  }
  return null;
}

function fourcc(b: Uint8Array, at: number): string {
  return at + 4 <= b.length ? String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!) : "";
}

/** The timescale field of an mvhd or mdhd (full box: version 1 has 64-bit times before it). */
function timescale(b: Uint8Array, at: number): number {
  return view(b).getUint32(at + (b[at] === 1 ? 20 : 12));
}

type Range = { start: number; end: number };

function samples(b: Uint8Array, s: Map<string, Range>, scale: number, movieScale: number, elst?: Range): IndexPacket[] | null {
  const stsz = s.get("stsz");
  const stts = s.get("stts");
  if (!stsz || !stts || scale <= 0) return null;
  const v = view(b);
  const count = v.getUint32(stsz.start + 8);
  const fixed = v.getUint32(stsz.start + 4);
  if (count === 0 || (fixed === 0 && stsz.start + 12 + count * 4 > stsz.end)) return null;
  const size = (i: number) => (fixed !== 0 ? fixed : v.getUint32(stsz.start + 12 + i * 4));
  const dts = runs(v, stts, count, false);
  const ctts = s.get("ctts");
  const offsets = ctts ? runs(v, ctts, count, true) : null;
  if (!dts || (ctts && !offsets)) return null;
  // stts holds durations: decode times are their running sum from 0.
  let t = 0;
  for (let i = 0; i < count; i++) {
    const d = dts[i]!;
    dts[i] = t;
    t += d;
  }
  const shift = elst ? editShift(b, elst, scale, movieScale) : 0;
  if (shift === null) return null;
  const sync = syncSamples(v, s.get("stss"), count);
  const out: IndexPacket[] = [];
  for (let i = 0; i < count; i++) {
    const pts = dts[i]! + (offsets?.[i] ?? 0) + shift;
    out.push({ time: seconds(pts, scale), size: size(i), key: sync ? sync.has(i + 1) : true });
  }
  return out;
}

/** Expands (count, value) runs (stts durations, ctts offsets) to one value per sample; null when they do not fit. */
function runs(v: DataView, box: Range, samples: number, signed: boolean): number[] | null {
  const n = v.getUint32(box.start + 4);
  if (box.start + 8 + n * 8 > box.end) return null;
  const out: number[] = [];
  for (let i = 0; i < n && out.length < samples; i++) {
    const k = v.getUint32(box.start + 8 + i * 8);
    // ffmpeg reads ctts offsets as signed whatever the box version.
    const value = signed ? v.getInt32(box.start + 12 + i * 8) : v.getUint32(box.start + 12 + i * 8);
    for (let j = 0; j < k && out.length < samples; j++) out.push(value);
  }
  return out.length === samples ? out : null;
}

/** 1-based sync sample numbers; null when there is no stss (every sample is a sync sample). */
function syncSamples(v: DataView, box: Range | undefined, samples: number): Set<number> | null {
  if (!box) return null;
  const n = v.getUint32(box.start + 4);
  const out = new Set<number>();
  for (let i = 0; i < n && box.start + 12 + i * 4 <= box.end; i++) {
    const k = v.getUint32(box.start + 8 + i * 4);
    if (k >= 1 && k <= samples) out.add(k);
  }
  return out;
}

/**
 * What the edit list adds to every presentation time, in media timescale: an optional leading empty edit delays the
 * track, then one edit starts it at `media_time` (x264 B-frame streams: the first frame's composition offset).
 * Null for any other list, which the parser does not model.
 */
function editShift(b: Uint8Array, elst: Range, scale: number, movieScale: number): number | null {
  const v = view(b);
  const version = b[elst.start];
  const n = v.getUint32(elst.start + 4);
  const width = version === 1 ? 20 : 12;
  if (elst.start + 8 + n * width > elst.end) return null;
  let delay = 0;
  let edits = 0;
  let mediaTime = 0;
  for (let i = 0; i < n; i++) {
    const at = elst.start + 8 + i * width;
    const duration = version === 1 ? Number(v.getBigUint64(at)) : v.getUint32(at);
    const time = version === 1 ? Number(v.getBigInt64(at + 8)) : v.getInt32(at + 4);
    const rate = v.getInt16(at + (version === 1 ? 16 : 8));
    if (time === -1 && edits === 0 && i === 0) {
      delay = movieScale > 0 ? Math.round((duration * scale) / movieScale) : 0;
      continue;
    }
    if (rate !== 1 || edits > 0) return null;
    edits++;
    mediaTime = time;
  }
  return delay - mediaTime;
}

/** ticks × (1 / timescale) printed to microseconds, as ffprobe's `pts_time` (av_q2d, then "%f"). */
function seconds(ticks: number, scale: number): number {
  return Number((ticks * (1 / scale)).toFixed(6));
}
