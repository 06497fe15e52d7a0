import { CloudEvent } from "cloudevents";
import { z } from "zod";
import { ErrorCode } from "./errors.js";
import { VIDEO_ID } from "./layout.js";
import { planSchema } from "./plan.js";
import { MEDIA_KINDS } from "./video.js";

/**
 * Every event type estrena emits or consumes, declared once with its payload schema; the TypeScript types are derived
 * from the schemas, and consumers validate with the same ones (catalogue intake, transcode jobs).
 * Upload events follow the CloudEvents AWS-S3 adapter: `com.amazonaws.s3.<eventName without "s3:">`,
 * e.g. `com.amazonaws.s3.ObjectCreated:Put`. Our own events are `dev.estrena.<noun>.<verb>`. docs/events.md has the
 * catalogue in prose: who sends each one and who listens.
 */
export const S3_TYPE_PREFIX = "com.amazonaws.s3.";
export const S3_CREATED_PREFIX = `${S3_TYPE_PREFIX}ObjectCreated:`;
export const S3_REMOVED_PREFIX = `${S3_TYPE_PREFIX}ObjectRemoved:`;

const videoId = z.string().regex(VIDEO_ID, "not a video id");
const nonNegative = z.number().finite().min(0);

/** Data of an upload event (ingest sends it): the object, decoded, plus the derived video id. */
export const uploadDataSchema = z.object({
  videoId,
  bucket: z.string().min(1),
  /** Decoded object key (MinIO sends it query-escaped). */
  key: z.string().min(1),
  size: z.number().int().min(0),
  etag: z.string(),
  contentType: z.string().optional(),
  /** From x-amz-meta-title, when set. */
  title: z.string().optional(),
  eventName: z.string(),
  eventTime: z.iso.datetime({ offset: true }),
});
export type UploadData = Readonly<z.infer<typeof uploadDataSchema>>;

/**
 * Data of an ObjectRemoved event (ingest sends it). Delete records carry no ETag, so no video id: the catalogue finds
 * the video(s) by (bucket, key).
 */
export const removedDataSchema = z.object({
  bucket: z.string().min(1),
  /** Decoded object key. */
  key: z.string().min(1),
  versionId: z.string().optional(),
  /** MinIO's per-event sequencer; orders events on the same key. */
  sequencer: z.string().optional(),
  // Optional here: what the catalogue needs is the object; ingest always sets both.
  eventName: z.string().optional(),
  eventTime: z.string().optional(),
});
export type RemovedData = Readonly<z.infer<typeof removedDataSchema>>;

/**
 * Data of a subtitle sidecar upload (ingest sends it for a `.vtt`/`.srt` object, instead of an upload event): the
 * object, decoded. The catalogue pairs it with the videos of the same base name (lib/contracts/subtitles.ts).
 */
export const sidecarDataSchema = z.object({
  bucket: z.string().min(1),
  /** Decoded object key, ending in .vtt or .srt (any case). */
  key: z.string().regex(/\.(vtt|srt)$/i, "not a subtitle file"),
  size: z.number().int().min(0),
  etag: z.string().min(1),
  eventTime: z.iso.datetime({ offset: true }),
});
export type SidecarData = Readonly<z.infer<typeof sidecarDataSchema>>;

/** What every dev.estrena.video.* payload starts with. */
export const videoRefSchema = z.object({ videoId });
export type VideoRef = Readonly<z.infer<typeof videoRefSchema>>;
const videoRef = videoRefSchema;

// A measured bandwidth may arrive fractional; HLS BANDWIDTH is an integer, so it is rounded rather than refused.
// 0 × 0 is the audio-only stream's one rendition (CODECS mp4a.40.2).
const rendition = z.object({
  height: z.number().int().min(0),
  width: z.number().int().min(0),
  bandwidth: z.number().positive().transform(Math.round),
  codecs: z.string(),
});
/** `kind` "audio": an upload without a picture (width and height 0); absent from older senders, which meant video. */
const media = {
  duration: nonNegative,
  width: z.number().int().min(0),
  height: z.number().int().min(0),
  kind: z.enum(MEDIA_KINDS).default("video"),
};

/** A transcode job. The plan travels with every job so any instance can take it (lib/contracts/plan.ts). */
const transcodeJob = videoRef.extend({ plan: planSchema });

