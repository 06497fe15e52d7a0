import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { killGroup } from "./processes.js";

/** What the lock file says about the stack that holds it. */
export interface LockInfo {
  readonly pid: number;
  readonly startedAt: string;
  readonly urls: Readonly<Record<string, string>>;
  /** Supervised children by name (process-group leaders), so a stale lock's leftovers can be cleaned up. */
  readonly children: Readonly<Record<string, number>>;
}

export class StackRunningError extends Error {
  override name = "StackRunningError";
  constructor(
    readonly info: LockInfo,
    readonly file: string,
  ) {
    super(
      `estrena is already running (pid ${info.pid}, since ${info.startedAt}; web ${info.urls.web ?? "?"}). ` +
        `Stop it with Ctrl-C in its terminal or \`kill ${info.pid}\`; lock file ${file}`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A pid is ours when it is alive and still a node process (pids get reused after a reboot). */
function isStack(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
  } catch {
    return true; // no /proc: trust the pid
  }
}

/** Blocks until a killed process is gone, so its ports are free before the new stack checks them. */
function waitGone(pid: number, ms: number): void {
  const deadline = Date.now() + ms;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (alive(pid) && !isZombie(pid) && Date.now() < deadline) Atomics.wait(nap, 0, 0, 20);
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * One stack per state directory. Takes `<state>/stack.lock` atomically; a lock whose owner is gone is stale,
 * and the children it lists are killed before it is taken over (a stack killed with SIGKILL leaves them).
 */
export class StackLock {
  readonly file: string;
  private info: LockInfo;

  constructor(stateDir: string) {
    this.file = join(stateDir, "stack.lock");
    this.info = { pid: process.pid, startedAt: new Date().toISOString(), urls: {}, children: {} };
  }

  /** Returns the names of stale children it killed. */
  acquire(): string[] {
    const killed: string[] = [];
    for (let i = 0; i < 3; i++) {
      try {
        const fd = openSync(this.file, "wx", 0o600);
        writeSync(fd, JSON.stringify(this.info));
        closeSync(fd);
        return killed;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      let old: LockInfo | undefined;
      try {
        old = JSON.parse(readFileSync(this.file, "utf8")) as LockInfo;
      } catch {
        old = undefined; // half-written: treat as stale
      }
      if (old && old.pid !== process.pid && isStack(old.pid)) throw new StackRunningError(old, this.file);
      for (const [name, pid] of Object.entries(old?.children ?? {})) {
        if (!alive(pid)) continue;
        killGroup(pid, "SIGKILL");
        killed.push(name);
        waitGone(pid, 5_000);
      }
      rmSync(this.file, { force: true });
    }
    throw new Error(`could not take ${this.file}`);
  }

  update(patch: Partial<Pick<LockInfo, "urls" | "children">>): void {
    this.info = { ...this.info, ...patch };
    if (existsSync(this.file)) writeFileSync(this.file, JSON.stringify(this.info));
  }

  release(): void {
    try {
      const cur = JSON.parse(readFileSync(this.file, "utf8")) as LockInfo;
      if (cur.pid === process.pid) rmSync(this.file, { force: true });
    } catch {
      /* already gone */
    }
  }
}

/**
 * A tiny detached watchdog for the case where the stack itself is SIGKILLed (a test runner killing its worker,
 * the OOM killer): it waits for EOF on a pipe from us, which only comes when we are gone, and then kills the
 * process groups the lock file lists, provided the lock is still ours. `dispose()` ends it on a normal stop.
 */
export function startReaper(lockFile: string): { dispose(): void } {
  const script = [
    "cat >/dev/null",
    '[ -f "$1" ] && grep -q "\\"pid\\":$2," "$1" || exit 0',
    'for p in $(sed -n "s/.*\\"children\\":{\\([^}]*\\)}.*/\\1/p" "$1" | grep -o "[0-9][0-9]*"); do kill -KILL -- "-$p" 2>/dev/null; done',
    'rm -f "$1"',
  ].join("\n");
  const child = spawn("bash", ["-c", script, "reaper", lockFile, String(process.pid)], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  return { dispose: () => child.pid && killGroup(child.pid, "SIGKILL") };
}
