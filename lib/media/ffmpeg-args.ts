import { segmentCount, type Chunk } from "./chunks.js";
import type { Rung } from "./ladder.js";
import { forcedKeyframes } from "./cuts.js";
import { encodedRungs, type Plan } from "./plan.js";
import { spriteLayout, spriteName } from "./thumbnails.js";
import { inputProtocols } from "./source-input.js";

/** An ffmpeg invocation as data: one input, an optional filter graph, and outputs each with their own options. */
export interface FfmpegCommand {
  readonly input: { readonly path: string; readonly options: readonly string[] };
  readonly filterComplex?: string;
  readonly outputs: readonly { readonly path: string; readonly options: readonly string[] }[];
}

/** Constant-quality target under each rung's bitrate cap ("capped CRF"); 23 is libx264's default. */
export const CRF = 23;
/**
 * The default preset, made cheaper: superfast's motion analysis (diamond search, subpixel refinement 1, no 8x8 inter
 * partitions) with veryfast's lookahead and macroblock tree, which is where its bitrate efficiency comes from. CRF one
 * step up brings the bitrate back to plain veryfast's at CRF 23. Measured on a 20 s 1080p30 clip, 4 rungs from one
 * decode (docs/performance.md, "Ladder cost and quality"): 24 % less CPU, bitrate +0-4 %, SSIM 0.0004-0.0016 lower.
 * Other presets are an operator's choice of quality and are left as they are.
 */
export const TUNED_PRESET = "veryfast";
export const TUNED_X264 = "subme=1:me=dia:partitions=i8x8,i4x4";
export const TUNED_CRF = 24;
/** VBV buffer = 2 × maxrate: lets short bursts exceed the cap while a segment's average stays under it. */
export const BUFSIZE_FACTOR = 2;
export const AUDIO_BITRATE = 128_000;
export const AUDIO_RATE = 48_000;
export const AUDIO_CODECS = "mp4a.40.2";
export const AUDIO_CHANNELS = 2;
/** The second audio rendition of a source with 5.1 (or more) channels: AAC-LC 5.1, which every AAC decoder plays. */
export const SURROUND_CHANNELS = 6;
export const SURROUND_BITRATE = 384_000;

/** Whether a source's audio gets the 5.1 rendition next to the stereo one (a video's; an audio-only stream is one stereo variant). */
export function hasSurround(plan: Plan): boolean {
  return (plan.probe.audio?.channels ?? 0) >= SURROUND_CHANNELS && plan.rungs.length > 0;
}

/** Names of the files of one video. Flat, because the gateway maps /stream/<id>/<file> to videos/<id>/<file>. */
export const names = {
  mediaPlaylist: (rung: string) => `${rung}.m3u8`,
  init: (rung: string) => `${rung}_init.mp4`,
  /** Chunk-scoped so two chunks can never write the same name, whatever segment count ffmpeg produces. */
  segmentPattern: (rung: string, chunk: number) => `${rung}_${String(chunk).padStart(4, "0")}_%03d.m4s`,
  audioPlaylist: "audio.m3u8",
  audioInit: "audio_init.mp4",
  audioSegmentPattern: "audio_%05d.m4s",
  surroundPlaylist: "audio_5_1.m3u8",
  surroundInit: "audio_5_1_init.mp4",
  surroundSegmentPattern: "audio_5_1_%05d.m4s",
  master: "master.m3u8",
  poster: "poster.jpg",
  thumbnails: "thumbnails.vtt",
} as const;

/**
 * Input options shared by every run: ffmpeg may read only this one local file, through the one demuxer the probe
 * accepted, so references inside the media (playlists, concat lists, data references, URLs) cannot be followed.
 * See https://ffmpeg.org/ffmpeg-protocols.html#Protocol-Options and the `format_whitelist` AVFormatContext option.
 */
export function safeInput(demuxer: string): string[] {
  return ["-protocol_whitelist", "file", "-format_whitelist", demuxer, "-f", demuxer];
}

/** An hls_time shorter than any GOP: the muxer then starts a segment at every keyframe. */
const CUT_EVERY_KEYFRAME = 0.1;

/** Options that keep source metadata (GPS tags, titles, chapters) out of what we publish. */
export const STRIP = ["-map_metadata", "-1", "-map_chapters", "-1"];

/** Frames per segment, the GOP length: a keyframe exactly where every segment starts and nowhere else. */
export function gopFrames(rung: Rung, segmentSeconds: number): number {
  return Math.ceil((segmentSeconds * rung.fps.num) / rung.fps.den - 1e-9);
}

/**
 * One chunk: a single decode of [start, start + duration) split to every rung (plus the chunk's storyboard sprite and,
 * for chunk 0, the poster). Follows the chunk recipe checked on ffmpeg 5.1 (docs/design "Long work"). Pure.
 */
