/** Stable failure codes. User-facing codes end up in Video.error.code; never rename one. */
export const ErrorCode = {
  NotAVideo: "not-a-video",
  NoVideoStream: "no-video-stream",
  Truncated: "truncated",
  TooLarge: "too-large",
  UnsupportedCodec: "unsupported-codec",
  UnsafeInput: "unsafe-input",
  /** A subtitle file (sidecar or studio) that is not WebVTT or SRT; the video itself is unaffected. */
  SubtitleInvalid: "subtitle-invalid",
  /** A subtitle file over SUBTITLE_MAX_BYTES (lib/contracts/subtitles.ts). */
  SubtitleTooLarge: "subtitle-too-large",
  BadRequest: "bad-request",
  Unauthorized: "unauthorized",
  /** A browser change without this site's Origin and the session's CSRF token (the studio). */
  Forbidden: "forbidden",
  /** Too many failed studio logins from one address. */
  RateLimited: "rate-limited",
  NotFound: "not-found",
  /** A retry needs the kept source, and it is gone or was replaced. */
  SourceMissing: "source-missing",
  BadCursor: "bad-cursor",
  Unavailable: "unavailable",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error that is data: a stable code, a readable message, and whether trying again can help. */
export class EstrenaError extends Error {
  override name = "EstrenaError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Anything thrown becomes an EstrenaError; unknown errors are internal and retryable (transient until shown otherwise). */
export function asEstrenaError(err: unknown): EstrenaError {
  if (err instanceof EstrenaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EstrenaError(ErrorCode.Internal, message, true, { cause: err });
}

const httpStatus: Record<ErrorCode, number> = {
  "not-a-video": 422,
  "no-video-stream": 422,
  truncated: 422,
  "too-large": 413,
  "unsupported-codec": 422,
  "unsafe-input": 422,
  "subtitle-invalid": 422,
  "subtitle-too-large": 413,
  "bad-request": 400,
  unauthorized: 401,
  forbidden: 403,
  "rate-limited": 429,
  "not-found": 404,
  "source-missing": 409,
  "bad-cursor": 400,
  unavailable: 503,
  internal: 500,
};

/** HTTP status for an error at an API edge (not for event delivery, where 5xx means redeliver). */
export function statusOf(err: EstrenaError): number {
  return httpStatus[err.code];
}
