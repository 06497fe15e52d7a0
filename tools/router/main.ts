import { resolve } from "node:path";
import { createLogger } from "../../lib/runtime/log.js";
import { startRouter } from "./router.js";
import { routerSettings } from "./settings.js";

/** Entry point of the router process that dev/stack.ts supervises. */
async function main(): Promise<void> {
  const log = createLogger("router");
  const s = routerSettings(process.env);
  const router = await startRouter({ ...s, knativeDir: resolve(s.knativeDir), log });
  log.info({ url: router.url, triggers: router.table.triggers.map((t) => `${t.name}→${t.subscriber}`) }, "router listening");
  const shutdown = (sig: string) => {
    log.info({ sig }, "router stopping");
    void router.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`router: ${(err as Error).message}\n`);
  process.exit(1);
});
