import type { BucketItem, Client } from "minio";
import type { Logger } from "pino";
import { metaKey, normalizeEtag, videoId } from "../../lib/runtime/ids.js";

/*
 * Why this exists: right after MinIO (re)starts it already accepts writes while it is still loading the buckets'
 * notification rules, and objects written in that window (~100 ms) raise no event at all: measured in the
 * MinIO-restart fault scenario, the first two uploads after a restart never reached ingest and their queue_dir
 * stayed empty. So after every MinIO start the stack looks at what was written since, and announces to ingest,
 * in MinIO's own webhook format, each upload the catalogue has not recorded. Video ids and event ids derive from
 * (bucket, key, ETag), so an upload announced twice is still one video.
 */

export interface ResyncOptions {
  readonly s3: Client;
  readonly uploadsBucket: string;
  readonly streamBucket: string;
  /** Objects modified at or after this moment are candidates (the MinIO process's start). */
  readonly since: Date;
  /** Objects modified after this moment are left alone: their own notification may still be on its way. */
  readonly until?: Date;
  /** Where MinIO's webhook points, and its token. */
  readonly ingestUrl: string;
  readonly token: string;
  readonly log: Logger;
}

/** Go's url.QueryEscape, as MinIO escapes keys in notifications (space → "+", "/" → "%2F"). */
export function queryEscape(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** One S3 notification record for an object, shaped like MinIO's. */
export function createdRecord(
  bucket: string,
  key: string,
  size: number,
  etag: string,
  contentType: string | undefined,
  title: string | undefined,
  time: Date,
) {
  return {
    eventVersion: "2.0",
    eventSource: "minio:s3",
    awsRegion: "",
    eventTime: time.toISOString(),
    eventName: "s3:ObjectCreated:Put",
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "estrena-resync",
      bucket: { name: bucket },
      object: {
        key: queryEscape(key),
        size,
        eTag: normalizeEtag(etag),
        ...(contentType ? { contentType } : {}),
        ...(title !== undefined ? { userMetadata: { "X-Amz-Meta-Title": title } } : {}),
      },
    },
  };
}

async function exists(s3: Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.statObject(bucket, key);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === "NotFound" || (err as { code?: string }).code === "NoSuchKey") return false;
    throw err;
  }
}

/** Announces uploads written since `since` that have no catalogue entry yet. Returns the keys it announced. */
export async function resyncUploads(o: ResyncOptions): Promise<string[]> {
  const recent: BucketItem[] = [];
  for await (const item of o.s3.listObjectsV2(o.uploadsBucket, "", true) as AsyncIterable<BucketItem>) {
    if (item.name && item.etag && item.lastModified && item.lastModified >= o.since && (!o.until || item.lastModified <= o.until))
      recent.push(item);
  }
  const records = [];
  for (const item of recent) {
    const key = item.name as string;
    if (await exists(o.s3, o.streamBucket, metaKey(videoId(o.uploadsBucket, key, item.etag as string)))) continue;
    const stat = await o.s3.statObject(o.uploadsBucket, key);
    const meta = stat.metaData as Record<string, string>;
    records.push(createdRecord(o.uploadsBucket, key, stat.size, stat.etag, meta["content-type"], meta.title, stat.lastModified));
  }
  if (!records.length) return [];
  const auth = o.token.trim().split(/\s+/).length === 2 ? o.token : `Bearer ${o.token}`;
  // One record per POST, as MinIO sends them, so one bad object cannot hold back the others.
  for (const r of records) {
    const res = await fetch(o.ingestUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify({ EventName: r.eventName, Key: `${o.uploadsBucket}/${r.s3.object.key}`, Records: [r] }),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`ingest answered ${res.status} for a resynced upload`);
  }
  const keys = records.map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, " ")));
  o.log.warn({ keys }, `announced ${keys.length} upload(s) written while MinIO was starting, which raised no event`);
  return keys;
}
