// `npm run bench:cold-start`: each function's cold start, process start → first 200 on a real request, against
// the local stack (MinIO, Redis). Writes the rows `npm run sizing` reads into docs/performance.md.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type StackHandle } from "../dev/stack.js";
import { createLogger } from "../lib/runtime/log.js";
import { REPO_ROOT, SERVICE_PORTS, type Ports } from "../lib/runtime/stack-settings.js";

const RUNS = Number(process.env.COLD_START_RUNS ?? 5);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((ok) =>
          createServer().listen(0, function (this: ReturnType<typeof createServer>) {
            ok(this);
          }),
        ),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** The first request each function gets in production, answered 2xx once the function is really serving. */
type Probe = (base: string) => Promise<boolean>;

function ceHeaders(type: string, id: string): Record<string, string> {
  return { "ce-specversion": "1.0", "ce-id": id, "ce-source": "/bench/cold-start", "ce-type": type, "content-type": "application/json" };
}

/** Process start → first 2xx of `probe` from a fresh functions-framework process with the stack's environment. */
async function coldStart(stack: StackHandle, fn: string, probe: Probe): Promise<number> {
  const [port] = await freePorts(1);
  const ff = join(REPO_ROOT, "node_modules", "@google-cloud", "functions-framework", "build", "src", "main.js");
  const start = performance.now();
  const child = spawn(
    process.execPath,
    [ff, `--target=${fn}`, "--signature-type=http", `--source=${join(REPO_ROOT, "dist", "functions", fn, "index.js")}`, `--port=${port}`],
    { env: { ...process.env, ...stack.env, LOG_LEVEL: "warn" }, stdio: "ignore" },
  );
  try {
    while (performance.now() - start < 30_000) {
      if (await probe(`http://127.0.0.1:${port}`).catch(() => false)) return performance.now() - start;
      await sleep(5);
    }
    throw new Error(`${fn}: no 2xx within 30 s`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  }
}

async function main(): Promise<void> {
  const log = createLogger("bench-cold-start", "warn");
  const stateDir = mkdtempSync(join(tmpdir(), "estrena-cold-"));
  const free = await freePorts(SERVICE_PORTS.length);
  const ports = Object.fromEntries(SERVICE_PORTS.map((p, i) => [p, free[i]])) as Ports;
  const env: NodeJS.ProcessEnv = { ...process.env, ESTRENA_MEDIA_DIR: join(stateDir, "media"), LOG_LEVEL: "warn" };
  for (const k of ["ESTRENA_STATE_DIR", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "WEBHOOK_AUTH_TOKEN"]) delete env[k];
  const stack = await startStack({ stateDir, ports, env, without: ["watcher"], log });
  const rows: string[] = [];
  try {
    // A catalogue record to read back, put there through the catalogue's own event intake.
    const id = `v${randomBytes(10).toString("hex").slice(0, 19)}`;
    const upload = {
      videoId: id,
      bucket: "uploads",
      key: "cold.mp4",
      size: 1,
      etag: id,
      eventName: "s3:ObjectCreated:Put",
      eventTime: new Date().toISOString(),
    };
    await fetch(stack.urls.catalogue, {
      method: "POST",
      headers: ceHeaders("com.amazonaws.s3.ObjectCreated:Put", id),
      body: JSON.stringify(upload),
    });
    const probes: Record<string, [string, Probe]> = {
      catalogue: ["`GET /api/videos/:id`", async (b) => (await fetch(`${b}/api/videos/${id}`)).status === 200],
      // MinIO's webhook target checks the endpoint with a request of its own before it sends events.
      ingest: ["`GET /` (MinIO's endpoint check)", async (b) => (await fetch(`${b}/`)).ok],
      // An event type transcode does not work on: decoded, deps (Redis, MinIO) created, answered.
      transcode: [
        "a CloudEvent it ignores",
        async (b) => (await fetch(b, { method: "POST", headers: ceHeaders("dev.estrena.bench.ignored", id), body: "{}" })).ok,
      ],
    };
    for (const [fn, [what, probe]] of Object.entries(probes)) {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await coldStart(stack, fn, probe));
      const median = [...runs].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
      const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
      rows.push(
        `| ${fn} cold start, process start → first 200 (${what}), median of ${RUNS} | ${fmt(median)} ms | ${runs.map(fmt).join(", ")} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const section = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`npm run bench:cold-start\` (load average ${loadavg()[0]!.toFixed(2)}); \`npm run sizing\` reads these rows.`,
    "",
    "| function | median | runs (ms) |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
  const file = join(REPO_ROOT, "docs", "performance.md");
  const begin = "<!-- cold-start:begin -->";
  const end = "<!-- cold-start:end -->";
  const text = readFileSync(file, "utf8");
  const block = `${begin}\n### Cold starts\n\n${section}${end}`;
  const i = text.indexOf(begin);
  const next = i < 0 ? `${text.trimEnd()}\n\n${block}\n` : text.slice(0, i) + block + text.slice(text.indexOf(end) + end.length);
  writeFileSync(file, next);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
