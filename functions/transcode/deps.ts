import type { CloudEvent } from "cloudevents";
import { createCache } from "../../lib/runtime/cache.js";
import type { Config } from "../../lib/runtime/config.js";
import { parseCeOverrides, sendEvent } from "../../lib/runtime/cloudevents.js";
import { createLogger, type Logger } from "../../lib/runtime/log.js";
import type { Metrics } from "../../lib/runtime/metrics.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { createFfmpegRunner, type FfmpegRunner } from "../../lib/media/ffmpeg.js";
import { redisJobState, type JobState } from "./state.js";
import { minioStore, type Store } from "./store.js";

/** What the transcode steps use from the outside world. Tests and the bench build it with real services. */
export interface Deps {
  readonly config: Config;
  readonly log: Logger;
  readonly store: Store;
  readonly state: JobState;
  readonly ffmpeg: FfmpegRunner;
  /** Sends an event to K_SINK (job fan-out, progress). */
  readonly emit: (event: CloudEvent<unknown>) => Promise<void>;
  /** Source downloads in progress in this process, by path, so parallel jobs of one video share one download. */
  readonly downloads: Map<string, Promise<void>>;
  /**
   * Videos whose upload event this process is planning now. MinIO sends every upload twice (a fast and a queued
   * webhook target, tools/minio-bootstrap/setup.ts): the second delivery, seeing the first alive here, answers at once.
   */
  readonly planning: Set<string>;
  /** Prometheus metrics (lib/runtime/metrics.ts); absent in tests that do not look at them. */
  readonly metrics?: Metrics;
}

/** Builds deps from config: a MinIO client, a Redis connection, the ffmpeg runner, and K_SINK delivery. */
export async function createDeps(
  config: Config,
  log = createLogger("transcode", config.logLevel),
  metrics?: Metrics,
): Promise<Deps & { close(): Promise<void> }> {
  const redis = createCache(config);
  await redis.connect();
  const overrides = parseCeOverrides(config.ceOverrides);
  return {
    config,
    log,
    store: minioStore(createStorage(config), config.streamBucket),
    state: redisJobState(redis),
    ffmpeg: createFfmpegRunner(),
    emit: (event) => sendEvent(config.sink, event, overrides),
    downloads: new Map(),
    planning: new Set(),
    ...(metrics ? { metrics } : {}),
    async close() {
      redis.disconnect();
    },
  };
}
