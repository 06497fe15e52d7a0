import { describe, expect, it } from "vitest";
import { backoffMs, loadRoutingTable, matchingTriggers, parseDelivery, parseIsoDuration } from "../../../../tools/router/triggers.js";
import { readReply, retryableStatus } from "../../../../tools/router/delivery.js";

describe("routing table from knative/eventing", () => {
  const table = loadRoutingTable("knative/eventing");

  const routes: { type: string; expected: string[] }[] = [
    { type: "com.amazonaws.s3.ObjectCreated:Put", expected: ["catalogue-upload", "transcode-upload"] },
    { type: "com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload", expected: ["catalogue-upload", "transcode-upload"] },
    { type: "com.amazonaws.s3.ObjectRemoved:Delete", expected: ["catalogue-removed"] },
    { type: "dev.estrena.video.ready", expected: ["catalogue-video"] },
    { type: "dev.estrena.subtitle.uploaded", expected: ["catalogue-subtitle"] },
    { type: "dev.estrena.transcode.chunk", expected: ["transcode-jobs"] },
    { type: "org.example.other", expected: [] },
  ];
  it.each(routes)("routes $type", ({ type, expected }) => {
    expect(matchingTriggers(table, { type, source: "/t", id: "1", specversion: "1.0" }).map((t) => t.name)).toEqual(expected);
  });

  it("takes delivery from broker.yaml", () => {
    expect(table.broker).toBe("default");
    expect(table.triggers[0]?.delivery).toEqual({ retry: 6, backoffPolicy: "exponential", backoffDelayMs: 1000, timeoutMs: 600_000 });
  });

  it("applies overrides to every trigger", () => {
    const fast = loadRoutingTable("knative/eventing", { retry: 2, backoffDelayMs: 10 });
    expect(fast.triggers.map((t) => [t.delivery.retry, t.delivery.backoffDelayMs])).toEqual(fast.triggers.map(() => [2, 10]));
  });
});

describe("delivery timing", () => {
  it.each([
    ["PT1S", 1000],
    ["PT0.2S", 200],
    ["PT2M", 120_000],
    ["PT1H30M", 5_400_000],
    ["P1D", 86_400_000],
  ] as const)("parses %s", (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });
  it.each(["1s", "PT", "P", "PTS", ""])("rejects %j", (text) => {
    expect(() => parseIsoDuration(text)).toThrow(`not an ISO 8601 duration: "${text}"`);
  });
  it("backs off exponentially and linearly", () => {
    const exp = parseDelivery({ retry: 4, backoffPolicy: "exponential", backoffDelay: "PT1S" });
    const lin = parseDelivery({ retry: 4, backoffPolicy: "linear", backoffDelay: "PT1S" });
    expect([1, 2, 3, 4].map((n) => backoffMs(exp, n))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(lin, n))).toEqual([1000, 2000, 3000, 4000]);
  });
  it("lets a trigger override the broker field by field", () => {
    const broker = parseDelivery({ retry: 6, backoffDelay: "PT1S" });
    expect(parseDelivery({ retry: 1, timeout: "PT30S" }, broker)).toEqual({
      retry: 1,
      backoffPolicy: "exponential",
      backoffDelayMs: 1000,
      timeoutMs: 30_000,
    });
  });
});

describe("subscriber answers", () => {
  it.each([
    [500, true],
    [503, true],
    [404, true],
    [429, true],
    [0, true],
    [400, false],
    [422, false],
    [401, false],
  ] as const)("status %i retryable=%s", (status, expected) => {
    expect(retryableStatus(status)).toBe(expected);
  });

  it("treats an empty 2xx body as done", () => {
    expect(readReply({}, "")).toEqual({});
  });
  it("treats a plain JSON body as a failure, like a Broker's 502", () => {
    expect(readReply({ "content-type": "application/json" }, '{"ok":true}')).toEqual({
      error: "non-empty response is not a CloudEvent (content-type application/json)",
    });
  });
  it("reads a binary-mode reply", () => {
    const r = readReply(
      {
        "ce-specversion": "1.0",
        "ce-id": "r1",
        "ce-source": "/estrena",
        "ce-type": "dev.estrena.video.ready",
        "content-type": "application/json",
      },
      '{"videoId":"v1"}',
    );
    expect(r.error).toBeUndefined();
    expect(r.reply?.type).toBe("dev.estrena.video.ready");
    expect(r.reply?.data).toEqual({ videoId: "v1" });
  });
});
