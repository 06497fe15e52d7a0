import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { HTTP } from "cloudevents";
import { estrenaEvent } from "../../lib/contracts/events.js";
import type { TestStack } from "./stack.js";
import { deliveryAuthorization } from "../../lib/runtime/event-auth.js";

// Helpers for the gateway suites: tiny HLS fixtures, raw HTTP requests and catalogue events.

/** Tiny fMP4 HLS made with ffmpeg: 4 one-second segments, an init segment, a poster and a thumbnails track. */
export function makeHls(dir: string): Record<string, Buffer> {
  execFileSync("ffmpeg", [
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=160x90:rate=10",
    "-t",
    "4",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-g",
    "10",
    "-f",
    "hls",
    "-hls_time",
    "1",
    "-hls_playlist_type",
    "vod",
    "-hls_segment_type",
    "fmp4",
    "-hls_fmp4_init_filename",
    "init.mp4",
    "-hls_segment_filename",
    join(dir, "seg_%03d.m4s"),
    join(dir, "video.m3u8"),
  ]);
  execFileSync("ffmpeg", ["-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x90", "-frames:v", "1", join(dir, "poster.jpg")]);
  const files: Record<string, Buffer> = {};
  for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f));
  files["master.m3u8"] = Buffer.from("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=160x90\nvideo.m3u8\n");
  // The same media playlist while transcoding is still going: no ENDLIST.
  files["live.m3u8"] = Buffer.from(
    files["video.m3u8"]!.toString().replace("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-PLAYLIST-TYPE:EVENT").replace("#EXT-X-ENDLIST\n", ""),
  );
  files["thumbnails.vtt"] = Buffer.from("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nposter.jpg#xywh=0,0,160,90\n");
  return files;
}

/** A fresh id in the shape of a real one. */
export const newId = () => `v${randomBytes(10).toString("hex").slice(0, 19)}`;

/** A request exactly as written (fetch would normalise `..` away before sending). */
export function raw(
  base: string,
  path: string,
  method = "GET",
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (d: Buffer) => parts.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** POSTs one event to the catalogue as the router would (binary mode); returns the status. */
export async function postCatalogueEvent(stack: TestStack, type: string, data: object): Promise<number> {
  const ce = type.startsWith("dev.")
    ? estrenaEvent(type as "dev.estrena.video.ready", data as never)
    : estrenaEvent("dev.estrena.video.progress", data as never).cloneWith({ type, source: "test" });
  const msg = HTTP.binary(ce);
  const res = await fetch(stack.urls.catalogue, {
    method: "POST",
    // With the router's credential, which the catalogue checks.
    headers: { ...(msg.headers as Record<string, string>), ...deliveryAuthorization(stack.credentials.eventToken) },
    body: msg.body as string,
  });
  return res.status;
}
