import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudEvent, HTTP } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StudioVideo } from "../../lib/contracts/studio.js";
import { deliveryAuthorization } from "../../lib/runtime/event-auth.js";
import { makeClip, upload } from "../support/browser.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { basicAuth, editorLogin } from "../support/studio.js";

/*
 * Events only from where they belong, on the native stack: every internal port listens on loopback, and a forged
 * event posted straight to a function (not through the router) is refused and changes nothing.
 */
let stack: TestStack;
let dir: string;
let id: string;

const studioVideo = async (videoId: string): Promise<{ status: number; video: StudioVideo | null }> => {
  const res = await fetch(new URL(`/api/studio/videos/${videoId}`, stack.urls.gateway), {
    headers: { authorization: basicAuth(editorLogin(stack)) },
  });
  return { status: res.status, video: res.status === 200 ? ((await res.json()) as StudioVideo) : null };
};

/** POSTs a binary-mode CloudEvent to a function's own port, with the given extra headers; returns the status. */
async function forge(url: string, event: CloudEvent<unknown>, headers: Record<string, string> = {}): Promise<number> {
  const msg = HTTP.binary(event);
  const res = await fetch(url, {
    method: "POST",
    headers: { ...(msg.headers as Record<string, string>), ...headers },
    body: msg.body as string,
  });
  await res.body?.cancel();
  return res.status;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "estrena-event-auth-"));
  stack = await startTestStack({ without: ["watcher"] });
  const clip = join(dir, "clip.mp4");
  makeClip(clip, 4);
  id = await upload(stack, clip, "auth/clip.mp4", "Auth clip");
  const deadline = Date.now() + 120_000;
  while ((await studioVideo(id)).video?.status !== "ready") {
    if (Date.now() > deadline) throw new Error(`video ${id} did not become ready: ${JSON.stringify((await studioVideo(id)).video)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 300_000);

afterAll(async () => {
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("events only from the router", () => {
  it("listens on loopback for everything but the gateway", () => {
    const listening = execFileSync("ss", ["-ltnH"], { encoding: "utf8" });
    const bound = (port: number) =>
      listening
        .split("\n")
        .map((l) => l.trim().split(/\s+/)[3] ?? "")
        .filter((addr) => addr.endsWith(`:${port}`))
        .map((addr) => addr.slice(0, addr.lastIndexOf(":")))
        .sort();
    const { gateway, ...internal } = stack.ports;
    const notLoopback = Object.entries(internal).flatMap(([name, port]) =>
      bound(port)
        .filter((a) => a !== "127.0.0.1" && a !== "[::1]")
        .map((a) => `${name} on ${a}:${port}`),
    );
    expect(notLoopback).toEqual([]);
    expect(bound(gateway).length).toBeGreaterThan(0);
  });

  it("refuses a forged deletion posted to the catalogue, and the video stays", async () => {
    const deleted = new CloudEvent({ type: "dev.estrena.video.deleted", source: "/forged", subject: id, data: { videoId: id } });
    expect(await forge(stack.urls.catalogue, deleted)).toBe(401);
    expect(await forge(stack.urls.catalogue, deleted, { authorization: "Bearer guessed" })).toBe(401);
    expect((await studioVideo(id)).video?.status).toBe("ready");
    expect((await fetch(new URL(`/api/videos/${id}`, stack.urls.gateway))).status).toBe(200);
  });

  it("refuses a forged transcode job naming another bucket", async () => {
    const job = new CloudEvent({
      type: "com.amazonaws.s3.ObjectCreated:Put",
      source: "minio:s3..stream",
      subject: "videos/x/meta.json",
      data: { bucket: "stream", key: "videos/x/meta.json", size: 2, etag: "0".repeat(32) },
    });
    expect(await forge(stack.urls.transcode, job)).toBe(401);
  });

  it("accepts the same deletion with the router's credential (the check above can fail)", async () => {
    const deleted = new CloudEvent({ type: "dev.estrena.video.deleted", source: "/estrena", subject: id, data: { videoId: id } });
    const status = await forge(stack.urls.catalogue, deleted, deliveryAuthorization(stack.credentials.eventToken));
    expect([200, 202, 204]).toContain(status);
    await expect.poll(async () => (await fetch(new URL(`/api/videos/${id}`, stack.urls.gateway))).status, { timeout: 15_000 }).toBe(404);
  });
});
