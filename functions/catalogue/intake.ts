import { z } from "zod";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import { S3_CREATED_PREFIX, S3_REMOVED_PREFIX, type UploadData } from "../../lib/contracts/events.js";
import { publicError } from "../../lib/contracts/failures.js";
import { isVideoId } from "../../lib/runtime/ids.js";
import type { CatalogueEvent } from "./reducer.js";

/** An incoming CloudEvent, reduced to what the catalogue does with it. */
export type Intake =
  | { readonly action: "apply"; readonly videoId: string; readonly event: CatalogueEvent }
  | { readonly action: "unpublish-source"; readonly bucket: string; readonly key: string }
  | { readonly action: "unpublish"; readonly videoId: string }
  /** One of our own types the catalogue has no use for: acknowledged, so it is not dead-lettered. */
  | { readonly action: "ignore" };

/** The CloudEvent attributes the catalogue reads; the cloudevents SDK has already checked the envelope. */
export interface IncomingEvent {
  readonly type: string;
  readonly id: string;
  readonly data?: unknown;
}

const videoIdSchema = z.string().refine(isVideoId, "not a video id");
const nonNegative = z.number().finite().min(0);
// A measured bandwidth may arrive fractional; HLS BANDWIDTH is an integer, so round rather than refuse the event.
const rendition = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  bandwidth: z.number().positive().transform(Math.round),
  codecs: z.string(),
});
const media = { duration: nonNegative, width: z.number().int().min(0), height: z.number().int().min(0) };

const upload = z.object({
  videoId: videoIdSchema,
  bucket: z.string().min(1),
  key: z.string().min(1),
  size: z.number().int().min(0),
  etag: z.string(),
  contentType: z.string().optional(),
  title: z.string().optional(),
  eventName: z.string(),
  eventTime: z.string().datetime({ offset: true }),
});
const removed = z.object({ bucket: z.string().min(1), key: z.string().min(1) });
const ref = z.object({ videoId: videoIdSchema });

/** One row per `dev.estrena.video.*` type this function applies: its payload schema and the reducer event it becomes. */
const videoEvents = {
  "dev.estrena.video.processing": ref
    .extend({ ...media, chunks: z.number().int().min(0) })
    .transform((d) => ({ kind: "processing" as const, duration: d.duration, width: d.width, height: d.height })),
  "dev.estrena.video.progress": ref
    .extend({ progress: z.number().finite() })
    .transform((d) => ({ kind: "progress" as const, progress: d.progress })),
  "dev.estrena.video.playable": ref
    .extend({ renditions: z.array(rendition) })
    .transform((d) => ({ kind: "playable" as const, renditions: d.renditions })),
  "dev.estrena.video.ready": ref
    .extend({ ...media, renditions: z.array(rendition) })
    // `present` is filled in by the handler after looking at the stream prefix.
    .transform((d) => ({
      kind: "ready" as const,
      duration: d.duration,
      width: d.width,
      height: d.height,
      renditions: d.renditions,
      present: { poster: false, thumbnails: false },
    })),
  "dev.estrena.video.failed": ref
    .extend({ error: z.object({ code: z.string(), message: z.string() }) })
    // Only the code is kept: the message comes from the one table, so a raw errno or path never reaches a record.
    .transform((d) => ({ kind: "failed" as const, error: publicError(d.error) })),
} satisfies Record<string, z.ZodType<CatalogueEvent, unknown>>;

type VideoEventType = keyof typeof videoEvents;
const isVideoEventType = (t: string): t is VideoEventType => Object.hasOwn(videoEvents, t);

/** Decodes an event into an Intake, or throws a non-retryable `bad-request` (the edge answers 400). */
export function decodeEvent(ce: IncomingEvent): Intake {
  const data = typeof ce.data === "string" ? parseJson(ce.data) : ce.data;
  if (ce.type.startsWith(S3_CREATED_PREFIX)) {
    const d = check(upload, data, ce.type) as UploadData;
    return { action: "apply", videoId: d.videoId, event: { kind: "uploaded", upload: d } };
  }
  if (ce.type.startsWith(S3_REMOVED_PREFIX)) {
    const d = check(removed, data, ce.type);
    return { action: "unpublish-source", bucket: d.bucket, key: d.key };
  }
  if (ce.type === "dev.estrena.video.deleted") return { action: "unpublish", videoId: check(ref, data, ce.type).videoId };
  if (isVideoEventType(ce.type)) {
    const videoId = check(ref.passthrough(), data, ce.type).videoId;
    return { action: "apply", videoId, event: check(videoEvents[ce.type] as z.ZodType<CatalogueEvent, unknown>, data, ce.type) };
  }
  if (ce.type.startsWith("dev.estrena.")) return { action: "ignore" };
  throw new EstrenaError(ErrorCode.BadRequest, `event type ${JSON.stringify(ce.type)} is not one the catalogue handles`);
}

function check<T>(schema: z.ZodType<T, unknown>, data: unknown, type: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new EstrenaError(ErrorCode.BadRequest, `bad ${type} data: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    throw new EstrenaError(ErrorCode.BadRequest, "event data is not JSON");
  }
}
