import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudEvent, HTTP } from "cloudevents";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/runtime/log.js";
import { startRouter, type RouterHandle, type RouterOptions } from "../../tools/router/router.js";
import type { DeadLetter } from "../../lib/contracts/dead-letter.js";

/** A real HTTP subscriber that records what it gets and answers with whatever `respond` says. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}
class Subscriber {
  readonly received: Received[] = [];
  respond: (r: Received) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 202 });
  private server?: Server;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const r = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
        this.received.push(r);
        const a = this.respond(r);
        res.writeHead(a.status, a.headers).end(a.body ?? "");
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
    return this;
  }
  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((r) => this.server?.close(() => r()) ?? r());
  }
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const log = createLogger("router-test", "silent");
const upload = (id: string) =>
  new CloudEvent({
    id,
    source: "minio:s3..uploads",
    type: "com.amazonaws.s3.ObjectCreated:Put",
    subject: "clip.mp4",
    datacontenttype: "application/json",
    data: { key: "clip.mp4" },
  });

async function post(url: string, event: CloudEvent<unknown>, mode: "binary" | "structured" = "binary"): Promise<number> {
  const msg = mode === "binary" ? HTTP.binary(event) : HTTP.structured(event);
  const res = await fetch(url, { method: "POST", headers: msg.headers as Record<string, string>, body: msg.body as string });
  return res.status;
}

describe("event router (real HTTP)", () => {
  let state: string;
  let transcode: Subscriber;
  let catalogue: Subscriber;
  let router: RouterHandle | undefined;
  const start = async (extra: Partial<RouterOptions> = {}) =>
    (router = await startRouter({
      port: 0,
      knativeDir: "knative/eventing",
      stateDir: state,
      subscribers: { transcode: transcode.url, catalogue: catalogue.url },
      deliveryOverrides: { retry: 2, backoffDelayMs: 100 },
      log,
      ...extra,
    }));

  beforeAll(async () => {
    transcode = await new Subscriber().start();
    catalogue = await new Subscriber().start();
  });
  afterEach(async () => {
    await router?.close();
    router = undefined;
    rmSync(state, { recursive: true, force: true });
    transcode.received.length = 0;
    catalogue.received.length = 0;
    transcode.respond = catalogue.respond = () => ({ status: 202 });
  });
  afterAll(async () => {
    await transcode.close();
    await catalogue.close();
  });
  const fresh = () => (state = mkdtempSync(join(tmpdir(), "estrena-router-")));
  const deadLetters = () =>
    existsSync(join(state, "dead-letter"))
      ? readdirSync(join(state, "dead-letter")).map((f) => JSON.parse(readFileSync(join(state, "dead-letter", f), "utf8")) as DeadLetter)
      : [];

  it("answers 202 to a structured CloudEvent and delivers it in binary mode to every matching Trigger", async () => {
    fresh();
    const r = await start();
    expect(await post(r.url, upload("e1"), "structured")).toBe(202);
    const [got] = await until("catalogue delivery", () => catalogue.received.length > 0 && catalogue.received);
    await until("transcode delivery", () => transcode.received.length > 0);
    expect(got!.headers["ce-id"]).toBe("e1");
    expect(got!.headers["ce-type"]).toBe("com.amazonaws.s3.ObjectCreated:Put");
    expect(got!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(got!.body)).toEqual({ key: "clip.mp4" });
  });

  it("refuses what is not a CloudEvent with 400", async () => {
    fresh();
    const r = await start();
    const res = await fetch(r.url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"Records":[]}' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad-request");
    expect((await fetch(`${r.url}healthz`)).status).toBe(200);
  });

  it("publishes a subscriber's reply event to the Triggers that select it", async () => {
    fresh();
    const r = await start();
    transcode.respond = () => {
      const reply = HTTP.binary(
        new CloudEvent({
          id: "r1",
          source: "/estrena",
          type: "dev.estrena.video.ready",
          datacontenttype: "application/json",
          data: { videoId: "v1" },
        }),
      );
      return { status: 200, headers: reply.headers as Record<string, string>, body: reply.body as string };
    };
    expect(await post(r.url, upload("e2"))).toBe(202);
    const ready = await until("reply at catalogue", () =>
      catalogue.received.find((x) => x.headers["ce-type"] === "dev.estrena.video.ready"),
    );
    expect(ready.headers["ce-id"]).toBe("r1");
    expect(JSON.parse(ready.body)).toEqual({ videoId: "v1" });
  });

  it("retries a failing subscriber with growing backoff, then dead-letters the event", async () => {
    fresh();
    const r = await start();
    transcode.respond = () => ({ status: 500, body: "boom" });
    expect(await post(r.url, upload("e3"))).toBe(202);
    const [letter] = await until("dead letter", () => deadLetters().length > 0 && deadLetters());
    expect(transcode.received.map((x) => x.headers["ce-id"])).toEqual(["e3", "e3", "e3"]);
    const gaps = transcode.received.slice(1).map((x, i) => x.at - transcode.received[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(195);
    expect(letter!.delivery).toMatchObject({
      trigger: "transcode-upload",
      subscriber: "transcode",
      url: transcode.url,
      attempts: 3,
      lastStatus: 500,
    });
    // The same record shape the deadletter function stores on Knative.
    expect(letter!.errors).toEqual({ knativeerrorcode: "500", knativeerrordest: transcode.url, knativeerrordata: expect.any(String) });
    expect(letter!.errorBody).toContain("boom");
    expect(letter!.event).toMatchObject({ id: "e3", type: "com.amazonaws.s3.ObjectCreated:Put", knativeerrorcode: "500" });
    expect(catalogue.received).toHaveLength(1);
    expect(readdirSync(join(state, "router", "pending"))).toEqual([]);
  });

  it("treats a 200 with a plain JSON body as a failure, and a 400 as final", async () => {
    fresh();
    const r = await start();
    transcode.respond = () => ({ status: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}' });
    catalogue.respond = () => ({ status: 400, body: "nope" });
    expect(await post(r.url, upload("e4"))).toBe(202);
    const letters = await until("two dead letters", () => deadLetters().length === 2 && deadLetters());
    const byTrigger = Object.fromEntries(letters.map((l) => [l.delivery!.trigger, [l.delivery!.attempts, l.delivery!.lastStatus]]));
    expect(byTrigger).toEqual({ "transcode-upload": [3, 502], "catalogue-upload": [1, 400] });
  });

  it("keeps accepted deliveries in its journal across a restart", async () => {
    fresh();
    const r = await start({
      subscribers: { transcode: "http://127.0.0.1:9/", catalogue: "http://127.0.0.1:9/" },
      deliveryOverrides: { retry: 5, backoffDelayMs: 60_000 },
    });
    expect(await post(r.url, upload("e5"))).toBe(202);
    await until("first attempts", () => r.pending() === 2);
    await r.close();
    expect(readdirSync(join(state, "router", "pending"))).toHaveLength(2);
    router = await start();
    await until("redelivery after restart", () => catalogue.received.length === 1 && transcode.received.length === 1);
    expect(catalogue.received[0]!.headers["ce-id"]).toBe("e5");
    await until("journal emptied", () => readdirSync(join(state, "router", "pending")).length === 0);
  });
});
