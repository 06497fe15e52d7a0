import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { HTTP, type CloudEvent } from "cloudevents";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { authorized, expectedAuthorization, ingestHandler } from "../../../../functions/ingest/handler.js";
import type { UploadData } from "../../../../lib/contracts/events.js";
import { DELETE, MULTIPART, PUT_WITH_TITLE } from "./fixtures.js";

const TOKEN = "t0k3n-for-unit-tests";

/** A real HTTP sink that records what it is sent and answers with `status`. */
interface Sink {
  url: string;
  received: CloudEvent<unknown>[];
  headers: IncomingMessage["headers"][];
  status: number;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const sink: Sink = { url: "", received: [], headers: [], status: 202, close: async () => {} };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      if (sink.status < 300) {
        sink.received.push(HTTP.toEvent({ headers: req.headers, body }) as CloudEvent<unknown>);
        sink.headers.push(req.headers);
      }
      res.writeHead(sink.status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  sink.close = () => new Promise((r) => server.close(() => r()));
  return sink;
}

let fnCount = 0;
/** Registers a fresh ingest with functions-framework (as index.ts does) and serves it on a free port. */
async function startIngest(env: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const name = `ingest-unit-${++fnCount}`;
  http(
    name,
    ingestHandler({
      LOG_LEVEL: "silent",
      S3_ENDPOINT: "http://127.0.0.1:1",
      S3_ACCESS_KEY: "unused",
      S3_SECRET_KEY: "unused-secret",
      REDIS_URL: "redis://127.0.0.1:1",
      ...env,
    }),
  );
  const server: Server = getTestServer(name);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((r) => server.close(() => r())) };
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> | null }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: res.status, json };
}

describe("authorization header", () => {
  it.each([
    ["secret", "Bearer secret"],
    ["Key secret", "Key secret"],
    ["a b c", "Bearer a b c"],
  ])("MinIO sends token %j as %j", (token, header) => {
    expect(expectedAuthorization(token)).toBe(header);
  });

  it.each([
    [`Bearer ${TOKEN}`, true],
    [TOKEN, false],
    [`bearer ${TOKEN}`, false],
    [`Bearer ${TOKEN}x`, false],
    [`Bearer ${TOKEN.slice(0, -1)}`, false],
    ["", false],
    [undefined, false],
  ])("%j → %s", (header, ok) => {
    expect(authorized(header, TOKEN)).toBe(ok);
  });

  it("never authorizes when no token is configured", () => {
    expect(authorized("Bearer ", "")).toBe(false);
  });
});

