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
  /** 0 × 0 (and frame rate 0) for an audio-only variant, which then has no RESOLUTION or FRAME-RATE. */
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
}

export interface AudioRendition {
  readonly uri: string;
  readonly groupId: string;
  readonly name: string;
  readonly channels: number;
  /** RFC 5646 tag; "und" (undetermined) when the source does not say. */
  readonly language?: string;
}

/**
 * Writes the master playlist: the variants in the given order, each tied to the audio group when there is one. The
 * first audio rendition is the default; others (the 5.1 one) are offered beside it in the same group. Pure.
 */
export function writeMasterPlaylist(variants: readonly Variant[], audio: AudioRendition | readonly AudioRendition[] | null): string {
  const renditions: readonly AudioRendition[] = audio === null ? [] : "uri" in audio ? [audio] : audio;
  const lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"];
  renditions.forEach((a, i) => {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${a.groupId}",NAME="${a.name}",LANGUAGE="${a.language ?? "und"}",DEFAULT=${i === 0 ? "YES" : "NO"},AUTOSELECT=YES,CHANNELS="${a.channels}",URI="${a.uri}"`,
    );
  });
  for (const v of variants) {
    const attrs = [`BANDWIDTH=${Math.round(v.bandwidth)}`, `AVERAGE-BANDWIDTH=${Math.round(v.averageBandwidth)}`, `CODECS="${v.codecs}"`];
    // RFC 8216 4.3.4.2: RESOLUTION and FRAME-RATE describe video; an audio-only variant (CODECS="mp4a.40.2") has neither.
    if (v.width > 0 && v.height > 0) attrs.push(`RESOLUTION=${v.width}x${v.height}`, `FRAME-RATE=${v.frameRate.toFixed(3)}`);
    if (renditions[0]) attrs.push(`AUDIO="${renditions[0].groupId}"`);
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

/**
 * Peak and average bitrate (bit/s) from segment sizes, as RFC 8216 4.3.4.2 defines them: the peak is the largest rate
 * of any run of consecutive segments lasting 0.5 to 1.5 target durations (so a short last segment counts with its
 * neighbour rather than alone), the average is all bits over all seconds. `targetDuration` defaults to the one
 * writeMediaPlaylist would write for these segments.
 */
export function measureBandwidth(
  segments: readonly (Segment & { readonly bytes: number })[],
  targetDuration = Math.max(1, ...segments.map((s) => Math.round(s.duration))),
): { peak: number; average: number } {
  let peak = 0;
  for (let i = 0; i < segments.length; i++) {
    let bits = 0;
    let seconds = 0;
    for (let j = i; j < segments.length && seconds <= 1.5 * targetDuration; j++) {
      bits += segments[j]!.bytes * 8;
      seconds += segments[j]!.duration;
      if (seconds >= 0.5 * targetDuration && seconds <= 1.5 * targetDuration) peak = Math.max(peak, bits / seconds);
    }
  }
  const bytes = segments.reduce((a, s) => a + s.bytes, 0);
  const seconds = segments.reduce((a, s) => a + s.duration, 0);
  const average = seconds > 0 ? (bytes * 8) / seconds : 0;
  // A playlist shorter than half a target duration has no such run: its whole length is the only one.
  return { peak: Math.ceil(peak || average), average: Math.round(average) };
}

/** One AAC-LC frame at 48 kHz, in seconds. */
const AAC_FRAME_SECONDS = 1024 / 48_000;

/**
 * Drops a last audio segment that holds a single AAC frame: the encoder's priming shifts the audio one frame later,
 * so a source that ends on a segment boundary leaves one 21 ms frame over, a request that adds nothing (players
 * fetch it for the end of the sound past the video's end). Pure.
 */
export function withoutTrailingFrame<S extends Segment>(segments: readonly S[]): S[] {
  const last = segments.at(-1);
  return segments.length > 1 && last && last.duration <= AAC_FRAME_SECONDS + 1e-6 ? segments.slice(0, -1) : [...segments];
}
