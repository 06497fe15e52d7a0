import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import {
  fillIdentityCredentials,
  IDENTITY_NAMES,
  type IdentityCredentials,
  type IdentityName,
  identityCredentials,
} from "../../lib/runtime/identities.js";
import { provisionIdentities } from "../../tools/minio-bootstrap/provision.js";
import { launchBrowser } from "../support/browser.js";
import { freePorts } from "../support/stack.js";

/*
 * Every identity against a real MinIO: each operation in the table below is tried with each identity, and only
 * the ones its policy names succeed. Then the editor logs into the MinIO console in Chromium and sees uploads only.
 */
const dir = mkdtempSync(join(tmpdir(), "estrena-identities-"));
const root = { user: `root${randomBytes(4).toString("hex")}`, password: randomBytes(18).toString("hex") };
let minio: ChildProcess;
let api = 0;
let consolePort = 0;
let creds: IdentityCredentials;

type Op =
  | "uploads:list"
  | "uploads:put"
  | "uploads:get"
  | "uploads:get-sidecar"
  | "uploads:delete"
  | "stream:list"
  | "stream:get"
  | "stream:put"
  | "stream:delete"
  | "stream:put-outside-videos"
  | "deadletter:put"
  | "jobs:put";
const OPS: Op[] = [
  "uploads:list",
  "uploads:put",
  "uploads:get",
  "uploads:get-sidecar",
  "uploads:delete",
  "stream:list",
  "stream:get",
  "stream:put",
  "stream:delete",
  "stream:put-outside-videos",
  "deadletter:put",
  "jobs:put",
];

/** What each identity may do; everything else must be refused with AccessDenied. */
const ALLOWED: Record<IdentityName, Op[]> = {
  editor: ["uploads:list", "uploads:put", "uploads:get", "uploads:get-sidecar", "uploads:delete"],
  ingest: [],
  transcode: ["uploads:get", "uploads:get-sidecar", "stream:list", "stream:get", "stream:put", "stream:delete", "jobs:put"],
  // Subtitle sidecars only (.vtt/.srt, any case), never a video in uploads.
  catalogue: ["uploads:get-sidecar", "stream:list", "stream:get", "stream:put", "stream:delete"],
  deadletter: ["deadletter:put"],
  watcher: ["uploads:put"],
  resync: ["uploads:list", "uploads:get", "uploads:get-sidecar", "stream:get"],
  gateway: ["stream:get"],
};

function client(accessKey: string, secretKey: string): Client {
  return new Client({ endPoint: "127.0.0.1", port: api, useSSL: false, accessKey, secretKey });
}

async function perform(c: Client, op: Op): Promise<void> {
  const body = Buffer.from("x");
  switch (op) {
    case "uploads:list":
      for await (const _ of c.listObjectsV2("uploads", "", true)) break;
      return;
    case "uploads:put":
      await c.putObject("uploads", `probe-${randomBytes(3).toString("hex")}.mp4`, body);
      return;
    case "uploads:get":
      (await c.getObject("uploads", "fixture.mp4")).resume();
      return;
    case "uploads:get-sidecar":
      (await c.getObject("uploads", "talks/fixture.EN.Vtt")).resume();
      return;
    case "uploads:delete":
      await c.removeObject("uploads", "fixture-delete.mp4");
      return;
    case "stream:list":
      for await (const _ of c.listObjectsV2("stream", "videos/", false)) break;
      return;
    case "stream:get":
      (await c.getObject("stream", "videos/v1/meta.json")).resume();
      return;
    case "stream:put":
      await c.putObject("stream", "videos/v1/probe.m4s", body);
      return;
    case "stream:delete":
      await c.removeObject("stream", "videos/v1/delete-me.m4s");
      return;
    case "stream:put-outside-videos":
      await c.putObject("stream", "elsewhere/probe.json", body);
      return;
    case "jobs:put":
      await c.putObject("stream", "jobs/v1/plan.json", body);
      return;
    case "deadletter:put":
      await c.putObject("stream", "deadletter/probe.json", body);
      return;
  }
}

