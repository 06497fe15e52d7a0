import type { ErrorCode } from "./errors.js";
import type { SubtitleTrack } from "./subtitles.js";

export type VideoStatus = "queued" | "processing" | "ready" | "failed";

/** What an upload holds: a picture (with or without sound), or sound alone (podcasts, music: issue 14). */
export const MEDIA_KINDS = ["video", "audio"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export interface Rendition {
  readonly height: number;
  readonly width: number;
  readonly bandwidth: number;
  readonly codecs: string;
}

/** The catalogue's record of a video; `meta.json` in the stream bucket holds it. */
export interface Video {
  readonly id: string;
  readonly title: string;
  /** Set by editors in the studio; absent until then. */
  readonly description?: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly size: number; readonly etag: string };
  readonly createdAt: string;
  readonly status: VideoStatus;
  readonly progress: number;
  /**
   * "audio": no picture. Width and height are 0, the one rendition is the AAC stream, the poster is a waveform.
   * Absent until the upload is probed, and in records made before audio-only uploads existed (those are videos).
   */
  readonly kind?: MediaKind;
  readonly duration: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly renditions: readonly Rendition[];
  readonly hls: string | null;
  readonly poster: string | null;
  readonly thumbnails: string | null;
  readonly error: { readonly code: ErrorCode; readonly message: string } | null;
  /** Subtitle tracks (sidecars and studio additions), one per language; absent until the first. */
  readonly subtitles?: readonly SubtitleTrack[];
}
