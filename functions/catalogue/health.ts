import type { Redis } from "ioredis";
import type { Origin } from "./origin.js";

export interface Health {
  readonly status: "ok" | "degraded" | "down";
  /** Dependencies that are failing; the service still answers while only Redis is among them. */
  readonly degraded: readonly string[];
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly error?: string }>>;
}

const TIMEOUT_MS = 1_500;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}

async function check(fn: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  try {
    await within(fn(), TIMEOUT_MS);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** MinIO is required (503 without it); Redis is a cache, so its loss is named but still healthy (200). */
export async function health(origin: Origin, redis: Redis): Promise<{ httpStatus: number; body: Health }> {
  const [minio, redisCheck] = await Promise.all([check(() => origin.ping()), check(() => redis.ping())]);
  const checks = { minio, redis: redisCheck };
  const degraded = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([name]) => name);
  const status = !minio.ok ? "down" : degraded.length ? "degraded" : "ok";
  return { httpStatus: minio.ok ? 200 : 503, body: { status, degraded, checks } };
}
