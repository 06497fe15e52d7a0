import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HTTP, CloudEvent } from "cloudevents";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILURE_MESSAGES } from "../../lib/contracts/failures.js";
import type { StudioVideo } from "../../lib/contracts/studio.js";
import { ensureWebBuilt, launchBrowser, makeClip, unnamedControls, upload } from "../support/browser.js";
import { waitFor } from "../support/ingest.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { basicAuth, editorLogin, studio, studioVideo, studioVideos } from "../support/studio.js";
import { IMG_DIR, RECORD } from "./record.js";

/**
 * The studio end to end, on one stack: the login, a browser upload cut off and resumed after a reload, rename,
 * a failure seen only by editors and retried, a re-upload that never leaves viewers without the video, and a
 * delete that viewers see within 3 s, the gateway's L1 included.
 */
let stack: TestStack;
let browser: Browser;
let dir: string;
const FAST = { SEGMENT_SECONDS: "2", X264_PRESET: "ultrafast" };

beforeAll(async () => {
  ensureWebBuilt();
  dir = mkdtempSync(join(tmpdir(), "estrena-studio-"));
  stack = await startTestStack({ without: ["watcher"], env: FAST });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const gw = (path: string) => new URL(path, stack.urls.gateway).toString();

async function waitStatus(id: string, status: StudioVideo["status"], ms = 120_000): Promise<StudioVideo> {
  return waitFor(
    `${id} to be ${status}`,
    async () => {
      const v = await studioVideo(stack, id);
      if (v?.status === "failed" && status !== "failed") throw new Error(`${id} failed: ${v.error?.message}`);
      return v?.status === status ? v : undefined;
    },
    ms,
    300,
  );
}

async function viewerIds(): Promise<string[]> {
  const res = await fetch(gw("/api/videos?limit=100"));
  expect(res.status).toBe(200);
  return ((await res.json()) as { videos: { id: string }[] }).videos.map((v) => v.id);
}

async function loggedInPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on("dialog", (d) => void d.accept());
  await page.goto(gw("/studio/"));
  const login = editorLogin(stack);
  await page.getByLabel("User name").fill(login.user);
  await page.getByLabel("Password").fill(login.password);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Your videos" }).waitFor();
  return page;
}

/** A clip big enough for three 8 MiB parts (about 18 MB): lossless H.264 of noise does not compress. */
function bigClip(file: string): void {
  execFileSync("ffmpeg", [
    "-hide_banner",
    "-loglevel",
    "error",
    "-y",
    "-f",
    "lavfi",
    "-i",
    "nullsrc=s=640x360:r=25:d=2,geq=random(1)*255:128:128",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-qp",
    "0",
    "-pix_fmt",
    "yuv420p",
    file,
  ]);
}

describe("the studio", () => {
  it("answers 401 without the editor login, takes Basic and a cookie session, checks CSRF and rate-limits logins", async () => {
    for (const path of ["/api/studio/videos", "/api/studio/session", "/api/studio/anything"]) {
      const res = await fetch(gw(path));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBeNull();
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    const wrong = await fetch(gw("/api/studio/videos"), {
      headers: { authorization: basicAuth({ user: editorLogin(stack).user, password: "not the password" }) },
    });
    expect(wrong.status).toBe(401);
    expect((await studio(stack, "GET", "/videos")).status).toBe(200);

    const login = editorLogin(stack);
    const refused = await fetch(gw("/api/studio/session"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user: login.user, password: "nope" }),
    });
    expect(refused.status).toBe(401);
    const ok = await fetch(gw("/api/studio/session"), {
      method: "POST",
      headers: { "content-type": "application/json", origin: new URL(stack.urls.gateway).origin },
      body: JSON.stringify(login),
    });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const { csrf } = (await ok.json()) as { csrf: string };
    const session = cookie.split(";")[0]!;
    expect((await fetch(gw("/api/studio/videos"), { headers: { cookie: session } })).status).toBe(200);
    // A change with the cookie alone, or from a foreign page, is refused.
    const origin = new URL(stack.urls.gateway).origin;
    const change = (headers: Record<string, string>) =>
      fetch(gw("/api/studio/uploads"), {
        method: "POST",
        headers: { cookie: session, "content-type": "application/json", ...headers },
        body: "{}",
      });
    expect((await change({ origin })).status).toBe(403);
    expect((await change({ origin: "http://evil.example", "x-csrf-token": csrf })).status).toBe(403);
    expect((await change({ origin, "x-csrf-token": csrf })).status).toBe(400);

    // Rate limit, asked of the catalogue directly as if from another address, so this machine's logins stay allowed.
    const from = { "content-type": "application/json", "x-forwarded-for": "192.0.2.7" };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (
          await fetch(new URL("/api/studio/session", stack.urls.catalogue), {
            method: "POST",
            headers: from,
            body: JSON.stringify({ user: login.user, password: `guess ${i}` }),
          })
        ).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const blocked = await fetch(new URL("/api/studio/session", stack.urls.catalogue), {
      method: "POST",
      headers: from,
      body: JSON.stringify(login),
    });
    expect(blocked.status).toBe(429);
  });

  it("uploads from the browser in parts, resumes after a dropped connection and a reload without resending stored parts", {
    timeout: 300_000,
  }, async () => {
    const file = join(dir, "big_noise_test.mp4");
    bigClip(file);
    const page = await loggedInPage();
    const sent: { part: number; ok: boolean; phase: string }[] = [];
    let phase = "first";
    page.on("requestfinished", async (req) => {
      const m = /\/uploads\/.*[?&]partNumber=(\d+)/.exec(req.url());
      if (m && req.method() === "PUT") sent.push({ part: Number(m[1]), ok: ((await req.response())?.status() ?? 0) === 200, phase });
    });
    // The connection drops for parts 2 and 3: part 1 is stored, the others keep failing.
    const dropped = /\/uploads\/.*partNumber=[23]/;
    await page.route(dropped, (route) => route.abort("connectionreset"));
    await page.getByLabel(/^Video, audio or subtitle file/).setInputFiles(file);
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText("Connection lost. Trying again…").waitFor();
    await waitFor("part 1 stored", () => (sent.some((s) => s.part === 1 && s.ok) ? true : undefined), 60_000);

    await page.unroute(dropped);
    phase = "after reload";
    await page.reload();
    await page.getByRole("heading", { name: "Your videos" }).waitFor();
    await page.getByLabel(/^Video, audio or subtitle file/).setInputFiles(file);
    await page.getByRole("button", { name: "Upload", exact: true }).click();
    await page.getByText("big_noise_test.mp4 is uploaded").waitFor({ timeout: 120_000 });
    const resumed = sent
      .filter((s) => s.phase === "after reload")
      .map((s) => s.part)
      .sort();
    expect(resumed).toEqual([2, 3]);

    // Titles default to the file name without extension, underscores as spaces; the same event path as the console.
    const v = await waitFor(
      "the upload in the studio list",
      async () => (await studioVideos(stack)).find((x) => x.source.key === "big_noise_test.mp4"),
      30_000,
    );
    expect(v.title).toBe("big noise test");
    await waitStatus(v.id, "ready");
    expect(await viewerIds()).toContain(v.id);
    await page.close();
  });

  it("renames with the keyboard alone, every control labelled", { timeout: 300_000 }, async () => {
    const clip = join(dir, "rename.mp4");
    makeClip(clip, 2, { size: "320x180" });
    const id = await upload(stack, clip, "rename.mp4", "Before");
    await waitStatus(id, "ready");
    const page = await loggedInPage();
    const item = page.locator(`[data-id="${id}"]`);
    await item.waitFor();
    expect(await unnamedControls(page)).toEqual([]);
    await item.getByRole("button", { name: "Rename" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("After the rename");
    await page.keyboard.press("Tab");
    await page.keyboard.type("A description.");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Enter");
    await page.getByText("Renamed to After the rename").waitFor({ state: "attached" });
    const viewer = (await (await fetch(gw(`/api/videos/${id}`))).json()) as { title: string; description?: string };
    expect(viewer.title).toBe("After the rename");
    expect(viewer.description).toBe("A description.");
    await page.close();
  });

  it("shows a failure to editors only, as the table's message, and retries it from the kept source", { timeout: 300_000 }, async () => {
    await stack.stopService("transcode");
    const clip = join(dir, "retry.mp4");
    makeClip(clip, 2, { size: "320x180" });
    const id = await upload(stack, clip, "retry.mp4", "Retried");
    await waitStatus(id, "queued", 30_000);
    // A failure as a worker with a bug would report it: a raw errno, a server path and a stack frame.
    const failed = new CloudEvent({
      type: "dev.estrena.video.failed",
      source: "/estrena/test",
      subject: id,
      datacontenttype: "application/json",
      data: {
        videoId: id,
        error: {
          code: "internal",
          message: "ENOENT: no such file or directory, stat '/srv/.estrena/work/x/poster.jpg'\n    at stat (node:fs:1:1)",
        },
      },
    });
    const msg = HTTP.binary(failed);
    expect(
      (await fetch(stack.urls.router, { method: "POST", headers: msg.headers as Record<string, string>, body: msg.body as string })).ok,
    ).toBe(true);
    const seen = await waitStatus(id, "failed", 30_000);
    expect(seen.error).toEqual({ code: "internal", message: FAILURE_MESSAGES.internal });
    const viewer = await fetch(gw(`/api/videos/${id}`));
    expect(viewer.status).toBe(404);
    const body = (await viewer.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not-found");
    expect(JSON.stringify(body)).not.toMatch(/ENOENT|poster|\/srv/);
    expect(await viewerIds()).not.toContain(id);
    const list = await (await fetch(gw("/api/videos"))).text();
    expect(list).not.toMatch(/"error"|"source"|ENOENT/);

    await stack.startService("transcode");
    const page = await loggedInPage();
    const item = page.locator(`[data-id="${id}"]`);
    await item.getByText(FAILURE_MESSAGES.internal).waitFor();
    if (RECORD) {
      // For the README: the failure as editors see it, next to the videos that play; then the viewers' page without it.
      await page.evaluate(() => Promise.all([...document.querySelectorAll("img")].map((i) => i.decode().catch(() => undefined))));
      await page.screenshot({ path: join(IMG_DIR, "studio.png"), fullPage: true });
      const viewers = await browser.newPage({ viewport: { width: 1200, height: 700 } });
      await viewers.goto(gw("/"));
      await viewers.locator(".card").first().waitFor();
      await viewers.evaluate(() => Promise.all([...document.querySelectorAll("img")].map((i) => i.decode().catch(() => undefined))));
      await viewers.screenshot({ path: join(IMG_DIR, "viewers.png") });
      await viewers.close();
    }
    await item.getByRole("button", { name: "Retry" }).focus();
    await page.keyboard.press("Enter");
    await waitStatus(id, "ready");
    await page.locator(`[data-id="${id}"][data-status="ready"]`).waitFor({ timeout: 30_000 });
    await page.close();
  });

  it("keeps the old version playing while a re-upload under the same key processes, then swaps", { timeout: 300_000 }, async () => {
    const a = join(dir, "a.mp4");
    const b = join(dir, "b.mp4");
    makeClip(a, 2, { size: "320x180" });
    makeClip(b, 4, { size: "320x180" });
    // A fresh key per attempt: vitest's retry would otherwise upload the same files under the same ids again.
    const key = `same-${Date.now()}.mp4`;
    const oldId = await upload(stack, a, key, "Same");
    await waitStatus(oldId, "ready");
    let polling = true;
    let newId = "";
    const gaps: string[] = [];
    const poller = (async () => {
      while (polling) {
        const ids = await viewerIds();
        const shown = ids.filter((i) => i === oldId || i === newId);
        if (shown.length !== 1) gaps.push(`listed ${JSON.stringify(shown)}`);
        else if ((await fetch(gw(`/stream/${shown[0]}/master.m3u8`))).status !== 200) gaps.push(`${shown[0]} master not served`);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      newId = await upload(stack, b, key, "Same");
      await waitStatus(newId, "ready");
      await waitFor(
        "the old version to be replaced",
        async () => ((await fetch(gw(`/api/videos/${oldId}`))).status === 404 ? true : undefined),
        30_000,
      );
      // MinIO's queued webhook target repeats both notifications up to 3 s later: the old version must stay gone.
      await new Promise((r) => setTimeout(r, 4_000));
      expect((await fetch(gw(`/api/videos/${oldId}`))).status).toBe(404);
    } finally {
      polling = false;
      await poller;
    }
    expect(gaps).toEqual([]);
    expect(await viewerIds()).toContain(newId);
  });

  it("deletes everywhere: viewers get 404 for playlists and segments within 3 s, the L1 included", { timeout: 300_000 }, async () => {
    const clip = join(dir, "doomed.mp4");
    makeClip(clip, 4, { size: "320x180" });
    const id = await upload(stack, clip, "doomed.mp4", "Doomed");
    await waitStatus(id, "ready");
    const master = await (await fetch(gw(`/stream/${id}/master.m3u8`))).text();
    const media = master.split("\n").find((l) => l.endsWith(".m3u8"))!;
    const mediaText = await (await fetch(gw(`/stream/${id}/${media}`))).text();
    const segment = mediaText.split("\n").find((l) => l.endsWith(".m4s"))!;
    const files = ["master.m3u8", media, segment];
    // Twice, so the second answer comes from the L1.
    for (const f of files) await (await fetch(gw(`/stream/${id}/${f}`))).arrayBuffer();
    const cached = await fetch(gw(`/stream/${id}/${segment}`));
    expect(cached.headers.get("x-cache")).toBe("L1");

    const page = await loggedInPage();
    await page.locator(`[data-id="${id}"]`).getByRole("button", { name: "Delete" }).focus();
    const t0 = Date.now();
    await page.keyboard.press("Enter");
    await page.getByText("Doomed deleted").waitFor({ state: "attached" });
    const goneAfter = await waitFor(
      "every file to answer 404",
      async () => {
        const statuses = await Promise.all(files.map(async (f) => (await fetch(gw(`/stream/${id}/${f}`))).status));
        return statuses.every((s) => s === 404) ? Date.now() - t0 : undefined;
      },
      10_000,
      100,
    );
    console.log(`studio delete: every file 404 through the gateway ${goneAfter} ms after the click`);
    expect(goneAfter).toBeLessThan(3000);
    expect((await fetch(gw(`/api/videos/${id}`))).status).toBe(404);
    expect((await studioVideos(stack)).map((v) => v.id)).not.toContain(id);
    await page.close();
  });
});
