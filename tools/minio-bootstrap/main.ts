/**
 * One-shot MinIO bootstrap for containers (the Knative Job minio/bootstrap-job.yaml and compose's minio-bootstrap):
 * the same setupBuckets() that `npm start` runs, so buckets and the notification are defined in one place.
 * Reads the functions' configuration (S3_ENDPOINT, S3_ACCESS_KEY, ...). Idempotent; exits 0 when done.
 */
import { parseConfig } from "../../lib/runtime/config.js";
import { createLogger } from "../../lib/runtime/log.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { WEBHOOK_ARN, setupBuckets } from "./setup.js";

/** MinIO may still be starting: try for about a minute before failing (the Job and compose retry further). */
const ATTEMPTS = 30;
const DELAY_MS = 2_000;

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const log = createLogger("minio-bootstrap", config.logLevel);
  const s3 = createStorage(config);
  const buckets = { uploads: config.uploadsBucket, stream: config.streamBucket };
  for (let attempt = 1; ; attempt++) {
    try {
      await setupBuckets(s3, buckets);
      log.info({ ...buckets, arn: WEBHOOK_ARN, endpoint: config.s3Endpoint }, "buckets and notification in place");
      return;
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      log.warn({ attempt, err: (err as Error).message }, "MinIO not ready; retrying");
      await new Promise((r) => setTimeout(r, DELAY_MS));
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`minio-bootstrap: ${(err as Error).message}\n`);
  process.exit(1);
});
