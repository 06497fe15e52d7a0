/**
 * HLS playlist writing (RFC 8216, version 7 for fMP4 + EXT-X-MAP) and reading of the playlists ffmpeg writes per chunk.
 * Hand-written because the format we emit is a dozen fixed lines and the runtime reader only needs EXTINF + URI;
 * tests round-trip both through hls-parser.
 */

export interface Segment {
  readonly uri: string;
  readonly duration: number;
}

export interface MediaPlaylist {
  /** EVENT while chunks remain (segments only get appended), VOD with ENDLIST when complete. */
  readonly type: "EVENT" | "VOD";
  /** Init segment (EXT-X-MAP). */
  readonly map: string;
  /** The configured segment length: EVENT playlists must keep one TARGETDURATION while they grow. */
  readonly segmentSeconds: number;
  readonly segments: readonly Segment[];
}

/** Writes a media playlist. Pure. */
export function writeMediaPlaylist(p: MediaPlaylist): string {
  // EXTINF rounded to the nearest integer must not exceed TARGETDURATION (RFC 8216 4.3.3.1).
  const target = Math.max(p.segmentSeconds, ...p.segments.map((s) => Math.round(s.duration)));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${target}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    `#EXT-X-PLAYLIST-TYPE:${p.type}`,
    "#EXT-X-INDEPENDENT-SEGMENTS",
    `#EXT-X-MAP:URI="${p.map}"`,
  ];
  for (const s of p.segments) lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
  if (p.type === "VOD") lines.push("#EXT-X-ENDLIST");
  return `${lines.join("\n")}\n`;
}

export interface Variant {
  readonly uri: string;
  /** Peak segment bitrate, bit/s, audio included. */
  readonly bandwidth: number;
  /** Average bitrate, bit/s, audio included. */
  readonly averageBandwidth: number;
  readonly codecs: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
}

export interface AudioRendition {
  readonly uri: string;
  readonly groupId: string;
  readonly name: string;
  readonly channels: number;
}

/** Writes the master playlist: the variants in the given order, each tied to the audio group when there is one. Pure. */
export function writeMasterPlaylist(variants: readonly Variant[], audio: AudioRendition | null): string {
  const lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"];
  if (audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${audio.groupId}",NAME="${audio.name}",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels}",URI="${audio.uri}"`,
    );
  }
  for (const v of variants) {
    const attrs = [
      `BANDWIDTH=${Math.round(v.bandwidth)}`,
      `AVERAGE-BANDWIDTH=${Math.round(v.averageBandwidth)}`,
      `CODECS="${v.codecs}"`,
      `RESOLUTION=${v.width}x${v.height}`,
      `FRAME-RATE=${v.frameRate.toFixed(3)}`,
    ];
    if (audio) attrs.push(`AUDIO="${audio.groupId}"`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(",")}`, v.uri);
  }
  return `${lines.join("\n")}\n`;
}

/** Reads the segments of a media playlist written by ffmpeg's hls muxer (EXTINF + URI pairs, EXT-X-MAP). Pure. */
export function readMediaPlaylist(text: string): { map: string | null; segments: Segment[] } {
  const segments: Segment[] = [];
  let map: string | null = null;
  let pending: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#EXT-X-MAP:")) map = /URI="([^"]+)"/.exec(line)?.[1] ?? null;
    else if (line.startsWith("#EXTINF:")) pending = Number.parseFloat(line.slice(8));
    else if (!line.startsWith("#") && pending !== null) {
      segments.push({ uri: line, duration: pending });
      pending = null;
    }
  }
  return { map, segments };
}

/** Joins chunk segment lists in chunk order into one list. Pure. */
export function joinChunks(chunks: readonly (readonly Segment[])[]): Segment[] {
  return chunks.flat();
}

/**
 * Keeps the audio segments that start before `until` seconds, so an EVENT audio playlist never runs ahead of the
 * published video. Pure.
 */
export function segmentsUntil<S extends Segment>(segments: readonly S[], until: number): S[] {
  const out: S[] = [];
  let t = 0;
  for (const s of segments) {
    if (t >= until - 1e-6) break;
    out.push(s);
    t += s.duration;
  }
  return out;
}

/** Peak and average bitrate (bit/s) from segment sizes; peak is the largest segment's rate (RFC 8216 4.3.4.2). */
export function measureBandwidth(segments: readonly (Segment & { readonly bytes: number })[]): { peak: number; average: number } {
  let peak = 0;
  let bytes = 0;
  let seconds = 0;
  // A last sliver of a segment (a few frames around a keyframe) would read as a huge rate; it does not set the peak.
  const longest = Math.max(0, ...segments.map((s) => s.duration));
  for (const s of segments) {
    if (s.duration > 0 && s.duration >= Math.min(1, longest)) peak = Math.max(peak, (s.bytes * 8) / s.duration);
    bytes += s.bytes;
    seconds += s.duration;
  }
  return { peak: Math.round(peak), average: seconds > 0 ? Math.round((bytes * 8) / seconds) : 0 };
}
