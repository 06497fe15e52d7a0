import { Counter, Histogram, type Registry } from "prom-client";
import { z } from "zod";
import { ErrorCode, EstrenaError } from "../../lib/contracts/errors.js";

/**
 * Player QoE beacons (`POST /api/qoe`, sent by web/src/player/qoe.ts with navigator.sendBeacon) folded into
 * Prometheus metrics. No per-video labels: ids are unbounded, and a metric per video would swamp Prometheus.
 */
const Startup = z.strictObject({
  kind: z.literal("startup"),
  videoId: z.string().regex(/^v[0-9a-f]{19}$/),
  /** Navigation start to first frame. Beyond 10 minutes it is a tab left in the background, not a startup. */
  startupMs: z.number().int().min(0).max(600_000),
});
const Session = z.strictObject({
  kind: z.literal("session"),
  videoId: z.string().regex(/^v[0-9a-f]{19}$/),
  rebuffers: z.number().int().min(0).max(10_000),
  rebufferMs: z.number().int().min(0).max(86_400_000),
  switches: z.number().int().min(0).max(10_000),
  /** Bandwidth of the rendition playing at the end (bit/s); 0 when unknown (native HLS). */
  bitrate: z.number().min(0).max(1e9),
});
const Beacon = z.discriminatedUnion("kind", [Startup, Session]);
export type QoeBeacon = z.infer<typeof Beacon>;

/** Beacons are a few hundred bytes; anything much larger is not ours. */
export const MAX_BEACON_BYTES = 2048;

/** Validates a beacon body (a JSON string or already-parsed JSON); throws `bad-request`. */
export function parseQoeBeacon(body: unknown): QoeBeacon {
  let data = body;
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    const text = body.toString();
    if (text.length > MAX_BEACON_BYTES) throw new EstrenaError(ErrorCode.BadRequest, "beacon too large");
    try {
      data = JSON.parse(text);
    } catch {
      throw new EstrenaError(ErrorCode.BadRequest, "beacon is not JSON");
    }
  }
  const parsed = Beacon.safeParse(data);
  if (!parsed.success)
    throw new EstrenaError(
      ErrorCode.BadRequest,
      `bad beacon: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/** Startup buckets (seconds): the interesting range is 0.25–5 s; beyond 10 s viewers leave. */
export const STARTUP_BUCKETS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

export interface QoeMetrics {
  record(beacon: QoeBeacon): void;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  // A registry keeps one metric per name; reuse it rather than keep module-level state.
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers (once per registry) the QoE metrics and returns the function that folds a beacon into them. */
export function qoeMetrics(registry: Registry): QoeMetrics {
  const registers = [registry];
  const startup = once(
    registry,
    "estrena_qoe_startup_seconds",
    () =>
      new Histogram({
        name: "estrena_qoe_startup_seconds",
        help: "Player time to first frame, from navigation start",
        buckets: STARTUP_BUCKETS,
        registers,
      }),
  );
  const sessions = once(
    registry,
    "estrena_qoe_sessions_total",
    () => new Counter({ name: "estrena_qoe_sessions_total", help: "Session beacons received (one per page hide with news)", registers }),
  );
  const rebuffers = once(
    registry,
    "estrena_qoe_rebuffers_total",
    () => new Counter({ name: "estrena_qoe_rebuffers_total", help: "Playback stalls after the start (seeks excluded)", registers }),
  );
  const rebufferSeconds = once(
    registry,
    "estrena_qoe_rebuffer_seconds_total",
    () => new Counter({ name: "estrena_qoe_rebuffer_seconds_total", help: "Time spent stalled after the start", registers }),
  );
  const switches = once(
    registry,
    "estrena_qoe_bitrate_switches_total",
    () => new Counter({ name: "estrena_qoe_bitrate_switches_total", help: "Rendition switches during playback", registers }),
  );
  const bitrate = once(
    registry,
    "estrena_qoe_session_bitrate_bits",
    () =>
      new Histogram({
        name: "estrena_qoe_session_bitrate_bits",
        help: "Bandwidth of the rendition playing when a session beacon was sent",
        buckets: [250e3, 500e3, 1e6, 2e6, 4e6, 8e6, 16e6],
        registers,
      }),
  );
  return {
    record(b) {
      if (b.kind === "startup") {
        startup.observe(b.startupMs / 1000);
        return;
      }
      sessions.inc();
      rebuffers.inc(b.rebuffers);
      rebufferSeconds.inc(b.rebufferMs / 1000);
      switches.inc(b.switches);
      if (b.bitrate > 0) bitrate.observe(b.bitrate);
    },
  };
}
