/**
 * "Standard input": a source whose video we publish as the top rung by remuxing it, with no re-encode, as Mux does
 * (mux.com/docs/guides/minimize-processing-time: H.264, 8-bit 4:2:0, up to 2048x2048, keyframes at most 10–20 s
 * apart, closed GOPs, up to 8 Mb/s). Most phone and editor exports are. Everything else is encoded as before.
 * The rules are a table, so each refusal names the rule and why it exists. Pure.
 */

/** What the check reads: ffprobe's fields for the video and audio stream, and the video's keyframe times. */
export interface StandardFacts {
  /** The accepted demuxer (probe-check `Demuxer`). */
  readonly demuxer: string;
  readonly video: {
    readonly codec: string;
    /** ffprobe `profile`: "High", "Main", "Constrained Baseline", ... */
    readonly profile: string;
    readonly pixFmt: string;
    /** ffprobe `bits_per_raw_sample`; null when ffprobe does not say. */
    readonly bitDepth: number | null;
    /** ffprobe `field_order`: "progressive", "tt", "bb", ...; null when unknown. */
    readonly fieldOrder: string | null;
    /** Coded size. */
    readonly width: number;
    readonly height: number;
    /** ffprobe `sample_aspect_ratio` ("1:1"), null when absent. */
    readonly sar: string | null;
    readonly rotation: number;
    readonly fps: number;
    readonly vfr: boolean;
    /** Average video bitrate, bit/s (stream `bit_rate`, else the container's); null when unknown. */
    readonly bitRate: number | null;
  };
  readonly audio: {
    readonly codec: string;
    readonly profile: string;
    readonly channels: number;
    readonly sampleRate: number;
  } | null;
  /** Presentation times of the video's keyframes, seconds, ascending; the packet scan's "K" packets. */
  readonly keyframes: readonly number[];
  /** Peak bitrate of any one GOP, bit/s (from the packet scan); null when unknown. */
  readonly peakGopBitRate: number | null;
  readonly duration: number;
}

/** Mux's limits for standard input (see the file comment). */
export const STANDARD_MAX_SIDE = 2048;
export const STANDARD_MAX_BITRATE = 8_000_000;
export const STANDARD_MAX_GOP_BITRATE = 16_000_000;
/** Keyframes at most this far apart: a segment spans at least one GOP, and HLS players buffer whole segments. */
export const STANDARD_MAX_KEYFRAME_INTERVAL = 10;
export const STANDARD_MAX_FPS = 60;
/** The video may start a little after the audio (an A/V offset, AAC priming), but on a keyframe. */
export const STANDARD_FIRST_KEYFRAME_BY = 0.1;
const PROFILES: ReadonlySet<string> = new Set(["High", "Main", "Baseline", "Constrained Baseline"]);
const CONTAINERS: ReadonlySet<string> = new Set(["mov", "matroska"]);
const AUDIO_RATES: ReadonlySet<number> = new Set([44_100, 48_000]);

interface Rule {
  readonly name: string;
  /** Why the rule exists: the reason a refused source is encoded instead. */
  readonly why: string;
  readonly ok: (f: StandardFacts) => boolean;
  /** Needs the keyframes and GOP sizes (the index or a packet scan); the others need the probe only. */
  readonly scan?: true;
}

