import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The numbers operators tune by (docs/operations.md maps each one to a Knative knob).
 * One instance per process, built lazily by a handler's deps, never at import time.
 */
export interface Metrics {
  readonly registry: Registry;
  /** An event was processed to a 2xx answer (including "ignored, nothing to do"). */
  eventHandled(type: string): void;
  /** An event ended in an error answer; `code` is an ErrorCode. */
  eventFailed(type: string, code: string): void;
  /** Wall-clock encode time for `sourceSeconds` of media; `part` is e.g. `chunk`, `audio`, `finalize`. */
  transcodeSpeed(part: string, wallSeconds: number, sourceSeconds: number): void;
  /** A cache lookup; `cache` names the layer, e.g. `catalogue-l2`, `gateway-l1`. */
  cacheLookup(cache: string, hit: boolean): void;
}

export interface MetricsOptions {
  /** Reads the current number of chunks not yet encoded (from Redis) at scrape time. */
  readonly chunksWaiting?: () => Promise<number>;
  /** Process metrics (CPU, memory, event loop lag); on by default, off in tests. */
  readonly processMetrics?: boolean;
}

/** Ratio buckets: below 1 is faster than real time; a transcode pod at 2 needs 2 s per source second. */
const SPEED_BUCKETS = [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13];

/** Builds the registry and the metrics for one service (`ingest`, `transcode`, `catalogue`, ...). */
export function createMetrics(service: string, opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "estrena_" });

  const handled = new Counter({
    name: "estrena_events_handled_total",
    help: "CloudEvents handled, by type",
    labelNames: ["type"],
    registers: [registry],
  });
  const failed = new Counter({
    name: "estrena_events_failed_total",
    help: "CloudEvents that failed, by type and error code",
    labelNames: ["type", "code"],
    registers: [registry],
  });
  const speed = new Histogram({
    name: "estrena_transcode_seconds_per_source_second",
    help: "Encode wall-clock seconds per second of source media",
    labelNames: ["part"],
    buckets: SPEED_BUCKETS,
    registers: [registry],
  });
  const cache = new Counter({
    name: "estrena_cache_lookups_total",
    help: "Cache lookups by layer and result",
    labelNames: ["cache", "result"],
    registers: [registry],
  });
  const { chunksWaiting } = opts;
  if (chunksWaiting) {
    new Gauge({
      name: "estrena_transcode_chunks_waiting",
      help: "Chunks planned but not yet encoded (read from Redis at scrape time)",
      registers: [registry],
      async collect() {
        // A Redis outage must not break the scrape, nor read as "no backlog" (0): NaN says "unknown".
        try {
          this.set(await chunksWaiting());
        } catch {
          this.set(Number.NaN);
        }
      },
    });
  }

  return {
    registry,
    eventHandled: (type) => handled.inc({ type }),
    eventFailed: (type, code) => failed.inc({ type, code }),
    transcodeSpeed: (part, wallSeconds, sourceSeconds) => {
      if (sourceSeconds > 0 && wallSeconds >= 0) speed.observe({ part }, wallSeconds / sourceSeconds);
    },
    cacheLookup: (name, hit) => cache.inc({ cache: name, result: hit ? "hit" : "miss" }),
  };
}

export const METRICS_PATH = "/metrics";

/** Answers `GET` (and `HEAD`) `/metrics` from the registry; returns false (untouched response) for any other request. */
export async function serveMetrics(metrics: Metrics, req: Pick<Request, "method" | "path">, res: Response): Promise<boolean> {
  if ((req.method !== "GET" && req.method !== "HEAD") || req.path !== METRICS_PATH) return false;
  res
    .status(200)
    .set("content-type", metrics.registry.contentType)
    .send(await metrics.registry.metrics());
  return true;
}

/**
 * Wraps a functions-framework HTTP handler so the same port also serves `/metrics`
 * (Knative exposes one port per container). `getMetrics` is called on first use, keeping imports side-effect free.
 */
export function withMetrics(getMetrics: () => Metrics, handler: HttpFunction): HttpFunction {
  return async (req, res) => {
    if (await serveMetrics(getMetrics(), req, res)) return;
    return handler(req, res);
  };
}
