import { Redis } from "ioredis";
import type { Config } from "./config.js";

/**
 * How long one Redis command of a viewer-facing service (the catalogue) may take before it fails. Redis answers in
 * well under a millisecond here; a Redis that hangs (alive, never answering, e.g. SIGSTOPped) must cost a viewer
 * this long at most, never a hung request.
 */
export const VIEWER_COMMAND_TIMEOUT_MS = 250;

/**
 * A Redis client that never blocks callers while Redis is down: commands fail fast and it reconnects by itself.
 * `commandTimeoutMs` also bounds each command while Redis hangs; unset, a command waits for its answer.
 */
export function createCache(config: Pick<Config, "redisUrl">, opts: { commandTimeoutMs?: number } = {}): Redis {
  return new Redis(config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    ...(opts.commandTimeoutMs ? { commandTimeout: opts.commandTimeoutMs } : {}),
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}
