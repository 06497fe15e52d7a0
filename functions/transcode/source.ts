import type { SourceInput } from "../../lib/media/source-input.js";
import type { Deps } from "./deps.js";

/**
 * How long a presigned source URL stays valid: longer than any one job (Knative caps a request at 600 s), short
 * enough that a leaked URL (ffmpeg's command line) is soon worthless. ffmpeg reopens it on every seek.
 */
const URL_SECONDS = 15 * 60;

/**
 * An upload as ffmpeg and our parsers read it in place: a presigned GET URL (ranged requests, so probing and the
 * remux start at once and overlap the reading) and ranged reads for the sniff and the MP4 index. Nothing is written
 * to local disk.
 */
export async function remoteSource(
  deps: Deps,
  source: { readonly bucket: string; readonly key: string; readonly size: number },
): Promise<SourceInput> {
  const url = await deps.store.presign(source.bucket, source.key, URL_SECONDS);
  return {
    url,
    size: source.size,
    read: async (offset, length) => {
      const n = Math.min(length, source.size - offset);
      return n > 0 ? deps.store.readRange(source.bucket, source.key, offset, n) : new Uint8Array();
    },
  };
}

/**
 * Per-hop timings of one video's way to first playable, in milliseconds since the plan step started, logged as one
 * structured line ("first playable") when `video.playable` is sent. `since` carries the upload's eventTime, so the
 * line also says how long MinIO's notification, ingest and the router took to deliver the upload event.
 */
export interface Hops {
  mark(name: string): void;
  readonly marks: Readonly<Record<string, number>>;
  /** When the plan step started (epoch ms): the origin of `marks`. */
  readonly startedAt: number;
  readonly delivered: number | null;
}

export function hops(uploadedAt?: string): Hops {
  const t0 = Date.now();
  const marks: Record<string, number> = {};
  const at = uploadedAt ? Date.parse(uploadedAt) : Number.NaN;
  return {
    marks,
    startedAt: t0,
    delivered: Number.isFinite(at) ? t0 - at : null,
    mark(name) {
      marks[name] ??= Date.now() - t0;
    },
  };
}
