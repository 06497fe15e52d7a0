import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StudioVideo } from "../../lib/contracts/studio.js";
import { ensureWebBuilt, launchBrowser, playerState, upload, waitUntil } from "../support/browser.js";
import { getVideo, listVideos, waitFor } from "../support/ingest.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { IMG_DIR, RECORD } from "./record.js";

/**
 * Audio-only uploads on the whole stack (issue 14): an m4a put in the uploads bucket (the console's path) and an mp3
 * dropped into the watched folder both become audio-only streams; the viewers' page shows the waveform poster; our
 * player plays the sound in Chromium with the poster up and no hls.js error; and standard clients (ffprobe, ffmpeg,
 * GStreamer) read the master over the gateway.
 */
const run = promisify(execFile);
const SECONDS = 6;
let stack: TestStack;
let browser: Browser;
let dir: string;
const started = Date.now();

/** A tone that swells and fades over quiet noise, so the waveform has a shape. */
async function sound(path: string, codec: readonly string[]): Promise<string> {
  const graph = `sine=frequency=330:sample_rate=44100:duration=${SECONDS},volume='0.2+0.6*abs(sin(t*1.5))':eval=frame`;
  await run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", graph, ...codec, path]);
  return path;
}

beforeAll(async () => {
  ensureWebBuilt();
  dir = mkdtempSync(join(tmpdir(), "estrena-e2e-audio-"));
  [stack, browser] = await Promise.all([startTestStack({ env: { ESTRENA_WATCH_STABLE_MS: "500" } }), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`audio e2e: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

async function ready(find: () => Promise<StudioVideo | undefined>): Promise<StudioVideo> {
  return waitFor(
    "an audio-only upload to be ready",
    async () => {
      const v = await find();
      if (v?.status === "failed") throw new Error(`failed: ${JSON.stringify(v.error)}`);
      return v?.status === "ready" ? v : undefined;
    },
    120_000,
  );
}

describe("audio-only uploads, end to end", () => {
  it("an m4a and a watched-folder mp3 become audio streams that the player, ffmpeg and GStreamer play", async () => {
    const m4a = await sound(join(dir, "podcast.m4a"), ["-c:a", "aac", "-b:a", "96k"]);
    const id = await upload(stack, m4a, "e2e/podcast.m4a", "Podcast episode");
    mkdirSync(stack.mediaDir, { recursive: true });
    const mp3 = await sound(join(dir, "episode_2.mp3"), ["-c:a", "libmp3lame", "-b:a", "96k"]);
    copyFileSync(mp3, join(stack.mediaDir, "episode_2.mp3"));

    const video = await ready(async () => (await getVideo(stack, id)).video ?? undefined);
    expect(video).toMatchObject({ kind: "audio", width: 0, height: 0, title: "Podcast episode", error: null });
    expect(video.renditions).toEqual([{ width: 0, height: 0, codecs: "mp4a.40.2", bandwidth: expect.any(Number) }]);
    expect(video.poster).toBe(`/stream/${id}/poster.jpg`);
    expect(video.thumbnails).toBe(`/stream/${id}/thumbnails.vtt`);
    // The watched folder took the mp3 (its title is the file name, without extension, `_` as a space).
    const watched = await ready(async () => (await listVideos(stack)).find((v) => v.source.key === "episode_2.mp3"));
    expect(watched).toMatchObject({ kind: "audio", title: "episode 2" });

    // Viewers' page: the card shows the waveform poster and says it is audio.
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(stack.urls.web);
    const card = page.locator(`.card[data-id="${id}"]`);
    await card.waitFor({ timeout: 30_000 });
    expect(await card.locator(".kind").textContent()).toBe("Audio");
    expect(await card.locator("a").getAttribute("aria-label")).toMatch(/^Podcast episode, audio, /);
    expect(
      await card.locator("img").evaluate((img: HTMLImageElement) => img.decode().then(() => [img.naturalWidth, img.naturalHeight])),
    ).toEqual([1280, 720]);

    // The player: sound plays (currentTime advances), no hls.js error, no picture, and the poster stays up.
    await card.locator("a").click();
    await page.waitForURL(/watch\.html\?v=/);
    const first = await waitFor("playback to start", async () => {
      const s = await playerState(page);
      return s.t > 0 && !s.paused ? s : undefined;
    });
    await waitUntil(page, "2 s of sound", (t0) => document.querySelector("video")!.currentTime >= t0 + 2, first.t);
    const state = await playerState(page);
    expect(state.fatal).toBe(0);
    expect(state.height).toBe(0);
    expect(state.firstFrameMs).toBeGreaterThan(0);
    expect(await page.getAttribute("video", "poster")).toBe(`/stream/${id}/poster.jpg`);
    expect(await page.textContent("#meta")).toMatch(/ · Audio$/);
    expect(await page.isHidden("#quality-menu")).toBe(true);
    // What the viewer sees while it plays: the poster's waveform blue fills part of the player.
    expect(await bluePixels(await page.locator("video").screenshot())).toBeGreaterThan(0.02);
    if (RECORD) await page.screenshot({ path: join(IMG_DIR, "audio-player.png") });
    expect(pageErrors).toEqual([]);
    await page.close();

    // Standard clients over the gateway.
    const master = new URL(`stream/${id}/master.m3u8`, stack.urls.web).href;
    const { stdout } = await run("ffprobe", ["-v", "error", "-show_streams", "-show_format", "-of", "json", master]);
    const info = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
    expect(info.streams.map((s) => `${s.codec_type}/${s.codec_name}`)).toEqual(["audio/aac"]);
    expect(Math.abs(Number(info.format.duration) - SECONDS)).toBeLessThan(0.2);
    const decoded = await run("ffmpeg", ["-v", "error", "-i", master, "-f", "null", "-"]);
    expect(decoded.stderr).toBe("");
    const gst = await run("gst-launch-1.0", ["playbin3", `uri=${master}`, "video-sink=fakesink", "audio-sink=fakesink"], {
      env: { ...process.env, GST_DEBUG: "*:1" },
      timeout: 30_000,
    });
    expect(gst.stdout).toMatch(/Got EOS from element/);
    expect(`${gst.stdout}${gst.stderr}`).not.toMatch(/ERROR/);
  });
});

/** Share of a PNG's pixels near the waveform colour (0x6ea8fe), decoded to raw RGB by ffmpeg. */
async function bluePixels(png: Buffer): Promise<number> {
  const file = join(dir, "shot.png");
  writeFileSync(file, png);
  const { stdout } = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], {
    encoding: "buffer",
    maxBuffer: 64 << 20,
  });
  const rgb = stdout as unknown as Buffer;
  let blue = 0;
  for (let i = 0; i + 2 < rgb.length; i += 3) {
    if (Math.abs(rgb[i]! - 0x6e) < 40 && Math.abs(rgb[i + 1]! - 0xa8) < 40 && Math.abs(rgb[i + 2]! - 0xfe) < 40) blue++;
  }
  return blue / (rgb.length / 3);
}
