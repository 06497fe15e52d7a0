import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseQoeBeacon, qoeMetrics } from "../../../../functions/catalogue/qoe.js";

const ID = "v0123456789abcdef012";

describe("parseQoeBeacon", () => {
  it.each([
    ["a startup beacon", { kind: "startup", videoId: ID, startupMs: 812 }],
    ["a session beacon", { kind: "session", videoId: ID, rebuffers: 2, rebufferMs: 1500, switches: 3, bitrate: 950400 }],
  ])("accepts %s, as an object or as the JSON text sendBeacon posts", (_name, beacon) => {
    expect(parseQoeBeacon(beacon)).toEqual(beacon);
    expect(parseQoeBeacon(JSON.stringify(beacon))).toEqual(beacon);
    expect(parseQoeBeacon(Buffer.from(JSON.stringify(beacon)))).toEqual(beacon);
  });

  it.each([
    ["not JSON", "{nope", "beacon is not JSON"],
    ["too large", JSON.stringify({ kind: "startup", videoId: ID, startupMs: 1, pad: "x".repeat(3000) }), "beacon too large"],
    ["an unknown kind", { kind: "crash", videoId: ID }, "bad beacon: kind"],
    ["a bad video id", { kind: "startup", videoId: "../etc", startupMs: 1 }, "bad beacon: videoId"],
    [
      "a negative stall count",
      { kind: "session", videoId: ID, rebuffers: -1, rebufferMs: 0, switches: 0, bitrate: 0 },
      "bad beacon: rebuffers",
    ],
    ["an extra field", { kind: "startup", videoId: ID, startupMs: 1, user: "x" }, "bad beacon: body"],
  ])("rejects %s as bad-request", (_name, body, message) => {
    expect(() => parseQoeBeacon(body)).toThrow(expect.objectContaining({ code: "bad-request", message: expect.stringContaining(message) }));
  });
});

describe("qoeMetrics", () => {
  it("folds beacons into Prometheus metrics without per-video labels, registering them once", async () => {
    const registry = new Registry();
    qoeMetrics(registry).record({ kind: "startup", videoId: ID, startupMs: 800 });
    qoeMetrics(registry).record({ kind: "startup", videoId: ID, startupMs: 2500 });
    qoeMetrics(registry).record({ kind: "session", videoId: ID, rebuffers: 2, rebufferMs: 1500, switches: 3, bitrate: 950400 });
    qoeMetrics(registry).record({ kind: "session", videoId: ID, rebuffers: 1, rebufferMs: 500, switches: 0, bitrate: 0 });
    const text = await registry.metrics();
    const line = (name: string): string | undefined => text.split("\n").find((l) => l.startsWith(`${name} `));
    expect(line("estrena_qoe_startup_seconds_count")).toBe("estrena_qoe_startup_seconds_count 2");
    expect(line("estrena_qoe_startup_seconds_sum")).toBe("estrena_qoe_startup_seconds_sum 3.3");
    expect(text).toContain('estrena_qoe_startup_seconds_bucket{le="1"} 1');
    expect(text).toContain('estrena_qoe_startup_seconds_bucket{le="3"} 2');
    expect(line("estrena_qoe_sessions_total")).toBe("estrena_qoe_sessions_total 2");
    expect(line("estrena_qoe_rebuffers_total")).toBe("estrena_qoe_rebuffers_total 3");
    expect(line("estrena_qoe_rebuffer_seconds_total")).toBe("estrena_qoe_rebuffer_seconds_total 2");
    expect(line("estrena_qoe_bitrate_switches_total")).toBe("estrena_qoe_bitrate_switches_total 3");
    expect(line("estrena_qoe_session_bitrate_bits_count")).toBe("estrena_qoe_session_bitrate_bits_count 1");
    expect(text).not.toContain(ID);
  });
});
