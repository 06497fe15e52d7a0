/**
 * Shaka Player and video.js (VHS) as clients, in Debian's Chromium. Each runs in a page that the test serves on the
 * stream's own origin (through Playwright's request routing, so no CORS is involved and nothing is added to the
 * gateway), with the player's published build from node_modules. The scenario: load, play 3 s, seek to the middle,
 * play on, switch to every variant (each must show its own picture size and keep playing), then play to the end.
 * Any error event fails the run.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser } from "playwright-core";

export type BrowserPlayer = "shaka" | "videojs";

const require = createRequire(import.meta.url);
const SCRIPTS: Record<BrowserPlayer, string> = {
  shaka: "shaka-player/dist/shaka-player.compiled.js",
  videojs: "video.js/dist/video.min.js",
};

/** The installed version of a player package (reported with each result). */
export function playerVersion(p: BrowserPlayer): string {
  return (require(`${SCRIPTS[p].split("/")[0]}/package.json`) as { version: string }).version;
}

export interface BrowserResult {
  readonly errors: readonly string[];
  /** Heights of the variants each switch reached, in switch order. */
  readonly switched: readonly number[];
  readonly variants: readonly number[];
  readonly ended: boolean;
  readonly duration: number;
  readonly step: string;
}

/** Runs the scenario in the page. Serialised by Playwright: everything it uses is defined inside it. */
async function scenario({ kind, url, growing }: { kind: BrowserPlayer; url: string; growing: boolean }): Promise<BrowserResult> {
  const errors: string[] = [];
  const result = { errors, switched: [] as number[], variants: [] as number[], ended: false, duration: 0, step: "load" };
  const until = (what: string, pred: () => boolean, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const tick = () => {
        if (errors.length) reject(new Error(`error while waiting for ${what}`));
        else if (pred()) resolve();
        else if (performance.now() - t0 > ms)
          reject(
            new Error(
              `timed out waiting for ${what} (t=${video.currentTime.toFixed(2)}, readyState ${video.readyState}, picture ${video.videoWidth}x${video.videoHeight}${debug ? `, ${debug()}` : ""})`,
            ),
          );
        else setTimeout(tick, 50);
      };
      tick();
    });
  let video = document.querySelector("video") as HTMLVideoElement;
  /** What the player says it is playing, for timeout messages. */
  let debug: (() => string) | undefined;
  let variants: () => { id: unknown; height: number }[];
  /** Whether the player shows the variant it was switched to: its picture size, unless the player says otherwise. */
  let shown = (v: { id: unknown; height: number }) => video.videoHeight === v.height;
  let select: (id: unknown) => void;
  const w = window as unknown as Record<string, any>;
  try {
    if (kind === "shaka") {
      w.shaka.polyfill.installAll();
      const player = new w.shaka.Player();
      await player.attach(video);
      player.addEventListener("error", (e: any) =>
        errors.push(`shaka error ${e.detail?.code}: ${JSON.stringify(e.detail?.data ?? []).slice(0, 400)}`),
      );
      player.configure({ abr: { enabled: false } });
      // A growing (EVENT) playlist is live to Shaka, which would start at its live edge: start at 0 as a viewer does.
      await player.load(url, growing ? 0 : undefined);
      // An audio-only variant has no height: its "picture" is none (videoHeight 0).
      variants = () => player.getVariantTracks().map((t: any) => ({ id: t, height: t.height ?? 0 }));
      select = (t) => player.selectVariantTrack(t, true);
    } else {
      const el = document.createElement("video-js");
      document.body.appendChild(el);
      const player = w.videojs(el, {
        muted: true,
        html5: { vhs: { overrideNative: true }, nativeAudioTracks: false, nativeVideoTracks: false },
      });
      player.on("error", () => errors.push(`video.js error ${player.error()?.code}: ${player.error()?.message}`));
      player.src({ src: url, type: "application/x-mpegURL" });
      video = el.querySelector("video") as HTMLVideoElement;
      // VHS starts fetching a live (EVENT) stream's segments only once asked to play.
      if (growing) player.play()?.catch(() => undefined);
      await until("metadata", () => video.readyState >= 1, 20_000);
      const vhs = player.tech({ IWillNotUseThisInPlugins: true }).vhs;
      debug = () =>
        `VHS playlist ${vhs.playlists?.media?.()?.uri}, enabled ${vhs
          .representations()
          .filter((r: any) => r.enabled())
          .map((r: any) => r.height)}`;
      // representations() makes new objects on every call: match them by id.
      variants = () => vhs.representations().map((r: any) => ({ id: r.id, height: r.height }));
      // VHS keeps the frames it buffered from the variant before and, once a short clip is all buffered, fetches
      // nothing more, so the picture size may never change: a switch counts once VHS plays from the chosen variant's
      // playlist and playback goes on.
      shown = (v) => vhs.playlists.media()?.id === v.id;
      // Enabling a representation is what makes VHS switch at once and drop the buffered picture (a "fast quality
      // change"); enabling one that is already enabled does nothing, so it is turned off and on again.
      select = (id) => {
        const reps = vhs.representations();
        for (const x of reps) x.enabled(false);
        reps.find((x: any) => x.id === id)?.enabled(true);
      };
    }
    video.addEventListener("error", () => errors.push(`media element error ${video.error?.code}: ${video.error?.message}`));
    video.muted = true;
    result.step = "play";
    await video.play();
    if (growing) {
      // While it grows there is no fixed middle to seek to: play from the start through the growth to the end.
      result.step = "play through the growth to the end";
      await until("the end", () => video.ended, 90_000);
      result.ended = true;
      result.duration = video.duration;
      return result;
    }
    const d = (result.duration = video.duration);
    await until("3 s of playback", () => video.currentTime >= Math.min(3, d - 1), 20_000);
    result.step = "seek to the middle";
    const mid = d / 2;
    video.currentTime = mid;
    await until("playback after the seek", () => video.currentTime >= mid + 0.3, 15_000);
    const list = variants().sort((a, b) => b.height - a.height);
    result.variants = list.map((v) => v.height);
    for (const v of list) {
      result.step = `switch to ${v.height}p`;
      select(v.id);
      video.currentTime = mid;
      // A short clip can reach its end before the new rendition's frames show: go back to the middle and play again.
      const again = () => {
        if (video.ended || video.paused) {
          video.currentTime = mid;
          video.play().catch(() => undefined);
        }
      };
      await until(`the ${v.height}p variant`, () => (again(), shown(v) && video.currentTime >= mid + 0.3), 15_000);
      result.switched.push(v.height);
    }
    result.step = "play to the end";
    await until("the end", () => video.ended, (d - mid) * 1000 + 20_000);
    result.ended = true;
  } catch (err) {
    if (!errors.length) errors.push(`${result.step}: ${(err as Error).message ?? String(err)}`);
  }
  return result;
}

