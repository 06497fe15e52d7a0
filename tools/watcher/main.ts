import { createLogger } from "../../lib/runtime/log.js";
import { readSettings } from "../../lib/runtime/settings.js";
import { stackSettings } from "../../lib/runtime/stack-settings.js";
import { uploadTarget } from "../upload/client.js";
import { ledgerPath, startWatcher, watchRows } from "./watcher.js";

/**
 * The watched-folder importer (`node dist/tools/watcher/main.js`; the stack starts it). Watches ESTRENA_MEDIA_DIR
 * (default media/) and uploads video files into the uploads bucket; see docs/events.md "Ways in".
 */
async function main(): Promise<void> {
  const s = readSettings(watchRows, process.env, "watcher");
  const stack = stackSettings(process.env);
  const log = createLogger("watcher", s.logLevel);
  const watcher = await startWatcher({
    mediaDir: stack.mediaDir,
    ledgerFile: ledgerPath(stack.stateDir),
    target: uploadTarget(process.env),
    stableMs: s.stableMs,
    poll: s.poll,
    log,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    void watcher.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
