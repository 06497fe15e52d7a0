import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HTTP, type CloudEvent } from "cloudevents";
import { Client } from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { videoId } from "../../lib/runtime/ids.js";
import { freePorts, startTestStack, type TestStack } from "../support/stack.js";
import { inspect, lavfi, sourceDuration } from "../support/transcode-harness.js";

/**
 * The full stack (MinIO notification → ingest → router → transcode, replies through the router), with the catalogue
 * replaced by a recorder. The transcode process is SIGKILLed in the middle of a chunk (with its ffmpeg, as a pod
 * dies); the router redelivers, the restarted transcode takes the job over once the dead worker's lock expires, and
 * the video completes with correct output.
 */
let stack: TestStack;
let recorder: Server;
const events: CloudEvent<unknown>[] = [];
const tmp = mkdtempSync(join(tmpdir(), "estrena-tx-kill-"));

beforeAll(async () => {
  const [port] = await freePorts(1);
  recorder = createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (c: Buffer) => body.push(c));
    req.on("end", () => {
      try {
        events.push(HTTP.toEvent({ headers: req.headers, body: Buffer.concat(body).toString("utf8") }) as CloudEvent<unknown>);
      } catch {
        /* not an event */
      }
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => recorder.listen(port, "127.0.0.1", r));
  stack = await startTestStack({
    without: ["watcher", "gateway"],
    subscribers: { catalogue: `http://127.0.0.1:${port}/` },
    env: {
      SEGMENT_SECONDS: "2",
      CHUNK_SECONDS: "4",
      FIRST_CHUNK_SECONDS: "4",
      X264_PRESET: "superfast",
      JOB_LOCK_SECONDS: "4",
      CHUNK_PARALLELISM: "1",
    },
  });
});
afterAll(async () => {
  await stack?.cleanup();
  await new Promise((r) => recorder?.close(r));
});

const of = (vid: string, type: string) => events.filter((e) => e.type === type && (e.data as { videoId?: string })?.videoId === vid);

async function until<T>(what: string, f: () => T | undefined | null | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe("transcode: a worker killed mid-chunk", () => {
  it("is redelivered, taken over and completes", async () => {
    const src = await lavfi(join(tmp, "kill.mp4"), 12, "testsrc2=size=640x360:rate=30", "sine=frequency=440:sample_rate=48000", [
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-c:a",
      "aac",
    ]);
    const minio = new Client({
      endPoint: "127.0.0.1",
      port: stack.ports.minio,
      useSSL: false,
      accessKey: stack.credentials.user,
      secretKey: stack.credentials.password,
    });
    const info = await minio.putObject("uploads", "kill.mp4", readFileSync(src));
    const vid = videoId("uploads", "kill.mp4", info.etag);

    // As soon as transcode runs an ffmpeg (the first chunk or the audio), kill both.
    const pid = stack.pids().transcode!;
    const ffmpegs = await until(
      "a chunk encoding",
      () => {
        const c = childrenOf(pid);
        return c.length ? c : null;
      },
      120_000,
    );
    expect(of(vid, "dev.estrena.video.ready")).toHaveLength(0);
    stack.killService("transcode", { restart: true });
    for (const p of ffmpegs) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* already gone */
      }
    }

    await until("ready", () => of(vid, "dev.estrena.video.ready").length > 0, 240_000).catch((err: Error) => {
      throw new Error(`${err.message}; events: ${events.map((e) => e.type).join(", ")}`);
    });
    expect(of(vid, "dev.estrena.video.failed")).toHaveLength(0);
    expect(stack.pids().transcode).not.toBe(pid);

    const out = await inspect(minio, vid);
    const duration = await sourceDuration(src);
    expect(out.renditions.map((r) => r.name)).toEqual(["360p", "240p"]);
    for (const r of out.renditions) {
      expect(Math.abs(r.duration - duration)).toBeLessThanOrEqual(0.1);
      expect(r.extinf).toEqual([2, 2, 2, 2, 2, 2]);
    }
    expect(out.master).toContain("#EXT-X-STREAM-INF");
    expect(Math.abs(out.audio!.duration - duration)).toBeLessThanOrEqual(0.1);
  });
});
