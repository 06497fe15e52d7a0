import { buildARN, NotificationConfig, QueueConfig, type Client } from "minio";

/** The one MinIO-specific piece: the webhook target id the stack configures with MINIO_NOTIFY_WEBHOOK_*_ESTRENA. */
export const WEBHOOK_TARGET_ID = "ESTRENA";
export const WEBHOOK_ARN = buildARN("minio", "sqs", "", WEBHOOK_TARGET_ID, "webhook");

/** MinIO server environment for the webhook target that delivers bucket events to ingest, queued on disk. */
export function webhookEnv(ingestUrl: string, token: string, queueDir: string): Record<string, string> {
  const id = WEBHOOK_TARGET_ID;
  return {
    [`MINIO_NOTIFY_WEBHOOK_ENABLE_${id}`]: "on",
    [`MINIO_NOTIFY_WEBHOOK_ENDPOINT_${id}`]: ingestUrl,
    [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${id}`]: token,
    // With a queue dir MinIO stores events while ingest is down and replays them later, across restarts.
    [`MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_${id}`]: queueDir,
    [`MINIO_NOTIFY_WEBHOOK_QUEUE_LIMIT_${id}`]: "100000",
  };
}

/**
 * Creates the private buckets and attaches the webhook to the uploads bucket for every created and removed
 * object. setBucketNotification replaces the whole configuration, so running it again changes nothing.
 */
export async function setupBuckets(s3: Client, buckets: { uploads: string; stream: string }): Promise<void> {
  for (const b of [buckets.uploads, buckets.stream]) {
    if (!(await s3.bucketExists(b))) await s3.makeBucket(b);
  }
  const queue = new QueueConfig(WEBHOOK_ARN);
  queue.addEvent("s3:ObjectCreated:*");
  queue.addEvent("s3:ObjectRemoved:*");
  const config = new NotificationConfig();
  config.add(queue);
  await s3.setBucketNotification(buckets.uploads, config);
}
