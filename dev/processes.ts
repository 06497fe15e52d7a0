import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Logger } from "pino";

/** How to run and check one supervised process. */
export interface ServiceSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Resolves true once the service answers; polled until healthTimeoutMs. */
  readonly healthy: () => Promise<boolean>;
  readonly healthTimeoutMs?: number;
  /** Called each time the service has become healthy (first start and every restart), with its spawn time. */
  readonly onReady?: (startedAt: number) => void;
}

type State = "starting" | "running" | "backoff" | "stopping" | "stopped";

interface Entry {
  spec: ServiceSpec;
  child?: ChildProcess;
  state: State;
  restarts: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
  exited?: Promise<void>;
}

const GRACE_MS = 8_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Runs child processes each in its own process group, logs their output to `<logDir>/<name>.log` (and, in the
 * foreground, to the terminal), restarts one that dies unexpectedly with exponential backoff, and stops them by
 * group: SIGTERM, then SIGKILL after a grace period, so helpers they spawned (ffmpeg) go too.
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private readonly logs = new Map<string, WriteStream>();

  constructor(
    private readonly logDir: string,
    private readonly log: Logger,
    private readonly echo: boolean,
    private readonly onChange: () => void = () => {},
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  /** Starts a service and waits until it is healthy; throws with the end of its log if it exits or times out. */
  async start(spec: ServiceSpec): Promise<void> {
    const entry: Entry = this.entries.get(spec.name) ?? { spec, state: "stopped", restarts: 0, startedAt: 0 };
    entry.spec = spec;
    this.entries.set(spec.name, entry);
    this.spawn(entry);
    await this.waitHealthy(entry);
    entry.state = "running";
    spec.onReady?.(entry.startedAt);
  }

  /** Process ids of the running services (group leaders). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, e] of this.entries)
      if (e.child?.pid && e.child.exitCode === null && e.child.signalCode === null) out[name] = e.child.pid;
    return out;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Stops one service and keeps it down. */
  async stop(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) return;
    e.state = "stopping";
    clearTimeout(e.timer);
    await this.terminate(e);
    e.state = "stopped";
  }

  /** Starts a service that was stopped, with the spec it had. */
  async restart(name: string): Promise<void> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`unknown service ${name}`);
    if (e.state !== "stopped") await this.stop(name);
    await this.start(e.spec);
  }

  /** SIGKILLs a service's group as a crash would. With restart, the supervisor brings it back as after any crash. */
  kill(name: string, restart: boolean): void {
    const e = this.entries.get(name);
    if (!e?.child?.pid) throw new Error(`service ${name} is not running`);
    if (!restart) e.state = "stopping";
    killGroup(e.child.pid, "SIGKILL");
    if (!restart) void e.exited?.then(() => (e.state = "stopped"));
  }

  /** Stops every service, in reverse start order. */
  async stopAll(): Promise<void> {
    for (const name of [...this.entries.keys()].reverse()) await this.stop(name);
    await Promise.all([...this.logs.values()].map((s) => new Promise<void>((r) => s.end(r))));
    this.logs.clear();
  }

  /** Last resort when the supervisor itself is exiting: kill every group now, synchronously. */
  killAllNow(): void {
    for (const e of this.entries.values()) if (e.child?.pid) killGroup(e.child.pid, "SIGKILL");
  }

  private spawn(e: Entry): void {
    const { spec } = e;
    e.state = "starting";
    e.startedAt = Date.now();
    const child = spawn(spec.command, [...spec.args], { cwd: spec.cwd, env: spec.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    e.child = child;
    const out = this.logStream(spec.name);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        out.write(`${line}\n`);
        if (this.echo) process.stdout.write(formatLine(spec.name, line));
      });
    }
    e.exited = new Promise((resolve) => {
      child.once("error", (err) => {
        out.write(`spawn failed: ${err.message}\n`);
        resolve();
      });
      child.once("exit", (code, signal) => {
        // Helpers the service started (ffmpeg) share its group; do not leave them behind.
        if (child.pid) killGroup(child.pid, "SIGKILL");
        this.onChange();
        if (e.child === child && (e.state === "running" || e.state === "backoff")) this.crashed(e, code, signal);
        resolve();
      });
    });
    this.onChange();
  }

  private crashed(e: Entry, code: number | null, signal: NodeJS.Signals | null): void {
    // A service that stayed up a minute starts its backoff afresh.
    if (Date.now() - e.startedAt > 60_000) e.restarts = 0;
    const delay = Math.min(1000 * 2 ** e.restarts, MAX_BACKOFF_MS);
    e.restarts += 1;
    e.state = "backoff";
    this.log.error(
      { service: e.spec.name, code, signal, restartInMs: delay, restarts: e.restarts },
      `${e.spec.name} exited unexpectedly; restarting`,
    );
    e.timer = setTimeout(() => {
      if (e.state !== "backoff") return;
      this.spawn(e);
      e.state = "backoff"; // still counts as "should be running" until healthy
      this.waitHealthy(e).then(
        () => {
          if (e.state === "backoff") e.state = "running";
          this.log.info({ service: e.spec.name }, `${e.spec.name} is back`);
          e.spec.onReady?.(e.startedAt);
        },
        (err: Error) => this.log.error({ service: e.spec.name, err: err.message }, `${e.spec.name} did not come back`),
      );
    }, delay);
  }

  private async waitHealthy(e: Entry): Promise<void> {
    const child = e.child as ChildProcess;
    const deadline = Date.now() + (e.spec.healthTimeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${e.spec.name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.tail(e.spec.name)}`);
      }
      if (await e.spec.healthy().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`${e.spec.name} was not healthy after ${e.spec.healthTimeoutMs ?? 30_000} ms:\n${this.tail(e.spec.name)}`);
  }

  private async terminate(e: Entry): Promise<void> {
    const child = e.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child.pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(child.pid as number, "SIGKILL"), GRACE_MS);
    await e.exited;
    clearTimeout(timer);
  }

  private logStream(name: string): WriteStream {
    let s = this.logs.get(name);
    if (!s) {
      s = createWriteStream(join(this.logDir, `${name}.log`), { flags: "a" });
      this.logs.set(name, s);
    }
    return s;
  }

  private tail(name: string): string {
    try {
      return readFileSync(join(this.logDir, `${name}.log`), "utf8")
        .split("\n")
        .slice(-15)
        .join("\n");
    } catch {
      return "(no log)";
    }
  }
}

/** Signals a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* ESRCH: nothing left in the group */
  }
}

/** One terminal line per log line: pino JSON becomes "name  level message", anything else is kept as is. */
export function formatLine(name: string, line: string): string {
  const label = name.padEnd(10);
  if (line.startsWith("{")) {
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string };
      const level = j.level === undefined ? "" : j.level >= 50 ? "ERROR " : j.level >= 40 ? "WARN  " : "";
      if (j.msg) return `${label}│ ${level}${j.msg}\n`;
    } catch {
      /* not JSON after all */
    }
  }
  return `${label}│ ${line}\n`;
}
