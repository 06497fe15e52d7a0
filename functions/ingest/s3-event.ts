import { createHash } from "node:crypto";
import { CloudEvent } from "cloudevents";
import { z } from "zod";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import { type EstrenaType, S3_TYPE_PREFIX, type RemovedData, type SidecarData, type UploadData } from "../../lib/contracts/events.js";
import { isSidecarKey } from "../../lib/contracts/subtitles.js";
import { normalizeEtag, videoId } from "../../lib/runtime/ids.js";

/*
 * MinIO webhook body → CloudEvents, following the CloudEvents AWS-S3 adapter
 * (https://github.com/cloudevents/spec/blob/main/cloudevents/adapters/aws-s3.md) with two documented
 * deviations: `id` is derived from the object version so redelivery is detectable, and `subject` is
 * percent-encoded so it survives binary-mode HTTP headers. docs/events.md is the reference.
 */

const s3Object = z.object({
  key: z.string().min(1, "object key is empty"),
  size: z.number().int().min(0).optional(),
  eTag: z.string().optional(),
  contentType: z.string().optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
  versionId: z.string().optional(),
  sequencer: z.string().optional(),
});

const s3Record = z.object({
  eventSource: z.string().min(1),
  awsRegion: z.string().optional(),
  eventTime: z.iso.datetime({ offset: true }),
  eventName: z.string().regex(/^s3:[A-Za-z]+:[A-Za-z*]+$/, 'expected an S3 event name like "s3:ObjectCreated:Put"'),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1, "bucket name is empty") }),
    object: s3Object,
  }),
});

/** MinIO's webhook body (`event.Log`): one record per POST in practice, but any number is accepted. */
const notification = z
  .object(
    {
      EventName: z.string().optional(),
      Key: z.string().optional(),
      Records: z.array(s3Record).optional(),
      /** AWS-style `s3:TestEvent` probes carry `Event` and no records. */
      Event: z.string().optional(),
    },
    { error: "expected an S3 event notification: a JSON object" },
  )
  .refine((n) => n.Records !== undefined || n.Event !== undefined, "expected an S3 event notification: an object with a Records array");

export type S3Record = z.output<typeof s3Record>;
export type S3Notification = z.output<typeof notification>;

/** Validates a parsed webhook body; throws a `bad-request` EstrenaError naming the first problem. */
export function parseNotification(body: unknown): S3Notification {
  const r = notification.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.length ? issue.path.join(".") : "body";
  throw new EstrenaError(ErrorCode.BadRequest, `invalid S3 notification at ${where}: ${issue?.message ?? "unknown problem"}`);
}

/**
 * What ingest does with one record:
 * - `created`: a new object version (Put, Post, Copy, CompleteMultipartUpload) → an upload event;
 * - `removed`: the source is gone (Delete, DeleteMarkerCreated, DeleteAllVersions) → a removed event;
 * - `ignored`: metadata-only or unrelated events, acknowledged without emitting. Never a 400: MinIO's
 *   queue retries one event until it succeeds and blocks every later one behind it.
 */
export type RecordKind = "created" | "removed" | "ignored";

const IGNORED_CREATED = new Set(["PutTagging", "DeleteTagging", "PutRetention", "PutLegalHold"]);
const IGNORED_REMOVED = new Set(["NoOP"]);

export function recordKind(eventName: string): RecordKind {
  const [, family, action = ""] = eventName.split(":");
  if (family === "ObjectCreated") return IGNORED_CREATED.has(action) ? "ignored" : "created";
  if (family === "ObjectRemoved") return IGNORED_REMOVED.has(action) ? "ignored" : "removed";
  return "ignored";
}

/** Decodes a key as MinIO sends it (Go's url.QueryEscape: `+` is a space, `%XX` a UTF-8 byte). */
export function decodeKey(escaped: string): string {
  try {
    return decodeURIComponent(escaped.replace(/\+/g, " "));
  } catch {
    throw new EstrenaError(ErrorCode.BadRequest, `object key ${JSON.stringify(escaped.slice(0, 200))} is not valid query-escaped UTF-8`);
  }
}

/**
 * Encodes a string for a CloudEvents HTTP header as the HTTP binding requires (§3.1.3.2): space, `"`, `%`
 * and everything outside printable ASCII become UTF-8 `%XX`. The JS SDK does not do this itself, and a raw
 * key with a newline or a non-Latin-1 character cannot be sent as a header at all.
 */
export function headerSafe(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c > 0x20 && c < 0x7f && ch !== '"' && ch !== "%") out += ch;
    else out += Array.from(Buffer.from(ch, "utf8"), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");
  }
  return out;
}

/**
 * Reads a metadata value the way S3 stores non-ASCII text: an RFC 2047 encoded word
 * (`=?UTF-8?B?...?=` or `=?UTF-8?Q?...?=`, which `npm run upload` writes for non-ASCII titles). Plain values pass through.
 */
