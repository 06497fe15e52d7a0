import type { ErrorCode } from "./errors.js";

/**
 * What an editor reads for each failure code: the one place where codes become words. Messages say what happened
 * and what to do next. They are fixed text, so no server path, errno name or stack trace can ever reach an editor
 * or a viewer, whatever the raw error said (the raw text stays in the service logs).
 */
export const FAILURE_MESSAGES = {
  "not-a-video": "This file is not a video or audio file we can read. Export it as an MP4 (H.264 video, AAC audio) and upload it again.",
  "no-video-stream": "This file has no picture and no sound we can use. Upload a file that contains video or audio.",
  truncated: "The file ends before its picture or sound does: export it again or upload the complete file.",
  "too-large":
    "The file is bigger, longer or of a higher resolution than this site accepts. Trim it or export it smaller, then upload it again.",
  "unsupported-codec":
    "The file uses a format we cannot convert. Export it as an MP4 (H.264 video, AAC audio), or sound alone as M4A or MP3, and upload it again.",
  "unsafe-input":
    "The file points to other files or network addresses, which we never follow. Export it as one self-contained video file and upload it again.",
  "subtitle-invalid":
    "This subtitle file is not WebVTT or SRT text we can read. Save it as .vtt or .srt (UTF-8) with one timing line per cue, then add it again.",
  "subtitle-too-large": "This subtitle file is larger than 2 MB. Subtitles are text: check that it is the right file, then add it again.",
  "bad-request": "That request was not understood. Reload the page and try again.",
  unauthorized: "Log in with the editor login to continue.",
  forbidden: "That change was refused because the page is out of date. Reload the studio and try again.",
  "rate-limited": "Too many login attempts. Wait a minute, then try again.",
  "not-found": "This video does not exist, or it was deleted.",
  "source-missing": "The original upload is no longer stored, so it cannot be processed again. Upload the file again.",
  "bad-cursor": "The list changed while you were reading it. Reload the page.",
  unavailable: "A service we rely on did not answer in time. Retry in a minute.",
  internal:
    "Something went wrong on our side while processing this file. Retry it; if it fails again, export the file again and upload it.",
} as const satisfies Record<ErrorCode, string>;

export type FailureCode = keyof typeof FAILURE_MESSAGES;

/** The failure as editors and API clients see it: a known code and its fixed message. */
export interface PublicError {
  readonly code: FailureCode;
  readonly message: string;
}

export function isFailureCode(code: unknown): code is FailureCode {
  return typeof code === "string" && Object.hasOwn(FAILURE_MESSAGES, code);
}

/** Maps any error (a record's `{code,message}`, an EstrenaError, a raw Node error) to its public form; unknown codes are `internal`. */
export function publicError(err: unknown): PublicError {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  const known: FailureCode = isFailureCode(code) ? code : "internal";
  return { code: known, message: FAILURE_MESSAGES[known] };
}
