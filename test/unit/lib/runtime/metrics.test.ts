import { describe, expect, it } from "vitest";
import { createMetrics, serveMetrics } from "../../../../lib/runtime/metrics.js";

function lines(text: string, name: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(name));
}

describe("metrics", () => {
  it("counts events handled and failed by type", async () => {
    const m = createMetrics("catalogue", { processMetrics: false });
    m.eventHandled("dev.estrena.video.ready");
    m.eventHandled("dev.estrena.video.ready");
    m.eventFailed("com.amazonaws.s3.ObjectCreated:Put", "unavailable");
    const text = await m.registry.metrics();
    expect(lines(text, "estrena_events_handled_total")).toEqual([
      'estrena_events_handled_total{type="dev.estrena.video.ready",service="catalogue"} 2',
    ]);
    expect(lines(text, "estrena_events_failed_total")).toEqual([
      'estrena_events_failed_total{type="com.amazonaws.s3.ObjectCreated:Put",code="unavailable",service="catalogue"} 1',
    ]);
  });

  it("records transcode speed as a ratio and ignores empty sources", async () => {
    const m = createMetrics("transcode", { processMetrics: false });
    m.transcodeSpeed("chunk", 30, 60);
    m.transcodeSpeed("chunk", 5, 0);
    const text = await m.registry.metrics();
    expect(lines(text, "estrena_transcode_seconds_per_source_second_sum")).toEqual([
      'estrena_transcode_seconds_per_source_second_sum{service="transcode",part="chunk"} 0.5',
    ]);
    expect(lines(text, "estrena_transcode_seconds_per_source_second_count")).toEqual([
      'estrena_transcode_seconds_per_source_second_count{service="transcode",part="chunk"} 1',
    ]);
  });

  it("reads chunks waiting at scrape time and reports NaN (unknown, not zero) when the reader fails", async () => {
    let waiting: number | Error = 7;
    const m = createMetrics("transcode", {
      processMetrics: false,
      chunksWaiting: async () => {
        if (waiting instanceof Error) throw waiting;
        return waiting;
      },
    });
    expect(lines(await m.registry.metrics(), "estrena_transcode_chunks_waiting{")).toEqual([
      'estrena_transcode_chunks_waiting{service="transcode"} 7',
    ]);
    waiting = new Error("redis down");
    // prom-client spells it "Nan"; Prometheus parses floats case-insensitively.
    expect(lines(await m.registry.metrics(), "estrena_transcode_chunks_waiting{")).toEqual([
      'estrena_transcode_chunks_waiting{service="transcode"} Nan',
    ]);
  });

  it("counts cache hits and misses per layer", async () => {
    const m = createMetrics("catalogue", { processMetrics: false });
    m.cacheLookup("catalogue-l2", true);
    m.cacheLookup("catalogue-l2", false);
    m.cacheLookup("catalogue-l2", false);
    expect(lines(await m.registry.metrics(), "estrena_cache_lookups_total")).toEqual([
      'estrena_cache_lookups_total{cache="catalogue-l2",result="hit",service="catalogue"} 1',
      'estrena_cache_lookups_total{cache="catalogue-l2",result="miss",service="catalogue"} 2',
    ]);
  });

  it("serves GET /metrics and leaves other requests alone", async () => {
    const m = createMetrics("ingest", { processMetrics: false });
    const sent: { status?: number; type?: string; body?: string } = {};
    const res = {
      status(s: number) {
        sent.status = s;
        return this;
      },
      set(_k: string, v: string) {
        sent.type = v;
        return this;
      },
      send(b: string) {
        sent.body = b;
        return this;
      },
    };
    expect(await serveMetrics(m, { method: "POST", path: "/" }, res as never)).toBe(false);
    expect(sent).toEqual({});
    expect(await serveMetrics(m, { method: "GET", path: "/metrics" }, res as never)).toBe(true);
    expect(sent.status).toBe(200);
    expect(sent.type).toBe(m.registry.contentType);
    expect(sent.body).toContain("# TYPE estrena_events_handled_total counter");
  });
});
