import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import { ensureBuilt, freePorts } from "../support/stack.js";

/*
 * The gateway image renders nginx.conf at start with dist/tools/gateway-config/main.js (docker/gateway-run.sh).
 * Run that exact command with a container-like environment, let the real nginx check the result, then run it
 * against a real MinIO and Redis and read the cache counters from the private metrics port.
 * Host names are local ones: compose and Knative names do not resolve here.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "gw-"));
const nginxBin = existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
const children: ChildProcess[] = [];
const user = `u${randomBytes(6).toString("hex")}`;
const password = randomBytes(18).toString("hex");
let ports: {
  gateway: number;
  metrics: number;
  s3: number;
  console: number;
  redis: number;
  catalogue: number;
  gateway2: number;
  metrics2: number;
};

function render(env: Record<string, string>): string {
  return execFileSync(process.execPath, [join(REPO_ROOT, "dist/tools/gateway-config/main.js")], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    stdio: "pipe",
  }).trim();
}

/** The environment of one gateway replica; `replica` 2 gets its own ports and prefix (its own L1), same Redis. */
function containerEnv(replica: 1 | 2 = 1): Record<string, string> {
  return {
    PORT: String(replica === 1 ? ports.gateway : ports.gateway2),
    CATALOGUE_URL: `http://localhost:${ports.catalogue}`,
    S3_ENDPOINT: `http://127.0.0.1:${ports.s3}`,
    STREAM_BUCKET: "stream",
    REDIS_URL: `redis://127.0.0.1:${ports.redis}/0`,
    GATEWAY_PREFIX: join(dir, replica === 1 ? "p" : "p2"),
    GATEWAY_WEB_ROOT: join(dir, "web"),
    GATEWAY_METRICS_PORT: String(replica === 1 ? ports.metrics : ports.metrics2),
  };
}

