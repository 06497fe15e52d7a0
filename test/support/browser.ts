import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "minio";
import { chromium, type Browser, type Page } from "playwright-core";
import { videoId } from "../../lib/runtime/ids.js";
import { REPO_ROOT } from "../../lib/runtime/stack-settings.js";
import type { TestStack } from "./stack.js";

/** Flags that keep Debian's Chromium quiet and deterministic in a sandbox-less container. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The gateway serves web/dist: build it when a single e2e file runs without `npm test` having built it. */
export function ensureWebBuilt(): void {
  const web = join(REPO_ROOT, "web");
  const built = join(web, "dist", "watch.html");
  const sources = Math.max(
    newest(join(web, "src")),
    newest(join(web, "styles")),
    statSync(join(web, "index.html")).mtimeMs,
    statSync(join(web, "watch.html")).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  execFileSync("npm", ["run", "--silent", "build:web"], { cwd: REPO_ROOT, stdio: "pipe" });
}

/** Encodes a test clip: colour bars with a running timecode (and a tone), `seconds` long, as H.264/AAC MP4. */
/** keyframeSeconds over 10 makes the clip non-standard (no passthrough top rung), so it is encoded progressively. */
export function makeClip(file: string, seconds: number, opts: { size?: string; audio?: boolean; keyframeSeconds?: number } = {}): void {
  const audio = opts.audio ?? true;
  execFileSync("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    `testsrc2=size=${opts.size ?? "640x360"}:rate=25:duration=${seconds}`,
    ...(audio ? ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`, "-c:a", "aac", "-b:a", "64k"] : []),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    ...(opts.keyframeSeconds ? ["-g", String(25 * opts.keyframeSeconds), "-sc_threshold", "0"] : []),
    "-pix_fmt",
    "yuv420p",
    file,
  ]);
}

/** Puts a file into the uploads bucket as an editor would, and returns the id the platform derives for it. */
export async function upload(stack: TestStack, file: string, key: string, title: string): Promise<string> {
  const endpoint = new URL(stack.env.S3_ENDPOINT ?? `http://127.0.0.1:${stack.ports.minio}`);
  const client = new Client({
    endPoint: endpoint.hostname,
    port: Number(endpoint.port),
    useSSL: false,
    accessKey: stack.credentials.user,
    secretKey: stack.credentials.password,
  });
  const { etag } = await client.fPutObject("uploads", key, file, { "Content-Type": "video/mp4", "x-amz-meta-title": title });
  return videoId("uploads", key, etag);
}

/** Reads the player's state attributes (set by the player pieces for people and tests alike). */
export function playerState(page: Page): Promise<{
  t: number;
  paused: boolean;
  height: number;
  fatal: number;
  status: string;
  firstFrameMs: number | null;
  seekableEnd: number;
}> {
  return page.evaluate(() => {
    const v = document.querySelector("video")!;
    const root = document.getElementById("player")!;
    return {
      t: v.currentTime,
      paused: v.paused,
      height: v.videoHeight,
      fatal: Number(root.dataset.hlsFatal ?? 0),
      status: root.dataset.status ?? "",
      firstFrameMs: root.dataset.firstFrameMs ? Number(root.dataset.firstFrameMs) : null,
      seekableEnd: v.seekable.length ? v.seekable.end(v.seekable.length - 1) : 0,
    };
  });
}

/** page.waitForFunction, but a timeout names what was awaited and shows the player's state at that moment. */
export async function waitUntil<A>(page: Page, what: string, fn: (arg: A) => unknown, arg: A, timeout = 30_000): Promise<void> {
  try {
    // Playwright types the argument as Unboxed<A>; for the plain values passed here that is A.
    await page.waitForFunction(fn as never, arg, { timeout });
  } catch (err) {
    const state = await page
      .evaluate(() => {
        const v = document.querySelector("video");
        const root = document.getElementById("player");
        return {
          url: location.pathname + location.search,
          t: v?.currentTime,
          paused: v?.paused,
          ended: v?.ended,
          videoHeight: v?.videoHeight,
          readyState: v?.readyState,
          data: { ...root?.dataset },
          quality: document.getElementById("quality-button")?.textContent,
          error: document.getElementById("error-message")?.textContent,
        };
      })
      .catch(() => "unavailable");
    throw new Error(`timed out waiting for ${what}; page state: ${JSON.stringify(state)}\n${(err as Error).message.split("\n")[0]}`);
  }
}

/** Buttons, links, inputs and menu items with no accessible name (aria-label, text, or a <label for>). */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("button, a[href], input, [role=menuitemradio]")]
      .filter(
        (el) =>
          !(el.getAttribute("aria-label")?.trim() || el.textContent?.trim() || (el.id && document.querySelector(`label[for="${el.id}"]`))),
      )
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}
