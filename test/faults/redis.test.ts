import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runViewers } from "../../bench/load-viewers.js";
import { listVideos } from "../support/ingest.js";
import type { TestStack } from "../support/stack.js";
import { faultsEnabled, gatewayGet, SCENARIO_MS, sleep, startFaultStack, tempDir, tinyClip, upload, waitFinal } from "./support.js";

/**
 * Redis stopped, then started empty (FLUSHALL), while viewers play. Viewers that were already watching keep going
 * (the gateway's L1), viewers that start a video nobody fetched before during the outage get it from MinIO, the
 * catalogue answers throughout, and once Redis is back the catalogue rebuilds itself from MinIO's meta.json files.
 */
let stack: TestStack;
const dir = tempDir("redis");

describe.runIf(faultsEnabled())("Redis stopped and flushed during playback", { timeout: SCENARIO_MS }, () => {
  beforeAll(async () => {
    stack = await startFaultStack();
  }, SCENARIO_MS);
  afterAll(async () => {
    await stack?.cleanup();
  });

  it("playback continues from MinIO and the catalogue rebuilds", async () => {
    const clip = tinyClip(dir, "r.mp4", 8);
    const [before, during] = await Promise.all([
      upload(stack, clip, "redis/before.mp4", "watched before"),
      upload(stack, clip, "redis/during.mp4", "first watched during the outage"),
    ]);
    await waitFinal(stack, [before, during], 180_000);
    const listBefore = (await listVideos(stack)).sort((a, b) => a.id.localeCompare(b.id));
    expect(listBefore.map((v) => v.status)).toEqual(["ready", "ready"]);

    // Phase 1: 20 viewers on `before` for the whole test. Phase 2: 20 more join `during` while Redis is down.
    const phase1 = runViewers({ base: stack.urls.gateway, ids: [before], viewers: 20, durationMs: 30_000, rampMs: 2_000 });
    await sleep(5_000);
    await stack.stopService("redis");
    const down = Date.now();
    const health = await gatewayGet(stack, "/healthz");
    const apiDown = await gatewayGet(stack, "/api/videos");
    const phase2 = runViewers({ base: stack.urls.gateway, ids: [during], viewers: 20, durationMs: 12_000, rampMs: 1_000 });
    await sleep(8_000);
    const up = Date.now();
    await stack.startService("redis");
    const redis = new Redis(stack.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
    const keysBeforeFlush = await redis.dbsize();
    await redis.flushall();
    const [r1, r2] = await Promise.all([phase1, phase2]);
    console.log(
      `redis: viewers ${r1.viewers}+${r2.viewers}, ${r1.requests + r2.requests} requests, ${r1.sessions + r2.sessions} videos played to the end; ` +
        `healthz during outage ${health.status} ${health.body.toString()}; ${keysBeforeFlush} keys flushed`,
    );
    expect([...r1.failures, ...r2.failures]).toEqual([]);
    expect([...r1.rebuffers, ...r2.rebuffers]).toEqual([]);
    expect(r1.sessions).toBeGreaterThan(0);
    expect(r2.sessions).toBeGreaterThan(0);

    // `during` was first fetched while Redis was down, so those objects came from MinIO (the origin log says when).
    const fromOrigin = readFileSync(join(stack.stateDir, "gateway", "logs", "origin.log"), "utf8")
      .split("\n")
      .filter((l) => l.includes(`/_origin/stream/videos/${during}/`) && l.split(" ")[1] === "200")
      .filter((l) => {
        const t = Date.parse(l.split(" ")[0]!);
        return t >= down - 1000 && t <= up + 1000;
      });
    expect(fromOrigin.length).toBeGreaterThan(0);

    // During the outage: healthy, with the degradation named; the catalogue still lists from MinIO.
    expect(health.status).toBe(200);
    expect(health.body.toString()).toMatch(/redis/i);
    expect(apiDown.status).toBe(200);
    expect((JSON.parse(apiDown.body.toString()) as { videos: { id: string }[] }).videos.map((v) => v.id).sort()).toEqual(
      listBefore.map((v) => v.id),
    );

    // After the flush: the same catalogue, rebuilt from MinIO and cached in Redis again.
    const listAfter = (await listVideos(stack)).sort((a, b) => a.id.localeCompare(b.id));
    expect(listAfter).toEqual(listBefore);
    expect(await redis.dbsize()).toBeGreaterThan(0);
    redis.disconnect();

    // And the pipeline works again with empty job state.
    const after = await upload(stack, clip, "redis/after.mp4", "after the flush");
    expect((await waitFinal(stack, [after], 180_000)).get(after)?.status).toBe("ready");
  });

  it("a hung Redis (SIGSTOP: alive, never answering) delays no viewer request past 1 s", async () => {
    const clip = tinyClip(dir, "h.mp4", 4);
    const id = await upload(stack, clip, "redis/hung.mp4", "watched while Redis hangs");
    await waitFinal(stack, [id], 180_000);
    const master = (await gatewayGet(stack, `/stream/${id}/master.m3u8`)).body.toString();
    const media = master.split("\n").find((l) => l.endsWith(".m3u8"))!;
    const segments = (await gatewayGet(stack, `/stream/${id}/${media}`)).body
      .toString()
      .split("\n")
      .filter((l) => l.endsWith(".m4s"));
    // Files never fetched before (so neither L1 nor L2 holds them) as well as cached ones, and the catalogue's answers.
    const paths = [
      "/api/videos",
      `/api/videos/${id}`,
      "/api/videos/v0000000000000000000",
      "/healthz",
      `/stream/${id}/master.m3u8`,
      `/stream/${id}/${media}`,
      ...segments.map((s) => `/stream/${id}/${s}`),
      `/stream/${id}/poster.jpg`,
    ];
    const pid = stack.pids().redis!;
    process.kill(pid, "SIGSTOP");
    const answers: { path: string; status: number; ms: number }[] = [];
    try {
      // Several rounds over ~6 s: each time the breakers let a probe through, it must still be short.
      for (let round = 0; round < 4; round++) {
        for (const path of paths) {
          const t0 = performance.now();
          const { status } = await gatewayGet(stack, path);
          answers.push({ path, status, ms: Math.round(performance.now() - t0) });
        }
        await sleep(1500);
      }
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const slowest = answers.reduce((a, b) => (b.ms > a.ms ? b : a));
    console.log(`redis hung: ${answers.length} viewer requests, slowest ${slowest.ms} ms (${slowest.path})`);
    expect(answers.filter((a) => a.status !== (a.path.includes("v0000000000000000000") ? 404 : 200))).toEqual([]);
    expect(answers.filter((a) => a.ms >= 1000)).toEqual([]);
  });
});
