import type { IndexPacket, ReadRange } from "./mp4-index.js";

/**
 * The keyframes of a Matroska file from its index (the Cues element), found through the SeekHead with a few ranged
 * reads instead of demuxing the whole file: each cue point of the video track gives a keyframe's time and its block's
 * position, and the bytes from one keyframe to the next stand for that GOP's size. Those bytes include the audio
 * interleaved with it and the block headers, so the bitrates read from them are a little above the video's own
 * (never below: the standard check stays on the safe side). A file without Cues or a SeekHead that points to them
 * (a live or cut-short recording), or anything this reader does not model, answers null, and the packet scan takes
 * over. Matroska element layout: RFC 9559. Pure apart from `readCues`' reads.
 */

/** Element IDs, with their length-marker bits as they are written (RFC 9559, section 5.1). */
const ID = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  seekHead: 0x114d9b74,
  seek: 0x4dbb,
  seekId: 0x53ab,
  seekPosition: 0x53ac,
  info: 0x1549a966,
  timestampScale: 0x2ad7b1,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  cues: 0x1c53bb6b,
  cuePoint: 0xbb,
  cueTime: 0xb3,
  cueTrackPositions: 0xb7,
  cueTrack: 0xf7,
  cueClusterPosition: 0xf1,
  cueRelativePosition: 0xf0,
  cluster: 0x1f43b675,
} as const;

/** The first read: the EBML header and the Segment's leading elements (SeekHead, Info, Tracks) fit in it. */
const HEAD_BYTES = 64 << 10;
/** Largest element read whole: a 2-hour 60 fps file's Cues are well under 1 MB. */
const MAX_ELEMENT_BYTES = 32 << 20;
/** Top-level elements walked before the first Cluster (SeekHead, Void, Info, Tracks, Tags, ... are a handful). */
const MAX_TOP_ELEMENTS = 64;
/** Matroska's default timestamp unit, in nanoseconds. */
const DEFAULT_SCALE = 1_000_000;
const VIDEO_TRACK = 1;

interface Vint {
  readonly value: number;
  readonly length: number;
  readonly unknown: boolean;
}

/** An EBML variable-length integer at `at`: an ID keeps its marker bits, a size drops them. Null when malformed. */
function vint(b: Uint8Array, at: number, id: boolean): Vint | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > (id ? 4 : 8) || at + length > b.length) return null;
  const mask = 0xff >> length;
  let value = id ? first : first & mask;
  let allOnes = (first & mask) === mask;
  for (let i = 1; i < length; i++) {
    const byte = b[at + i] ?? 0;
    value = value * 256 + byte;
    allOnes &&= byte === 0xff;
  }
  if (!Number.isSafeInteger(value)) return null;
  return { value, length, unknown: !id && allOnes };
}

interface Element {
  readonly id: number;
  /** Offset of the element's data in `b`. */
  readonly data: number;
  /** Its data's size; null when the size is unknown (a live-written Segment or Cluster). */
  readonly size: number | null;
}

function element(b: Uint8Array, at: number): Element | null {
  const id = vint(b, at, true);
  const size = id ? vint(b, at + id.length, false) : null;
  if (!id || !size) return null;
  return { id: id.value, data: at + id.length + size.length, size: size.unknown ? null : size.value };
}

/** The child elements of the data in b[start, end); stops at the first malformed or unsized one. */
function* children(b: Uint8Array, start: number, end: number): Generator<Element> {
  for (let at = start; at < end; ) {
    const e = element(b, at);
    if (!e || e.size === null || e.data + e.size > end) return;
    yield e;
    at = e.data + e.size;
  }
}

function uint(b: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = 0; i < (e.size ?? 0); i++) v = v * 256 + (b[e.data + i] ?? 0);
  return v;
}

function child(b: Uint8Array, parent: Element, id: number): Element | undefined {
  for (const c of children(b, parent.data, parent.data + (parent.size ?? 0))) if (c.id === id) return c;
  return undefined;
}

/** The number of the first video track. */
function videoTrack(b: Uint8Array, tracks: Element): number | null {
  for (const t of children(b, tracks.data, tracks.data + (tracks.size ?? 0))) {
    if (t.id !== ID.trackEntry) continue;
    const type = child(b, t, ID.trackType);
    const number = child(b, t, ID.trackNumber);
    if (type && number && uint(b, type) === VIDEO_TRACK) return uint(b, number);
  }
  return null;
}

/** Where each top-level element that the SeekHead names starts, relative to the Segment's data. */
function seekPositions(b: Uint8Array, seekHead: Element): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of children(b, seekHead.data, seekHead.data + (seekHead.size ?? 0))) {
    if (s.id !== ID.seek) continue;
    const id = child(b, s, ID.seekId);
    const pos = child(b, s, ID.seekPosition);
    if (id && pos && !out.has(uint(b, id))) out.set(uint(b, id), uint(b, pos));
  }
  return out;
}

