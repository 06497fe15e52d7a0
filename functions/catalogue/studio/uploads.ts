import { Client } from "minio";
import { ErrorCode, EstrenaError } from "../../../lib/contracts/errors.js";
import type { UploadedPart } from "../../../lib/contracts/studio.js";

/**
 * Browser uploads: S3 multipart, straight into the uploads bucket, as the editor's own MinIO identity (uploads
 * only). The studio API starts, lists and completes the upload; the browser sends each part to a URL presigned
 * for the gateway's host, which passes `/<uploads bucket>/...` on to MinIO unchanged, so the signature holds.
 * Completing raises s3:ObjectCreated:CompleteMultipartUpload: the same event path as a console upload.
 */

/** S3 limits: at most 10,000 parts, each at least 5 MiB (but the last) and at most 5 GiB. */
export const MAX_PARTS = 10_000;
export const MIN_PART = 8 * 1024 * 1024;
export const MAX_PART = 5 * 1024 * 1024 * 1024;
export const MAX_OBJECT = 5 * 1024 ** 4;
/** Presigned part URLs live this long: enough for one slow part, short enough that a leaked URL soon expires. */
export const PART_URL_SECONDS = 3600;

/** The part size for a file: 8 MiB up to 80 GB, then scaled (in whole MiB) so the file fits in 10,000 parts. */
export function partSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_OBJECT)
    throw new EstrenaError(ErrorCode.TooLarge, `a file of ${size} bytes cannot be uploaded`);
  const mib = 1024 * 1024;
  return Math.max(MIN_PART, Math.ceil(size / MAX_PARTS / mib) * mib);
}

export function partCount(size: number): number {
  return Math.max(1, Math.ceil(size / partSize(size)));
}

/**
 * The object key for an uploaded file name: its last path segment, with control characters and characters that
 * S3 tools handle badly replaced. Re-uploading the same name replaces the source (the old video stays until then).
 */
export function uploadKey(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const clean = base
    .normalize("NFC")
    .replace(/[\p{Cc}#?%*<>|"{}^`\\]/gu, "_")
    .replace(/^\.+/, "")
    .trim()
    .slice(0, 200);
  if (!clean) throw new EstrenaError(ErrorCode.BadRequest, "the file needs a name");
  return clean;
}

/** Headers carry ASCII only: other titles go as RFC 2047 base64, as `npm run upload` writes and ingest decodes. */
export function metaTitle(title: string): string {
  return /^[\x20-\x7e]*$/.test(title) && !title.startsWith("=?") ? title : `=?UTF-8?B?${Buffer.from(title, "utf8").toString("base64")}?=`;
}

/** What the studio does in the uploads bucket, as the editor. */
export interface EditorBucket {
  start(key: string, meta: { contentType: string; title?: string }): Promise<string>;
  parts(key: string, uploadId: string): Promise<UploadedPart[]>;
  partUrls(publicBase: URL, key: string, uploadId: string, partNumbers: readonly number[]): Promise<Record<number, string>>;
  complete(key: string, uploadId: string, parts: readonly { partNumber: number; etag: string }[]): Promise<{ etag: string }>;
  abort(key: string, uploadId: string): Promise<void>;
  /** The source's current ETag, or null when it is gone. */
  etagOf(key: string): Promise<string | null>;
  remove(key: string): Promise<void>;
}

export interface EditorS3 {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly user: string;
  readonly password: string;
}

function clientFor(url: URL, s3: EditorS3): Client {
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    useSSL: url.protocol === "https:",
    accessKey: s3.user,
    secretKey: s3.password,
    // Set, so presigning never asks the server for the bucket's region.
    region: s3.region,
  });
}

/** Storage trouble is the service's, never a path or an S3 error text for the editor. */
function unavailable(op: string, err: unknown): EstrenaError {
  const code = (err as { code?: string }).code;
  if (code === "NoSuchUpload") return new EstrenaError(ErrorCode.NotFound, `${op}: the upload no longer exists`);
  if (code === "NoSuchKey" || code === "NotFound") return new EstrenaError(ErrorCode.SourceMissing, `${op}: the source is gone`);
  return new EstrenaError(ErrorCode.Unavailable, `uploads ${op} failed: ${(err as Error).message}`, true, { cause: err });
}

async function guard<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw unavailable(op, err);
  }
}

export function editorBucket(s3: EditorS3): EditorBucket {
  const client = clientFor(new URL(s3.endpoint), s3);
  const presigners = new Map<string, Client>();
  // listParts is protected in minio-js's types, though it is the plain S3 ListParts call that resuming needs.
  const lister = client as unknown as {
    listParts(b: string, k: string, id: string): Promise<{ part: number; etag: string; size: number }[]>;
  };
  return {
    start: (key, meta) =>
      guard("start", () =>
        client.initiateNewMultipartUpload(s3.bucket, key, {
          "Content-Type": meta.contentType,
          ...(meta.title ? { "X-Amz-Meta-Title": metaTitle(meta.title) } : {}),
        }),
      ),
    parts: (key, uploadId) =>
      guard("list parts", async () =>
        (await lister.listParts(s3.bucket, key, uploadId)).map((p) => ({ partNumber: p.part, etag: p.etag, size: p.size })),
      ),
    partUrls: (publicBase, key, uploadId, partNumbers) =>
      guard("presign", async () => {
        const signer = presigners.get(publicBase.origin) ?? clientFor(publicBase, s3);
        presigners.set(publicBase.origin, signer);
        const out: Record<number, string> = {};
        for (const n of partNumbers)
          out[n] = await signer.presignedUrl("PUT", s3.bucket, key, PART_URL_SECONDS, { partNumber: String(n), uploadId });
        return out;
      }),
    complete: (key, uploadId, parts) =>
      guard("complete", async () => {
        const res = await client.completeMultipartUpload(
          s3.bucket,
          key,
          uploadId,
          parts.map((p) => ({ part: p.partNumber, etag: p.etag })),
        );
        return { etag: res.etag };
      }),
    abort: (key, uploadId) => guard("abort", () => client.abortMultipartUpload(s3.bucket, key, uploadId)),
    etagOf: async (key) => {
      try {
        return (await client.statObject(s3.bucket, key)).etag;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "NotFound" || code === "NoSuchKey") return null;
        throw unavailable("stat", err);
      }
    },
    remove: (key) => guard("remove", () => client.removeObject(s3.bucket, key)),
  };
}