/** "ok" or the S3 error code the operation ended with. */
async function outcome(c: Client, op: Op): Promise<string> {
  try {
    await perform(c, op);
    return "ok";
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

beforeAll(async () => {
  [api, consolePort] = (await freePorts(2)) as [number, number];
  minio = spawn(
    process.env.ESTRENA_MINIO_BIN ?? join(REPO_ROOT, ".estrena/bin/minio"),
    ["server", join(dir, "data"), "--address", `127.0.0.1:${api}`, "--console-address", `127.0.0.1:${consolePort}`],
    {
      env: { PATH: process.env.PATH, HOME: dir, MINIO_ROOT_USER: root.user, MINIO_ROOT_PASSWORD: root.password, MINIO_UPDATE: "off" },
      stdio: "ignore",
    },
  );
  const admin = client(root.user, root.password);
  for (let i = 0; ; i++) {
    try {
      await admin.listBuckets();
      break;
    } catch (err) {
      if (i > 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  for (const b of ["uploads", "stream"]) await admin.makeBucket(b);
  await admin.putObject("uploads", "fixture.mp4", Buffer.from("source"));
  await admin.putObject("uploads", "talks/fixture.EN.Vtt", Buffer.from("WEBVTT\n"));
  await admin.putObject("stream", "videos/v1/meta.json", Buffer.from("{}"));
  const values: Record<string, string> = {};
  fillIdentityCredentials(values);
  creds = identityCredentials(values);
  const target = { endpoint: `http://127.0.0.1:${api}`, accessKey: root.user, secretKey: root.password, region: "us-east-1" };
  await provisionIdentities(target, creds, { uploads: "uploads", stream: "stream" });
  // Running it again changes nothing and fails nowhere (the bootstrap runs on every start).
  await provisionIdentities(target, creds, { uploads: "uploads", stream: "stream" });
});

afterAll(() => {
  minio?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("least-privilege MinIO identities", () => {
  it.each(IDENTITY_NAMES)("%s may do exactly what its policy names", async (name) => {
    const c = client(creds[name].user, creds[name].secret);
    const got: Record<string, string> = {};
    for (const op of OPS) {
      // Deletions of objects that do not exist succeed in S3; put them back so each identity deletes something.
      if (op === "uploads:delete") await client(root.user, root.password).putObject("uploads", "fixture-delete.mp4", Buffer.from("x"));
      if (op === "stream:delete") await client(root.user, root.password).putObject("stream", "videos/v1/delete-me.m4s", Buffer.from("x"));
      got[op] = await outcome(c, op);
    }
    const want = Object.fromEntries(OPS.map((op) => [op, ALLOWED[name].includes(op) ? "ok" : "AccessDenied"]));
    expect(got).toEqual(want);
  });

  it("refuses a wrong secret for an existing identity", async () => {
    expect(await outcome(client(creds.editor.user, "not-the-secret"), "uploads:list")).toBe("SignatureDoesNotMatch");
  });

  /** Logs into the MinIO console in Chromium and returns the text of the object browser's bucket list. */
  async function consoleBuckets(user: string, secret: string): Promise<string> {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${consolePort}/login`);
      await page.fill("#accessKey", user);
      await page.fill("#secretKey", secret);
      await page.click("button[type=submit]");
      await page.getByText("uploads", { exact: true }).first().waitFor({ timeout: 30_000 });
      // biome-ignore lint/performance/useDomNodeTextContent: what a person sees, not the text of hidden nodes or scripts
      return await page.locator("body").innerText();
    } finally {
      await browser.close();
    }
  }

  it("lets the editor into the MinIO console, where uploads shows and stream does not (root sees both)", async () => {
    const editor = await consoleBuckets(creds.editor.user, creds.editor.secret);
    expect(editor).toContain("uploads");
    expect(editor).not.toMatch(/\bstream\b/);
    // The same page for root lists stream: the check above can fail.
    expect(await consoleBuckets(root.user, root.password)).toMatch(/\bstream\b/);
  });
});