interface CuePoint {
  /** Seconds. */
  readonly time: number;
  /** The keyframe's block, relative to the Segment's data. */
  readonly position: number;
}

/** The video track's cue points, in file order. */
function cuePoints(b: Uint8Array, track: number, scale: number): CuePoint[] {
  const out: CuePoint[] = [];
  for (const p of children(b, 0, b.length)) {
    if (p.id !== ID.cuePoint) continue;
    let time: number | null = null;
    let position: number | null = null;
    for (const f of children(b, p.data, p.data + (p.size ?? 0))) {
      if (f.id === ID.cueTime) time = uint(b, f);
      if (f.id !== ID.cueTrackPositions) continue;
      const t = child(b, f, ID.cueTrack);
      const cluster = child(b, f, ID.cueClusterPosition);
      const relative = child(b, f, ID.cueRelativePosition);
      if (t && cluster && uint(b, t) === track) position = uint(b, cluster) + (relative ? uint(b, relative) : 0);
    }
    if (time !== null && position !== null) out.push({ time: (time * scale) / 1e9, position });
  }
  return out;
}

/**
 * The video keyframes of a Matroska file from its Cues, one IndexPacket per keyframe whose size is the bytes up to the
 * next one (the last: up to the next top-level element after it, or the end of the Segment). Null when the file has no
 * usable Cues.
 */
export async function readCues(read: ReadRange, size: number): Promise<IndexPacket[] | null> {
  const head = await read(0, Math.min(HEAD_BYTES, size));
  const ebml = element(head, 0);
  if (!ebml || ebml.id !== ID.ebml || ebml.size === null) return null;
  const segment = element(head, ebml.data + ebml.size);
  if (!segment || segment.id !== ID.segment) return null;
  const base = segment.data;
  const end = segment.size === null ? size : Math.min(size, base + segment.size);

  /** A whole top-level element's bytes (from the first read when they are in it), or null past the limit. */
  const whole = async (e: Element): Promise<Uint8Array | null> => {
    if (e.size === null || e.size > MAX_ELEMENT_BYTES || e.data + e.size > end) return null;
    if (e.data + e.size <= head.length) return head.subarray(e.data, e.data + e.size);
    const bytes = await read(e.data, e.size);
    return bytes.length === e.size ? bytes : null;
  };
  const elementAt = async (at: number): Promise<Element | null> => {
    const bytes = at + 12 <= head.length ? head : await read(at, 12);
    const e = element(bytes, bytes === head ? at : 0);
    return e && bytes !== head ? { ...e, data: at + e.data } : e;
  };

  let scale = DEFAULT_SCALE;
  let track: number | null = null;
  let seeks = new Map<number, number>();
  let cues: Uint8Array | null = null;
  for (let i = 0, at = base; i < MAX_TOP_ELEMENTS && at < end && !cues; i++) {
    const e = await elementAt(at);
    if (!e) return null;
    if (e.id === ID.cluster) {
      // The first Cluster: the Cues are further on, where the SeekHead says.
      const cuesAt = seeks.get(ID.cues);
      if (cuesAt === undefined || base + cuesAt <= at) return null;
      at = base + cuesAt;
      continue;
    }
    if (e.id === ID.seekHead || e.id === ID.info || e.id === ID.tracks || e.id === ID.cues) {
      const body = await whole(e);
      if (!body) return null;
      const el: Element = { id: e.id, data: 0, size: body.length };
      if (e.id === ID.seekHead) seeks = seekPositions(body, el);
      if (e.id === ID.info) {
        const s = child(body, el, ID.timestampScale);
        if (s) scale = uint(body, s);
      }
      if (e.id === ID.tracks) track = videoTrack(body, el);
      if (e.id === ID.cues) cues = body;
    }
    if (e.size === null) return null;
    at = e.data + e.size;
  }
  if (!cues || track === null || !(scale > 0)) return null;

  const points = cuePoints(cues, track, scale);
  if (points.length === 0) return null;
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.position < points[i - 1]!.position || points[i]!.time < points[i - 1]!.time) return null;
  }
  const last = points[points.length - 1]!.position;
  // The clusters end where the next top-level element after the last keyframe starts (the Cues, Tags, ...).
  const after = [...seeks.values()].filter((p) => p > last);
  const clustersEnd = Math.min(end - base, ...after);
  if (last >= clustersEnd) return null;
  return points.map((p, i) => ({ time: p.time, size: (points[i + 1]?.position ?? clustersEnd) - p.position, key: true }));
}
