import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Client } from "minio";

/** Content type and caching of what we publish, by extension. Segments never change; playlists do. */
const TYPES: Record<string, { type: string; cache: string }> = {
  m3u8: { type: "application/vnd.apple.mpegurl", cache: "no-cache" },
  m4s: { type: "video/iso.segment", cache: "public, max-age=31536000, immutable" },
  mp4: { type: "video/mp4", cache: "public, max-age=31536000, immutable" },
  jpg: { type: "image/jpeg", cache: "public, max-age=31536000, immutable" },
  vtt: { type: "text/vtt", cache: "no-cache" },
  json: { type: "application/json", cache: "no-cache" },
};

function headers(name: string): Record<string, string> {
  const t = TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? { type: "application/octet-stream", cache: "no-cache" };
  return { "Content-Type": t.type, "Cache-Control": t.cache };
}

/** The object storage transcode needs: plain S3 calls on the uploads and stream buckets. */
export interface Store {
  /** Downloads an upload to `path` (atomically: a partial download never sits at `path`). */
  download(bucket: string, key: string, path: string): Promise<void>;
  /** A presigned GET URL of an upload, valid `seconds`: ffmpeg reads it with range requests, nothing is downloaded. */
  presign(bucket: string, key: string, seconds: number): Promise<string>;
  /** Bytes [offset, offset + length) of an upload (fewer at its end): one ranged GET. */
  readRange(bucket: string, key: string, offset: number, length: number): Promise<Buffer>;
  putFile(key: string, path: string): Promise<void>;
  putText(key: string, text: string): Promise<void>;
  getText(key: string): Promise<string | null>;
  exists(key: string): Promise<boolean>;
  /** Names (relative to `prefix`) of the objects under `prefix`. */
  list(prefix: string): Promise<string[]>;
  /** Removes objects from the stream bucket (a missing one is not an error). */
  remove(keys: readonly string[]): Promise<void>;
}

/** A Store over a MinIO/S3 client; writes go to the stream bucket. */
export function minioStore(client: Client, streamBucket: string): Store {
  return {
    async download(bucket, key, path) {
      await mkdir(dirname(path), { recursive: true });
      const part = `${path}.part-${process.pid}-${Date.now()}`;
      try {
        await client.fGetObject(bucket, key, part);
        await rename(part, path);
      } finally {
        await rm(part, { force: true });
      }
    },
    presign: (bucket, key, seconds) => client.presignedGetObject(bucket, key, seconds),
    async readRange(bucket, key, offset, length) {
      const parts: Buffer[] = [];
      for await (const p of await client.getPartialObject(bucket, key, offset, length)) parts.push(p as Buffer);
      return Buffer.concat(parts);
    },
    async putFile(key, path) {
      const { size } = await stat(path);
      await client.fPutObject(streamBucket, key, path, { ...headers(key), "x-amz-meta-bytes": String(size) });
    },
    async putText(key, text) {
      await client.putObject(streamBucket, key, Buffer.from(text), undefined, headers(key));
    },
    async getText(key) {
      try {
        const stream = await client.getObject(streamBucket, key);
        const parts: Buffer[] = [];
        for await (const p of stream) parts.push(p as Buffer);
        return Buffer.concat(parts).toString("utf8");
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async exists(key) {
      try {
        await client.statObject(streamBucket, key);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async list(prefix) {
      const out: string[] = [];
      const stream = client.listObjectsV2(streamBucket, prefix, true);
      for await (const o of stream as AsyncIterable<{ name?: string }>) if (o.name) out.push(o.name.slice(prefix.length));
      return out;
    },
    async remove(keys) {
      if (keys.length > 0) await client.removeObjects(streamBucket, [...keys]);
    },
  };
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchObject";
}
