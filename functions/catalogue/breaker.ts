/**
 * Keeps a stuck Redis from slowing every request. Redis calls carry a short command timeout (lib/runtime/cache.ts);
 * after one fails, Redis is skipped for `openMs`, then one call at a time probes it while the others still skip.
 * So a Redis that hangs (alive, never answering) costs one timeout per interval, not one per request, and the
 * catalogue answers from MinIO meanwhile.
 */
export class RedisSkipped extends Error {
  override name = "RedisSkipped";
  constructor() {
    super("redis skipped after a recent failure");
  }
}

export interface Breaker {
  run<T>(op: () => Promise<T>): Promise<T>;
  /** True while calls are being skipped. */
  isOpen(): boolean;
}

export function breaker(openMs: number, now: () => number = Date.now): Breaker {
  let openUntil = 0;
  let failedOnce = false;
  let probing = false;
  return {
    async run(op) {
      if (now() < openUntil || (failedOnce && probing)) throw new RedisSkipped();
      const probe = failedOnce;
      if (probe) probing = true;
      try {
        const result = await op();
        failedOnce = false;
        return result;
      } catch (err) {
        failedOnce = true;
        openUntil = now() + openMs;
        throw err;
      } finally {
        if (probe) probing = false;
      }
    },
    isOpen: () => now() < openUntil || (failedOnce && probing),
  };
}