/** Our own events: type → payload schema. The one table; ESTRENA_TYPES and the payload types come from it. */
export const EVENT_SCHEMAS = {
  /** transcode → catalogue: the plan is made; the video is processing. */
  "dev.estrena.video.processing": videoRef.extend({ ...media, chunks: z.number().int().min(0) }),
  /** transcode → catalogue: share of the work done, 0..1. */
  "dev.estrena.video.progress": videoRef.extend({ progress: z.number().finite() }),
  /**
   * transcode → catalogue: the first segments are published (a remuxed top rung or the lead rungs, with the audio);
   * the video plays while the rest is encoded.
   */
  "dev.estrena.video.playable": videoRef.extend({ renditions: z.array(rendition).readonly() }),
  /** transcode → catalogue: every rendition is complete. */
  "dev.estrena.video.ready": videoRef.extend({ ...media, renditions: z.array(rendition).readonly() }),
  /** transcode → catalogue: the video cannot be made; the code says why (lib/contracts/errors.ts). */
  "dev.estrena.video.failed": videoRef.extend({ error: z.object({ code: z.string(), message: z.string() }) }),
  /** the studio's delete (catalogue's editors' API) → catalogue: unpublish one video by id. */
  "dev.estrena.video.deleted": videoRef,
  /** ingest → catalogue: a subtitle sidecar was uploaded; it becomes a subtitle track of the videos it pairs with. */
  "dev.estrena.subtitle.uploaded": sidecarDataSchema,
  /** transcode → transcode: encode one chunk of every rung. */
  "dev.estrena.transcode.chunk": transcodeJob.extend({ chunk: z.number().int().min(0) }),
  /** transcode → transcode: encode (or, for a standard source, remux) the audio. */
  "dev.estrena.transcode.audio": transcodeJob,
  /** transcode → transcode: write the VOD playlists once every piece is in. */
  "dev.estrena.transcode.finalize": transcodeJob,
} as const satisfies Record<`dev.estrena.${string}`, z.ZodType>;

export type EstrenaType = keyof typeof EVENT_SCHEMAS;
/** Payload type per event type, as senders build it (before the schema's transforms). */
export type EstrenaEvents = {
  readonly [T in EstrenaType]: Readonly<z.input<(typeof EVENT_SCHEMAS)[T]>> & DataRefinements<T>;
};
/** Narrower than the schema where senders know more than a receiver may assume (the failure code is one of ours). */
type DataRefinements<T extends EstrenaType> = T extends "dev.estrena.video.failed"
  ? { readonly error: { readonly code: ErrorCode; readonly message: string } }
  : unknown;

/** Runtime list of our own types, for the naming test and the Trigger-filter check. */
export const ESTRENA_TYPES = Object.keys(EVENT_SCHEMAS) as EstrenaType[];

export function isEstrenaType(type: string): type is EstrenaType {
  return Object.hasOwn(EVENT_SCHEMAS, type);
}

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
    subject: opts.subject ?? (data as { readonly videoId?: string }).videoId,
    ...(opts.id ? { id: opts.id } : {}),
    datacontenttype: "application/json",
    data,
  });
}

/** A payload that does not match its type's schema: the first issue, named by field, for a bad-request message. */
export class PayloadError extends Error {
  constructor(
    readonly type: string,
    readonly issue: string,
  ) {
    super(`bad ${type} data: ${issue}`);
  }
}

/** Validates data against a schema; throws PayloadError naming the first bad field. */
export function parsePayload<S extends z.ZodType>(type: string, schema: S, data: unknown): z.output<S> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new PayloadError(type, `${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
}

/** Validates the data of one of our own events against its schema (see parsePayload). */
export function parseEventData<T extends EstrenaType>(type: T, data: unknown): z.output<(typeof EVENT_SCHEMAS)[T]> {
  return parsePayload(type, EVENT_SCHEMAS[type], data) as z.output<(typeof EVENT_SCHEMAS)[T]>;
}

/** Whether a failure code is one of ours (a failed event may come from an older or newer sender). */
export function isErrorCode(code: string): code is ErrorCode {
  return (Object.values(ErrorCode) as string[]).includes(code);
}
