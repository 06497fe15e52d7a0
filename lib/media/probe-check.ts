import { ErrorCode, EstrenaError } from "../contracts/errors.js";

/** The part of `ffprobe -show_format -show_streams -of json` we read. */
export interface ProbeStream {
  readonly index: number;
  readonly codec_type?: string;
  readonly codec_name?: string;
  readonly width?: number;
  readonly height?: number;
  readonly sample_aspect_ratio?: string;
  readonly pix_fmt?: string;
  readonly r_frame_rate?: string;
  readonly avg_frame_rate?: string;
  readonly channels?: number;
  readonly duration?: string;
  readonly disposition?: { readonly attached_pic?: number };
  readonly tags?: Readonly<Record<string, string>>;
  readonly side_data_list?: readonly { readonly side_data_type?: string; readonly rotation?: number }[];
}
export interface ProbeResult {
  readonly format?: { readonly format_name?: string; readonly duration?: string; readonly size?: string };
  readonly streams?: readonly ProbeStream[];
}

/** What the first bytes of a file say, before any demuxer sees it. */
export type Sniff = "empty" | "playlist" | "concat" | "text" | "mp4" | "binary";

/** Limits from config; a source beyond any of them fails as `too-large`. */
export interface Limits {
  readonly maxDurationSeconds: number;
  readonly maxPixels: number;
  readonly maxFileBytes: number;
}

export interface Fps {
  readonly num: number;
  readonly den: number;
}

/**
 * An accepted source: everything later steps need, so nobody probes twice. An audio-only source (no video stream, or
 * only cover art) has a 0 × 0 display size and a usable `audio`; its other picture fields are placeholders (NO_PICTURE).
 */
export interface Source {
  /** The one demuxer ffmpeg may use on this file (`-f`). */
  readonly demuxer: Demuxer;
  readonly duration: number;
  /** Display size: after rotation and sample aspect ratio; 0 × 0 for an audio-only source. */
  readonly width: number;
  readonly height: number;
  /** Display-matrix rotation in degrees (0, 90, 180, 270, as ffprobe reports it); ffmpeg autorotates when decoding. */
  readonly rotation: number;
  readonly fps: Fps;
  /** avg_frame_rate differs from r_frame_rate: timestamps are irregular, so outputs go through `fps`. */
  readonly vfr: boolean;
  readonly videoCodec: string;
  readonly pixFmt: string;
  readonly audio: { readonly index: number; readonly codec: string; readonly channels: number } | null;
  readonly size: number;
}

/**
 * Demuxers ffmpeg may use, keyed by ffprobe's `format_name`. Everything else (hls, concat, image2, sdp, ...) is refused:
 * those either read other files or URLs named inside the input, or are not video containers.
 */
export const DEMUXERS = {
  "mov,mp4,m4a,3gp,3g2,mj2": "mov",
  "matroska,webm": "matroska",
  avi: "avi",
  mpegts: "mpegts",
  flv: "flv",
  // Audio files (issue 14): each holds its own samples and never names another file.
  mp3: "mp3",
  wav: "wav",
  flac: "flac",
  ogg: "ogg",
  aac: "aac",
} as const;
export type Demuxer = (typeof DEMUXERS)[keyof typeof DEMUXERS];
/** For `-format_whitelist`: ffmpeg matches the demuxer's short name, e.g. `mov,mp4,m4a,...` is the demuxer `mov`. */
export const DEMUXER_WHITELIST = Object.values(DEMUXERS).join(",");

/** Video codecs Debian's ffmpeg 5.1 decodes and we accept as sources. */
export const VIDEO_CODECS: ReadonlySet<string> = new Set([
  "h264",
  "hevc",
  "vp8",
  "vp9",
  "av1",
  "mpeg4",
  "mpeg2video",
  "mpeg1video",
  "mjpeg",
  "prores",
  "dnxhd",
  "theora",
  "vc1",
  "wmv3",
  "flv1",
  "h263",
  "msmpeg4v3",
  "rawvideo",
  "ffv1",
  "huffyuv",
]);
/** Audio codecs we transcode; a video with another audio codec is accepted without audio, an audio-only file is refused. */
export const AUDIO_CODECS: ReadonlySet<string> = new Set([
  "aac",
  "mp3",
  "mp2",
  "opus",
  "vorbis",
  "ac3",
  "eac3",
  "flac",
  "alac",
  "dts",
  "pcm_s16le",
  "pcm_s16be",
  "pcm_s24le",
  "pcm_f32le",
  "pcm_u8",
  "pcm_s24be",
  "pcm_s32le",
  "pcm_f64le",
  "pcm_alaw",
  "pcm_mulaw",
]);