export function chunkCommand(plan: Plan, chunk: Chunk, src: string, dir: string): FfmpegCommand {
  const seg = plan.segmentSeconds;
  const last = chunk.index === plan.chunks.length - 1;
  const pass = plan.passthrough;
  const rungs = encodedRungs(plan);
  const input = [
    "-nostdin",
    // A remuxed top rung is published before anything decodes the source: this decode is the check, and any error in
    // the stream fails it (and withdraws the video) instead of being concealed.
    ...(pass ? ["-xerror"] : []),
    ...safeInput(plan.probe.demuxer),
    ...(chunk.start > 0 ? ["-ss", String(chunk.start)] : []),
    // The last chunk reads to the end: the probed duration can be a little short of the last frame.
    ...(last ? [] : ["-t", String(chunk.duration)]),
    // Keep source timestamps (shifted so the file starts at 0), so every chunk's fragments carry absolute times.
    "-copyts",
    "-start_at_zero",
  ];

  const tiles = segmentCount(chunk, seg);
  const layout = spriteLayout(plan.grid, tiles);
  const poster = chunk.index === 0;
  const graph = [`[0:v:0]split=${poster ? 3 : 2}[ladder][thumbs]${poster ? "[still]" : ""}`, ...ladderGraph(rungs)];
  // One tile per segment: the first frame at or after each segment start.
  graph.push(
    `[thumbs]select='gte(t\\,${chunk.start}+selected_n*${seg})',scale=${plan.grid.tileWidth}:${plan.grid.tileHeight},setsar=1,tile=${layout.columns}x${layout.rows}[tiles]`,
  );
  if (poster) graph.push(posterChain(plan, "[still]"));

  const outputs: { path: string; options: string[] }[] = rungs.map((r, i) => ({
    path: `${dir}/${names.mediaPlaylist(r.name)}`,
    options: [
      "-map",
      `[v${i}]`,
      // Passthrough: keyframes only at the source's cuts (a GOP longer than any gap between them), and the muxer cuts
      // at every keyframe, so each rung's segments start exactly where the remuxed top rung's do.
      ...videoEncoder(r, plan.preset, pass ? pass.targetDuration + 1 : seg),
      "-force_key_frames",
      pass ? forcedKeyframes(pass.cuts, chunk) : `expr:gte(t,${chunk.start}+n_forced*${seg})`,
      ...STRIP,
      ...hlsMuxer(pass ? CUT_EVERY_KEYFRAME : seg, names.init(r.name), `${dir}/${names.segmentPattern(r.name, chunk.index)}`),
    ],
  }));
  outputs.push({ path: `${dir}/${spriteName(chunk.index)}`, options: ["-map", "[tiles]", ...jpeg(5)] });
  if (poster) outputs.push({ path: `${dir}/${names.poster}`, options: ["-map", "[poster]", ...jpeg(3)] });
  return { input: { path: src, options: input }, filterComplex: graph.join(";"), outputs };
}

/**
 * The rungs as a cascade, largest first: each rung is scaled from the one above it rather than from the source, so
 * every scaler reads a smaller picture (about 10 % less CPU for a 1080p ladder, measured on ffmpeg 5.1 here).
 * fps makes VFR sources constant-rate and caps the rate; caps only fall down the ladder, so each link can apply its own.
 * The top link also converts to 8-bit 4:2:0 (10-bit and 4:4:4 sources), once. Outputs are [v0], [v1], ...
 */
export function ladderGraph(rungs: readonly Rung[]): string[] {
  return rungs.map((r, i) => {
    const input = i === 0 ? "[ladder]" : `[c${i}]`;
    const convert = i === 0 ? ",format=yuv420p" : "";
    const out = i === rungs.length - 1 ? `[v${i}]` : `,split=2[v${i}][c${i + 1}]`;
    return `${input}fps=${r.fps.num}/${r.fps.den},scale=${r.width}:${r.height}:flags=bicubic,setsar=1${convert}${out}`;
  });
}

/**
 * The poster from a branch of the decode: the first frame at or after the plan's poster time, at the top rung's size.
 * trim ends the branch after that frame, so split stops feeding it: without it every later frame went on through select
 * and scale to an output that had stopped taking them (about 3 CPU-s per 20 s of 1080p30, measured on ffmpeg 5.1 here).
 */
export function posterChain(plan: Plan, input: string): string {
  const top = plan.rungs[0]!;
  return `${input}select='gte(t\\,${plan.posterTime})',trim=end_frame=1,scale=${top.width}:${top.height},setsar=1[poster]`;
}

/**
 * The audio renditions, once for the whole file: AAC-LC stereo (5.1 is downmixed by -ac 2), 48 kHz, and for a source
 * with 5.1 or more channels also AAC-LC 5.1. Pure.
 */
