import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage } from "../../lib/runtime/storage.js";
import { videoId } from "../../lib/runtime/ids.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import type { DeadLetter } from "../../lib/contracts/dead-letter.js";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP server standing in for a Trigger's subscriber. */
async function subscriber(status: number): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    received,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function until<T>(what: string, probe: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The plumbing end to end with real services: PUT to MinIO → webhook (queue_dir) → ingest → router → subscriber.
 * The Trigger subscribers `catalogue` and `transcode` are pointed at test servers through the router's URL map;
 * the filters themselves come from knative/eventing as always.
 */
describe("MinIO webhook → ingest → router → subscribers", () => {
  let stack: TestStack;
  let catalogue: Awaited<ReturnType<typeof subscriber>>;
  let transcode: Awaited<ReturnType<typeof subscriber>>;

  beforeAll(async () => {
    catalogue = await subscriber(202);
    transcode = await subscriber(500);
    stack = await startTestStack({
      subscribers: { catalogue: catalogue.url, transcode: transcode.url },
      routerEnv: { ROUTER_RETRY: "2", ROUTER_BACKOFF_DELAY: "PT0.2S" },
      without: ["gateway", "watcher"],
    });
  });
  afterAll(async () => {
    await stack?.cleanup();
    await catalogue?.close();
    await transcode?.close();
  });

  const deadLetters = () => {
    const dir = join(stack.stateDir, "dead-letter");
    return existsSync(dir) ? readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as DeadLetter) : [];
  };

  it("delivers an upload to the subscriber as a binary-mode CloudEvent", async () => {
    const s3 = createStorage({
      s3Endpoint: stack.env.S3_ENDPOINT!,
      s3AccessKey: stack.credentials.user,
      s3SecretKey: stack.credentials.password,
      s3Region: "us-east-1",
    });
    const key = "holiday clips/día 1+2.mp4";
    const put = await s3.putObject("uploads", key, Buffer.from("not really a video"), undefined, {
      "Content-Type": "video/mp4",
      "x-amz-meta-title": "Day one",
    });

    const got = await until("the upload event at catalogue", () =>
      catalogue.received.find((r) => String(r.headers["ce-type"]).startsWith("com.amazonaws.s3.ObjectCreated:")),
    );
    expect(got.headers["ce-specversion"]).toBe("1.0");
    expect(got.headers["ce-type"]).toBe("com.amazonaws.s3.ObjectCreated:Put");
    expect(got.headers["content-type"]).toMatch(/^application\/json/);
    const data = JSON.parse(got.body) as Record<string, unknown>;
    expect(data).toMatchObject({ bucket: "uploads", key, videoId: videoId("uploads", key, put.etag) });
  });

  it("retries the failing subscriber, then dead-letters the event", async () => {
    const [letter] = await until("a dead letter", () => deadLetters().length > 0 && deadLetters());
    expect(letter!.delivery).toMatchObject({ trigger: "transcode-upload", subscriber: "transcode", attempts: 3, lastStatus: 500 });
    expect(letter!.event.type).toBe("com.amazonaws.s3.ObjectCreated:Put");
    const ids = transcode.received.map((r) => r.headers["ce-id"]);
    expect(ids).toEqual([letter!.event.id, letter!.event.id, letter!.event.id]);
    expect(catalogue.received.filter((r) => r.headers["ce-id"] === letter!.event.id)).toHaveLength(1);
  });

  it("delivers a removal to catalogue only", async () => {
    const s3 = createStorage({
      s3Endpoint: stack.env.S3_ENDPOINT!,
      s3AccessKey: stack.credentials.user,
      s3SecretKey: stack.credentials.password,
      s3Region: "us-east-1",
    });
    const before = transcode.received.length;
    await s3.removeObject("uploads", "holiday clips/día 1+2.mp4");
    const got = await until("the removal at catalogue", () =>
      catalogue.received.find((r) => String(r.headers["ce-type"]).startsWith("com.amazonaws.s3.ObjectRemoved:")),
    );
    expect(got.headers["ce-type"]).toBe("com.amazonaws.s3.ObjectRemoved:Delete");
    expect(JSON.parse(got.body)).toMatchObject({ bucket: "uploads", key: "holiday clips/día 1+2.mp4" });
    expect(transcode.received.length).toBe(before);
  });

  it("announces an upload MinIO took while it was still starting (such uploads raise no event of their own)", async () => {
    await stack.stopService("minio");
    await stack.startService("minio");
    const s3 = createStorage({
      s3Endpoint: stack.env.S3_ENDPOINT!,
      s3AccessKey: stack.credentials.user,
      s3SecretKey: stack.credentials.password,
      s3Region: "us-east-1",
    });
    const key = "right after the restart.mp4";
    const put = await s3.putObject("uploads", key, Buffer.from("written the moment MinIO answered"), undefined, {
      "x-amz-meta-title": "Early bird",
    });
    const got = await until(
      "the upload event at catalogue",
      () => catalogue.received.find((r) => r.headers["ce-type"] === "com.amazonaws.s3.ObjectCreated:Put" && JSON.parse(r.body).key === key),
      60_000,
    );
    expect(JSON.parse(got.body)).toMatchObject({ bucket: "uploads", key, title: "Early bird", videoId: videoId("uploads", key, put.etag) });
  });
});