/** The detection table: every rule must hold for the video to be remuxed. */
export const STANDARD_RULES: readonly Rule[] = [
  { name: "container", why: "only MP4/MOV and Matroska carry H.264 in a form fMP4 takes as is", ok: (f) => CONTAINERS.has(f.demuxer) },
  { name: "codec", why: "every HLS client decodes H.264; other codecs are encoded to it", ok: (f) => f.video.codec === "h264" },
  {
    name: "profile",
    why: "High, Main and Baseline are what players support (no High 10, 4:2:2 or 4:4:4 profiles)",
    ok: (f) => PROFILES.has(f.video.profile),
  },
  {
    name: "8-bit 4:2:0",
    why: "browsers decode 8-bit 4:2:0 H.264 only, in limited (TV) range",
    ok: (f) => f.video.pixFmt === "yuv420p" && (f.video.bitDepth === null || f.video.bitDepth === 8),
  },
  {
    name: "progressive",
    why: "interlaced video must be deinterlaced",
    ok: (f) => f.video.fieldOrder === null || f.video.fieldOrder === "progressive",
  },
  {
    name: "size",
    why: `at most ${STANDARD_MAX_SIDE}x${STANDARD_MAX_SIDE}, square pixels, even sides`,
    ok: (f) =>
      f.video.width <= STANDARD_MAX_SIDE &&
      f.video.height <= STANDARD_MAX_SIDE &&
      f.video.width % 2 === 0 &&
      f.video.height % 2 === 0 &&
      (f.video.sar === null || f.video.sar === "1:1" || f.video.sar === "0:1"),
  },
  {
    name: "upright",
    why: "players ignore the rotation flag in fMP4, so a rotated picture is encoded upright",
    ok: (f) => f.video.rotation === 0,
  },
  {
    name: "frame rate",
    why: `constant, at most ${STANDARD_MAX_FPS} fps, as the ladder's top rungs`,
    ok: (f) => !f.video.vfr && f.video.fps > 0 && f.video.fps <= STANDARD_MAX_FPS,
  },
  {
    name: "bitrate",
    scan: true,
    why: `at most ${STANDARD_MAX_BITRATE / 1e6} Mb/s on average and ${STANDARD_MAX_GOP_BITRATE / 1e6} Mb/s in any GOP, for viewers' connections`,
    ok: (f) =>
      f.video.bitRate !== null &&
      f.video.bitRate <= STANDARD_MAX_BITRATE &&
      (f.peakGopBitRate === null || f.peakGopBitRate <= STANDARD_MAX_GOP_BITRATE),
  },
  {
    name: "keyframes",
    scan: true,
    why: `a keyframe first and then at most every ${STANDARD_MAX_KEYFRAME_INTERVAL} s, where segments can be cut`,
    ok: (f) =>
      maxKeyframeGap(f.keyframes, f.duration) <= STANDARD_MAX_KEYFRAME_INTERVAL &&
      (f.keyframes[0] ?? Infinity) <= STANDARD_FIRST_KEYFRAME_BY,
  },
];

/** How the audio rendition is made: copied as is, encoded, or there is none. */
export type AudioMode = "copy" | "encode" | "none";

export interface Verdict {
  /** True when every rule holds: the video is remuxed as the top rung. */
  readonly standard: boolean;
  /** The rules that failed, each with its reason ("codec: every HLS client decodes H.264; ..."). */
  readonly refused: readonly string[];
  readonly audio: AudioMode;
}

/** Applies the table to a probed source. Pure. */
export function standardVerdict(f: StandardFacts): Verdict {
  const refused = STANDARD_RULES.filter((r) => !r.ok(f)).map((r) => `${r.name}: ${r.why}`);
  return { standard: refused.length === 0, refused, audio: audioMode(f.audio) };
}

/**
 * The rules that the probe alone refuses (`f`'s keyframes and bitrates are not read): a source refused here is
 * encoded without reading its index or scanning its packets (an MPEG-TS file would be read whole for nothing). Pure.
 */
export function refusedByProbe(f: StandardFacts): string[] {
  return STANDARD_RULES.filter((r) => !r.scan && !r.ok(f)).map((r) => `${r.name}: ${r.why}`);
}

/** AAC-LC stereo at 44.1 or 48 kHz is what our stereo rendition would be anyway, so it is copied. Pure. */
export function audioMode(a: StandardFacts["audio"]): AudioMode {
  if (!a) return "none";
  return a.codec === "aac" && a.profile === "LC" && a.channels === 2 && AUDIO_RATES.has(a.sampleRate) ? "copy" : "encode";
}

/** The longest stretch without a keyframe, the end of the file included. Pure. */
export function maxKeyframeGap(keyframes: readonly number[], duration: number): number {
  if (keyframes.length === 0) return Infinity;
  let gap = 0;
  for (let i = 1; i < keyframes.length; i++) gap = Math.max(gap, (keyframes[i] ?? 0) - (keyframes[i - 1] ?? 0));
  return Math.max(gap, duration - (keyframes[keyframes.length - 1] ?? 0));
}
