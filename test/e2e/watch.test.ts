import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Video } from "../../lib/contracts/video.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { IMG_DIR, RECORD, recordPerformance } from "./record.js";
import { ensureWebBuilt, launchBrowser, makeClip, playerState, unnamedControls, upload, waitUntil } from "../support/browser.js";

// Sources up to 24 s are one transcode job; longer ones are chunked (4 s first, so playback starts early).
const STACK_ENV = { CHUNK_SECONDS: "24", FIRST_CHUNK_SECONDS: "4" };
const LONG_SECONDS = 90;

let stack: TestStack;
let browser: Browser;
let dir: string;
const measured: { ttffMs: number[]; cls: number[]; firstPlayMs: number | null; progressive: Record<string, number | null> } = {
  ttffMs: [],
  cls: [],
  firstPlayMs: null,
  progressive: {},
};

beforeAll(async () => {
  ensureWebBuilt();
  dir = mkdtempSync(join(tmpdir(), "estrena-e2e-"));
  stack = await startTestStack({ env: STACK_ENV });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (RECORD && measured.ttffMs.length) recordPerformance(measured);
});

async function apiVideo(page: Page, id: string): Promise<Video> {
  const res = await page.request.get(`${stack.urls.web.replace(/\/$/, "")}/api/videos/${id}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as Video;
}

/** Records, inside the page, every state a card shows (test instrumentation, not part of the product). */
async function recordCardStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __states: Record<string, string[]>; __samePage: boolean };
    w.__states = {};
    w.__samePage = true;
    const grid = document.getElementById("grid")!;
    const snap = (): void => {
      for (const card of grid.querySelectorAll<HTMLElement>(".card")) {
        const id = card.dataset.id!;
        const bar = card.querySelector("[role=progressbar]");
        const entry = `${card.dataset.status} ${bar?.getAttribute("aria-valuenow") ?? "-"}`;
        const list = (w.__states[id] ??= []);
        if (list.at(-1) !== entry) list.push(entry);
      }
    };
    new MutationObserver(snap).observe(grid, { childList: true, subtree: true, attributes: true });
    snap();
  });
}

describe("watching in Chromium", () => {
  it("shows an upload processing, turns it ready without a reload, then plays, switches, scrubs, resumes and takes keys", async () => {
    const clip = join(dir, "bars.mp4");
    makeClip(clip, 20);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    // The gateway's strict CSP (no inline code, no eval) must not block anything the pages do.
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });

    // Catalogue: empty at first, telling editors how to add videos.
    await page.goto(stack.urls.web);
    await page.waitForSelector("#empty:not([hidden])");
    expect(await page.textContent("#empty")).toContain("npm run upload -- FILE");
    await recordCardStates(page);

    const id = await upload(stack, clip, "e2e/bars.mp4", "Colour bars <b>&amp;</b> tone");
    const card = page.locator(`.card[data-id="${id}"]`);
    await card.waitFor({ timeout: 60_000 });
    const final = await page.waitForFunction(
      (vid) => {
        const c = document.querySelector<HTMLElement>(`.card[data-id="${vid}"]`);
        return c && (c.dataset.status === "ready" || c.dataset.status === "failed") ? `${c.dataset.status}: ${c.textContent}` : null;
      },
      id,
      { timeout: 180_000 },
    );
    expect(await final.jsonValue()).toMatch(/^ready/);

    const states = await page.evaluate((vid) => (window as unknown as { __states: Record<string, string[]> }).__states[vid] ?? [], id);
    const progress = states.filter((s) => s.startsWith("processing ")).map((s) => Number(s.split(" ")[1]));
    // Viewers see a video once it plays (processing with its progressive playlist, or ready), never queued or failed,
    // and it turns ready without a reload. Editors follow every step, progress included, in the studio.
    expect(states.filter((s) => !s.startsWith("processing ") && !s.startsWith("ready "))).toEqual([]);
    expect(progress.every((p) => p >= 0 && p <= 100)).toBe(true);
    expect(states.at(-1)).toBe("ready -");
    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    // The title is text, never markup.
    expect(await card.locator(".card-title").textContent()).toBe("Colour bars <b>&amp;</b> tone");
    expect(await card.locator(".card-title b").count()).toBe(0);
    await card.locator("img").evaluate((img: HTMLImageElement) => img.decode());
    expect(await unnamedControls(page)).toEqual([]);

    // Search narrows the grid, says when nothing matches, and clearing it brings the video back.
    await page.fill("#search", "no such title");
    await page.locator("#no-results:not([hidden])").waitFor({ timeout: 10_000 });
    expect(await page.locator(".card").count()).toBe(0);
    await page.fill("#search", "colour");
    await card.waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).searchParams.get("q")).toBe("colour");

    // Player: opened from the card, it starts by itself.
    await card.locator("a").click();
    await page.waitForURL(/watch\.html\?v=/);
    await page.waitForFunction(() => document.getElementById("player")?.dataset.firstFrameMs, null, { timeout: 30_000 });
    const first = await playerState(page);
    measured.firstPlayMs = first.firstFrameMs;
    expect(first.paused).toBe(false);

    expect(await unnamedControls(page)).toEqual([]);

    // currentTime advances at least 3 s, with no fatal hls.js error.
    await waitUntil(page, "3 s of playback", (t0) => document.querySelector("video")!.currentTime >= t0 + 3, first.t);
    expect((await playerState(page)).fatal).toBe(0);

    // Quality: choose the lowest rendition, and the picture really changes to it.
    const video = await apiVideo(page, id);
    const heights = video.renditions.map((r) => r.height).sort((a, b) => a - b);
    expect(heights.length).toBeGreaterThanOrEqual(2);
    const lowest = heights[0]!;
    await page.click("#quality-button");
    const items = page.locator("#quality-list [role=menuitemradio]");
    expect(await items.allTextContents()).toEqual([
      "Auto",
      ...[...heights].reverse().map((h) => expect.stringMatching(new RegExp(`^${h}p`))),
    ]);
    await items.last().click();
    await waitUntil(page, `the picture to switch to ${lowest}p`, (h) => document.querySelector("video")!.videoHeight === h, lowest);
    await waitUntil(
      page,
      `the quality button to show ${lowest}p`,
      (h) => document.getElementById("quality-button")!.textContent === `${h}p`,
      lowest,
    );
    expect(await page.getAttribute(`#quality-list [aria-checked="true"]`, "data-value")).not.toBe("auto");

    // Scrub: hovering the seek bar shows a thumbnail from the sprite.
    const bar = (await page.locator("#seek").boundingBox())!;
    await page.mouse.move(bar.x + bar.width * 0.6, bar.y + bar.height / 2);
    await page.mouse.move(bar.x + bar.width * 0.62, bar.y + bar.height / 2);
    await page.locator("#preview.has-thumb:not([hidden])").waitFor({ timeout: 10_000 });
    const sprite = await page.evaluate(() => getComputedStyle(document.getElementById("preview-thumb")!).backgroundImage);
    expect(sprite).toContain(`/stream/${id}/`);
    const spriteRes = await page.request.get(sprite.replace(/^url\("?|"?\)$/g, ""));
    expect(spriteRes.status()).toBe(200);
    expect(spriteRes.headers()["content-type"]).toMatch(/^image\//);
    if (RECORD) await page.screenshot({ path: join(IMG_DIR, "player.png") });
    await page.mouse.move(bar.x + bar.width / 2, bar.y - 200);

    // Resume: leave at 8 s, reload, and it continues from there.
    await page.evaluate(() => {
      const v = document.querySelector("video")!;
      v.currentTime = 8;
      return new Promise((r) => v.addEventListener("seeked", r, { once: true }));
    });
    await page.evaluate(() => document.querySelector("video")!.pause());
    await page.reload();
    await page.waitForFunction(() => document.getElementById("player")?.dataset.loaded === "true", null, { timeout: 30_000 });
    const resumed = await playerState(page);
    expect(resumed.t).toBeGreaterThanOrEqual(7.5);
    expect(await page.textContent("#toast")).toContain("Resuming at 0:08");

    // Keyboard shortcuts.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const paused0 = (await playerState(page)).paused;
    await page.keyboard.press("k");
    await page.waitForFunction((p) => document.querySelector("video")!.paused === !p, paused0);
    if (!(await playerState(page)).paused) await page.keyboard.press(" ");
    await page.waitForFunction(() => document.querySelector("video")!.paused);
    await page.evaluate(() => (document.querySelector("video")!.currentTime = 2));
    const seeks: [string, number][] = [
      ["l", 12],
      ["j", 2],
      ["ArrowRight", 7],
      ["ArrowLeft", 2],
      ["j", 0],
    ];
    for (const [key, expected] of seeks) {
      await page.keyboard.press(key);
      await waitUntil(
        page,
        `"${key}" to seek to ${expected} s`,
        (t) => Math.abs(document.querySelector("video")!.currentTime - t) < 0.01,
        expected,
        5_000,
      );
    }
    const muted0 = await page.evaluate(() => document.querySelector("video")!.muted);
    await page.keyboard.press("m");
    expect(await page.evaluate(() => document.querySelector("video")!.muted)).toBe(!muted0);
    await page.keyboard.press("?");
    expect(await page.evaluate(() => (document.getElementById("help") as HTMLDialogElement).open)).toBe(true);
    expect(await page.locator("#help-list dt").count()).toBeGreaterThanOrEqual(10);
    await page.keyboard.press("Escape");
    expect(await page.evaluate(() => (document.getElementById("help") as HTMLDialogElement).open)).toBe(false);
    await page.keyboard.press("f");
    await page.waitForFunction(() => document.fullscreenElement?.id === "player");
    await page.keyboard.press("f");
    await page.waitForFunction(() => document.fullscreenElement === null);

    expect((await playerState(page)).fatal).toBe(0);
    expect(pageErrors).toEqual([]);

    // QoE beacons went through the gateway to the catalogue, which exposes them as Prometheus metrics:
    // startups at each first frame, and the rendition switch in the session beacon sent when the page was hidden.
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(new URL("metrics", stack.urls.catalogue))).text();
      // Sum over label sets (the registry adds service="catalogue" to every series).
      return text
        .split("\n")
        .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
        .reduce((t, l) => t + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    };
    await expect.poll(() => metric("estrena_qoe_startup_seconds_count"), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => metric("estrena_qoe_sessions_total"), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(await metric("estrena_qoe_bitrate_switches_total")).toBeGreaterThanOrEqual(1);

    // Time to first frame with the stack warm, for docs/performance.md.
    if (RECORD) {
      for (let i = 0; i < 5; i++) {
        await page.evaluate(() => localStorage.clear());
        await page.goto(`${stack.urls.web.replace(/\/$/, "")}/watch.html?v=${id}`);
        await page.waitForFunction(() => document.getElementById("player")?.dataset.firstFrameMs, null, { timeout: 30_000 });
        measured.ttffMs.push((await playerState(page)).firstFrameMs!);
        measured.cls.push(
          await page.evaluate(
            () =>
              new Promise<number>((resolve) => {
                let total = 0;
                new PerformanceObserver((list) => {
                  for (const e of list.getEntries()) total += (e as unknown as { value: number }).value;
                }).observe({ type: "layout-shift", buffered: true });
                setTimeout(() => resolve(total), 500);
              }),
          ),
        );
      }
    }
    await page.close();
  }, 400_000);

  it.each([
    ["with a soundtrack", true],
    ["without audio", false],
  ])(
    "plays a video %s while it is still being transcoded, and the playable range grows",
    async (name, audio) => {
      const clip = join(dir, `long-${audio}.mp4`);
      // Keyframes 12 s apart: a standard source would be remuxed whole in a second (instant publish), and this
      // case is about the encoded rungs arriving while the viewer watches.
      makeClip(clip, LONG_SECONDS, { audio, keyframeSeconds: 12 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.addInitScript(() => {
        // Notes the catalogue status at the moment the first frame shows (test instrumentation).
        document.addEventListener("DOMContentLoaded", () => {
          const root = document.getElementById("player")!;
          new MutationObserver(() => {
            if (root.dataset.firstFrameMs && !root.dataset.statusAtFirstFrame) {
              root.dataset.statusAtFirstFrame = root.dataset.status ?? "";
              const v = document.querySelector("video")!;
              root.dataset.seekableAtFirstFrame = String(v.seekable.length ? v.seekable.end(v.seekable.length - 1) : 0);
            }
          }).observe(root, { attributes: true });
        });
      });
      const id = await upload(stack, clip, `e2e/long-${audio}.mp4`, `Long bars ${name}`);

      // The catalogue shows it processing (for the README: next to the videos already there).
      await page.goto(stack.urls.web);
      await page.locator(`.card[data-id="${id}"][data-status="processing"]`).waitFor({ timeout: 60_000 });
      if (RECORD && !audio) {
        // A bar that has visibly started reads better in the README.
        await page
          .waitForFunction(
            (vid) => Number(document.querySelector(`.card[data-id="${vid}"] [role=progressbar]`)?.getAttribute("aria-valuenow")) >= 10,
            id,
            { timeout: 30_000 },
          )
          .catch(() => undefined);
        await page.evaluate(() => Promise.all([...document.querySelectorAll("img")].map((i) => i.decode().catch(() => undefined))));
        await page.screenshot({ path: join(IMG_DIR, "catalogue.png") });
      }

      // A viewer opens it from the catalogue as soon as its card says it is playable (it has a master playlist).
      const playable = page.locator(`.card[data-id="${id}"] a.card-link`);
      const became = await page.waitForFunction(
        (vid) => {
          const c = document.querySelector<HTMLElement>(`.card[data-id="${vid}"]`);
          if (c?.dataset.status === "processing" && c.querySelector("a.card-link")) return "playable while processing";
          return c?.dataset.status === "ready" || c?.dataset.status === "failed" ? `${c.dataset.status} first` : null;
        },
        id,
        { timeout: 180_000, polling: 100 },
      );
      // "ready first" means the master playlist was written only when everything was done.
      expect(await became.jsonValue(), "the video should be playable while it is still processing").toBe("playable while processing");
      await playable.click();
      await page.waitForFunction(() => document.getElementById("player")?.dataset.statusAtFirstFrame, null, { timeout: 60_000 });
      const at = await page.evaluate(() => ({ ...document.getElementById("player")!.dataset }));
      measured.progressive[name] = null;
      expect(at.statusAtFirstFrame).toBe("processing");
      expect(Number(at.seekableAtFirstFrame)).toBeLessThan(LONG_SECONDS - 1);
      expect(await page.isVisible("#badge")).toBe(true);

      // It keeps playing across chunk joins while the rest is published (waiting at the edge of what is ready is
      // expected when the transcoder is slower than real time), and ends up whole.
      const t0 = (await playerState(page)).t;
      await waitUntil(page, "3 s of progressive playback", (t) => document.querySelector("video")!.currentTime >= t + 3, t0, 180_000);
      await waitUntil(page, "the status to turn ready", () => document.getElementById("player")!.dataset.status === "ready", null, 240_000);
      await page.waitForFunction(
        (end) => {
          const s = document.querySelector("video")!.seekable;
          return s.length > 0 && s.end(s.length - 1) >= end;
        },
        LONG_SECONDS - 1,
        { timeout: 60_000 },
      );
      expect(await page.isVisible("#badge")).toBe(false);
      const end = await playerState(page);
      expect(end.fatal).toBe(0);
      expect(end.seekableEnd).toBeGreaterThan(Number(at.seekableAtFirstFrame));
      measured.progressive[name] = Number(at.firstFrameMs);
      await page.close();
    },
    400_000,
  );
  it("retries a short network outage quietly, and explains a long one with a retry button that works", async () => {
    const clip = join(dir, "short.mp4");
    makeClip(clip, 8);
    const id = await upload(stack, clip, "e2e/short.mp4", "Short bars");
    const base = stack.urls.web.replace(/\/$/, "");
    await expect
      .poll(async () => ((await (await fetch(`${base}/api/videos/${id}`)).json()) as Video).status, { timeout: 120_000, interval: 500 })
      .toBe("ready");
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(() => {
      // Remembers whether the error overlay was ever shown (test instrumentation).
      document.addEventListener("DOMContentLoaded", () => {
        const overlay = document.getElementById("error")!;
        new MutationObserver(() => {
          if (!overlay.hidden) document.documentElement.dataset.errorShown = "true";
        }).observe(overlay, { attributes: true });
      });
    });
    const offline = (route: { abort(code: string): Promise<void> }) => route.abort("internetdisconnected");

    // Segments fail for 3 s: hls.js retries with backoff and playback starts, without a word to the viewer.
    await page.route("**/stream/**/*.m4s", offline);
    await page.goto(`${base}/watch.html?v=${id}`);
    await new Promise((r) => setTimeout(r, 3000));
    await page.unroute("**/stream/**/*.m4s", offline);
    // A page opened without a gesture may not autoplay (Chromium's policy varies run to run); press play as a viewer would.
    if (await page.evaluate(() => document.querySelector("video")!.paused)) await page.click("#big-play");
    await waitUntil(
      page,
      "playback after a short outage",
      () => Number(document.getElementById("player")!.dataset.firstFrameMs) > 0,
      null,
      60_000,
    );
    expect(await page.evaluate(() => document.documentElement.dataset.errorShown ?? "never")).toBe("never");

    // Segments keep failing: after the quiet retries the viewer is told in plain words, with a working retry.
    await page.route("**/stream/**/*.m4s", offline);
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.locator("#error:not([hidden])").waitFor({ timeout: 120_000 });
    expect(await page.textContent("#error-message")).toBe("We can't reach the video right now. Check your connection, then try again.");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("error-retry");
    await page.unroute("**/stream/**/*.m4s", offline);
    await page.click("#error-retry");
    await waitUntil(page, "playback after Try again", () => document.querySelector("video")!.currentTime > 1, null, 60_000);
    expect(await page.isHidden("#error")).toBe(true);
    await page.close();
  }, 300_000);
});
