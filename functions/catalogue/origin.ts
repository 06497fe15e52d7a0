import type { Client } from "minio";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";
import { isVideoId } from "../../lib/runtime/ids.js";

/** The stream bucket as the catalogue uses it: JSON records, existence checks, listing, removal. */
export interface Origin {
  getJson(key: string): Promise<unknown | null>;
  putJson(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Ids of every `videos/<id>/` prefix. */
  listVideoIds(): Promise<string[]>;
  /** Keys of every object under a prefix. */
  listKeys(prefix: string): Promise<string[]>;
  /** Removes every object under a prefix; returns how many. */
  removePrefix(prefix: string): Promise<number>;
  ping(): Promise<void>;
  /** A text object with its ETag (for a conditional rewrite), or null. */
  getText(key: string): Promise<{ text: string; etag: string } | null>;
  /** Writes a text object; with `ifMatch`, only over that version (S3 If-Match): false when it changed meanwhile. */
  putText(key: string, text: string, contentType: string, ifMatch?: string): Promise<boolean>;
  /** Reads a subtitle sidecar from the uploads bucket: null when gone, `subtitle-too-large` past `maxBytes`. */
  readSidecar(bucket: string, key: string, maxBytes: number): Promise<Uint8Array | null>;
}

const NOT_FOUND = new Set(["NoSuchKey", "NotFound", "NoSuchObject"]);
const isPreconditionFailed = (err: unknown) => (err as { code?: string }).code === "PreconditionFailed";
const isNotFound = (err: unknown) => NOT_FOUND.has((err as { code?: string }).code ?? "");

/** Storage trouble is retryable: the event is redelivered and the API answers 503. */
function unavailable(op: string, err: unknown): EstrenaError {
  return new EstrenaError(ErrorCode.Unavailable, `object store ${op} failed: ${(err as Error).message}`, true, { cause: err });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export function minioOrigin(client: Client, bucket: string): Origin {
  return {
    async getJson(key) {
      let body: Buffer;
      try {
        body = await readAll(await client.getObject(bucket, key));
      } catch (err) {
        if (isNotFound(err)) return null;
        throw unavailable(`GET ${key}`, err);
      }
      try {
        return JSON.parse(body.toString("utf8"));
      } catch {
        throw new EstrenaError(ErrorCode.Internal, `${bucket}/${key} is not JSON`);
      }
    },
    async putJson(key, value) {
      const body = Buffer.from(JSON.stringify(value));
      try {
        await client.putObject(bucket, key, body, body.length, { "Content-Type": "application/json", "Cache-Control": "no-cache" });
      } catch (err) {
        throw unavailable(`PUT ${key}`, err);
      }
    },
    async remove(key) {
      try {
        await client.removeObject(bucket, key);
      } catch (err) {
        if (!isNotFound(err)) throw unavailable(`DELETE ${key}`, err);
      }
    },
    async exists(key) {
      try {
        await client.statObject(bucket, key);
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw unavailable(`HEAD ${key}`, err);
      }
    },
    async listVideoIds() {
      const ids: string[] = [];
      try {
        for await (const item of client.listObjectsV2(bucket, "videos/", false)) {
          const id = (item as { prefix?: string }).prefix?.slice("videos/".length, -1);
          if (id && isVideoId(id)) ids.push(id);
        }
      } catch (err) {
        throw unavailable("LIST videos/", err);
      }
      return ids;
    },
    async listKeys(prefix) {
      const names: string[] = [];
      try {
        for await (const item of client.listObjectsV2(bucket, prefix, true)) {
          const name = (item as { name?: string }).name;
          if (name) names.push(name);
        }
      } catch (err) {
        throw unavailable(`LIST ${prefix}`, err);
      }
      return names;
    },
    async removePrefix(prefix) {
      try {
        const names: string[] = [];
        for await (const item of client.listObjectsV2(bucket, prefix, true)) {
          const name = (item as { name?: string }).name;
          if (name) names.push(name);
        }
        for (let i = 0; i < names.length; i += 1000) await client.removeObjects(bucket, names.slice(i, i + 1000));
        return names.length;
      } catch (err) {
        throw unavailable(`DELETE ${prefix}*`, err);
      }
    },
    async getText(key) {
      try {
        const stat = await client.statObject(bucket, key);
        const text = (await readAll(await client.getObject(bucket, key, { versionId: stat.versionId ?? undefined }))).toString("utf8");
        return { text, etag: stat.etag };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw unavailable(`GET ${key}`, err);
      }
    },
    async putText(key, text, contentType, ifMatch) {
      const body = Buffer.from(text, "utf8");
      const headers: Record<string, string> = { "Content-Type": contentType, "Cache-Control": "no-cache" };
      if (ifMatch) headers["If-Match"] = `"${ifMatch}"`;
      try {
        await client.putObject(bucket, key, body, body.length, headers);
        return true;
      } catch (err) {
        if (ifMatch && (isPreconditionFailed(err) || isNotFound(err))) return false;
        throw unavailable(`PUT ${key}`, err);
      }
    },
    async readSidecar(sourceBucket, key, maxBytes) {
      try {
        const stat = await client.statObject(sourceBucket, key);
        if (stat.size > maxBytes) throw new EstrenaError(ErrorCode.SubtitleTooLarge, `sidecar of ${stat.size} bytes`);
        const body = await readAll(await client.getObject(sourceBucket, key));
        if (body.length > maxBytes) throw new EstrenaError(ErrorCode.SubtitleTooLarge, `sidecar of ${body.length} bytes`);
        return body;
      } catch (err) {
        if (err instanceof EstrenaError) throw err;
        if (isNotFound(err)) return null;
        throw unavailable(`GET sidecar ${key}`, err);
      }
    },
    async ping() {
      try {
        if (!(await client.bucketExists(bucket))) throw new Error(`bucket ${bucket} does not exist`);
      } catch (err) {
        throw unavailable("bucket check", err);
      }
    },
  };
}
