/**
 * The resync as a process of its own, for compose (a service that sweeps every RESYNC_EVERY_SECONDS) and Knative
 * (a CronJob that sweeps once): announces to ingest every upload of the last RESYNC_LOOKBACK_SECONDS that has no
 * video record, e.g. one whose notification was lost while MinIO restarted or while the Broker's in-memory channel
 * lost its queue (docs/operations.md#what-the-broker-loses). Uploads younger than RESYNC_SETTLE_SECONDS are left to
 * their own notification. Runs as the resync identity: it may list uploads and read video records, nothing else.
 */
import { z } from "zod";
import { parseConfig } from "../../lib/runtime/config.js";
import { createLogger } from "../../lib/runtime/log.js";
import { readSettings } from "../../lib/runtime/settings.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { resyncUploads } from "./resync.js";

const seconds = z.coerce.number().int().min(0);
const rows = {
  ingestUrl: { env: "RESYNC_INGEST_URL", doc: "ingest's URL (MinIO's webhook target)", schema: z.string().url() },
  every: { env: "RESYNC_EVERY_SECONDS", doc: "sweep period; 0 sweeps once and exits (a CronJob)", default: "0", schema: seconds },
  lookback: { env: "RESYNC_LOOKBACK_SECONDS", doc: "how far back a sweep looks", default: "86400", schema: seconds },
  settle: {
    env: "RESYNC_SETTLE_SECONDS",
    doc: "uploads younger than this are left to their own notification",
    default: "60",
    schema: seconds,
  },
};

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const s = readSettings(rows, process.env, "resync");
  const log = createLogger("resync", config.logLevel);
  const s3 = createStorage(config);
  const sweep = async () => {
    const now = Date.now();
    const keys = await resyncUploads({
      s3,
      uploadsBucket: config.uploadsBucket,
      streamBucket: config.streamBucket,
      since: new Date(now - s.lookback * 1000),
      until: new Date(now - s.settle * 1000),
      ingestUrl: s.ingestUrl,
      token: config.webhookToken,
      log,
    });
    log.info({ announced: keys.length }, keys.length ? "announced uploads that had no video record" : "every upload has a video record");
  };
  if (s.every === 0) return sweep();
  for (;;) {
    await sweep().catch((err: Error) => log.error({ err: err.message }, "resync sweep failed; trying again next period"));
    await new Promise((r) => setTimeout(r, s.every * 1000));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`resync: ${(err as Error).message}\n`);
  process.exit(1);
});
