// `npm run bench:cold-start`: each function's cold start, process start → first 200 on a real request, against
// the local stack (MinIO, Redis), started exactly as `npm start` starts it (dev/services.ts functionArgs). Writes
// the rows `npm run sizing` reads into docs/performance.md, with the CPU time each process used until then.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type FunctionName, functionArgs } from "../dev/services.js";
import { startStack, type StackHandle } from "../dev/stack.js";
import { deliveryAuthorization } from "../lib/runtime/event-auth.js";
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

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** CPU time (user + system) a process has used so far, from /proc; 10 ms resolution. */
function cpuMs(pid: number): number {
  // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Process start → first 2xx of `probe` from a fresh process of the function, with the stack's environment. */
async function coldStart(stack: StackHandle, fn: FunctionName, probe: Probe): Promise<Run> {
  const [port] = await freePorts(1);
  const start = performance.now();
  const child = spawn(process.execPath, functionArgs(fn), {
    env: { ...process.env, ...stack.env, PORT: String(port), K_SERVICE: fn, LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  try {
    while (performance.now() - start < 30_000) {
      if (await probe(`http://127.0.0.1:${port}`).catch(() => false))
        return { wallMs: performance.now() - start, cpuMs: cpuMs(child.pid!) };
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
  // Other work on the machine, before this bench adds its own stack (1-minute load average).
  const loadBefore = loadavg()[0]!;
  const stateDir = mkdtempSync(join(tmpdir(), "estrena-cold-"));
  const free = await freePorts(SERVICE_PORTS.length);
  const ports = Object.fromEntries(SERVICE_PORTS.map((p, i) => [p, free[i]])) as Ports;
  const env: NodeJS.ProcessEnv = { ...process.env, ESTRENA_MEDIA_DIR: join(stateDir, "media"), LOG_LEVEL: "warn" };
  for (const k of ["ESTRENA_STATE_DIR", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "WEBHOOK_AUTH_TOKEN"]) delete env[k];
  const stack = await startStack({ stateDir, ports, env, without: ["watcher"], log });
  const rows: string[] = [];
  try {
    // A playable catalogue record to read back (viewers see nothing else), put there through the catalogue's own
    // event intake with the router's credential.
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
    const rendition = { height: 90, width: 160, bandwidth: 100_000, codecs: "avc1.64000c,mp4a.40.2" };
    const ready = { videoId: id, duration: 4, width: 160, height: 90, renditions: [rendition] };
    for (const [type, data] of [
      ["com.amazonaws.s3.ObjectCreated:Put", upload],
      ["dev.estrena.video.ready", ready],
    ] as const) {
      const res = await fetch(stack.urls.catalogue, {
        method: "POST",
        headers: { ...ceHeaders(type, `${id}-${type}`), ...deliveryAuthorization(stack.credentials.eventToken) },
        body: JSON.stringify(data),
      });
      if (res.status !== 204) throw new Error(`catalogue answered ${res.status} to ${type}`);
    }
    const probes: Record<FunctionName, [string, Probe]> = {
      catalogue: ["`GET /api/videos/:id`", async (b) => (await fetch(`${b}/api/videos/${id}`)).status === 200],
      // MinIO's webhook target checks the endpoint with a request of its own before it sends events.
      ingest: ["`GET /` (MinIO's endpoint check)", async (b) => (await fetch(`${b}/`)).ok],
      // An event type transcode does not work on: decoded, deps (Redis, MinIO) created, answered.
      transcode: [
        "a CloudEvent it ignores",
        async (b) => (await fetch(b, { method: "POST", headers: ceHeaders("dev.estrena.bench.ignored", id), body: "{}" })).ok,
      ],
    };
    for (const [fn, [what, probe]] of Object.entries(probes) as [FunctionName, [string, Probe]][]) {
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await coldStart(stack, fn, probe));
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
      const wall = runs.map((r) => r.wallMs);
      const cpu = runs.map((r) => r.cpuMs);
      rows.push(
        `| ${fn} cold start, process start → first 200 (${what}), median of ${RUNS} | ${fmt(median(wall))} ms | ${fmt(median(cpu))} ms | ${wall.map(fmt).join(", ")} | ${cpu.map(fmt).join(", ")} |`,
      );
      console.log(rows.at(-1));
    }
  } finally {
    await stack.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const section = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by \`npm run bench:cold-start\` (load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after); \`npm run sizing\` reads these rows.`,
    "",
    "| function | wall, median | CPU, median | wall, runs (ms) | CPU, runs (ms) |",
    "|---|---|---|---|---|",
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
