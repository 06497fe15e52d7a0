/**
 * A small ISO BMFF (MP4) box reader for the fields the conformance checks need: tfdt, trun, tfhd, trex, sidx, elst,
 * mdhd, hdlr. Written from ISO/IEC 14496-12 rather than taken from ffmpeg, so the checks do not share the muxer's
 * reading of the boxes. Codec strings and sample entries come from the mp4box package (see segments.ts).
 */

export interface Box {
  readonly type: string;
  /** The box's payload (after the size/type header). */
  readonly body: Buffer;
}

const CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl", "mvex", "moof", "traf", "edts", "dinf"]);

/** Top-level boxes of a buffer, in order. Throws on a size that runs past the end (a truncated file). */
export function boxes(buf: Buffer): Box[] {
  const out: Box[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = buf.length - at;
    if (size < header || at + size > buf.length) throw new Error(`box ${type} at ${at} has size ${size}, past the end (${buf.length})`);
    out.push({ type, body: buf.subarray(at + header, at + size) });
    at += size;
  }
  return out;
}

/** Every box at a path like "moov/trak/mdia/mdhd", walking containers. */
export function find(buf: Buffer, path: string): Box[] {
  const [head, ...rest] = path.split("/");
  const found = boxes(buf).filter((b) => b.type === head);
  if (!rest.length) return found;
  return found.flatMap((b) => (CONTAINERS.has(b.type) ? find(b.body, rest.join("/")) : []));
}

function fullBox(body: Buffer): { version: number; flags: number; rest: Buffer } {
  return { version: body[0]!, flags: body.readUIntBE(1, 3), rest: body.subarray(4) };
}

/** One track of an init segment, as far as timing goes. */
export interface InitTrack {
  readonly trackId: number;
  readonly handler: string;
  readonly timescale: number;
  /** Edit list entries: media_time -1 is an empty edit. */
  readonly edits: readonly { readonly duration: bigint; readonly mediaTime: bigint }[];
  readonly defaultSampleDuration: number;
  readonly defaultSampleFlags: number;
}

export function initTracks(init: Buffer): InitTrack[] {
  const trex = new Map<number, { duration: number; flags: number }>();
  for (const b of find(init, "moov/mvex/trex")) {
    const { rest } = fullBox(b.body);
    trex.set(rest.readUInt32BE(0), { duration: rest.readUInt32BE(8), flags: rest.readUInt32BE(16) });
  }
  return find(init, "moov/trak").map((trak) => {
    const tkhd = fullBox(find(trak.body, "tkhd")[0]!.body);
    const trackId = tkhd.rest.readUInt32BE(tkhd.version === 1 ? 16 : 8);
    const mdhd = fullBox(find(trak.body, "mdia/mdhd")[0]!.body);
    const timescale = mdhd.rest.readUInt32BE(mdhd.version === 1 ? 16 : 8);
    const handler = find(trak.body, "mdia/hdlr")[0]!.body.toString("latin1", 8, 12);
    const edits: { duration: bigint; mediaTime: bigint }[] = [];
    for (const e of find(trak.body, "edts/elst")) {
      const { version, rest } = fullBox(e.body);
      const n = rest.readUInt32BE(0);
      for (let i = 0, at = 4; i < n; i++, at += version === 1 ? 20 : 12) {
        edits.push(
          version === 1
            ? { duration: rest.readBigUInt64BE(at), mediaTime: rest.readBigInt64BE(at + 8) }
            : { duration: BigInt(rest.readUInt32BE(at)), mediaTime: BigInt(rest.readInt32BE(at + 4)) },
        );
      }
    }
    return {
      trackId,
      handler,
      timescale,
      edits,
      defaultSampleDuration: trex.get(trackId)?.duration ?? 0,
      defaultSampleFlags: trex.get(trackId)?.flags ?? 0,
    };
  });
}

/** One track fragment of a media segment: its decode start and its samples. */
export interface Fragment {
  readonly trackId: number;
  /** tfdt baseMediaDecodeTime, unsigned as the field is (a negative time wrapped shows up near 2^64). */
  readonly baseDecodeTime: bigint;
  readonly samples: readonly { readonly duration: number; readonly size: number; readonly compositionOffset: number }[];
  /** The first sample is a sync sample (sample_is_non_sync_sample clear): the segment can be decoded on its own. */
  readonly startsWithSync: boolean;
}

/** sample_is_non_sync_sample in the sample flags (ISO/IEC 14496-12 8.8.3.1). */
const NON_SYNC = 0x10000;