/**
 * Plays `master` with one browser player and returns what happened. The page is served on the master playlist's own
 * origin: a page that Playwright fulfils has no address, so Chromium's private network rules would block its
 * requests to another loopback origin. `growing`: the playlists are EVENT playlists that grow until they turn VOD.
 */
export async function playInBrowser(browser: Browser, kind: BrowserPlayer, master: string, growing = false): Promise<BrowserResult> {
  const origin = new URL(master).origin;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    // A request the player itself aborts (on a switch or a seek) is its choice, not a failure.
    page.on("requestfailed", (r) => {
      if (r.failure()?.errorText !== "net::ERR_ABORTED") pageErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on("pageerror", (e) => pageErrors.push(`page error: ${e.message}`));
    await page.route(`${origin}/__conformance/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path.endsWith("/player.js"))
        return route.fulfill({ contentType: "text/javascript", body: readFileSync(require.resolve(SCRIPTS[kind])) });
      return route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><meta charset="utf-8"><video muted playsinline></video><script src="/__conformance/player.js"></script>`,
      });
    });
    await page.goto(`${origin}/__conformance/${kind}.html`);
    const r = await page.evaluate(scenario, { kind, url: master, growing });
    return { ...r, errors: [...r.errors, ...pageErrors] };
  } finally {
    await context.close();
  }
}
