// Part of `npm run build`, after tsc: bundles the compiled entries of ingest, catalogue and transcode with their
// dependencies into dist/bundle/<name>/ (an entry file, plus one chunk per lazily imported part). The images' CMD and
// npm start run them (dev/services.ts functionArgs). Loading a few files instead of resolving and reading some three
// hundred modules halves a cold start, and scale-to-zero makes the first upload or viewer of the day wait for it
// (docs/performance.md#cold-starts).
import { join } from "node:path";
import { build } from "rolldown";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";

/** The functions that run from a bundle (deadletter is not on a viewer's or an editor's path). */
const BUNDLED = ["catalogue", "ingest", "transcode"] as const;

async function main(): Promise<void> {
  for (const name of BUNDLED) {
    const start = performance.now();
    await build({
      input: join(REPO_ROOT, "dist", "functions", name, "index.js"),
      platform: "node",
      logLevel: "warn",
      // handler.ts imports log.ts for eventFields, so deps.ts's lazy import of it stays in the entry chunk: as meant.
      checks: { ineffectiveDynamicImport: false },
      // CommonJS that finds its files through __dirname (fluent-ffmpeg's presets): loaded from node_modules.
      external: ["fluent-ffmpeg"],
      output: { dir: join(REPO_ROOT, "dist", "bundle", name), format: "esm", cleanDir: true, chunkFileNames: "[name].js" },
    });
    console.log(`bundle: ${name} in ${Math.round(performance.now() - start)} ms (dist/bundle/${name}/)`);
  }
}

main().catch((err) => {
  console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
