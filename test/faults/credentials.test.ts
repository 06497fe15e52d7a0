import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import { postToIngest } from "../support/ingest.js";
import type { TestStack } from "../support/stack.js";
import {
  faultsEnabled,
  gatewayGet,
  listKeys,
  readObject,
  s3,
  SCENARIO_MS,
  sleep,
  startFaultStack,
  tempDir,
  tinyClip,
  upload,
  waitFinal,
} from "./support.js";

/**
 * Credentials never leave where they belong: not in the repository, not in any log of a stack that was made to fail
 * in every way we could think of, not in an error body, not in a process's command line, not in the stream bucket.
 */
let stack: TestStack;
const dir = tempDir("creds");
const bodies: { what: string; body: string }[] = [];

/** Generated-looking secrets assigned in text: 32+ characters of base64url/hex after a secret's name. */
const ASSIGNED_SECRET = /(PASSWORD|SECRET_KEY|SECRET|AUTH_TOKEN|TOKEN)\w*["']?[ \t]*[=:][ \t]*["']?([A-Za-z0-9_-]{32,})/;
const KEY_SHAPES = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\bAKIA[0-9A-Z]{16}\b/];

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The secrets of a credentials.env file (user names are not secret). */
function secretsOf(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => /^(MINIO_ROOT_PASSWORD|WEBHOOK_AUTH_TOKEN)=(.+)$/.exec(l.trim())?.[2])
    .filter((v): v is string => !!v && v.length >= 8);
}

async function collect(what: string, p: Promise<{ body: Buffer | string } | { text: string }>): Promise<void> {
  const r = await p;
  bodies.push({ what, body: "text" in r ? r.text : r.body.toString() });
}

describe.runIf(faultsEnabled())("credentials", { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    stack = await startFaultStack({ LOG_LEVEL: "debug" });
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("the repository holds no credential: no generated one, no assigned secret, no key", () => {
    const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: REPO_ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    const local = [
      ...secretsOf(join(REPO_ROOT, ".estrena", "credentials.env")),
      stack.credentials.password,
      stack.credentials.webhookToken,
    ];
    const findings: string[] = [];
    for (const f of tracked) {
      const path = join(REPO_ROOT, f);
      if (!existsSync(path) || statSync(path).size > 8 << 20) continue;
      const text = readFileSync(path, "latin1");
      if (local.some((s) => text.includes(s))) findings.push(`${f}: a generated credential`);
      const m = ASSIGNED_SECRET.exec(text);
      if (m) findings.push(`${f}: ${m[1]} assigned a ${m[2]!.length}-character literal`);
      for (const k of KEY_SHAPES) if (k.test(text)) findings.push(`${f}: ${k.source}`);
    }
    expect(tracked.length).toBeGreaterThan(50);
    expect(findings).toEqual([]);
  });

  it("no credential in logs, error bodies, command lines or the stream bucket after a bad day", async () => {
    // Normal work, a failed video, and every kind of refused request.
    const good = await upload(stack, tinyClip(dir, "ok.mp4", 2), "creds/ok.mp4", "ok");
    writeFileSync(join(dir, "bad.mp4"), randomBytes(4096));
    const bad = await upload(stack, join(dir, "bad.mp4"), "creds/bad.mp4", "bad");
    await collect("ingest without a token", postToIngest(stack, "{}", null));
    await collect("ingest with a wrong token", postToIngest(stack, "{}", "Bearer wrong"));
    await collect("ingest with a bad body", postToIngest(stack, "not json"));
    await collect("catalogue 404", gatewayGet(stack, "/api/videos/v0000000000000000000"));
    await collect("catalogue bad cursor", gatewayGet(stack, "/api/videos?cursor=%%%"));
    await collect("stream 404", gatewayGet(stack, "/stream/v0000000000000000000/master.m3u8"));
    await collect(
      "router non-event",
      fetch(stack.urls.router, { method: "POST", body: "x" }).then(async (r) => ({ text: await r.text() })),
    );
    await collect(
      "transcode non-event",
      fetch(stack.urls.transcode, { method: "POST", body: "x" }).then(async (r) => ({ text: await r.text() })),
    );
    await collect(
      "catalogue non-event",
      fetch(stack.urls.catalogue, { method: "POST", body: "x" }).then(async (r) => ({ text: await r.text() })),
    );
    // MinIO away: origin errors in the gateway, catalogue and functions.
    await stack.stopService("minio");
    await collect("healthz, MinIO down", gatewayGet(stack, "/healthz"));
    await collect("list, MinIO down", gatewayGet(stack, "/api/videos"));
    await collect("stream, MinIO down", gatewayGet(stack, `/stream/${good}/poster-missing.jpg`));
    await sleep(1000);
    await stack.startService("minio");
    // Redis away too.
    await stack.stopService("redis");
    await collect("healthz, Redis down", gatewayGet(stack, "/healthz"));
    await collect("video, Redis down", gatewayGet(stack, `/api/videos/${good}`));
    await stack.startService("redis");
    await waitFinal(stack, [good, bad], 180_000);

    const needles = [stack.credentials.password, stack.credentials.webhookToken];
    const hits: string[] = [];
    for (const b of bodies) if (needles.some((n) => b.body.includes(n))) hits.push(`error body of ${b.what}`);
    const logs = filesUnder(join(stack.stateDir, "logs")).concat(
      filesUnder(join(stack.stateDir, "gateway", "logs")),
      filesUnder(join(stack.stateDir, "dead-letter")),
    );
    expect(logs.length).toBeGreaterThan(5);
    for (const f of logs) {
      const text = readFileSync(f, "latin1");
      if (needles.some((n) => text.includes(n))) hits.push(`log ${f.slice(stack.stateDir.length + 1)}`);
    }
    for (const [service, pid] of Object.entries(stack.pids())) {
      const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, "latin1") : "";
      if (needles.some((n) => cmdline.includes(n)) || cmdline.includes(stack.credentials.user)) hits.push(`command line of ${service}`);
    }
    const minio = s3(stack);
    for (const key of await listKeys(minio, "stream")) {
      const text = (await readObject(minio, "stream", key)).toString("latin1");
      if (needles.some((n) => text.includes(n))) hits.push(`stream/${key}`);
    }
    console.log(
      `credentials: scanned ${bodies.length} error bodies, ${logs.length} log files, ${Object.keys(stack.pids()).length} command lines`,
    );
    expect(hits).toEqual([]);
  });
});
