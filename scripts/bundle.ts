// Part of `npm run build`, after tsc: bundles the catalogue's compiled entry with its dependencies into
// dist/bundle/catalogue/ (an entry file, plus one chunk per lazily imported part: the studio, the MinIO client,
// prom-client, event intake). The image's CMD and npm start run it (dev/services.ts functionArgs). Loading a few
// files instead of resolving and reading some three hundred modules is a third of the catalogue's cold start, and
// scale-to-zero makes the first viewer of the day wait for it (docs/performance.md#cold-starts).
import { join } from "node:path";
import { build } from "rolldown";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";

/** The functions that run from a bundle. */
export const BUNDLED = ["catalogue"] as const;

async function main(): Promise<void> {
  for (const name of BUNDLED) {
    const start = performance.now();
    await build({
      input: join(REPO_ROOT, "dist", "functions", name, "index.js"),
      platform: "node",
      logLevel: "warn",
      // handler.ts imports log.ts for eventFields, so deps.ts's lazy import of it stays in the entry chunk: as meant.
      checks: { ineffectiveDynamicImport: false },
      output: { dir: join(REPO_ROOT, "dist", "bundle", name), format: "esm", cleanDir: true, chunkFileNames: "[name].js" },
    });
    console.log(`bundle: ${name} in ${Math.round(performance.now() - start)} ms (dist/bundle/${name}/)`);
  }
}

main().catch((err) => {
  console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
