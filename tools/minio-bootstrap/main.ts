/**
 * One-shot MinIO bootstrap for containers (the Knative Job minio/bootstrap-job.yaml and compose's minio-bootstrap):
 * the same setupBuckets() that `npm start` runs, so buckets and the notification are defined in one place.
 * Reads the functions' configuration with MinIO's root login as S3_ACCESS_KEY / S3_SECRET_KEY, and every identity's
 * login (lib/runtime/identities.ts), which it creates with its policy. Idempotent; exits 0 when done.
 */
import { parseConfig } from "../../lib/runtime/config.js";
import { createLogger } from "../../lib/runtime/log.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { IDENTITY_NAMES, identityCredentials } from "../../lib/runtime/identities.js";
import { provisionIdentities } from "./provision.js";
import { FAST_WEBHOOK_ARN, WEBHOOK_ARN, setupBuckets } from "./setup.js";

/** MinIO may still be starting: try for about a minute before failing (the Job and compose retry further). */
const ATTEMPTS = 30;
const DELAY_MS = 2_000;

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const log = createLogger("minio-bootstrap", config.logLevel);
  const s3 = createStorage(config);
  const buckets = { uploads: config.uploadsBucket, stream: config.streamBucket };
  // Every identity's login comes from the environment (compose's env file, the Knative Secrets): fail fast, by name.
  const identities = identityCredentials(process.env);
  for (let attempt = 1; ; attempt++) {
    try {
      await setupBuckets(s3, buckets);
      const admin = { endpoint: config.s3Endpoint, accessKey: config.s3AccessKey, secretKey: config.s3SecretKey, region: config.s3Region };
      await provisionIdentities(admin, identities, buckets);
      log.info(
        {
          ...buckets,
          arns: [WEBHOOK_ARN, FAST_WEBHOOK_ARN],
          endpoint: config.s3Endpoint,
          users: IDENTITY_NAMES.map((n) => identities[n].user),
        },
        "buckets, notification and one MinIO user per service in place",
      );
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
