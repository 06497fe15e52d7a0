import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { z } from "zod";
import type { Logger } from "../../lib/runtime/log.js";
import { decide, fingerprint, ledgerLine, objectKeyFor, parseLedger, retryDelayMs, type FileVersion, type LedgerEntry } from "./plan.js";
import { describe } from "../../lib/runtime/settings.js";
import { uploadFile, type UploadTarget } from "../upload/client.js";

/** The watcher's own settings (the folder and state dir are the stack's: ESTRENA_MEDIA_DIR, ESTRENA_STATE_DIR). */
export const watchRows = {
  stableMs: {
    env: "ESTRENA_WATCH_STABLE_MS",
    doc: "a watched file is imported once its size has not changed for this many ms",
    default: "2000",
    schema: z.coerce.number().int().min(100).max(600_000),
  },
  poll: {
    env: "ESTRENA_WATCH_POLL",
    doc: "1 to poll the folder instead of inotify (network shares, Docker Desktop mounts)",
    default: "0",
    schema: z.enum(["0", "1"]).transform((v) => v === "1"),
  },
  logLevel: { env: "LOG_LEVEL", doc: "pino level", default: "info", schema: z.string() },
};

/** The variables the watcher reads besides the upload ones (for the README). */
export function watchVariables(): ReturnType<typeof describe> {
  return describe(watchRows);
}

export interface WatcherOptions {
  readonly mediaDir: string;
  /** JSON Lines file of imported file versions (survives restarts). */
  readonly ledgerFile: string;
  readonly target: UploadTarget;
  /** A file is imported once its size has not changed for this long. */
  readonly stableMs: number;
  /** Poll instead of inotify, for file systems that do not report changes. */
  readonly poll?: boolean;
  readonly concurrency?: number;
  readonly log: Logger;
  /** Called after each import is recorded (tests, logs). */
  readonly onImported?: (e: LedgerEntry) => void;
}

export interface Watcher {
  /** Stops watching and waits (up to 5 s) for uploads in flight to finish and be recorded. */
  close(): Promise<void>;
}

/**
 * Imports the watched folder into the uploads bucket: files present at start, then new or rewritten ones,
 * each once its size has been stable for `stableMs` (chokidar's awaitWriteFinish) and unchanged across the
 * upload itself. The ledger makes restarts idempotent.
 */
export async function startWatcher(o: WatcherOptions): Promise<Watcher> {
  mkdirSync(o.mediaDir, { recursive: true });
  mkdirSync(dirname(o.ledgerFile), { recursive: true });
  const imported = existsSync(o.ledgerFile) ? parseLedger(readFileSync(o.ledgerFile, "utf8")) : new Set<string>();
  const limit = o.concurrency ?? 2;
  const queue: string[] = [];
  const queued = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let running = 0;
  let closed = false;
  const attempts = new Map<string, number>();

  function enqueue(abs: string): void {
    if (closed || queued.has(abs)) return;
    queued.add(abs);
    queue.push(abs);
    pump();
  }

  function pump(): void {
    while (!closed && running < limit && queue.length) {
      const abs = queue.shift()!;
      queued.delete(abs);
      running++;
      void importOne(abs).finally(() => {
        running--;
        pump();
      });
    }
  }

  async function versionOf(abs: string): Promise<FileVersion | null> {
    try {
      const st = await stat(abs);
      return st.isFile() ? { path: relative(o.mediaDir, abs), size: st.size, mtimeMs: st.mtimeMs } : null;
    } catch {
      return null; // gone already
    }
  }

  async function importOne(abs: string): Promise<void> {
    const before = await versionOf(abs);
    if (!before) return;
    const d = decide(before, imported);
    if (d.action === "skip") {
      if (d.reason !== "already-imported") o.log.debug({ path: before.path, reason: d.reason }, "not imported");
      return;
    }
    const key = objectKeyFor(before.path);
    const log = o.log.child({ path: before.path, key });
    try {
      const up = await uploadFile(o.target, abs, key);
      const after = await versionOf(abs);
      if (!after || fingerprint(after) !== fingerprint(before)) {
        // Written to while uploading: that object is a partial copy; the change event brings the file back once stable.
        log.warn({ before, after }, "file changed during upload; it will be imported again once stable");
        return;
      }
      const entry: LedgerEntry = { ...before, key, etag: up.etag, importedAt: new Date().toISOString() };
      appendFileSync(o.ledgerFile, ledgerLine(entry), { flush: true });
      imported.add(fingerprint(before));
      attempts.delete(abs);
      log.info({ size: up.size, etag: up.etag }, "imported");
      o.onImported?.(entry);
    } catch (err) {
      const n = (attempts.get(abs) ?? 0) + 1;
      attempts.set(abs, n);
      const delay = retryDelayMs(n);
      log.error({ err: (err as Error).message, attempt: n, retryInMs: delay }, "upload failed; retrying");
      const t = setTimeout(() => {
        timers.delete(t);
        enqueue(abs);
      }, delay);
      timers.add(t);
    }
  }

  const watcher: FSWatcher = watch(o.mediaDir, {
    ignoreInitial: false,
    usePolling: o.poll ?? false,
    interval: 1000,
    // Dot-files and dot-folders are skipped anyway (temp names of rsync and friends); not watching them saves inotify handles.
    ignored: (p: string) =>
      relative(o.mediaDir, p)
        .split(/[\\/]/)
        .some((s) => s.startsWith(".")),
    awaitWriteFinish: { stabilityThreshold: o.stableMs, pollInterval: Math.max(50, Math.min(500, Math.floor(o.stableMs / 4))) },
  });
  watcher.on("add", enqueue);
  watcher.on("change", enqueue);
  watcher.on("error", (err) => o.log.error({ err: String(err) }, "watch error"));
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  o.log.info({ mediaDir: o.mediaDir, ledger: o.ledgerFile, known: imported.size }, "watching");

  return {
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await watcher.close();
      // A big upload is not worth holding a shutdown for: unrecorded, it is simply imported again next start.
      const deadline = Date.now() + 5_000;
      while (running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
  };
}

/** Default ledger location inside the state dir. */
export function ledgerPath(stateDir: string): string {
  return join(stateDir, "watch-ledger.jsonl");
}
