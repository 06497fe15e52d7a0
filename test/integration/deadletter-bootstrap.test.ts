import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { http } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { CloudEvent, HTTP } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadLetterHandler } from "../../functions/deadletter/handler.js";
import { parseConfig } from "../../lib/runtime/config.js";
import { fillIdentityCredentials } from "../../lib/runtime/identities.js";
import { createStorage } from "../../lib/runtime/storage.js";
import { FAST_WEBHOOK_ARN, webhookEnv, WEBHOOK_ARN } from "../../tools/minio-bootstrap/setup.js";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import { ensureBuilt, freePorts } from "../support/stack.js";

/*
 * The two container entry points the deploy engineer adds, against a real MinIO:
 * - dist/tools/minio-bootstrap/main.js (the Knative Job and compose's minio-bootstrap run exactly this command);
 * - the deadletter function (the Broker's deadLetterSink) storing a dead letter in the stream bucket.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "estrena-deadletter-"));
const user = `u${randomBytes(6).toString("hex")}`;
const password = randomBytes(18).toString("hex");
let minio: ChildProcess;
let env: Record<string, string>;
/** Every identity's login, as compose's env file and the Knative Secrets hand them to the bootstrap. */
const identities: Record<string, string | undefined> = {};
fillIdentityCredentials(identities);

beforeAll(async () => {
  ensureBuilt();
  const [api, consolePort] = await freePorts(2);
  minio = spawn(
    process.env.ESTRENA_MINIO_BIN ?? join(REPO_ROOT, ".estrena/bin/minio"),
    ["server", join(dir, "data"), "--address", `127.0.0.1:${api}`, "--console-address", `127.0.0.1:${consolePort}`],
    {
      // The webhook target must exist for the notification to attach; nobody listens there, events just queue.
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        MINIO_ROOT_USER: user,
        MINIO_ROOT_PASSWORD: password,
        ...webhookEnv("http://127.0.0.1:1/", "token", join(dir, "queue")),
      },
      stdio: "ignore",
    },
  );
  env = {
    LOG_LEVEL: "silent",
    S3_ENDPOINT: `http://127.0.0.1:${api}`,
    S3_ACCESS_KEY: user,
    S3_SECRET_KEY: password,
    REDIS_URL: "redis://127.0.0.1:1/0",
    UPLOADS_BUCKET: "uploads",
    STREAM_BUCKET: "stream",
  };
});

afterAll(async () => {
  minio?.kill("SIGTERM");
  await new Promise((r) => (minio?.exitCode !== null ? r(null) : minio.once("exit", r)));
  rmSync(dir, { recursive: true, force: true });
});

describe("container entry points against a real MinIO", () => {
  it("minio-bootstrap creates both buckets, attaches the webhook and creates the identities, and is idempotent", async () => {
    const script = join(REPO_ROOT, "dist/tools/minio-bootstrap/main.js");
    // Run twice: the Job is re-applied on every deploy and compose runs it on every `up`.
    for (let i = 0; i < 2; i++)
      await run(process.execPath, [script], { env: { ...env, ...identities, PATH: process.env.PATH ?? "" }, timeout: 90_000 });
    const s3 = createStorage(parseConfig(env));
    expect((await s3.listBuckets()).map((b) => b.name).sort()).toEqual(["stream", "uploads"]);
    const n = (await s3.getBucketNotification("uploads")) as unknown as { QueueConfiguration: { Queue: string; Event: string[] }[] };
    expect(n.QueueConfiguration.map((q) => ({ queue: q.Queue, events: [...q.Event].sort() }))).toEqual([
      { queue: WEBHOOK_ARN, events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] },
      { queue: FAST_WEBHOOK_ARN, events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] },
    ]);
  });

  it("deadletter stores the event under deadletter/ in the stream bucket and answers 202", async () => {
    // As on Knative: the deadletter identity the bootstrap created, which may only write under deadletter/.
    const asDeadletter = {
      ...env,
      S3_ACCESS_KEY: identities.ESTRENA_DEADLETTER_S3_ACCESS_KEY as string,
      S3_SECRET_KEY: identities.ESTRENA_DEADLETTER_S3_SECRET_KEY as string,
    };
    http("deadletter-it", deadLetterHandler(asDeadletter));
    const server: Server = getTestServer("deadletter-it");
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const event = new CloudEvent({
        id: "dl-1",
        type: "dev.estrena.video.ready",
        source: "/estrena",
        subject: "v0123456789abcdef012",
        data: { videoId: "v0123456789abcdef012" },
        knativeerrorcode: "500",
      });
      const msg = HTTP.binary(event);
      const res = await fetch(url, { method: "POST", headers: msg.headers as Record<string, string>, body: msg.body as string });
      expect(res.status).toBe(202);
      expect(await res.text()).toBe("");
      const s3 = createStorage(parseConfig(env));
      const keys: string[] = [];
      for await (const o of s3.listObjectsV2("stream", "deadletter/", true)) keys.push((o as { name: string }).name);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^deadletter\/\d{4}-\d{2}-\d{2}\/.*-dev\.estrena\.video\.ready-dl-1\.json$/);
      const chunks: Buffer[] = [];
      for await (const c of await s3.getObject("stream", keys[0]!)) chunks.push(c as Buffer);
      const stored = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { errors: unknown; event: { id: string; data: unknown } };
      expect(stored.errors).toEqual({ knativeerrorcode: "500" });
      expect(stored.event.id).toBe("dl-1");
      expect(stored.event.data).toEqual({ videoId: "v0123456789abcdef012" });

      const notAnEvent = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(notAnEvent.status).toBe(400);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
