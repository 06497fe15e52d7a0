import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuilt, launchBrowser, makeClip, playerState, upload, waitUntil } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/stack.js";

/**
 * Issue 15: a viewer who starts a re-encoded upload while it is processing gets its lead rungs alone; when it turns
 * ready the player loads the whole ladder in place (web/src/player/ladder-upgrade.ts) and playback goes on.
 */
const SECONDS = 45;
let stack: TestStack;
let browser: Browser;
let dir: string;
const started = Date.now();

beforeAll(async () => {
  ensureWebBuilt();
  dir = mkdtempSync(join(tmpdir(), "estrena-e2e-ladder-"));
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`ladder-upgrade e2e: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

describe("the ladder grows under a viewer", () => {
  it("a viewer who started on the lead rungs gets every rung at ready, and playback goes on", async () => {
    const t0 = Date.now();
    const clip = join(dir, "gop12.mp4");
    // Keyframes 12 s apart: not a standard source, so it is encoded and plays first from its lead rungs (360p and
    // 240p of a 480p source). With a soundtrack, so the audio SourceBuffer is handed over too.
    makeClip(clip, SECONDS, { keyframeSeconds: 12, size: "854x480" });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.addInitScript(() => {
      // Test instrumentation: a reset of the <video> ("emptied") or a jump back in time would show as a restart.
      document.addEventListener("DOMContentLoaded", () => {
        const v = document.querySelector("video");
        if (!v) return; // the catalogue page
        const root = document.documentElement.dataset;
        let last = 0;
        root.emptied = "0";
        root.backJumps = "0";
        root.waits = "0";
        // Reported, not asserted: how often playback waited for data (no timing thresholds in tests).
        v.addEventListener("waiting", () => (root.waits = String(Number(root.waits) + 1)));
        v.addEventListener("emptied", () => (root.emptied = String(Number(root.emptied) + 1)));
        v.addEventListener("timeupdate", () => {
          if (v.currentTime < last - 0.5) root.backJumps = String(Number(root.backJumps) + 1);
          last = v.currentTime;
        });
      });
    });
    // Test instrumentation: the masters the page read, to tell a stale cache from a player that never asked.
    const masters: string[] = [];
    page.on("response", (r) => {
      if (!r.url().includes("master.m3u8")) return;
      const at = ((Date.now() - t0) / 1000).toFixed(1);
      r.text().then(
        (t) => masters.push(`${at} s ${r.status()} ${(t.match(/#EXT-X-STREAM-INF/g) ?? []).length} variants`),
        () => masters.push(`${at} s ${r.status()} unread`),
      );
    });
    const levelCount = () =>
      page
        .locator("#quality-list [role=menuitemradio]")
        .count()
        .then((n) => n - 1);
    const id = await upload(stack, clip, `e2e/gop12-${Date.now()}.mp4`, "Lead rungs first");
    // Opened from its card as soon as it is playable: the click is the gesture that lets it autoplay.
    await page.goto(stack.urls.web);
    await page.waitForFunction((vid) => document.querySelector(`.card[data-id="${vid}"][data-status="processing"] a.card-link`), id, {
      timeout: 60_000,
      polling: 100,
    });
    await page.click(`.card[data-id="${id}"] a.card-link`);
    await page.waitForFunction(() => document.getElementById("player")?.dataset.firstFrameMs, null, { timeout: 60_000 });
    if ((await playerState(page)).paused) await page.click("#big-play");
    const first = await playerState(page);
    const before = await levelCount();
    const emptied = await page.evaluate(() => document.documentElement.dataset.emptied);
    expect(first.status, "the video should be playable while it is still processing").toBe("processing");
    expect(before).toBeGreaterThanOrEqual(1);

    await waitUntil(page, "the status to turn ready", () => document.getElementById("player")!.dataset.status === "ready", null, 120_000);
    const waitsBefore = await page.evaluate(() => document.documentElement.dataset.waits);
    await expect
      .poll(levelCount, { timeout: 30_000 })
      .toBeGreaterThan(before)
      .catch((err: Error) => {
        throw new Error(`hls.js should have the whole ladder; masters read: ${masters.join(", ")}\n${err.message}`);
      });
    const at = await playerState(page);
    // Playback goes on across the switch: time advances, from where it was, with no restart and no fatal error.
    await waitUntil(
      page,
      "2 s of playback after the reload",
      (t) => document.querySelector("video")!.currentTime >= Math.min(t + 2, 44),
      at.t,
    );
    const end = await playerState(page);
    expect(end.fatal).toBe(0);
    expect(end.paused).toBe(false);
    expect(at.t).toBeGreaterThan(first.t);
    const marks = await page.evaluate(() => ({ ...document.documentElement.dataset }));
    expect(marks.emptied).toBe(emptied);
    expect(marks.backJumps).toBe("0");
    process.stderr.write(
      `ladder-upgrade: levels ${before} -> ${await levelCount()}, first frame at t=${first.t.toFixed(1)} s, ` +
        `reloaded by t=${at.t.toFixed(1)} s, height ${first.height} -> ${end.height}, waits ${waitsBefore} until ready and ${Number(marks.waits) - Number(waitsBefore)} after, masters read: ${masters.join(", ")}; ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    await page.close();
  }, 180_000);
});
