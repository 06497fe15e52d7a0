import { CloudEvent, HTTP } from "cloudevents";
import type { ErrorCode } from "./errors.js";
import type { Rendition } from "./video.js";

/**
 * Every event type estrena emits or consumes, with its payload type.
 * Upload events follow the CloudEvents AWS-S3 adapter: `com.amazonaws.s3.<eventName without "s3:">`,
 * e.g. `com.amazonaws.s3.ObjectCreated:Put`. Our own events are `dev.estrena.<noun>.<verb>`.
 */
export const S3_TYPE_PREFIX = "com.amazonaws.s3.";
export const S3_CREATED_PREFIX = `${S3_TYPE_PREFIX}ObjectCreated:`;
export const S3_REMOVED_PREFIX = `${S3_TYPE_PREFIX}ObjectRemoved:`;

/** Data of an upload event: the object, decoded, plus the derived video id. */
export interface UploadData {
  readonly videoId: string;
  readonly bucket: string;
  /** Decoded object key (MinIO sends it query-escaped). */
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly contentType?: string;
  /** From x-amz-meta-title, when set. */
  readonly title?: string;
  readonly eventName: string;
  readonly eventTime: string;
}

/**
 * Data of an ObjectRemoved event. Delete records carry no ETag, so no video id: the catalogue finds the
 * video(s) by (bucket, key). See docs/events.md.
 */
export interface RemovedData {
  readonly bucket: string;
  /** Decoded object key. */
  readonly key: string;
  readonly versionId?: string;
  /** MinIO's per-event sequencer; orders events on the same key. */
  readonly sequencer?: string;
  readonly eventName: string;
  readonly eventTime: string;
}

export interface VideoRef {
  readonly videoId: string;
}

/** A transcode job. The plan travels with every job so any instance can take it; functions/transcode/jobs.ts validates it. */
export type TranscodeJobData = VideoRef & { readonly plan: Readonly<Record<string, unknown>> };

export interface EstrenaEvents {
  "dev.estrena.video.processing": VideoRef & {
    readonly duration: number;
    readonly width: number;
    readonly height: number;
    readonly chunks: number;
  };
  "dev.estrena.video.progress": VideoRef & { readonly progress: number };
  "dev.estrena.video.playable": VideoRef & { readonly renditions: readonly Rendition[] };
  "dev.estrena.video.ready": VideoRef & {
    readonly duration: number;
    readonly width: number;
    readonly height: number;
    readonly renditions: readonly Rendition[];
  };
  "dev.estrena.video.failed": VideoRef & { readonly error: { readonly code: ErrorCode; readonly message: string } };
  "dev.estrena.video.deleted": VideoRef;
  "dev.estrena.transcode.chunk": TranscodeJobData & { readonly chunk: number };
  "dev.estrena.transcode.audio": TranscodeJobData;
  "dev.estrena.transcode.finalize": TranscodeJobData;
}
export type EstrenaType = keyof EstrenaEvents;

/** Runtime list of our own types, for the naming test and the Trigger-filter check. */
export const ESTRENA_TYPES = [
  "dev.estrena.video.processing",
  "dev.estrena.video.progress",
  "dev.estrena.video.playable",
  "dev.estrena.video.ready",
  "dev.estrena.video.failed",
  "dev.estrena.video.deleted",
  "dev.estrena.transcode.chunk",
  "dev.estrena.transcode.audio",
  "dev.estrena.transcode.finalize",
] as const satisfies readonly EstrenaType[];

export const SOURCE = "/estrena";

/** Builds a typed estrena event. `id` should be deterministic where redelivery must be detectable. */
export function estrenaEvent<T extends EstrenaType>(
  type: T,
  data: EstrenaEvents[T],
  opts: { id?: string; source?: string; subject?: string } = {},
): CloudEvent<EstrenaEvents[T]> {
  return new CloudEvent<EstrenaEvents[T]>({
    type,
    source: opts.source ?? SOURCE,
    subject: opts.subject ?? data.videoId,
    ...(opts.id ? { id: opts.id } : {}),
    datacontenttype: "application/json",
    data,
  });
}

/** Parses K_CE_OVERRIDES (`{"extensions":{...}}`) into extension attributes. */
export function parseCeOverrides(raw: string): Record<string, string> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as { extensions?: Record<string, unknown> };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.extensions ?? {})) out[k] = String(v);
  return out;
}

/** POSTs an event in binary mode. Throws (retryable) when the sink is unreachable or answers non-2xx. */
export async function sendEvent(
  sink: string,
  event: CloudEvent<unknown>,
  overrides: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<void> {
  if (!sink) throw new Error("K_SINK is not set: nowhere to send events");
  const withOverrides = Object.keys(overrides).length ? event.cloneWith(overrides) : event;
  const msg = HTTP.binary(withOverrides);
  const res = await fetch(sink, {
    method: "POST",
    headers: msg.headers as Record<string, string>,
    body: msg.body as string,
    signal: signal ?? AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`sink ${sink} answered ${res.status}`);
  await res.body?.cancel();
}
