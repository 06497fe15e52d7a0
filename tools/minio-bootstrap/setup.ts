import { buildARN, NotificationConfig, QueueConfig, type Client } from "minio";

/**
 * The one MinIO-specific piece: two webhook targets on the same bucket events, both POSTing to ingest with the same
 * token. ESTRENA has a queue directory: MinIO stores every event on disk first, so none is lost while ingest is down
 * (or across a MinIO restart), but it sends only when a goroutine lists that directory, every 3 s (minio
 * internal/store/store.go, not configurable). ESTRENAFAST has none: MinIO POSTs at once (0-7 ms measured), and drops the
 * event when ingest does not answer, which the queued target then covers. Ingest therefore sees every upload twice,
 * with the same event id; the transcode plan step answers the second at once (functions/transcode/steps/plan.ts).
 */
export const WEBHOOK_TARGET_ID = "ESTRENA";
export const FAST_WEBHOOK_TARGET_ID = "ESTRENAFAST";
export const WEBHOOK_ARN = buildARN("minio", "sqs", "", WEBHOOK_TARGET_ID, "webhook");
export const FAST_WEBHOOK_ARN = buildARN("minio", "sqs", "", FAST_WEBHOOK_TARGET_ID, "webhook");

/** MinIO server environment for the two webhook targets that deliver bucket events to ingest: queued on disk, and fast. */
export function webhookEnv(ingestUrl: string, token: string, queueDir: string): Record<string, string> {
  const id = WEBHOOK_TARGET_ID;
  const fast = FAST_WEBHOOK_TARGET_ID;
  return {
    [`MINIO_NOTIFY_WEBHOOK_ENABLE_${id}`]: "on",
    [`MINIO_NOTIFY_WEBHOOK_ENDPOINT_${id}`]: ingestUrl,
    [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${id}`]: token,
    // With a queue dir MinIO stores events while ingest is down and replays them later, across restarts.
    [`MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_${id}`]: queueDir,
    [`MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_${id}`]: "100000",
    [`MINIO_NOTIFY_WEBHOOK_ENABLE_${fast}`]: "on",
    [`MINIO_NOTIFY_WEBHOOK_ENDPOINT_${fast}`]: ingestUrl,
    [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${fast}`]: token,
  };
}

/**
 * Creates the private buckets and attaches both webhook targets to the uploads bucket for every created and removed
 * object. setBucketNotification replaces the whole configuration, so running it again changes nothing.
 */
export async function setupBuckets(s3: Client, buckets: { uploads: string; stream: string }): Promise<void> {
  for (const b of [buckets.uploads, buckets.stream]) {
    if (!(await s3.bucketExists(b))) await s3.makeBucket(b);
  }
  const config = new NotificationConfig();
  for (const arn of [WEBHOOK_ARN, FAST_WEBHOOK_ARN]) {
    const queue = new QueueConfig(arn);
    queue.addEvent("s3:ObjectCreated:*");
    queue.addEvent("s3:ObjectRemoved:*");
    config.add(queue);
  }
  await s3.setBucketNotification(buckets.uploads, config);
}
