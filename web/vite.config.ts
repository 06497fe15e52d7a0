import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { defineConfig, type Plugin } from "vite";

const here = import.meta.dirname;

/**
 * Ships hls.js's prebuilt worker as a same-origin file, so the player can set `workerPath` and the gateway's CSP
 * needs no `blob:` in worker-src (the ESM build of hls.js otherwise runs transmuxing on the main thread).
 */
function hlsWorker(): Plugin {
  const file = createRequire(import.meta.url).resolve("hls.js/dist/hls.worker.js");
  return {
    name: "estrena-hls-worker",
    generateBundle() {
      this.emitFile({ type: "asset", fileName: "assets/hls.worker.js", source: readFileSync(file) });
    },
    configureServer(server) {
      server.middlewares.use("/assets/hls.worker.js", (_req, res) => {
        res.setHeader("content-type", "text/javascript");
        res.end(readFileSync(file));
      });
    },
  };
}

export default defineConfig({
  root: here,
  base: "/",
  plugins: [hlsWorker()],
  build: {
    outDir: resolve(here, "dist"),
    emptyOutDir: true,
    target: "es2022",
    // Strict CSP: never inline assets as data: URLs into CSS/JS.
    assetsInlineLimit: 0,
    // hls.js (~580 kB) is its own chunk, fetched only by the player page.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      input: { catalogue: resolve(here, "index.html"), player: resolve(here, "watch.html"), studio: resolve(here, "studio/index.html") },
    },
  },
  server: {
    proxy: {
      "/api": process.env.ESTRENA_WEB_PROXY ?? "http://127.0.0.1:8080",
      "/stream": process.env.ESTRENA_WEB_PROXY ?? "http://127.0.0.1:8080",
    },
  },
});
