import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import HLS from "hls-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect, sourceDuration } from "../support/transcode-harness.js";
import type { TestStack } from "../support/stack.js";
import { faultsEnabled, getVideo, s3, SCENARIO_MS, sleep, startFaultStack, tempDir, tinyClip, upload, waitFor } from "./support.js";

/**
 * Crash: the transcode process (with its ffmpeg children, as a pod dies) is SIGKILLed at random moments, three
 * times during one video. The video still becomes ready, its output is complete and decodes cleanly, and while it
 * was being made the gateway never served a playlist that was unparseable or named an object that did not exist.
 */
const KILLS = 3;
let stack: TestStack;
const dir = tempDir("crash");

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

/** Polls master and media playlists through the gateway and checks that every URI they name is served. */
function watchPlaylists(stack: TestStack, id: string) {
  const violations: string[] = [];
  const seen = new Set<string>();
  const stats = { polls: 0, playlistsServed: 0, objectsChecked: 0 };
  let stop = false;
  const base = new URL(`/stream/${id}/`, stack.urls.gateway);
  async function text(url: string): Promise<string | null> {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status === 200) return body;
    if (res.status !== 404) violations.push(`${url} answered ${res.status}`);
    return null;
  }
  async function exists(url: string): Promise<void> {
    if (seen.has(url)) return;
    const res = await fetch(url);
    await res.arrayBuffer();
    stats.objectsChecked++;
    if (res.status === 200) seen.add(url);
    else violations.push(`${url} is named by a served playlist but answered ${res.status}`);
  }
  function parse(url: string, body: string): HLS.types.Playlist | null {
    try {
      return HLS.parse(body);
    } catch (err) {
      violations.push(`${url} served an unparseable playlist (${(err as Error).message}): ${JSON.stringify(body.slice(0, 300))}`);
      return null;
    }
  }
  const done = (async () => {
    while (!stop) {
      stats.polls++;
      const masterUrl = new URL("master.m3u8", base).href;
      const master = await text(masterUrl).catch((e: Error) => (violations.push(`${masterUrl}: ${e.message}`), null));
      if (master !== null) {
        stats.playlistsServed++;
        const m = parse(masterUrl, master) as HLS.types.MasterPlaylist | null;
        const media = m
          ? [...m.variants.map((v) => v.uri), ...m.variants.flatMap((v) => v.audio.map((a) => a.uri ?? ""))].filter(Boolean)
          : [];
        for (const uri of new Set(media)) {
          const url = new URL(uri, masterUrl).href;
          const body = await text(url);
          if (body === null) {
            violations.push(`${url} is named by the master playlist but is not served`);
            continue;
          }
          stats.playlistsServed++;
          const pl = parse(url, body) as HLS.types.MediaPlaylist | null;
          if (!pl) continue;
          if (pl.playlistType === "VOD" && !pl.endlist) violations.push(`${url} is VOD without ENDLIST`);
          const names = new Set(pl.segments.flatMap((s) => [s.uri, s.map?.uri ?? ""]).filter(Boolean));
          for (const n of names) await exists(new URL(n, url).href);
        }
      }
      await sleep(200);
    }
  })();
  return {
    violations,
    stats,
    async stop() {
      stop = true;
      await done;
    },
  };
}

describe.runIf(faultsEnabled())("crash: transcode killed three times during one video", { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    stack = await startFaultStack({
      SEGMENT_SECONDS: "2",
      CHUNK_SECONDS: "4",
      FIRST_CHUNK_SECONDS: "4",
      X264_PRESET: "superfast",
      JOB_LOCK_SECONDS: "3",
      CHUNK_PARALLELISM: "1",
    });
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("still becomes ready, complete and valid, and no partial playlist is ever served", async () => {
    // Long enough that three kills land mid-encode on an idle machine; a fresh key per attempt, so a retry is a new video.
    const src = tinyClip(dir, "crash.mp4", 60, "640x360");
    const id = await upload(stack, src, `crash-${Date.now()}.mp4`, "crash");
    const watcher = watchPlaylists(stack, id);
    const kills: string[] = [];
    try {
      // One kill early, one mid-way, one late: each at a random progress inside its band, while ffmpeg is encoding.
      const bands: [number, number][] = [
        [0, 0.15],
        [0.3, 0.5],
        [0.6, 0.8],
      ];
      for (let k = 1; k <= KILLS; k++) {
        const [lo, hi] = bands[k - 1]!;
        const target = lo + Math.random() * (hi - lo);
        const ffmpegs = await waitFor(
          `transcode encoding at progress ≥ ${target.toFixed(2)} before kill ${k}`,
          async () => {
            const { video } = await getVideo(stack, id);
            if (video?.status === "ready") return "finished" as const;
            if ((video?.progress ?? 0) < target) return undefined;
            const pid = stack.pids().transcode;
            const c = pid ? childrenOf(pid) : [];
            return c.length ? c : undefined;
          },
          180_000,
          20,
        );
        expect(ffmpegs, `the video finished before kill ${k}; make the source longer`).not.toBe("finished");
        const delay = Math.floor(Math.random() * 1000);
        await sleep(delay);
        const { video } = await getVideo(stack, id);
        expect(video?.status, `kill ${k} came after the video finished; make the source longer`).not.toBe("ready");
        const pid = stack.pids().transcode;
        stack.killService("transcode", { restart: true });
        for (const p of [...(ffmpegs as number[]), ...(pid ? childrenOf(pid) : [])]) {
          try {
            process.kill(p, "SIGKILL");
          } catch {
            /* already gone */
          }
        }
        kills.push(`kill ${k} ${delay} ms into an encode at progress ${video?.progress.toFixed(2)}`);
      }
      const ready = await waitFor(
        "ready after the kills",
        async () => {
          const { video } = await getVideo(stack, id);
          if (video?.status === "failed") throw new Error(`failed: ${JSON.stringify(video.error)}`);
          return video?.status === "ready" ? video : undefined;
        },
        600_000,
        500,
      );
      expect(ready.error).toBeNull();
    } finally {
      await sleep(1000);
      await watcher.stop();
    }
    console.log(
      `crash: ${kills.join("; ")}; gateway polled ${watcher.stats.polls} times, ${watcher.stats.playlistsServed} playlists served, ${watcher.stats.objectsChecked} named objects checked`,
    );
    expect(watcher.violations).toEqual([]);
    expect(watcher.stats.playlistsServed).toBeGreaterThan(0);

    // Complete: every rung and the audio cover the source, in whole 2 s segments.
    const out = await inspect(s3(stack), id);
    const duration = await sourceDuration(src);
    expect(out.renditions.map((r) => r.name)).toEqual(["360p", "240p"]);
    for (const r of out.renditions) {
      expect(Math.abs(r.duration - duration)).toBeLessThanOrEqual(0.1);
      expect(r.extinf).toEqual(Array(Math.round(duration / 2)).fill(2));
    }
    expect(Math.abs(out.audio!.duration - duration)).toBeLessThanOrEqual(0.1);
    // Valid: the whole video decodes through the gateway without a single error.
    const { stderr } = await promisify(execFile)("ffmpeg", [
      "-v",
      "error",
      "-i",
      new URL(`/stream/${id}/master.m3u8`, stack.urls.gateway).href,
      "-map",
      "0",
      "-f",
      "null",
      "-",
    ]);
    expect(stderr).toBe("");
  });
});