export function decodeMetaValue(v: string): string {
  const m = /^=\?utf-8\?([bq])\?(.*)\?=$/i.exec(v.trim());
  if (!m) return v;
  const [, enc = "", text = ""] = m;
  if (enc.toLowerCase() === "b") return Buffer.from(text, "base64").toString("utf8");
  const bytes = text.replace(/_/g, " ").replace(/=([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The `X-Amz-Meta-Title` user metadata (any case), decoded; undefined when absent or blank. */
export function titleOf(meta: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!meta) return undefined;
  const entry = Object.entries(meta).find(([k]) => k.toLowerCase() === "x-amz-meta-title");
  const title = entry ? decodeMetaValue(entry[1]).trim() : "";
  return title || undefined;
}

/** Stable CloudEvent id: the same object version (or the same queued delete) always gets the same id. */
export function eventId(kind: "created" | "removed", parts: readonly string[]): string {
  const h = createHash("sha256")
    .update([kind, ...parts].join("\0"))
    .digest("hex");
  return `${kind}-${h.slice(0, 32)}`;
}

/** The type ingest gives a subtitle sidecar's upload (routed to the catalogue, never to transcode). */
export const SIDECAR_TYPE = "dev.estrena.subtitle.uploaded" satisfies EstrenaType;

export type UploadEvent = CloudEvent<UploadData>;
export type RemovedEvent = CloudEvent<RemovedData>;
export type SidecarEvent = CloudEvent<SidecarData>;
export type IngestEvent = UploadEvent | RemovedEvent | SidecarEvent;

/** A subtitle file put next to a video (`talk.vtt`, `talk.en.srt`): a sidecar, never a video of its own (issue 14). */
export function isSidecar(key: string): boolean {
  return isSidecarKey(key);
}

/** Maps one record to its CloudEvent, or null when the record is acknowledged without an event. */
export function recordToEvent(rec: S3Record): IngestEvent | null {
  const kind = recordKind(rec.eventName);
  if (kind === "ignored") return null;
  const bucket = rec.s3.bucket.name;
  const obj = rec.s3.object;
  const key = decodeKey(obj.key);
  // A removed sidecar changes nothing: its tracks stay until an editor deletes them in the studio.
  if (isSidecar(key) && kind === "removed") return null;
  const common = {
    type: S3_TYPE_PREFIX + rec.eventName.replace(/^s3:/, ""),
    // Adapter: eventSource + "." + awsRegion + "." + bucket, e.g. "minio:s3..uploads" (MinIO's region is often empty).
    source: `${rec.eventSource}.${rec.awsRegion ?? ""}.${bucket}`,
    subject: headerSafe(key),
    time: rec.eventTime,
    datacontenttype: "application/json",
  };
  if (kind === "removed") {
    const data: RemovedData = {
      bucket,
      key,
      ...(obj.versionId ? { versionId: obj.versionId } : {}),
      ...(obj.sequencer ? { sequencer: obj.sequencer } : {}),
      eventName: rec.eventName,
      eventTime: rec.eventTime,
    };
    return new CloudEvent<RemovedData>({
      ...common,
      id: eventId("removed", [bucket, key, obj.versionId ?? "", obj.sequencer ?? rec.eventTime]),
      data,
    });
  }
  const etag = normalizeEtag(obj.eTag ?? "");
  if (!etag) throw new EstrenaError(ErrorCode.BadRequest, `${rec.eventName} record for ${JSON.stringify(key.slice(0, 200))} has no eTag`);
  if (isSidecar(key)) {
    const data: SidecarData = { bucket, key, size: obj.size ?? 0, etag, eventTime: rec.eventTime };
    return new CloudEvent<SidecarData>({ ...common, type: SIDECAR_TYPE, id: eventId("created", [bucket, key, etag]), data });
  }
  const title = titleOf(obj.userMetadata);
  const data: UploadData = {
    videoId: videoId(bucket, key, etag),
    bucket,
    key,
    // MinIO omits `size` for an empty object (Go omitempty). Refusing the record would make MinIO retry it forever at
    // the head of its queue_dir, holding back every later upload; transcode fails it as not-a-video instead.
    size: obj.size ?? 0,
    etag,
    ...(obj.contentType ? { contentType: obj.contentType } : {}),
    ...(title ? { title } : {}),
    eventName: rec.eventName,
    eventTime: rec.eventTime,
  };
  // The event kind, not the eventName: a Copy of an object with the same content is the same upload.
  return new CloudEvent<UploadData>({ ...common, id: eventId("created", [bucket, key, etag]), data });
}

/** Maps a whole notification; throws before returning anything if any record cannot be mapped. */
export function notificationToEvents(n: S3Notification): IngestEvent[] {
  return (n.Records ?? []).map(recordToEvent).filter((e): e is IngestEvent => e !== null);
}