export function fragments(segment: Buffer, init: readonly InitTrack[]): Fragment[] {
  const out: Fragment[] = [];
  for (const traf of find(segment, "moof/traf")) {
    const tfhd = fullBox(find(traf.body, "tfhd")[0]!.body);
    const trackId = tfhd.rest.readUInt32BE(0);
    let at = 4;
    if (tfhd.flags & 0x1) at += 8; // base_data_offset
    if (tfhd.flags & 0x2) at += 4; // sample_description_index
    const track = init.find((t) => t.trackId === trackId);
    let defaultDuration = track?.defaultSampleDuration ?? 0;
    if (tfhd.flags & 0x8) defaultDuration = tfhd.rest.readUInt32BE(at);
    if (tfhd.flags & 0x8) at += 4;
    const defaultSize = tfhd.flags & 0x10 ? tfhd.rest.readUInt32BE(at) : 0;
    if (tfhd.flags & 0x10) at += 4;
    let firstFlags = tfhd.flags & 0x20 ? tfhd.rest.readUInt32BE(at) : (track?.defaultSampleFlags ?? 0);
    let seenFirst = false;
    const tfdtBox = find(traf.body, "tfdt")[0];
    if (!tfdtBox) throw new Error(`track ${trackId} fragment has no tfdt`);
    const tfdt = fullBox(tfdtBox.body);
    const baseDecodeTime = tfdt.version === 1 ? tfdt.rest.readBigUInt64BE(0) : BigInt(tfdt.rest.readUInt32BE(0));
    const samples: { duration: number; size: number; compositionOffset: number }[] = [];
    for (const t of find(traf.body, "trun")) {
      const { version, flags, rest } = fullBox(t.body);
      const n = rest.readUInt32BE(0);
      let p = 4;
      if (flags & 0x1) p += 4; // data_offset
      if (flags & 0x4 && !seenFirst) firstFlags = rest.readUInt32BE(p);
      if (flags & 0x4) p += 4;
      for (let i = 0; i < n; i++) {
        if (flags & 0x400 && !seenFirst && !(flags & 0x4))
          firstFlags = rest.readUInt32BE(p + (flags & 0x100 ? 4 : 0) + (flags & 0x200 ? 4 : 0));
        seenFirst = true;
        const duration = flags & 0x100 ? rest.readUInt32BE(p) : defaultDuration;
        if (flags & 0x100) p += 4;
        const size = flags & 0x200 ? rest.readUInt32BE(p) : defaultSize;
        if (flags & 0x200) p += 4;
        if (flags & 0x400) p += 4;
        const compositionOffset = flags & 0x800 ? (version === 1 ? rest.readInt32BE(p) : rest.readUInt32BE(p)) : 0;
        if (flags & 0x800) p += 4;
        samples.push({ duration, size, compositionOffset });
      }
    }
    out.push({ trackId, baseDecodeTime, samples, startsWithSync: !(firstFlags & NON_SYNC) });
  }
  return out;
}

/** sidx boxes of a segment (optional in HLS; read when present). */
export function sidxes(segment: Buffer): { readonly timescale: number; readonly earliestPresentationTime: bigint }[] {
  return find(segment, "sidx").map((b) => {
    const { version, rest } = fullBox(b.body);
    return {
      timescale: rest.readUInt32BE(4),
      earliestPresentationTime: version === 1 ? rest.readBigUInt64BE(8) : BigInt(rest.readUInt32BE(8)),
    };
  });
}

/** MPEG-4 descriptor: tag, then a size in 7-bit groups (ISO/IEC 14496-1 8.3.3). */
function descriptor(buf: Buffer, at: number): { tag: number; body: Buffer; end: number } {
  const tag = buf[at]!;
  let size = 0;
  let p = at + 1;
  for (let i = 0; i < 4; i++) {
    const b = buf[p++]!;
    size = (size << 7) | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return { tag, body: buf.subarray(p, p + size), end: p + size };
}

/**
 * The channel configuration of an AAC track, from its AudioSpecificConfig in esds (ISO/IEC 14496-3 1.6.2.1): the
 * sample entry's channelcount is a fixed 2 for AAC in MP4, so it cannot tell stereo from 5.1. 6 means 5.1.
 */
export function aacChannels(init: Buffer): number | null {
  const stsd = find(init, "moov/trak/mdia/minf/stbl/stsd")[0];
  if (!stsd) return null;
  const entry = boxes(stsd.body.subarray(8))[0];
  if (entry?.type !== "mp4a") return null;
  const esds = boxes(entry.body.subarray(28)).find((b) => b.type === "esds");
  if (!esds) return null;
  const es = descriptor(esds.body, 4); // ES_Descriptor (tag 3)
  const flags = es.body[2]!;
  let p = 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x20 ? 1 + es.body[3]! : 0) + (flags & 0x40 ? 2 : 0);
  const config = descriptor(es.body, p); // DecoderConfigDescriptor (tag 4)
  p = 13;
  const specific = descriptor(config.body, p); // DecoderSpecificInfo (tag 5): the AudioSpecificConfig
  if (es.tag !== 3 || config.tag !== 4 || specific.tag !== 5) return null;
  // audioObjectType (5 bits), samplingFrequencyIndex (4 bits, or 4 + 24 when it is 15), channelConfiguration (4 bits).
  const bits = specific.body.readUInt32BE(0);
  const frequencyIndex = (bits >>> 23) & 0xf;
  return frequencyIndex === 15 ? (specific.body.readUInt32BE(3) >>> 27) & 0xf : (bits >>> 19) & 0xf;
}
