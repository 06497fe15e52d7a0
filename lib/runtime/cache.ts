import { Redis } from "ioredis";
import type { Config } from "./config.js";

/** A Redis client that never blocks callers while Redis is down: commands fail fast and it reconnects by itself. */
export function createCache(config: Pick<Config, "redisUrl">): Redis {
  return new Redis(config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}
