import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "minio";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILURE_MESSAGES } from "../../lib/contracts/failures.js";
import type { StudioVideo, ViewerVideo } from "../../lib/contracts/studio.js";
import { videoId } from "../../lib/runtime/ids.js";
import { ensureWebBuilt, launchBrowser, makeClip, waitUntil } from "../support/browser.js";
import { waitFor } from "../support/ingest.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { basicAuth, editorLogin, studioVideo } from "../support/studio.js";

/**
 * Subtitles (issue 14, item 5) on one real stack (MinIO, Redis, ingest, router, transcode, catalogue, nginx):
 * sidecars uploaded before the video and after it is ready, a garbage sidecar that fails alone, the studio's add and
 * delete, ffprobe reading the master over HTTP, and the captions menu of our player in Chromium showing a cue.
 */
const run = promisify(execFile);
let stack: TestStack;
let browser: Browser;
let dir: string;
let editor: Client;
const t0 = Date.now();
const FAST = { SEGMENT_SECONDS: "2", X264_PRESET: "ultrafast" };
const SRT = "1\r\n00:00:00,000 --> 00:00:05,000\r\nHello from the <b>subtitles</b> & friends\r\n";
const VTT_FR = "WEBVTT\n\n00:00.000 --> 00:05.000\nBonjour les sous-titres\n";

