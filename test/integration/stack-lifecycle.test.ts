import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICE_PORTS, REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import type { LockInfo } from "../../dev/lock.js";
import { ensureBuilt, freePorts, startTestStack, type TestStack } from "../support/stack.js";

const PORT_ENV = [
  "ESTRENA_GATEWAY_PORT",
  "ESTRENA_MINIO_PORT",
  "ESTRENA_CONSOLE_PORT",
  "ESTRENA_REDIS_PORT",
  "ESTRENA_ROUTER_PORT",
  "ESTRENA_INGEST_PORT",
  "ESTRENA_TRANSCODE_PORT",
  "ESTRENA_CATALOGUE_PORT",
];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `node dist/dev/main.js` exactly as `npm start` does after installing and building. */
function runStack(env: NodeJS.ProcessEnv, viaShell = false): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let out = "";
  const cmd = [process.execPath, join(REPO_ROOT, "dist", "dev", "main.js")];
  // viaShell: a parent in between, as npm is for `npm start` (`; true` keeps bash from exec'ing node).
  const child = viaShell
    ? spawn("bash", ["-c", `"${cmd[0]}" "${cmd[1]}"; true`], {
        cwd: REPO_ROOT,
        env: { ...env, npm_lifecycle_event: "start" },
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(cmd[0]!, [cmd[1]!], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Waits for the "estrena is running" banner; a stack that exits first fails the test with its output. */
async function banner(run: ReturnType<typeof runStack>): Promise<void> {
  await until("the banner", () => {
    if (run.child.exitCode !== null) throw new Error(`stack exited with ${run.child.exitCode}:\n${run.output()}`);
    return run.output().includes("estrena is running");
  });
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("npm start lifecycle (node dist/dev/main.js)", () => {
  let state: string;
  let env: NodeJS.ProcessEnv;
  const lock = () => JSON.parse(readFileSync(join(state, "stack.lock"), "utf8")) as LockInfo;

  beforeAll(async () => {
    ensureBuilt();
    state = mkdtempSync(join(tmpdir(), "estrena-start-"));
    const ports = await freePorts(SERVICE_PORTS.length);
    env = {
      ...process.env,
      ESTRENA_STATE_DIR: state,
      ESTRENA_MEDIA_DIR: join(state, "media"),
      ESTRENA_MINIO_BIN: join(REPO_ROOT, ".estrena", "bin", "minio"),
    };
    for (const k of ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "WEBHOOK_AUTH_TOKEN"]) delete env[k];
    PORT_ENV.forEach((k, i) => (env[k] = String(ports[i])));
  });
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it("starts, serves /healthz through the gateway, refuses a second start, and stops cleanly on SIGTERM", async () => {
    const first = runStack(env);
    try {
      await banner(first);
      const gateway = `http://127.0.0.1:${env.ESTRENA_GATEWAY_PORT}`;
      expect(first.output()).toContain(`web page        ${gateway}/`);
      expect(first.output()).toContain(`MinIO console   http://127.0.0.1:${env.ESTRENA_CONSOLE_PORT}/`);
      const health = await until(
        "healthz 200",
        async () => {
          const r = await fetch(`${gateway}/healthz`).catch(() => undefined);
          return r?.status === 200 && r;
        },
        30_000,
      );
      expect(health.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${env.ESTRENA_CONSOLE_PORT}/`)).status).toBe(200);

      const creds = readFileSync(join(state, "credentials.env"), "utf8");
      expect(creds).toMatch(/^MINIO_ROOT_USER=estrena-[0-9a-f]{8}$/m);
      expect(creds).toMatch(/^MINIO_ROOT_PASSWORD=[A-Za-z0-9_-]{32}$/m);
      expect(creds).toMatch(/^WEBHOOK_AUTH_TOKEN=[0-9a-f]{48}$/m);
      expect(statSync(join(state, "credentials.env")).mode & 0o777).toBe(0o600);

      const second = runStack(env);
      expect(await second.exited).toBe(2);
      expect(second.output()).toContain(`estrena is already running (pid ${first.child.pid}`);

      const children = Object.values(lock().children);
      expect(children.length).toBeGreaterThanOrEqual(6);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      expect(children.filter(alive)).toEqual([]);
      expect(existsSync(join(state, "stack.lock"))).toBe(false);
    } finally {
      first.child.kill("SIGKILL");
    }
  });

  it("leaves nothing running when the stack itself is SIGKILLed (its watchdog reaps the children)", async () => {
    const crashed = runStack(env);
    await banner(crashed);
    const orphans = Object.values(lock().children);
    expect(orphans.length).toBeGreaterThanOrEqual(6);
    crashed.child.kill("SIGKILL");
    await crashed.exited;
    await until("the children gone", () => orphans.filter(alive).length === 0, 15_000);
    expect(existsSync(join(state, "stack.lock"))).toBe(false);
  });

  it("stops everything when the npm process above it is killed", async () => {
    const viaNpm = runStack(env, true);
    await banner(viaNpm);
    const { pid, children } = lock();
    viaNpm.child.kill("SIGKILL");
    await until("the stack and its children gone", () => [pid, ...Object.values(children)].filter(alive).length === 0, 30_000);
    expect(existsSync(join(state, "stack.lock"))).toBe(false);
  });

  it("takes over a stale lock, killing what the dead stack left, and keeps the credentials", async () => {
    const credentials = readFileSync(join(state, "credentials.env"), "utf8");
    const editor = /^ESTRENA_EDITOR_USER=(.*)$/m.exec(credentials)![1];
    const root = /^MINIO_ROOT_USER=(.*)$/m.exec(credentials)![1]!;
    const gone = spawn("true");
    await new Promise((r) => gone.once("exit", r));
    const leftover = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    writeFileSync(
      join(state, "stack.lock"),
      JSON.stringify({ pid: gone.pid, startedAt: "2026-01-01T00:00:00Z", urls: {}, children: { redis: leftover.pid } }),
    );

    const next = runStack(env);
    try {
      await banner(next);
      expect(next.output()).toContain("a previous stack died without stopping; killed its leftover processes");
      expect(next.output()).toContain(`editor login: user ${editor}`);
      expect(next.output()).not.toContain(root);
      expect(alive(leftover.pid!)).toBe(false);
      next.child.kill("SIGTERM");
      expect(await next.exited).toBe(0);
    } finally {
      next.child.kill("SIGKILL");
      leftover.kill("SIGKILL");
    }
  });
});

describe("supervision (startTestStack)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ without: ["watcher"] });
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("restarts a service that dies, with a new process", async () => {
    const before = stack.pids().catalogue!;
    stack.killService("catalogue", { restart: true });
    const after = await until(
      "catalogue restarted",
      () => {
        const p = stack.pids().catalogue;
        return p !== undefined && p !== before && p;
      },
      30_000,
    );
    expect(alive(before)).toBe(false);
    await until("catalogue answering", async () => (await fetch(stack.urls.healthz).catch(() => undefined))?.status === 200, 30_000);
    expect(stack.pids().catalogue).toBe(after);
  });

  it("stops Redis and brings it back with its job state (appendonly)", async () => {
    const redis = new Redis(stack.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await redis.connect();
    await redis.set("estrena:test:job", "kept");
    await redis.quit();
    await stack.stopService("redis");
    expect(stack.pids().redis).toBeUndefined();
    await stack.startService("redis");
    const again = new Redis(stack.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await again.connect();
    expect(await again.get("estrena:test:job")).toBe("kept");
    await again.quit();
  });

  it("leaves a stopped service down (no restart) until asked", async () => {
    await stack.stopService("ingest");
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.pids().ingest).toBeUndefined();
    await stack.startService("ingest");
    expect(stack.pids().ingest).toBeGreaterThan(0);
  });
});
