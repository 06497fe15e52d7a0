import type { z } from "zod";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import {
  EVENT_SCHEMAS,
  PayloadError,
  parsePayload,
  removedDataSchema,
  S3_CREATED_PREFIX,
  S3_REMOVED_PREFIX,
  type SidecarData,
  sidecarDataSchema,
  uploadDataSchema,
  videoRefSchema,
} from "../../lib/contracts/events.js";
import { publicError } from "../../lib/contracts/failures.js";
import type { CatalogueEvent } from "./reducer.js";

/** An incoming CloudEvent, reduced to what the catalogue does with it. */
export type Intake =
  | { readonly action: "apply"; readonly videoId: string; readonly event: CatalogueEvent }
  | { readonly action: "unpublish-source"; readonly bucket: string; readonly key: string; readonly eventTime?: string }
  | { readonly action: "unpublish"; readonly videoId: string }
  /** A subtitle sidecar: added to the videos of its base name (subtitles.ts). */
  | { readonly action: "sidecar"; readonly sidecar: SidecarData }
  /** One of our own types the catalogue has no use for: acknowledged, so it is not dead-lettered. */
  | { readonly action: "ignore" };

/** The CloudEvent attributes the catalogue reads; the cloudevents SDK has already checked the envelope. */
export interface IncomingEvent {
  readonly type: string;
  readonly id: string;
  readonly data?: unknown;
}

/** One row per `dev.estrena.video.*` type this function applies: its shared payload schema and the reducer event it becomes. */
const videoEvents = {
  "dev.estrena.video.processing": EVENT_SCHEMAS["dev.estrena.video.processing"].transform((d) => ({
    kind: "processing" as const,
    duration: d.duration,
    width: d.width,
    height: d.height,
    media: d.kind,
  })),
  "dev.estrena.video.progress": EVENT_SCHEMAS["dev.estrena.video.progress"].transform((d) => ({
    kind: "progress" as const,
    progress: d.progress,
  })),
  "dev.estrena.video.playable": EVENT_SCHEMAS["dev.estrena.video.playable"].transform((d) => ({
    kind: "playable" as const,
    renditions: d.renditions,
  })),
  "dev.estrena.video.ready": EVENT_SCHEMAS["dev.estrena.video.ready"]
    // `present` is filled in by the handler after looking at the stream prefix.
    .transform((d) => ({
      kind: "ready" as const,
      duration: d.duration,
      width: d.width,
      height: d.height,
      media: d.kind,
      renditions: d.renditions,
      present: { poster: false, thumbnails: false },
    })),
  "dev.estrena.video.failed": EVENT_SCHEMAS["dev.estrena.video.failed"]
    // Only the code is kept: the message comes from the one table, so a raw errno or path never reaches a record.
    .transform((d) => ({ kind: "failed" as const, error: publicError(d.error) })),
} satisfies Record<string, z.ZodType<CatalogueEvent, unknown>>;

type VideoEventType = keyof typeof videoEvents;
const isVideoEventType = (t: string): t is VideoEventType => Object.hasOwn(videoEvents, t);

/** Decodes an event into an Intake, or throws a non-retryable `bad-request` (the edge answers 400). */
export function decodeEvent(ce: IncomingEvent): Intake {
  const data = typeof ce.data === "string" ? parseJson(ce.data) : ce.data;
  if (ce.type.startsWith(S3_CREATED_PREFIX)) {
    const d = check(uploadDataSchema, data, ce.type);
    return { action: "apply", videoId: d.videoId, event: { kind: "uploaded", upload: d } };
  }
  if (ce.type.startsWith(S3_REMOVED_PREFIX)) {
    const d = check(removedDataSchema, data, ce.type);
    return { action: "unpublish-source", bucket: d.bucket, key: d.key, ...(d.eventTime ? { eventTime: d.eventTime } : {}) };
  }
  if (ce.type === "dev.estrena.subtitle.uploaded") return { action: "sidecar", sidecar: check(sidecarDataSchema, data, ce.type) };
  if (ce.type === "dev.estrena.video.deleted") return { action: "unpublish", videoId: check(videoRefSchema, data, ce.type).videoId };
  if (isVideoEventType(ce.type)) {
    const videoId = check(videoRefSchema, data, ce.type).videoId;
    return { action: "apply", videoId, event: check(videoEvents[ce.type] as z.ZodType<CatalogueEvent, unknown>, data, ce.type) };
  }
  if (ce.type.startsWith("dev.estrena.")) return { action: "ignore" };
  throw new EstrenaError(ErrorCode.BadRequest, `event type ${JSON.stringify(ce.type)} is not one the catalogue handles`);
}

/** Validates with a shared schema; bad data is the sender's fault (400, never redelivered). */
function check<T>(schema: z.ZodType<T, unknown>, data: unknown, type: string): T {
  try {
    return parsePayload(type, schema, data);
  } catch (err) {
    if (err instanceof PayloadError) throw new EstrenaError(ErrorCode.BadRequest, err.message);
    throw err;
  }
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new EstrenaError(ErrorCode.BadRequest, "event data is not JSON");
  }
}