/** The picture fields of an audio-only source: no picture (0 × 0) and neutral values nothing reads. */
export const NO_PICTURE = {
  width: 0,
  height: 0,
  rotation: 0,
  fps: { num: 1, den: 1 },
  vfr: false,
  videoCodec: "none",
  pixFmt: "none",
} as const;

/** Whether a source has no picture: it becomes an audio-only stream with a waveform poster. */
export function isAudioOnly(source: Pick<Source, "width" | "height">): boolean {
  return source.width === 0 && source.height === 0;
}

/** Classifies a file from its first bytes (up to a few KiB). Pure. */
export function sniff(head: Uint8Array): Sniff {
  if (head.length === 0) return "empty";
  if (head.length >= 8 && ascii(head, 4, 8) === "ftyp") return "mp4";
  const text = printableText(head);
  if (text === null) return "binary";
  const t = text.replace(/^\uFEFF/, "").trimStart();
  if (/^#EXTM3U|^#EXTINF|^\[playlist\]|^<\?xml[\s\S]*<(MPD|smil|playlist)\b|^<(MPD|smil)\b|^v=0\r?\n/i.test(t)) return "playlist";
  if (/^ffconcat\b|^file\s+['"]?\S/im.test(t)) return "concat";
  return "text";
}

/** Decides whether a probed file is a source we transcode. Throws an EstrenaError with a stable code when not. Pure. */
export function checkProbe(probe: ProbeResult | null, head: Sniff, size: number, limits: Limits, probeError = ""): Source {
  if (size === 0 || head === "empty") throw new EstrenaError(ErrorCode.NotAVideo, "the file is empty");
  if (size > limits.maxFileBytes)
    throw new EstrenaError(ErrorCode.TooLarge, `the file is ${size} bytes; the limit is ${limits.maxFileBytes}`);
  if (head === "playlist" || head === "concat") {
    throw new EstrenaError(
      ErrorCode.UnsafeInput,
      `the file is a ${head === "playlist" ? "playlist" : "concat list"} that names other files; only self-contained video files are accepted`,
    );
  }
  if (!probe) {
    if (head === "mp4" && /moov atom not found|partial file|truncat|End of file/i.test(probeError)) {
      throw new EstrenaError(ErrorCode.Truncated, "the MP4 file is incomplete (no movie header); was the upload cut short?");
    }
    throw new EstrenaError(
      ErrorCode.NotAVideo,
      head === "text" ? "the file is text, not a video" : `no supported container found (${CONTAINERS})`,
    );
  }
  const formatName = probe.format?.format_name ?? "";
  const demuxer = (DEMUXERS as Record<string, Demuxer>)[formatName];
  if (!demuxer) throw new EstrenaError(ErrorCode.NotAVideo, `container "${formatName || "unknown"}" is not accepted (${CONTAINERS})`);

  const streams = probe.streams ?? [];
  const audioStream = streams.find((s) => s.codec_type === "audio" && AUDIO_CODECS.has(s.codec_name ?? ""));
  const audio = audioStream ? { index: audioStream.index, codec: audioStream.codec_name ?? "", channels: audioStream.channels ?? 2 } : null;
  // Cover art (an attached picture) is not a video: a file with only that and sound is audio-only.
  const video = streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
  if (!video) return audioOnly(probe, demuxer, audio, size, limits);
  const codec = video.codec_name ?? "unknown";
  if (!VIDEO_CODECS.has(codec)) throw new EstrenaError(ErrorCode.UnsupportedCodec, `video codec "${codec}" is not supported`);
  const codedW = video.width ?? 0;
  const codedH = video.height ?? 0;
  if (codedW <= 0 || codedH <= 0) throw new EstrenaError(ErrorCode.NotAVideo, "the video stream declares no picture size");
  if (codedW * codedH > limits.maxPixels) {
    throw new EstrenaError(ErrorCode.TooLarge, `the picture is ${codedW}x${codedH}; the limit is ${limits.maxPixels} pixels`);
  }
  const duration = checkDuration(probe.format?.duration ?? video.duration, limits);

  const rotation = rotationOf(video);
  const sar = ratio(video.sample_aspect_ratio) ?? 1;
  const displayW = Math.round(codedW * (sar > 0 ? sar : 1));
  const [width, height] = rotation % 180 === 0 ? [displayW, codedH] : [codedH, displayW];
  const r = parseFps(video.r_frame_rate);
  const avg = parseFps(video.avg_frame_rate);
  const { fps, vfr } = chooseFps(r, avg);
  return { demuxer, duration, width, height, rotation, fps, vfr, videoCodec: codec, pixFmt: video.pix_fmt ?? "unknown", audio, size };
}

const CONTAINERS = "mp4/mov, mkv/webm, avi, mpeg-ts, flv; m4a, mp3, wav, flac, ogg";

/** An accepted audio-only source, or why not: no stream at all, or only sound in a codec we cannot decode. */
function audioOnly(probe: ProbeResult, demuxer: Demuxer, audio: Source["audio"], size: number, limits: Limits): Source {
  const streams = probe.streams ?? [];
  const other = streams.find((s) => s.codec_type === "audio");
  if (!audio && other)
    throw new EstrenaError(ErrorCode.UnsupportedCodec, `audio codec "${other.codec_name ?? "unknown"}" is not supported`);
  if (!audio) throw new EstrenaError(ErrorCode.NoVideoStream, "the file has neither a video nor an audio stream");
  const stream = streams.find((s) => s.index === audio.index);
  const duration = checkDuration(probe.format?.duration ?? stream?.duration, limits);
  return { demuxer, duration, ...NO_PICTURE, fps: { ...NO_PICTURE.fps }, audio, size };
}

/** The declared duration in seconds, within the limit; a missing one means the file is likely incomplete. */
function checkDuration(declared: string | undefined, limits: Limits): number {
  const duration = Number(declared ?? Number.NaN);
  if (!Number.isFinite(duration) || duration <= 0)
    throw new EstrenaError(ErrorCode.Truncated, "the file declares no duration; it may be incomplete");
  if (duration > limits.maxDurationSeconds) {
    throw new EstrenaError(ErrorCode.TooLarge, `the file lasts ${Math.round(duration)} s; the limit is ${limits.maxDurationSeconds} s`);
  }
  return duration;
}

/** Rotation in degrees, 0..270, from the display matrix or the legacy `rotate` tag. Only whether it is a quarter turn matters. */
export function rotationOf(s: ProbeStream): number {
  const matrix = s.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const deg = matrix ?? Number(s.tags?.rotate ?? 0);
  const r = Math.round(deg / 90) * 90;
  return ((r % 360) + 360) % 360;
}

/** Parses "30000/1001" into a fraction; null when absent or zero. */
export function parseFps(s: string | undefined): Fps | null {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? "");
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 ? { num, den } : null;
}

/**
 * The frame rate outputs are built on. r_frame_rate is the stream's base rate, exact for constant-rate video; when
 * avg_frame_rate disagrees by more than 1 % the timestamps are irregular (VFR) and we round the average to a whole rate.
 * Anything above 120 or missing is treated as 30, a safe default for damaged headers.
 */
export function chooseFps(r: Fps | null, avg: Fps | null): { fps: Fps; vfr: boolean } {
  const rv = r ? r.num / r.den : 0;
  const av = avg ? avg.num / avg.den : 0;
  if (r && rv > 0 && rv <= 120 && (av === 0 || Math.abs(av - rv) / rv <= 0.01)) return { fps: reduce(r), vfr: false };
  if (avg && av >= 1 && av <= 120) return { fps: { num: Math.max(1, Math.round(av)), den: 1 }, vfr: true };
  return { fps: { num: 30, den: 1 }, vfr: true };
}

function reduce(f: Fps): Fps {
  const g = gcd(f.num, f.den);
  return { num: f.num / g, den: f.den / g };
}
function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
function ratio(s: string | undefined): number | null {
  const m = /^(\d+):(\d+)$/.exec(s ?? "");
  return m && Number(m[1]) > 0 && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : null;
}
function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}
/** The bytes as text when they look like text (UTF-8, no NUL, mostly printable); otherwise null. */
function printableText(b: Uint8Array): string | null {
  let bad = 0;
  for (const c of b) {
    if (c === 0) return null;
    if (c < 9 || (c > 13 && c < 32)) bad++;
  }
  if (bad > b.length / 100) return null;
  return new TextDecoder("utf-8", { fatal: false }).decode(b);
}
