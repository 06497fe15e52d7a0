import { CloudEvent, HTTP } from "cloudevents";
import { describe, expect, it } from "vitest";
import { ErrorCode, EstrenaError } from "../../../../lib/contracts/errors.js";
import {
  decodeCloudEvent,
  deliveryStatus,
  type EventResponse,
  type Outcome,
  parseCeOverrides,
  replyWith,
} from "../../../../lib/runtime/cloudevents.js";

const event = new CloudEvent({
  id: "e1",
  type: "dev.estrena.video.progress",
  source: "/t",
  data: { videoId: "v0123456789abcdef012", progress: 1 },
});

/** Records what a handler wrote, in the order it wrote it. */
function recorder() {
  const out: { status?: number; headers?: Record<string, string>; body?: unknown; ended?: boolean } = {};
  const res: EventResponse = {
    status: (c) => ((out.status = c), res),
    set: (h) => ((out.headers = h), res),
    send: (b) => (out.body = b),
    json: (b) => (out.body = b),
    end: () => (out.ended = true),
  };
  return { res, out };
}

describe("decodeCloudEvent", () => {
  it("reads binary and structured mode, from the raw body when there is one", () => {
    const bin = HTTP.binary(event);
    expect(decodeCloudEvent({ headers: bin.headers, rawBody: Buffer.from(bin.body as string) }).id).toBe("e1");
    const structured = HTTP.structured(event);
    expect(decodeCloudEvent({ headers: structured.headers, body: structured.body }).type).toBe("dev.estrena.video.progress");
  });

  it.each([
    ["no envelope", { headers: { "content-type": "application/json" }, body: "{}" }, "not a CloudEvent"],
    [
      "a batch",
      { headers: { "content-type": "application/cloudevents-batch+json" }, body: JSON.stringify([event.toJSON(), event.toJSON()]) },
      "batched CloudEvents are not accepted",
    ],
  ])("refuses %s as a bad request that is never redelivered", (_, req, message) => {
    let caught: unknown;
    try {
      decodeCloudEvent(req);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EstrenaError);
    expect((caught as EstrenaError).code).toBe(ErrorCode.BadRequest);
    expect((caught as EstrenaError).message).toContain(message);
    expect(deliveryStatus(caught as EstrenaError)).toBe(400);
  });
});

describe("replyWith: the retryable ⇒ 503 rule, written once", () => {
  it.each<[string, Outcome, number]>([
    [
      "a retryable failure asks for redelivery",
      { status: "failed", error: new EstrenaError(ErrorCode.Unavailable, "redis down", true) },
      503,
    ],
    ["a final failure is dropped", { status: "failed", error: new EstrenaError(ErrorCode.BadRequest, "garbage") }, 400],
    ["accepted", { status: 202 }, 202],
    ["applied", { status: 204 }, 204],
  ])("%s: %i", (_, outcome, status) => {
    const { res, out } = recorder();
    replyWith(res, outcome);
    expect(out.status).toBe(status);
    if (outcome.status === "failed") expect(out.body).toEqual({ error: outcome.error.toJSON() });
    else expect(out.ended).toBe(true);
  });

  it("sends a reply event in binary mode with 200", () => {
    const { res, out } = recorder();
    replyWith(res, { status: 200, event });
    expect(out.status).toBe(200);
    expect(out.headers?.["ce-id"]).toBe("e1");
    expect(JSON.parse(out.body as string)).toEqual(event.data);
  });
});

describe("parseCeOverrides", () => {
  it("reads K_CE_OVERRIDES extensions", () => {
    expect(parseCeOverrides("")).toEqual({});
    expect(parseCeOverrides('{"extensions":{"cluster":"east","n":1}}')).toEqual({ cluster: "east", n: "1" });
  });
});
