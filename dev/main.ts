import { relative } from "node:path";
import { pino } from "pino";
import { formatLine } from "./processes.js";
import { StackRunningError } from "./lock.js";
import { startStack, type StackHandle } from "./stack.js";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";

/** `npm start`: run the stack in the foreground until Ctrl-C or SIGTERM. */
async function main(): Promise<void> {
  // The terminal gets one readable line per log entry, the same way as the services' output.
  const log = pino(
    { level: process.env.LOG_LEVEL ?? "info", base: null },
    { write: (line: string) => void process.stdout.write(formatLine("stack", line.trimEnd())) },
  );
  let stack: StackHandle | undefined;
  let stopping = 0;
  const starting = new AbortController();
  const shutdown = (sig: string) => {
    // npm forwards the terminal's Ctrl-C, so one keypress can arrive twice; a later one means "now".
    if (stopping && Date.now() - stopping > 1500) {
      log.warn("second signal: killing everything now");
      process.exit(130);
    }
    if (stopping) return;
    stopping = Date.now();
    log.info({ sig }, "stopping estrena");
    // Still starting: startStack notices the abort between services, stops what runs, and main() exits.
    if (!stack) return starting.abort();
    void stack.stop().then(
      () => (log.info("everything stopped"), process.exit(0)),
      (err: unknown) => (log.error({ err }, "stop failed"), process.exit(1)),
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGHUP", () => shutdown("SIGHUP"));
  // `npm start` does not pass a SIGTERM sent to npm on to us; when npm goes away we are reparented, so stop then.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && shutdown("parent npm exited"), 1000).unref();
  }

  try {
    stack = await startStack({ foreground: true, log, signal: starting.signal });
  } catch (err) {
    if (starting.signal.aborted) {
      log.info("everything stopped");
      process.exit(0);
    }
    if (err instanceof StackRunningError) {
      process.stderr.write(`\n${err.message}\n\n`);
      process.exit(2);
    }
    process.stderr.write(`\nestrena did not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (starting.signal.aborted) {
    // The signal came after the last service had started.
    await stack.stop();
    log.info("everything stopped");
    process.exit(0);
  }
  const u = stack.urls;
  const creds = relative(REPO_ROOT, stack.credentials.file) || stack.credentials.file;
  process.stdout.write(
    [
      "",
      "  estrena is running",
      `    web page        ${u.web}`,
      `    API             ${u.api}   (health: ${u.healthz})`,
      `    MinIO console   ${u.console}   editor login: user ${stack.credentials.editor.user}, password in ${creds} (ESTRENA_EDITOR_PASSWORD)`,
      `    S3 API          ${u.minio}   drop videos into the "uploads" bucket, or into ${relative(REPO_ROOT, stack.mediaDir)}/`,
      `    logs            ${relative(REPO_ROOT, stack.stateDir) || stack.stateDir}/logs/`,
      "  Ctrl-C stops everything.",
      "",
      "",
    ].join("\n"),
  );
}

void main();