describe("ingest over HTTP (functions-framework + a real sink)", () => {
  let sink: Sink;
  let ingest: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    sink = await startSink();
    ingest = await startIngest({ WEBHOOK_AUTH_TOKEN: TOKEN, K_SINK: sink.url, K_CE_OVERRIDES: '{"extensions":{"cluster":"unit"}}' });
  });
  afterAll(async () => {
    await ingest.close();
    await sink.close();
  });
  beforeEach(() => {
    sink.received.length = 0;
    sink.headers.length = 0;
    sink.status = 202;
  });

  it("turns a MinIO notification into one binary-mode CloudEvent with the overrides", async () => {
    const res = await post(ingest.url, JSON.stringify(PUT_WITH_TITLE));
    expect(res.status).toBe(200);
    expect(sink.received).toHaveLength(1);
    const event = sink.received[0] as CloudEvent<UploadData>;
    expect(res.json).toEqual({ accepted: 1, ignored: 0, ids: [event.id] });
    expect(event.type).toBe("com.amazonaws.s3.ObjectCreated:Put");
    expect(event.cluster).toBe("unit");
    expect(event.data!.key).toBe("a b+c%d/ü é.mp4");
    expect(event.data!.title).toBe("My Title");
    expect(sink.headers[0]!["content-type"]).toBe("application/json");
    expect(sink.headers[0]!["ce-subject"]).toBe("a%20b+c%25d/%C3%BC%20%C3%A9.mp4");
  });

  it("delivers every record of a batch", async () => {
    const res = await post(ingest.url, JSON.stringify({ Records: [...PUT_WITH_TITLE.Records, ...MULTIPART.Records, ...DELETE.Records] }));
    expect(res.status).toBe(200);
    expect(sink.received.map((e) => e.type).sort()).toEqual([
      "com.amazonaws.s3.ObjectCreated:CompleteMultipartUpload",
      "com.amazonaws.s3.ObjectCreated:Put",
      "com.amazonaws.s3.ObjectRemoved:Delete",
    ]);
  });

  it.each([
    ["no Authorization header", { authorization: "" }],
    ["a wrong token", { authorization: "Bearer wrong" }],
    ["the token without its scheme", { authorization: TOKEN }],
  ])("answers 401 to %s and emits nothing", async (_, headers) => {
    const res = await post(ingest.url, JSON.stringify(PUT_WITH_TITLE), headers);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code: "unauthorized", message: "missing or wrong bearer token" } });
    expect(sink.received).toEqual([]);
  });

  it("answers 401 before looking at the body", async () => {
    const res = await post(ingest.url, "not json", { authorization: "Bearer wrong", "content-type": "text/plain" });
    expect(res.status).toBe(401);
  });

  it.each([
    ["malformed JSON", '{"Records": [', "application/json", null],
    ["malformed JSON sent as text", '{"Records": [', "text/plain", "body is not JSON"],
    ["an empty body", "", "text/plain", "empty body: expected an S3 event notification (JSON)"],
    [
      "JSON that is not a notification",
      '{"hello":"world"}',
      "application/json",
      "invalid S3 notification at body: expected an S3 event notification: an object with a Records array",
    ],
    [
      "a record it does not understand",
      JSON.stringify({ Records: [{ eventName: "s3:ObjectCreated:Put" }] }),
      "application/json",
      "invalid S3 notification at Records.0.eventSource",
    ],
  ])("answers 400 to %s and emits nothing", async (_, body, type, message) => {
    const res = await post(ingest.url, body, { "content-type": type });
    expect(res.status).toBe(400);
    if (message) {
      expect((res.json!.error as { code: string }).code).toBe("bad-request");
      expect((res.json!.error as { message: string }).message).toContain(message);
    }
    expect(sink.received).toEqual([]);
  });

  it("acknowledges a test event and an empty batch without emitting", async () => {
    expect((await post(ingest.url, JSON.stringify({ Event: "s3:TestEvent", Service: "Amazon S3" }))).json).toEqual({
      accepted: 0,
      ignored: 0,
      ids: [],
    });
    expect((await post(ingest.url, JSON.stringify({ Records: [] }))).status).toBe(200);
    expect(sink.received).toEqual([]);
  });

  it("answers 503 when the sink fails, so MinIO keeps the notification", async () => {
    sink.status = 500;
    const res = await post(ingest.url, JSON.stringify(PUT_WITH_TITLE));
    expect(res.status).toBe(503);
    expect((res.json!.error as { message: string }).message).toMatch(
      /^1 of 1 events not delivered: Error: sink http:\/\/127\.0\.0\.1:\d+\/ answered 500$/,
    );
  });

  it("answers HEAD and GET (reachability probes) without a token", async () => {
    expect((await fetch(ingest.url, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(ingest.url)).status).toBe(200);
  });

  it("serves prometheus metrics counting what it sent", async () => {
    await post(ingest.url, JSON.stringify(PUT_WITH_TITLE));
    const text = await (await fetch(`${ingest.url}metrics`)).text();
    expect(text).toMatch(/estrena_events_handled_total\{type="com\.amazonaws\.s3\.ObjectCreated:Put",service="ingest"\} \d+/);
  });
});

describe("ingest misconfigured or cut off", () => {
  it("refuses to run without a webhook token: 503, nothing emitted", async () => {
    const sink = await startSink();
    const ingest = await startIngest({ K_SINK: sink.url });
    try {
      const res = await post(ingest.url, JSON.stringify(PUT_WITH_TITLE));
      expect(res.status).toBe(503);
      expect(res.json).toEqual({
        error: { code: "unavailable", message: "ingest has no webhook token configured and refuses to run unauthenticated" },
      });
      expect(sink.received).toEqual([]);
    } finally {
      await ingest.close();
      await sink.close();
    }
  });

  it("answers 503 naming the problem when its configuration is bad", async () => {
    const ingest = await startIngest({ WEBHOOK_AUTH_TOKEN: TOKEN, K_SINK: "not a url" });
    try {
      const res = await post(ingest.url, JSON.stringify(PUT_WITH_TITLE));
      expect(res.status).toBe(503);
      expect((res.json!.error as { message: string }).message).toMatch(
        /^ingest is misconfigured: bad configuration:\n {2}K_SINK="not a url" is invalid/,
      );
    } finally {
      await ingest.close();
    }
  });

  it("answers 503 when the sink is down", async () => {
    const sink = await startSink();
    await sink.close();
    const ingest = await startIngest({ WEBHOOK_AUTH_TOKEN: TOKEN, K_SINK: sink.url });
    try {
      const res = await post(ingest.url, JSON.stringify(PUT_WITH_TITLE));
      expect(res.status).toBe(503);
      expect((res.json!.error as { code: string }).code).toBe("unavailable");
    } finally {
      await ingest.close();
    }
  });
});
