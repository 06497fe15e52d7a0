import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StudioVideo } from "../../lib/contracts/studio.js";
import type { Video } from "../../lib/contracts/video.js";
import { videoId } from "../../lib/runtime/ids.js";
import { ensureWebBuilt, launchBrowser, makeClip, waitUntil } from "../support/browser.js";
import { buildImages, type ComposeStack, DOCKER, secondsSince, startCompose } from "../support/compose.js";
import { basicAuth } from "../support/studio.js";

/*
 * The compose deployment end to end, on the real containers from `npm run images`: an editor's upload plays
 * through the gateway in Chromium, a transcode container killed mid-job still ends with a complete video, down
 * then up keeps every video, and a hostile file ends failed with a code. Durations are printed for CI's budget.
 */
const durations: Record<string, number> = {};
let stack: ComposeStack;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  ensureWebBuilt();
  dir = mkdtempSync(join(tmpdir(), "estrena-compose-media-"));
  let t0 = Date.now();
  buildImages();
  durations["npm run images"] = secondsSince(t0);
  t0 = Date.now();
  stack = await startCompose(`estrena-e2e-${randomBytes(2).toString("hex")}`);
  durations["compose up (fresh volumes)"] = secondsSince(t0);
  browser = await launchBrowser();
}, 1_200_000);

afterAll(async () => {
  await browser?.close();
  const t0 = Date.now();
  stack?.destroy();
  durations["compose down -v"] = secondsSince(t0);
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`compose e2e durations (s): ${JSON.stringify(durations)}\n`);
}, 300_000);

/** Uploads as the editor (the only identity that may write uploads) and returns the video id. */
async function uploadAsEditor(file: string, key: string): Promise<string> {
  const { etag } = await stack
    .s3("ESTRENA_EDITOR_USER", "ESTRENA_EDITOR_PASSWORD")
    .fPutObject("uploads", key, file, { "Content-Type": "video/mp4" });
  return videoId("uploads", key, etag);
}

/** The studio's view of an upload (every status, with its error), as the editor. */
async function studioVideo(id: string): Promise<StudioVideo | null> {
  const res = await fetch(`${stack.gateway}/api/studio/videos/${id}`, {
    headers: { authorization: basicAuth({ user: stack.values.ESTRENA_EDITOR_USER!, password: stack.values.ESTRENA_EDITOR_PASSWORD! }) },
  });
  return res.status === 200 ? ((await res.json()) as StudioVideo) : null;
}

async function waitForStatus(id: string, status: Video["status"], timeout = 240_000): Promise<StudioVideo> {
  let last: StudioVideo | null = null;
  await expect
    .poll(
      async () => {
        last = await studioVideo(id);
        return last?.status;
      },
      { timeout, interval: 1000 },
    )
    .toBe(status);
  return last as unknown as StudioVideo;
}

/** Every media playlist of a video, fetched through the gateway, is complete and covers about `seconds`. */
async function expectComplete(id: string, seconds: number): Promise<void> {
  const master = await (await fetch(`${stack.gateway}/stream/${id}/master.m3u8`)).text();
  const playlists = [...master.matchAll(/^([^#\s][^\s]*\.m3u8)$/gm), ...master.matchAll(/URI="([^"]+\.m3u8)"/g)].map((m) => m[1]!);
  expect(playlists.length).toBeGreaterThan(1);
  for (const p of playlists) {
    const text = await (await fetch(`${stack.gateway}/stream/${id}/${p}`)).text();
    expect(text, p).toContain("#EXT-X-ENDLIST");
    const total = [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    expect(Math.abs(total - seconds), `${p} covers ${total} s`).toBeLessThan(1);
  }
}

describe("compose deployment", () => {
  let first = "";
  let killed = "";

  it("plays an editor's upload through the gateway in Chromium", async () => {
    const t0 = Date.now();
    const clip = join(dir, "bars.mp4");
    makeClip(clip, 8);
    first = await uploadAsEditor(clip, "compose/bars.mp4");
    await waitForStatus(first, "ready");
    durations["upload to ready (8 s clip)"] = secondsSince(t0);
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${stack.gateway}/watch.html?v=${first}`);
    if (await page.evaluate(() => document.querySelector("video")!.paused)) await page.click("#big-play");
    await waitUntil(page, "playback through the compose gateway", () => document.querySelector("video")!.currentTime > 2, null, 60_000);
    expect(Number(await page.evaluate(() => document.getElementById("player")!.dataset.hlsFatal ?? 0))).toBe(0);
    await page.close();
    await expectComplete(first, 8);
  }, 400_000);

  it("refuses a forged deletion sent to the catalogue from inside the compose network, and the video stays", async () => {
    // A container on the stack's network that is not the router: it can reach catalogue:8080, but has no credential.
    const script = `
      const h = { "ce-specversion": "1.0", "ce-id": "forged-1", "ce-source": "/forged", "ce-type": "dev.estrena.video.deleted",
                  "content-type": "application/json" };
      fetch("http://catalogue:8080/", { method: "POST", headers: h, body: JSON.stringify({ videoId: "${first}" }) })
        .then((r) => console.log(r.status), (e) => { console.error(e.message); process.exit(1); });`;
    const status = execFileSync(
      DOCKER,
      ["run", "--rm", "--network", `${stack.project}_default`, "--entrypoint", "node", "dev.local/estrena/tools:0.1.0", "-e", script],
      { encoding: "utf8" },
    ).trim();
    expect(status).toBe("401");
    expect((await fetch(`${stack.gateway}/api/videos/${first}`)).status).toBe(200);
  }, 120_000);

  it("ends ready and complete when the transcode container is killed mid-job", async () => {
    const t0 = Date.now();
    const clip = join(dir, "long.mp4");
    makeClip(clip, 40);
    killed = await uploadAsEditor(clip, "compose/killed.mp4");
    await waitForStatus(killed, "processing", 120_000);
    execFileSync(DOCKER, ["kill", stack.container("transcode")]);
    // docker kill counts as a manual stop: no restart policy brings it back, an operator (or `up`) does.
    await new Promise((r) => setTimeout(r, 2000));
    stack.compose("up");
    await waitForStatus(killed, "ready", 300_000);
    await expectComplete(killed, 40);
    durations["kill mid-job to ready (40 s clip)"] = secondsSince(t0);
  }, 600_000);

  it("ends a hostile file failed, with a code", async () => {
    const bad = join(dir, "hostile.mp4");
    writeFileSync(bad, randomBytes(64 * 1024));
    const id = await uploadAsEditor(bad, "compose/hostile.mp4");
    const v = await waitForStatus(id, "failed", 120_000);
    expect(v.error?.code).toMatch(/^[a-z-]+$/);
    expect((await fetch(`${stack.gateway}/api/videos/${id}`)).status).toBe(404);
  }, 200_000);

  it("keeps every video across down and up", async () => {
    const t0 = Date.now();
    stack.compose("down");
    stack.compose("up");
    durations["down then up"] = secondsSince(t0);
    for (const id of [first, killed]) {
      const res = await fetch(`${stack.gateway}/api/videos/${id}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Video).status).toBe("ready");
    }
    await expectComplete(first, 8);
  }, 400_000);
});