export function audioCommand(plan: Plan, src: string, dir: string): FfmpegCommand {
  const audio = plan.probe.audio;
  if (!audio) throw new Error("audioCommand: the source has no audio");
  /** One AAC-LC HLS output of the source's audio stream; `layout` only where ffmpeg would guess it. */
  const aac = (bitrate: number, channels: number, layout: string[], muxer: string[]): string[] => [
    "-map",
    `0:${audio.index}`,
    "-vn",
    "-sn",
    "-dn",
    "-c:a",
    "aac",
    "-profile:a",
    "aac_low",
    "-b:a",
    String(bitrate),
    "-ac",
    String(channels),
    ...layout,
    "-ar",
    String(AUDIO_RATE),
    ...STRIP,
    ...muxer,
  ];
  return {
    input: { path: src, options: ["-nostdin", ...safeInput(plan.probe.demuxer), "-copyts", "-start_at_zero"] },
    outputs: [
      {
        path: `${dir}/${names.audioPlaylist}`,
        options: aac(
          AUDIO_BITRATE,
          AUDIO_CHANNELS,
          [],
          hlsMuxer(plan.segmentSeconds, names.audioInit, `${dir}/${names.audioSegmentPattern}`, "event", "start-at-zero"),
        ),
      },
      // From the same decode: the 5.1 rendition, published with the rest at the end (7.1 is folded down to 5.1).
      ...(hasSurround(plan)
        ? [
            {
              path: `${dir}/${names.surroundPlaylist}`,
              options: aac(
                SURROUND_BITRATE,
                SURROUND_CHANNELS,
                ["-channel_layout", "5.1"],
                hlsMuxer(plan.segmentSeconds, names.surroundInit, `${dir}/${names.surroundSegmentPattern}`, "vod", "start-at-zero"),
              ),
            },
          ]
        : []),
    ],
  };
}

/** libx264 options for one rung. */
export function videoEncoder(r: Rung, preset: string, segmentSeconds: number): string[] {
  const gop = String(gopFrames(r, segmentSeconds));
  return [
    "-c:v",
    "libx264",
    "-preset",
    preset,
    ...(preset === TUNED_PRESET ? ["-x264-params", TUNED_X264] : []),
    "-profile:v",
    "high",
    "-level:v",
    (r.level / 10).toFixed(1),
    "-crf",
    String(preset === TUNED_PRESET ? TUNED_CRF : CRF),
    "-maxrate",
    String(r.maxrate),
    "-bufsize",
    String(r.maxrate * BUFSIZE_FACTOR),
    // GOP = one segment and no scene-cut keyframes: every rung cuts segments at the same instants.
    "-g",
    gop,
    "-keyint_min",
    gop,
    "-sc_threshold",
    "0",
    "-an",
    "-sn",
    "-dn",
  ];
}

/**
 * fMP4 HLS muxer options. We write the playlists ourselves; ffmpeg's are only read back for segment durations.
 * `playlistType` "event" makes ffmpeg rewrite its playlist (atomically, via a temporary file) after every finished
 * segment, which the audio step watches to publish while it encodes; "vod" writes it once at the end.
 * `timestamps`: "keep-negative" for video chunks (see below); "start-at-zero" for the audio rendition, whose AAC
 * priming (1024 samples before 0) would otherwise be written as a negative tfdt, which the unsigned field wraps to
 * 2^64-1024: Shaka (error 3016) and GStreamer's hlsdemux2 refuse that. Shifted, the priming plays first from 0.
 */
export function hlsMuxer(
  segmentSeconds: number,
  initName: string,
  segmentPattern: string,
  playlistType: "vod" | "event" = "vod",
  timestamps: "keep-negative" | "start-at-zero" = "keep-negative",
): string[] {
  return [
    // Keep chunk 0's negative B-frame decode times: with the default shift its first fragment would start two frames
    // late (tfdt 1024 instead of 0 at 30 fps) and overlap chunk 1 (checked on ffmpeg 5.1).
    "-avoid_negative_ts",
    timestamps === "keep-negative" ? "disabled" : "make_zero",
    "-f",
    "hls",
    "-hls_time",
    String(segmentSeconds),
    "-hls_playlist_type",
    playlistType,
    "-hls_segment_type",
    "fmp4",
    "-hls_fmp4_init_filename",
    initName,
    "-hls_segment_filename",
    segmentPattern,
    // frag_discont: fragments keep absolute decode times (tfdt) instead of restarting at 0 in each run, so chunks made
    // by separate processes join, and the init segments come out byte-identical.
    "-hls_segment_options",
    "movflags=+frag_discont",
  ];
}

function jpeg(q: number): string[] {
  return ["-frames:v", "1", "-c:v", "mjpeg", "-q:v", String(q), "-f", "image2", "-update", "1"];
}

/** The whole argument list, as ffmpeg sees it (fluent-ffmpeg builds the same from the parts). */
export function toArgv(cmd: FfmpegCommand): string[] {
  const out = ["-hide_banner", ...cmd.input.options, "-i", cmd.input.path];
  if (cmd.filterComplex) out.push("-filter_complex", cmd.filterComplex);
  for (const o of cmd.outputs) out.push(...o.options, o.path);
  return out;
}

/** ffprobe arguments for an untrusted source (a path or a URL): its own protocols and accepted demuxers only, JSON out. */
export function probeArgs(path: string, whitelist: string): string[] {
  return [
    "-v",
    "error",
    "-protocol_whitelist",
    inputProtocols(path),
    "-format_whitelist",
    whitelist,
    "-show_format",
    "-show_streams",
    "-of",
    "json",
    path,
  ];
}
