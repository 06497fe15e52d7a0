/**
 * The transcode domain, one public door (PeerTube's packages/ffmpeg does the same): pure planning (ladder, plan,
 * chunks, keyframe cuts, standard-input rules), ffmpeg argument lists as data, playlists, thumbnails, and the two
 * adapters that touch the outside (the ffmpeg runner and the ffprobe probe). Code outside lib/media imports this
 * file only; the unit tests in test/unit/lib/media/ read the modules directly.
 */
export * from "./chunks.js";
export * from "./codecs.js";
export * from "./cuts.js";
export * from "./ffmpeg.js";
export * from "./ffmpeg-args.js";
export * from "./ladder.js";
export * from "./plan.js";
export * from "./playlist.js";
export * from "./subtitle-playlist.js";
// The probe's codec allow-lists stay inside: AUDIO_CODECS here is the HLS codec string of ffmpeg-args.
export {
  checkProbe,
  chooseFps,
  DEMUXER_WHITELIST,
  DEMUXERS,
  type Demuxer,
  type Fps,
  type Limits,
  parseFps,
  type ProbeResult,
  type ProbeStream,
  rotationOf,
  type Sniff,
  type Source,
  sniff,
} from "./probe-check.js";
export * from "./probe.js";
export * from "./standard.js";
export * from "./thumbnails.js";
export * from "./webvtt.js";