beforeAll(async () => {
  ensureWebBuilt();
  dir = mkdtempSync(join(tmpdir(), "estrena-subtitles-"));
  stack = await startTestStack({ without: ["watcher"], env: FAST });
  const u = new URL(stack.urls.minio);
  const login = editorLogin(stack);
  editor = new Client({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: login.user, secretKey: login.password });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`subtitles e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

const gw = (path: string) => new URL(path, stack.urls.gateway).toString();

async function put(key: string, body: string | Buffer, type = "text/plain"): Promise<string> {
  const { etag } = await editor.putObject("uploads", key, Buffer.from(body), undefined, { "Content-Type": type });
  return videoId("uploads", key, etag);
}

async function putClip(key: string): Promise<string> {
  const file = join(dir, key.replaceAll("/", "_"));
  makeClip(file, 4);
  const { etag } = await editor.fPutObject("uploads", key, file, { "Content-Type": "video/mp4" });
  return videoId("uploads", key, etag);
}

async function waitVideo(id: string, what: string, ok: (v: StudioVideo) => boolean, ms = 90_000): Promise<StudioVideo> {
  return waitFor(
    what,
    async () => {
      const v = await studioVideo(stack, id);
      if (v?.status === "failed") throw new Error(`${id} failed: ${v.error?.code}`);
      return v && ok(v) ? v : undefined;
    },
    ms,
    300,
  );
}

const master = async (id: string) => (await fetch(gw(`/stream/${id}/master.m3u8`))).text();
const subtitleLines = (m: string) => m.split("\n").filter((l) => l.startsWith("#EXT-X-MEDIA:TYPE=SUBTITLES"));
const languages = (v: StudioVideo) => (v.subtitles ?? []).map((t) => `${t.language}:${t.error ? t.error.code : "ok"}`);

async function studioRaw(method: string, path: string, body?: Buffer): Promise<{ status: number; json: unknown }> {
  const res = await fetch(gw(`/api/studio${path}`), {
    method,
    headers: { authorization: basicAuth(editorLogin(stack)), "content-type": "application/x-subrip" },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

describe("subtitles", () => {
  let early: string;

  it("sidecars uploaded before the video become its tracks; a garbage one fails alone, never the video", async () => {
    await put("talks/early.en.srt", SRT, "application/x-subrip");
    await put("talks/early.fr.vtt", VTT_FR, "text/vtt");
    await put("talks/early.de.srt", Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x42]));
    await put("talks/early.es.srt", Buffer.alloc(2 * 1024 * 1024 + 1, 0x41));
    early = await putClip("talks/early.mp4");
    const v = await waitVideo(early, "early ready with four tracks", (x) => x.status === "ready" && (x.subtitles ?? []).length === 4);
    // Listed by NAME: English, French, German, Spanish.
    expect(languages(v)).toEqual(["en:ok", "fr:ok", "de:subtitle-invalid", "es:subtitle-too-large"]);
    const de = v.subtitles!.find((t) => t.language === "de")!;
    expect(de.error).toEqual({ code: "subtitle-invalid", message: FAILURE_MESSAGES["subtitle-invalid"] });
    expect(JSON.stringify(v.subtitles)).not.toMatch(/\/tmp|\.estrena|ENOENT|at .*\.js/);

    // The master names both good tracks, and every variant names the group.
    const m = await waitFor("the master with two subtitle tracks", async () => {
      const text = await master(early);
      return subtitleLines(text).length === 2 ? text : undefined;
    });
    expect(subtitleLines(m).map((l) => /NAME="([^"]+)",LANGUAGE="([^"]+)"/.exec(l)?.slice(1).join("/"))).toEqual([
      "English/en",
      "French/fr",
    ]);
    for (const l of subtitleLines(m)) expect(l).toMatch(/GROUP-ID="subs",.*DEFAULT=NO,AUTOSELECT=YES,URI="sub-/);
    const variants = m.split("\n").filter((l) => l.startsWith("#EXT-X-STREAM-INF:"));
    expect(variants.length).toBeGreaterThan(0);
    for (const l of variants) expect(l).toContain('SUBTITLES="subs"');

    // The subtitle playlist: one WebVTT segment for the whole video; the segment is our clean WebVTT.
    const uri = /URI="([^"]+)"/.exec(subtitleLines(m)[0]!)![1]!;
    const playlist = await (await fetch(gw(`/stream/${early}/${uri}`))).text();
    expect(playlist).toMatch(/#EXT-X-TARGETDURATION:[45]\n/);
    expect(playlist).toContain("#EXT-X-ENDLIST");
    const vtt = await fetch(gw(`/stream/${early}/${uri.replace(".m3u8", ".vtt")}`));
    expect(vtt.headers.get("content-type")).toContain("text/vtt");
    expect(await vtt.text()).toContain(
      "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n00:00:00.000 --> 00:00:05.000\nHello from the <b>subtitles</b> &amp; friends",
    );

    // Viewers see the published tracks only, without where they came from.
    const viewer = (await (await fetch(gw(`/api/videos/${early}`))).json()) as ViewerVideo;
    expect(viewer.subtitles).toEqual([
      { language: "en", name: "English", uri: expect.stringMatching(/^sub-en-/) },
      { language: "fr", name: "French", uri: expect.stringMatching(/^sub-fr-/) },
    ]);
  });

  it("ffprobe and ffmpeg reading the master over HTTP see the WebVTT subtitle streams and their cues", async () => {
    // FFmpeg 5.1's HLS demuxer reads subtitle renditions only with -strict experimental (hls.c: "Can't support the
    // subtitle" otherwise); with it, each rendition is a webvtt stream tagged with its LANGUAGE.
    const url = gw(`/stream/${early}/master.m3u8`);
    const probe = await run(
      "ffprobe",
      ["-v", "error", "-strict", "experimental", "-show_entries", "stream=codec_type,codec_name:stream_tags=language", "-of", "json", url],
      { timeout: 60_000 },
    );
    const streams = (JSON.parse(probe.stdout) as { streams: { codec_type: string; codec_name: string; tags?: { language?: string } }[] })
      .streams;
    const subs = streams.filter((s) => s.codec_type === "subtitle");
    expect(subs.map((s) => `${s.codec_name}/${s.tags?.language}`).sort()).toEqual(["webvtt/en", "webvtt/fr"]);
    expect(streams.some((s) => s.codec_type === "video")).toBe(true);
    const english = subs.findIndex((s) => s.tags?.language === "en");
    const cues = await run("ffmpeg", ["-v", "error", "-strict", "experimental", "-i", url, "-map", `0:s:${english}`, "-f", "webvtt", "-"], {
      timeout: 60_000,
    });
    expect(cues.stdout).toContain("Hello from the <b>subtitles</b>");
    // GStreamer (playbin3, hlsdemux2) plays the master to its end with the text stream on and hands a cue to the sink.
    const gst = await run(
      "gst-launch-1.0",
      ["playbin3", `uri=${url}`, "video-sink=fakesink", "audio-sink=fakesink", "text-sink=fakesink dump=true", "flags=0x7"],
      { timeout: 60_000, maxBuffer: 16 << 20 },
    );
    expect(gst.stdout).toMatch(/Got EOS from element/);
    expect(`${gst.stdout}${gst.stderr}`).not.toMatch(/ERROR/);
    // The sink dumps the cue's bytes in hex: "Hello" (English) or "Bonjou" (French), whichever track it picked.
    expect(gst.stdout).toMatch(/48 65 6c 6c 6f|42 6f 6e 6a 6f 75/);
  });

  it("a sidecar uploaded while the video processes, and one after it is ready, both reach the gateway's master", async () => {
    const late = await putClip("late.mp4");
    await put("late.en.srt", SRT); // the video is queued or processing now
    await waitVideo(late, "late ready with its English track", (x) => x.status === "ready" && languages(x).join() === "en:ok");
    await waitFor("English in late's master", async () => (subtitleLines(await master(late)).length === 1 ? true : undefined), 15_000, 200);
    const at = Date.now();
    await put("late.vtt", VTT_FR, "text/vtt");
    await waitFor(
      "the late subtitle in the master",
      async () => (subtitleLines(await master(late)).length === 2 ? true : undefined),
      15_000,
      200,
    );
    console.log(`late sidecar visible in the gateway's master after ${((Date.now() - at) / 1000).toFixed(1)} s`);
    expect(subtitleLines(await master(late))[1]).toContain('NAME="Subtitles",LANGUAGE="und"');
  });

  it("the studio adds, refuses and deletes subtitles (Basic login; a bad file changes nothing)", async () => {
    const added = await studioRaw("POST", `/videos/${early}/subtitles?language=pt-br`, Buffer.from(SRT));
    expect(added.status).toBe(201);
    expect(languages(added.json as StudioVideo)).toContain("pt-BR:ok");
    await waitFor("pt-BR in the master", async () => ((await master(early)).includes('LANGUAGE="pt-BR"') ? true : undefined), 15_000, 200);

    const garbage = await studioRaw("POST", `/videos/${early}/subtitles?language=it`, Buffer.from("just text, no cue\n"));
    expect(garbage).toEqual({ status: 422, json: { error: { code: "subtitle-invalid", message: FAILURE_MESSAGES["subtitle-invalid"] } } });
    const big = await studioRaw("POST", `/videos/${early}/subtitles?language=it`, Buffer.alloc(2 * 1024 * 1024 + 10, 0x41));
    expect(big).toEqual({ status: 413, json: { error: { code: "subtitle-too-large", message: FAILURE_MESSAGES["subtitle-too-large"] } } });
    expect((await studioRaw("POST", `/videos/${early}/subtitles?language=not_a_tag`, Buffer.from(SRT))).status).toBe(400);
    expect(languages((await studioVideo(stack, early))!)).not.toContain("it:ok");

    const csrfless = await fetch(gw(`/api/studio/videos/${early}/subtitles/pt-BR`), { method: "DELETE" });
    expect(csrfless.status).toBe(401);
    expect((await studioRaw("DELETE", `/videos/${early}/subtitles/pt-BR`)).status).toBe(204);
    await waitFor("pt-BR gone from the master", async () => (!(await master(early)).includes("pt-BR") ? true : undefined), 15_000, 200);
    expect((await studioRaw("GET", `/videos/${early}/subtitles`)).json).toMatchObject({ subtitles: expect.any(Array) });
  });

  it("the studio page adds subtitles with the keyboard alone (labelled controls), replacing a refused track", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(gw("/studio/"));
    const login = editorLogin(stack);
    await page.getByLabel("User name").fill(login.user);
    await page.getByLabel("Password").fill(login.password);
    await page.keyboard.press("Enter");
    const item = page.locator(`[data-id="${early}"]`);
    await item.getByText("Subtitles: English, French, German (refused:").waitFor();
    await item.locator('[data-action="subtitles"]').focus();
    await page.keyboard.press("Enter");
    const file = page.getByLabel("Subtitle file (.vtt or .srt, up to 2 MB)");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(`sub-file-${early}`);
    await file.setInputFiles({ name: "early.es.srt", mimeType: "application/x-subrip", buffer: Buffer.from(SRT.replace("Hello", "Hola")) });
    await page.keyboard.press("Tab");
    await page.keyboard.type("es");
    await page.keyboard.press("Enter");
    // The panel lists the replaced track without its refusal now.
    await item.getByText("Spanish (es)", { exact: true }).waitFor();
    expect(languages((await studioVideo(stack, early))!)).toEqual(["en:ok", "fr:ok", "de:subtitle-invalid", "es:ok"]);
    await page.keyboard.press("Escape");
    await page.close();
  });

  it("our player lists the tracks in a keyboard-usable captions menu and shows the chosen track's cue", async () => {
    // The gateway's L1 keeps a master 5 s after the catalogue dropped L2: wait for the one with the studio's track.
    await waitFor("Spanish in the master", async () => ((await master(early)).includes('LANGUAGE="es"') ? true : undefined), 15_000, 250);
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(gw(`/watch.html?v=${early}`));
    const button = page.locator("#captions-button");
    await button.waitFor({ state: "visible", timeout: 30_000 });
    expect(await button.getAttribute("aria-label")).toBe("Subtitles");
    await button.focus();
    await page.keyboard.press("Enter");
    const items = page.locator("#captions-list [role=menuitemradio]");
    expect(await items.allTextContents()).toEqual(["Off", "English", "French", "Spanish"]);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Off");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    expect(await button.textContent()).toBe("CC en");
    await waitUntil(
      page,
      "the English cue in a showing text track",
      () =>
        [...document.querySelector("video")!.textTracks].some(
          (t) =>
            t.mode === "showing" && t.language === "en" && [...(t.cues ?? [])].some((c) => (c as VTTCue).text.includes("Hello from the")),
        ),
      null,
    );
    // Playing (muted: no user gesture needed), the cue is active at the current time: it is on screen.
    await page.evaluate(() => {
      const v = document.querySelector("video")!;
      v.muted = true;
      return v.play().catch(() => undefined);
    });
    await waitUntil(
      page,
      "an active English cue",
      () => [...document.querySelector("video")!.textTracks].some((t) => t.mode === "showing" && (t.activeCues?.length ?? 0) > 0),
      null,
    );
    expect(Number(await page.evaluate(() => document.getElementById("player")?.dataset.hlsFatal ?? 0))).toBe(0);
    await page.close();
  });
});
