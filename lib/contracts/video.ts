import type { ErrorCode } from "./errors.js";
import type { SubtitleTrack } from "./subtitles.js";

export type VideoStatus = "queued" | "processing" | "ready" | "failed";

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
