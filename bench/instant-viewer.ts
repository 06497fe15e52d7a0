import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Client } from "minio";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "../lib/runtime/stack-settings.js";

/** What a viewer who pressed play lived through. */
export interface Viewing {
  /** Seconds from opening the page to the first frame. */
  readonly startup: number;
  /**
   * Seconds spent waiting for data after the first frame, summed, and how many times: a `waiting` with less than half a
   * second buffered ahead. (A loaded machine also makes the decoder late with plenty buffered; that is not counted.)
   */
  readonly stallSeconds: number;
  readonly stalls: number;
  /** Media time reached at the end of the window. */
  readonly reached: number;
  readonly fatal: string | null;
}

const TYPES: Record<string, string> = { m3u8: "application/vnd.apple.mpegurl", m4s: "video/iso.segment", mp4: "video/mp4" };

/**
 * Serves the stream bucket as the gateway does (GET /stream/<id>/<file>, no caching, so a growing playlist is always
 * read fresh) and a page with the hls.js build the player ships, configured as web/src/player/engine.ts configures it
 * (start at 0, not at the live edge of an EVENT playlist; levels capped to the player's size).
 */
export async function streamServer(minio: Client): Promise<{ url: string; close(): Promise<void> }> {
  const hlsJs = readFileSync(join(REPO_ROOT, "node_modules/hls.js/dist/hls.min.js"));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url === "/hls.js") return void res.writeHead(200, { "Content-Type": "text/javascript" }).end(hlsJs);
    if (url === "/") return void res.writeHead(200, { "Content-Type": "text/html" }).end(PAGE);
    const m = /^\/stream\/(v[0-9a-f]{19})\/([\w.-]+)$/.exec(url);
    if (!m) return void res.writeHead(404).end();
    minio.getObject("stream", `videos/${m[1]}/${m[2]}`).then(
      (body) => {
        res.writeHead(200, {
          "Content-Type": TYPES[m[2]!.split(".").pop() ?? ""] ?? "application/octet-stream",
          "Cache-Control": "no-cache",
        });
        body.pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const PAGE = `<!doctype html><meta charset="utf-8"><video id="v" muted playsinline width="1280" height="720"></video>
<script src="/hls.js"></script><script>
window.viewing = { opened: performance.now(), first: null, stallMs: 0, stalls: 0, since: null, fatal: null };
window.watch = (src) => {
  const v = document.getElementById("v"), w = window.viewing;
  const hls = new Hls({ startPosition: 0, capLevelToPlayerSize: true });
  hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) w.fatal = d.type + ":" + d.details; });
  v.addEventListener("playing", () => { if (w.first === null) w.first = performance.now(); if (w.since !== null) { w.stallMs += performance.now() - w.since; w.since = null; } });
  const ahead = () => { for (let i = 0; i < v.buffered.length; i++) if (v.buffered.start(i) <= v.currentTime + 0.1 && v.currentTime < v.buffered.end(i)) return v.buffered.end(i) - v.currentTime; return 0; };
  v.addEventListener("waiting", () => { if (w.first !== null && w.since === null && ahead() < 0.5) { w.since = performance.now(); w.stalls++; } });
  hls.loadSource(src); hls.attachMedia(v); v.play().catch(() => {});
};
</script>`;

/** Opens the video in Chromium the moment it is playable and watches for `seconds` of wall time. */
export async function watch(base: string, videoId: string, seconds: number): Promise<Viewing> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.evaluate((src) => (window as unknown as { watch(s: string): void }).watch(src), `${base}/stream/${videoId}/master.m3u8`);
    await page.waitForTimeout(seconds * 1000);
    return await page.evaluate(() => {
      const w = (
        window as unknown as {
          viewing: { opened: number; first: number | null; stallMs: number; stalls: number; since: number | null; fatal: string | null };
        }
      ).viewing;
      const now = performance.now();
      const stallMs = w.stallMs + (w.since !== null ? now - w.since : 0);
      const v = document.getElementById("v") as HTMLVideoElement;
      return {
        startup: w.first === null ? -1 : (w.first - w.opened) / 1000,
        stallSeconds: stallMs / 1000,
        stalls: w.stalls,
        reached: v.currentTime,
        fatal: w.fatal,
      };
    });
  } finally {
    await browser.close();
  }
}
