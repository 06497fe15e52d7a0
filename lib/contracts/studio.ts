import type { PublicError } from "./failures.js";
import type { ViewerSubtitle } from "./subtitles.js";
import type { Video } from "./video.js";

/**
 * The studio API's wire shapes (/api/studio/), shared by the catalogue and the studio page (types only there).
 */

/** A video as the studio lists it: every upload, with its failure mapped to the editor's message. */
export type StudioVideo = Omit<Video, "error"> & { readonly error: PublicError | null };

/** A video as viewers see it: no failure, no source (bucket and key are the editors' business), published subtitles only. */
export type ViewerVideo = Omit<Video, "error" | "source" | "subtitles"> & { readonly subtitles?: readonly ViewerSubtitle[] };

/** `GET|POST /api/studio/session`: who is logged in, and the token that changes must echo in X-CSRF-Token. */
export interface StudioSession {
  readonly user: string;
  /** Null for HTTP Basic callers, which need no CSRF token. */
  readonly csrf: string | null;
}

/** `POST /api/studio/uploads`: a started multipart upload. */
export interface StartedUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly partSize: number;
  readonly partCount: number;
}

/** A part already stored (ListParts), so a resumed upload skips it. */
export interface UploadedPart {
  readonly partNumber: number;
  readonly etag: string;
  readonly size: number;
}

/** `POST /api/studio/uploads/:uploadId/complete`: the finished object and the video it becomes. */
export interface CompletedUpload {
  readonly key: string;
  readonly etag: string;
  readonly videoId: string;
}

export const CSRF_HEADER = "x-csrf-token";
