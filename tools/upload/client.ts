import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { Transform } from "node:stream";
import { Client } from "minio";
import { z } from "zod";
import { describe, readSettings } from "../../lib/runtime/settings.js";
import { loadCredentials, localHost, stackSettings } from "../../lib/runtime/stack-settings.js";

/** Where editors' uploads go, and a client for it. */
export interface UploadTarget {
  readonly client: Client;
  readonly bucket: string;
  readonly endpoint: string;
}

const MiB = 1024 * 1024;

const rows = {
  endpoint: {
    env: "S3_ENDPOINT",
    doc: "S3/MinIO API URL; default: the local stack's MinIO (ESTRENA_MINIO_PORT)",
    default: "",
    schema: z.union([z.literal(""), z.string().url()]),
  },
  accessKey: {
    env: "S3_ACCESS_KEY",
    doc: "S3 access key; default: the editors' login, ESTRENA_EDITOR_USER from the environment or <state>/credentials.env",
    default: "",
    schema: z.string(),
  },
  secretKey: { env: "S3_SECRET_KEY", doc: "S3 secret key; default: ESTRENA_EDITOR_PASSWORD likewise", default: "", schema: z.string() },
  region: { env: "S3_REGION", doc: "S3 region", default: "us-east-1", schema: z.string().min(1) },
  bucket: { env: "UPLOADS_BUCKET", doc: "bucket editors upload to", default: "uploads", schema: z.string().min(3) },
  partMiB: {
    env: "ESTRENA_UPLOAD_PART_MB",
    doc: "multipart part size in MiB; files larger than one part go up in parts (S3 minimum 5)",
    default: "16",
    schema: z.coerce.number().int().min(5).max(5120),
  },
};

/** The variables `npm run upload` and the watcher read (for the README). */
export function uploadVariables(): ReturnType<typeof describe> {
  return describe(rows);
}

/**
 * The upload target from the environment: explicit S3_* variables first (what the stack gives the watcher),
 * otherwise the running local stack's port and the credentials it generated. Never generates credentials.
 */
export function uploadTarget(env: NodeJS.ProcessEnv = process.env): UploadTarget {
  const s = readSettings(rows, env, "upload");
  const stack = stackSettings(env);
  let { accessKey, secretKey } = s;
  if (!accessKey || !secretKey) {
    const hasFile = existsSync(join(stack.stateDir, "credentials.env"));
    if (!hasFile && !(env.MINIO_ROOT_USER && env.MINIO_ROOT_PASSWORD)) {
      throw new Error(
        `no S3 credentials: set S3_ACCESS_KEY and S3_SECRET_KEY, or start the stack once (npm start) so ${join(stack.stateDir, "credentials.env")} exists`,
      );
    }
    // The editors' login: it may write to uploads and nothing else (lib/runtime/identities.ts).
    const { editor } = loadCredentials(stack.stateDir, env).identities;
    accessKey ||= editor.user;
    secretKey ||= editor.secret;
  }
  const endpoint = s.endpoint || `http://${localHost(stack.minioHost)}:${stack.ports.minio}`;
  const u = new URL(endpoint);
  const client = new Client({
    endPoint: u.hostname,
    port: Number(u.port || (u.protocol === "https:" ? 443 : 80)),
    useSSL: u.protocol === "https:",
    accessKey,
    secretKey,
    region: s.region,
    partSize: s.partMiB * MiB,
  });
  return { client, bucket: s.bucket, endpoint };
}

/**
 * An `x-amz-meta-title` value. HTTP headers carry ASCII only, so any other title is stored as an RFC 2047
 * encoded word (what S3 itself does); ingest decodes it (functions/ingest/s3-event.ts `decodeMetaValue`).
 */
export function encodeTitle(title: string): string {
  return /^[\x20-\x7e]*$/.test(title) && !title.startsWith("=?") ? title : `=?UTF-8?B?${Buffer.from(title, "utf8").toString("base64")}?=`;
}

const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".m4v": "video/mp4",
  ".mov": "video/quicktime",
  ".mkv": "video/x-matroska",
  ".webm": "video/webm",
  ".avi": "video/x-msvideo",
  ".ts": "video/mp2t",
  ".m2ts": "video/mp2t",
  ".mts": "video/mp2t",
  ".flv": "video/x-flv",
  ".wmv": "video/x-ms-wmv",
  ".mpg": "video/mpeg",
  ".mpeg": "video/mpeg",
  ".3gp": "video/3gpp",
  ".ogv": "video/ogg",
  ".m4a": "audio/mp4",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".flac": "audio/flac",
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".opus": "audio/ogg",
  ".aac": "audio/aac",
  // Subtitle sidecars (talk.en.vtt next to talk.mp4): they become subtitle tracks, not videos.
  ".vtt": "text/vtt",
  ".srt": "application/x-subrip",
};

/** Content-Type by extension; transcode probes the bytes anyway, this is only what the console shows. */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
}

export interface UploadOptions {
  readonly title?: string;
  /** Bytes handed to the client so far, and the total. Leads the network by at most one part. */
  readonly onProgress?: (sent: number, total: number) => void;
}

export interface Uploaded {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
}

/** Streams one file into the bucket; the client switches to multipart above one part size. */
export async function uploadFile(target: UploadTarget, file: string, key: string, opts: UploadOptions = {}): Promise<Uploaded> {
  const { size } = await stat(file);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      opts.onProgress?.(sent, size);
      cb(null, chunk);
    },
  });
  const meta: Record<string, string> = { "Content-Type": contentTypeFor(file) };
  if (opts.title?.trim()) meta["X-Amz-Meta-Title"] = encodeTitle(opts.title.trim());
  const source = createReadStream(file);
  source.on("error", (err) => counter.destroy(err));
  const res = await target.client.putObject(target.bucket, key, source.pipe(counter), size, meta);
  opts.onProgress?.(size, size);
  return { key, size, etag: res.etag };
}
