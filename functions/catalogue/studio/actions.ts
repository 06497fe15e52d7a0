import { CloudEvent } from "cloudevents";
import { ErrorCode, EstrenaError } from "../../../lib/contracts/errors.js";
import { estrenaEvent, S3_CREATED_PREFIX, type UploadData } from "../../../lib/contracts/events.js";
import { normalizeEtag } from "../../../lib/runtime/ids.js";
import type { Video } from "../../../lib/contracts/video.js";
import type { Logger } from "../../../lib/runtime/log.js";
import type { CatalogueStore } from "../store.js";
import type { EditorBucket } from "./uploads.js";

/** What an editor can do to a video, besides uploading. Each runs in the video's queue, in order with its events. */
export interface ActionDeps {
  readonly store: CatalogueStore;
  readonly log: Logger;
  readonly serially: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  /** Takes a video out of the stream bucket, the catalogue and the gateway's L2 (apply.ts). */
  readonly unpublish: (id: string) => Promise<void>;
  readonly bucket: () => Promise<EditorBucket>;
  readonly emit: (event: CloudEvent<unknown>) => Promise<void>;
}

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 5000;

async function existing(deps: ActionDeps, id: string): Promise<Video> {
  const v = await deps.store.get(id);
  if (!v) throw new EstrenaError(ErrorCode.NotFound, `no video ${id}`);
  return v;
}

const isControl = (n: number) => n < 0x20 || (n >= 0x7f && n < 0xa0);

/** Control characters out, whitespace trimmed; the title may not be empty. */
export function cleanText(value: unknown, what: string, max: number, allowEmpty: boolean): string {
  if (typeof value !== "string") throw new EstrenaError(ErrorCode.BadRequest, `${what} must be text`);
  // Control characters out, but line breaks and tabs stay (descriptions have paragraphs).
  const text = [...value]
    .filter((c) => c === "\n" || c === "\t" || !isControl(c.codePointAt(0) ?? 0))
    .join("")
    .trim();
  if (!allowEmpty && !text) throw new EstrenaError(ErrorCode.BadRequest, `${what} may not be empty`);
  if (text.length > max) throw new EstrenaError(ErrorCode.BadRequest, `${what} is longer than ${max} characters`);
  return text;
}

export function rename(deps: ActionDeps, id: string, change: { title?: unknown; description?: unknown }): Promise<Video> {
  const title = change.title === undefined ? undefined : cleanText(change.title, "title", TITLE_MAX, false);
  const description = change.description === undefined ? undefined : cleanText(change.description, "description", DESCRIPTION_MAX, true);
  return deps.serially(id, async () => {
    const v = await existing(deps, id);
    const next: Video = { ...v, ...(title !== undefined ? { title } : {}), ...(description !== undefined ? { description } : {}) };
    if (JSON.stringify(next) !== JSON.stringify(v)) await deps.store.save(next, { persist: true, message: "status" });
    deps.log.info({ videoId: id }, "video renamed");
    return next;
  });
}

/**
 * Processes a failed video again from its kept source: the record goes back to `queued`, and the upload event
 * is sent again (a new event id, the same video id), exactly as if MinIO had announced the file once more.
 */
export function retry(deps: ActionDeps, id: string): Promise<Video> {
  return deps.serially(id, async () => {
    const v = await existing(deps, id);
    if (v.status !== "failed") throw new EstrenaError(ErrorCode.BadRequest, `video ${id} has not failed (${v.status})`);
    const etag = await (await deps.bucket()).etagOf(v.source.key);
    if (etag === null || normalizeEtag(etag) !== normalizeEtag(v.source.etag))
      throw new EstrenaError(ErrorCode.SourceMissing, `the source of ${id} is gone or was replaced`);
    const next: Video = { ...v, status: "queued", progress: 0, error: null };
    await deps.store.save(next, { persist: true, message: "status" });
    const upload: UploadData = {
      videoId: id,
      bucket: v.source.bucket,
      key: v.source.key,
      size: v.source.size,
      etag: v.source.etag,
      title: v.title,
      eventName: "s3:ObjectCreated:Put",
      eventTime: v.createdAt,
    };
    // The S3 adapter's type, from the studio as its source; the subject is the video id (keys may not be header-safe).
    await deps.emit(
      new CloudEvent<UploadData>({
        type: `${S3_CREATED_PREFIX}Put`,
        source: "/estrena/studio",
        subject: id,
        datacontenttype: "application/json",
        data: upload,
      }),
    );
    deps.log.info({ videoId: id }, "video retried");
    return next;
  });
}

/**
 * Deletes a video everywhere: unpublished (listed as gone, so every gateway replica's L1 stops serving it within a
 * second; then the stream objects, the record and the caches), then the source when it is still this video's
 * (a newer upload under the same key is left alone), and finally `dev.estrena.video.deleted` for other listeners.
 */
export function remove(deps: ActionDeps, id: string): Promise<void> {
  return deps.serially(id, async () => {
    const v = await existing(deps, id);
    await deps.unpublish(id);
    const bucket = await deps.bucket();
    const etag = await bucket.etagOf(v.source.key).catch(() => null);
    if (etag !== null && normalizeEtag(etag) === normalizeEtag(v.source.etag)) await bucket.remove(v.source.key);
    await deps.emit(estrenaEvent("dev.estrena.video.deleted", { videoId: id }, { id: `${id}-deleted` }));
    deps.log.info({ videoId: id }, "video deleted in the studio");
  });
}
