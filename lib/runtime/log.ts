import { pino, type Logger } from "pino";
import { isVideoId } from "./ids.js";

export type { Logger };

/** JSON logs on stdout; bind `ceId` and `videoId` with `log.child({...})` so one upload can be traced. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    name,
    level,
    base: { svc: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["*.authorization", "*.secretKey", "*.password", "headers.authorization"], censor: "***" },
  });
}

/** The fields that tie a log line to one CloudEvent and its video. */
export interface EventFields {
  readonly ceId: string;
  readonly type: string;
  readonly videoId?: string;
}

/**
 * `log.child(eventFields(event))`: the CloudEvent id, its type, and the video id (from `data.videoId`, else a
 * video-id-shaped `subject`), so `grep <videoId>` follows one upload through every service's JSON logs.
 */
export function eventFields(event: {
  readonly id: string;
  readonly type: string;
  readonly subject?: string;
  readonly data?: unknown;
}): EventFields {
  const fromData = (event.data as { videoId?: unknown } | null | undefined)?.videoId;
  const videoId = typeof fromData === "string" ? fromData : event.subject && isVideoId(event.subject) ? event.subject : undefined;
  return { ceId: event.id, type: event.type, ...(videoId ? { videoId } : {}) };
}