async function waitFor(what: string, probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up`);
}

beforeAll(async () => {
  ensureBuilt();
  const [gateway, metrics, s3, consolePort, redis, catalogue, gateway2, metrics2] = await freePorts(8);
  ports = {
    gateway: gateway!,
    metrics: metrics!,
    s3: s3!,
    console: consolePort!,
    redis: redis!,
    catalogue: catalogue!,
    gateway2: gateway2!,
    metrics2: metrics2!,
  };
});

afterAll(async () => {
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
  if (!process.env.ESTRENA_KEEP_TEST_STATE) rmSync(dir, { recursive: true, force: true });
});

describe("gateway container render", () => {
  it("renders a config nginx accepts, sending the catalogue its own Host", () => {
    const conf = render(containerEnv());
    expect(conf).toBe(join(dir, "p/conf/nginx.conf"));
    const text = readFileSync(conf, "utf8");
    expect(text).toContain(`listen ${ports.gateway};`);
    expect(text).toContain(`listen ${ports.metrics};`);
    expect(text.match(new RegExp(`proxy_set_header Host localhost:${ports.catalogue};`, "g"))).toHaveLength(2);
    // nginx -t exits non-zero (execFileSync throws, with nginx's message) when it rejects the file.
    expect(execFileSync(nginxBin, ["-t", "-p", join(dir, "p"), "-c", conf], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })).toBe(
      "",
    );
  });

  it("names the missing variables when the environment is incomplete", () => {
    let message = "";
    try {
      render({});
    } catch (err) {
      message = String((err as { stderr?: string }).stderr);
    }
    expect(message).toContain("CATALOGUE_URL is required");
    expect(message).toContain("S3_ENDPOINT is required");
    expect(message).toContain("REDIS_URL is required");
  });

  it("counts L1 and L2 hits and misses per /stream/ answer, per replica, on the private metrics port only", async () => {
    children.push(
      spawn(
        process.env.ESTRENA_MINIO_BIN ?? join(REPO_ROOT, ".estrena/bin/minio"),
        ["server", join(dir, "minio"), "--address", `127.0.0.1:${ports.s3}`, "--console-address", `127.0.0.1:${ports.console}`, "--quiet"],
        {
          env: { PATH: process.env.PATH, HOME: dir, MINIO_ROOT_USER: user, MINIO_ROOT_PASSWORD: password, MINIO_BROWSER: "off" },
          stdio: "ignore",
        },
      ),
      spawn("redis-server", ["--port", String(ports.redis), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
        stdio: "ignore",
      }),
    );
    const s3 = new Client({ endPoint: "127.0.0.1", port: ports.s3, useSSL: false, accessKey: user, secretKey: password });
    await waitFor("minio", async () => (await s3.listBuckets(), true));
    await s3.makeBucket("stream");
    const id = "v0123456789abcdef012";
    await s3.putObject("stream", `videos/${id}/720p_0000_000.m4s`, Buffer.from("segment bytes"));
    await s3.putObject("stream", `videos/${id}/360p_0000_000.m4s`, Buffer.from("other segment"));
    await waitFor("redis", async () => (await run("redis-cli", ["-p", String(ports.redis), "ping"])).stdout.includes("PONG"));

    mkdirSync(join(dir, "web"), { recursive: true });
    const startReplica = async (replica: 1 | 2): Promise<string> => {
      const conf = render(containerEnv(replica));
      children.push(
        spawn(nginxBin, ["-p", join(dir, replica === 1 ? "p" : "p2"), "-c", conf, "-g", "daemon off;"], {
          env: { PATH: process.env.PATH, S3_ACCESS_KEY: user, S3_SECRET_KEY: password, S3_REGION: "us-east-1" },
          stdio: "ignore",
        }),
      );
      const url = `http://127.0.0.1:${replica === 1 ? ports.metrics : ports.metrics2}/metrics`;
      await waitFor(`nginx ${replica}`, async () => (await fetch(url)).ok);
      return url;
    };
    const xCache = async (replica: 1 | 2, file: string) => {
      const res = await fetch(`http://127.0.0.1:${replica === 1 ? ports.gateway : ports.gateway2}/stream/${id}/${file}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      return res.headers.get("x-cache");
    };
    /** The log phase runs after the answer is sent: poll until `answers` answers are counted. */
    const lookups = async (url: string, answers: number) => {
      let lines: string[] = [];
      await waitFor(`${answers} counted answers`, async () => {
        lines = (await (await fetch(url)).text()).split("\n").filter((l) => l.startsWith('estrena_cache_lookups_total{cache="gateway-l1"'));
        return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0) === answers;
      });
      return (await (await fetch(url)).text()).split("\n").filter((l) => l.startsWith("estrena_cache_lookups_total"));
    };

    // Replica 1: a first read comes from MinIO (L1 and L2 miss), a second from its own L1.
    const metrics1 = await startReplica(1);
    expect([await xCache(1, "720p_0000_000.m4s"), await xCache(1, "720p_0000_000.m4s"), await xCache(1, "360p_0000_000.m4s")]).toEqual([
      "MISS",
      "L1",
      "MISS",
    ]);
    expect(await lookups(metrics1, 3)).toEqual([
      'estrena_cache_lookups_total{cache="gateway-l1",result="hit",service="gateway"} 1',
      'estrena_cache_lookups_total{cache="gateway-l1",result="miss",service="gateway"} 2',
      'estrena_cache_lookups_total{cache="gateway-l2",result="hit",service="gateway"} 0',
      'estrena_cache_lookups_total{cache="gateway-l2",result="miss",service="gateway"} 2',
    ]);
    // Replica 2 shares only Redis: its first read of the same segment is an L2 hit (the fill stores in Redis
    // asynchronously, so wait until the key exists).
    await waitFor("segment in Redis", async () =>
      (await run("redis-cli", ["-p", String(ports.redis), "keys", "*720p_0000_000.m4s"])).stdout.includes("720p_0000_000.m4s"),
    );
    const metrics2 = await startReplica(2);
    expect(await xCache(2, "720p_0000_000.m4s")).toBe("L2");
    expect(await lookups(metrics2, 1)).toEqual([
      'estrena_cache_lookups_total{cache="gateway-l1",result="hit",service="gateway"} 0',
      'estrena_cache_lookups_total{cache="gateway-l1",result="miss",service="gateway"} 1',
      'estrena_cache_lookups_total{cache="gateway-l2",result="hit",service="gateway"} 1',
      'estrena_cache_lookups_total{cache="gateway-l2",result="miss",service="gateway"} 0',
    ]);
    const publicMetrics = await fetch(`http://127.0.0.1:${ports.gateway}/metrics`);
    await publicMetrics.arrayBuffer();
    expect(publicMetrics.status).toBe(404);
  });
});
