import type { Redis } from "ioredis";
import type { Config } from "../../lib/runtime/config.js";
import type { Logger } from "../../lib/runtime/log.js";
import type { Metrics } from "../../lib/runtime/metrics.js";
import type { Origin } from "./origin.js";
import type { Subscribe } from "./sse.js";
import type { StudioDeps } from "./studio/routes.js";
import type { CatalogueStore } from "./store.js";
import { lazy } from "../../lib/runtime/lazy.js";

/** Everything the handler talks to, built on the first request (nothing at import time). */
export interface Deps {
  readonly config: Config;
  readonly log: Logger;
  /** prom-client is imported on first use (events, /metrics), not on a viewer's first request. */
  readonly metrics: () => Promise<Metrics>;
  readonly origin: Origin;
  readonly redis: Redis;
  readonly store: CatalogueStore;
  readonly subscribe: Subscribe;
  readonly serially: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  /** The editors' API, built on its first request (viewers never load it). */
  readonly studio: () => Promise<StudioDeps>;
}

/** How long a cold start waits for Redis before answering from MinIO. */
const CONNECT_WAIT_MS = 300;

/**
 * Builds the real dependencies. Modules are imported here rather than at the top of the file so that
 * a cold start pays only for what the first request needs (see docs/performance.md, catalogue cold start).
 */
export async function createDeps(env: NodeJS.ProcessEnv = process.env): Promise<Deps> {
  const [{ parseConfig }, { createLogger }, { createCache, VIEWER_COMMAND_TIMEOUT_MS }, { createStore }] = await Promise.all([
    import("../../lib/runtime/config.js"),
    import("../../lib/runtime/log.js"),
    import("../../lib/runtime/cache.js"),
    import("./store.js"),
  ]);
  const config = parseConfig(env);
  const log = createLogger("catalogue", config.logLevel);
  // The MinIO client is the heaviest import; a cold start answered from Redis never needs it.
  const origin = lazyOrigin(
    lazy(async () => {
      const [{ createStorage }, { minioOrigin }] = await Promise.all([import("../../lib/runtime/storage.js"), import("./origin.js")]);
      return minioOrigin(createStorage(config), config.streamBucket);
    }),
  );
  const redis = createCache(config, { commandTimeoutMs: VIEWER_COMMAND_TIMEOUT_MS });
  // ioredis reconnects by itself; without a listener every failed attempt would be an uncaught 'error'.
  redis.on("error", (err: Error) => log.debug({ err: err.message }, "redis error"));
  // A hung Redis accepts the connection and never answers: the first request does not wait for it.
  const connected = redis.connect().catch((err: Error) => log.warn({ err: err.message }, "redis unavailable at start; serving from MinIO"));
  await Promise.race([connected, new Promise((r) => setTimeout(r, CONNECT_WAIT_MS).unref())]);
  const base = {
    config,
    log,
    metrics: lazy(async () => (await import("../../lib/runtime/metrics.js")).createMetrics("catalogue")),
    origin,
    redis,
    store: createStore(origin, redis, log),
    subscribe: pubsub(redis, log),
    serially: keyedQueue(),
  };
  return { ...base, studio: lazy(async () => (await import("./studio/deps.js")).createStudioDeps(base)) };
}

function lazyOrigin(get: () => Promise<Origin>): Origin {
  return {
    getJson: async (key) => (await get()).getJson(key),
    putJson: async (key, value) => (await get()).putJson(key, value),
    remove: async (key) => (await get()).remove(key),
    exists: async (key) => (await get()).exists(key),
    listVideoIds: async () => (await get()).listVideoIds(),
    removePrefix: async (prefix) => (await get()).removePrefix(prefix),
    listKeys: async (prefix) => (await get()).listKeys(prefix),
    ping: async () => (await get()).ping(),
    getText: async (key) => (await get()).getText(key),
    putText: async (key, text, type, ifMatch) => (await get()).putText(key, text, type, ifMatch),
    readSidecar: async (bucket, key, max) => (await get()).readSidecar(bucket, key, max),
  };
}

/** One subscriber connection per process, fanned out to every SSE stream that listens. */
function pubsub(redis: Redis, log: Logger): Subscribe {
  let sub: Redis | null = null;
  const listeners = new Map<string, Set<(m: string) => void>>();
  return async (channel, onMessage) => {
    if (!sub) {
      sub = redis.duplicate();
      sub.on("error", (err: Error) => log.debug({ err: err.message }, "redis subscriber error"));
      sub.on("message", (ch: string, msg: string) => listeners.get(ch)?.forEach((f) => f(msg)));
      await sub.connect().catch(() => undefined);
    }
    const set = listeners.get(channel) ?? new Set();
    listeners.set(channel, set);
    set.add(onMessage);
    const client = sub;
    if (set.size === 1) {
      try {
        await client.subscribe(channel);
      } catch (err) {
        set.delete(onMessage);
        if (!set.size) listeners.delete(channel);
        throw err;
      }
    }
    return () => {
      set.delete(onMessage);
      if (set.size === 0) {
        listeners.delete(channel);
        client.unsubscribe(channel).catch(() => undefined);
      }
    };
  };
}

/** Per-key promise chains: work for one video runs in arrival order, different videos in parallel. */
export function keyedQueue(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return (key, fn) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}
