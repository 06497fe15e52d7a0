import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { HTTP, type CloudEvent } from "cloudevents";
import { Client } from "minio";
import type { UploadData } from "../../lib/contracts/events.js";
import type { StudioVideo } from "../../lib/contracts/studio.js";
import type { TestStack } from "./stack.js";

export const MiB = 1024 * 1024;

/**
 * A real HTTP subscriber standing in for transcode: it records every CloudEvent the router delivers and
 * answers 202, so videos stay `queued` (random bytes would otherwise be failed as not-a-video at once).
 */
export interface Capture {
  readonly url: string;
  readonly events: CloudEvent<UploadData>[];
  close(): Promise<void>;
}

export async function startCapture(): Promise<Capture> {
  const events: CloudEvent<UploadData>[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      try {
        events.push(HTTP.toEvent({ headers: req.headers, body }) as CloudEvent<UploadData>);
        res.writeHead(202).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    events,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** An S3 client for the test stack's MinIO; `partSize` 5 MiB so anything above it goes up in parts. */
export function s3(stack: TestStack): Client {
  const u = new URL(stack.urls.minio);
  return new Client({
    endPoint: u.hostname,
    port: Number(u.port),
    useSSL: false,
    accessKey: stack.credentials.user,
    secretKey: stack.credentials.password,
    partSize: 5 * MiB,
  });
}

/** A stream of `size` random bytes in 64 KiB chunks (the client cuts it into parts). */
export function randomStream(size: number): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const n = Math.min(64 * 1024, left);
      left -= n;
      this.push(randomBytes(n));
    },
  });
}

/** HTTP Basic with the stack's editor login: the studio API shows every upload, with its status and source. */
const asEditor = (stack: TestStack) => ({
  authorization: `Basic ${Buffer.from(`${stack.credentials.editor.user}:${stack.credentials.editor.password}`).toString("base64")}`,
});

/** Every upload in the catalogue as editors see it (the studio API), following `next` cursors. */
export async function listVideos(stack: TestStack): Promise<StudioVideo[]> {
  const out: StudioVideo[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL("api/studio/videos", stack.urls.catalogue);
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetch(url, { headers: asEditor(stack) });
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { videos: StudioVideo[]; next: string | null };
    out.push(...page.videos);
    cursor = page.next;
  } while (cursor);
  return out;
}

/** One upload as editors see it (the studio API, any status); 404 when the catalogue has no record. */
export async function getVideo(stack: TestStack, id: string): Promise<{ status: number; video: StudioVideo | null }> {
  const res = await fetch(new URL(`api/studio/videos/${id}`, stack.urls.catalogue), { headers: asEditor(stack) });
  return { status: res.status, video: res.ok ? ((await res.json()) as StudioVideo) : (await res.body?.cancel(), null) };
}

/** Polls `check` until it returns a value (not undefined) or `ms` pass; the error names what was awaited. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** POSTs a raw notification to ingest as MinIO would. */
export async function postToIngest(
  stack: TestStack,
  body: string,
  auth: string | null = `Bearer ${stack.credentials.webhookToken}`,
  contentType = "application/json",
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { "content-type": contentType };
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(stack.urls.ingest, { method: "POST", headers, body });
  return { status: res.status, text: await res.text() };
}

/** A MinIO-shaped notification for one created object (key query-escaped the way MinIO does it). */
export function createdNotification(bucket: string, key: string, etag: string, size: number): string {
  const escaped = encodeURIComponent(key).replace(/%20/g, "+");
  return JSON.stringify({
    EventName: "s3:ObjectCreated:Put",
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventVersion: "2.0",
        eventSource: "minio:s3",
        awsRegion: "",
        eventTime: new Date().toISOString(),
        eventName: "s3:ObjectCreated:Put",
        s3: {
          s3SchemaVersion: "1.0",
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: escaped, size, eTag: etag, contentType: "video/mp4", sequencer: "18EAE0734140902A" },
        },
      },
    ],
  });
}
