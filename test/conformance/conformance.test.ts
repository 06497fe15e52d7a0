/**
 * Plays everywhere: the HLS output of a real stack, read by clients we do not ship (Shaka Player, video.js/VHS,
 * GStreamer's two HLS demuxers, VLC, ffmpeg) and by a strict RFC 8216 check. One stack and one upload per case
 * serve every client (beforeAll); clients run side by side. Prints a client x case table and the suite's duration.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, upload } from "../support/browser.js";
import { getVideo, s3, waitFor } from "../support/ingest.js";
import { startTestStack, type TestStack } from "../support/stack.js";
import { CASES, makeSource, MARKER_SECONDS, STACK_ENV, streamDurations, type Case } from "./cases.js";
import { playerVersion, playInBrowser, type BrowserPlayer } from "./clients/browser.js";
import { decode, markerOffset } from "./clients/ffmpeg.js";
import { gstreamer, vlc, type GstPipeline } from "./clients/native.js";
import { eventStates, recordGrowth, startReplay, type Replay, type Snapshot } from "./progressive.js";
import { checkStream } from "./rfc8216.js";
import { mediaTags, parsePlaylist, readMedia, readStream, type ParsedMaster, type Stream } from "./stream.js";

/** The cases every client plays: the uploads, and the chunked one replayed while its playlists grow. */
const PROGRESSIVE = "progressive";
const ALL = [...CASES.map((c) => c.name), PROGRESSIVE];
/** How long each recorded playlist state is served to a client in the progressive replay. */
const REPLAY_STEP_MS = 2_000;

/**
 * Client/case pairs that fail on today's output, with the reason; run as it.fails so `npm test` stays green while
 * they are known, and fails as soon as one of them passes (then the entry goes). Filled from the first run.
 */
const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

let stack: TestStack;
let browser: Browser;
let dir: string;
let replay: Replay;
let growth: Snapshot[] = [];
const uploaded = new Map<string, { id: string; base: string; source: string; durations: { video: number; audio: number } }>();
const results: Record<string, Record<string, string>> = {};
const started = Date.now();

function note(client: string, kase: string, outcome: string): void {
  (results[client] ??= {})[kase] = outcome;
}

/** `it`, or `it.fails` for a pair listed in KNOWN_FAILURES. */
function pair(client: string, kase: string, fn: () => Promise<void>): void {
  const known = KNOWN_FAILURES[`${client}/${kase}`];
  (known ? it.fails : it)(`${kase}${known ? ` (known failure: ${known})` : ""}`, async () => {
    try {
      await fn();
      note(client, kase, "pass");
    } catch (err) {
      note(client, kase, `FAIL: ${(err as Error).message.split("\n")[0]!.slice(0, 160)}`);
      throw err;
    }
  });
}

const ready = async (id: string): Promise<boolean> => {
  const { video } = await getVideo(stack, id);
  if (video?.status === "failed") throw new Error(`${id} failed: ${JSON.stringify(video.error)}`);
  return video?.status === "ready";
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "estrena-conformance-"));
  const [s, sources] = await Promise.all([startTestStack({ env: STACK_ENV }), Promise.all(CASES.map((c) => makeSource(c, dir)))]);
  stack = s;
  browser = await launchBrowser();
  const chunked = CASES.findIndex((c) => c.name === "chunked");
  // The chunked video goes first, so its growth is recorded while the others wait their turn behind it.
  for (const i of [chunked, ...CASES.keys()].filter((x, k, a) => a.indexOf(x) === k)) {
    const c: Case = CASES[i]!;
    const id = await upload(stack, sources[i]!, `conformance/${c.file}`, `conformance ${c.name}`);
    uploaded.set(c.name, {
      id,
      base: new URL(`stream/${id}/`, stack.urls.web).href,
      source: sources[i]!,
      durations: await streamDurations(sources[i]!),
    });
  }
  const grow = uploaded.get("chunked")!;
  const storage = s3(stack);
  const stored = async () =>
    Buffer.concat(await (await storage.getObject("stream", `videos/${grow.id}/master.m3u8`)).toArray()).toString("utf8");
  growth = await recordGrowth(grow.base, () => ready(grow.id), stored);
  await waitFor(
    "every conformance upload to be ready",
    async () => ((await Promise.all([...uploaded.values()].map((u) => ready(u.id)))).every(Boolean) ? true : undefined),
    240_000,
    500,
  );
  replay = await startReplay(growth, grow.base, REPLAY_STEP_MS);
  process.stdout.write(
    `conformance: stack up, ${CASES.length} uploads ready, ${eventStates(growth).length} growing states recorded, after ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}, 360_000);

afterAll(async () => {
  await replay?.close();
  await browser?.close();
  await stack?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  const versions = clientVersions();
  const lines = Object.entries(results).map(
    ([client, row]) => `  ${client} (${versions[client] ?? "?"}):\n${ALL.map((k) => `    ${k}: ${row[k] ?? "not run"}`).join("\n")}`,
  );
  process.stdout.write(`conformance results:\n${lines.join("\n")}\nconformance suite: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
});

function clientVersions(): Record<string, string> {
  const first = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0]!.trim();
    } catch {
      return "unknown";
    }
  };
  const gst = first("gst-launch-1.0", ["--version"]).replace(/^.*version /, "GStreamer ");
  return {
    "strict RFC 8216 check": "m3u8-parser + own box reader + mp4box",
    ffmpeg: first("ffmpeg", ["-version"]).split(" Copyright")[0]!,
    "GStreamer playbin+hlsdemux": gst,
    "GStreamer playbin3+hlsdemux2": gst,
    // VLC refuses to run as root, even for --version: ask the package manager.
    VLC: `VLC ${first("dpkg-query", ["-W", "-f=${Version}", "vlc-bin"])}`,
    Shaka: `shaka-player ${playerVersion("shaka")} in Chromium ${browser?.version() ?? "?"}`,
    "video.js": `video.js ${playerVersion("videojs")} (VHS) in Chromium ${browser?.version() ?? "?"}`,
  };
}

/** The master playlist URL a client opens for a case. */
function masterFor(kase: string, client: string): string {
  return kase === PROGRESSIVE ? replay.master(client.replace(/\W+/g, "-")) : `${uploaded.get(kase)!.base}master.m3u8`;
}

describe.concurrent("strict RFC 8216 check", () => {
  const client = "strict RFC 8216 check";
  for (const c of CASES) {
    pair(client, c.name, async () => {
      const stream = await readStream(`${uploaded.get(c.name)!.base}master.m3u8`);
      const report = checkStream(stream, true);
      process.stdout.write(`strict check ${c.name}: ${JSON.stringify(report.measured)}\n`);
      expect(report.problems).toEqual([]);
      // A 5.1 source keeps its channels as a second rendition beside the stereo one every client plays.
      // Sound alone is one audio-only variant, with no rendition group.
      const audioOnly = uploaded.get(c.name)!.durations.video === 0;
      expect(stream.audioTags.map((t) => t.CHANNELS)).toEqual(audioOnly ? [] : c.channels === 6 ? ["2", "6"] : ["2"]);
    });
  }
  pair(client, PROGRESSIVE, async () => {
    const states = eventStates(growth);
    expect(states.length, "no EVENT state of the growing video was seen").toBeGreaterThan(0);
    const base = uploaded.get("chunked")!.base;
    const problems: string[] = [];
    for (const [k, state] of states.entries()) {
      const stream = await snapshotStream(base, state);
      problems.push(...checkStream(stream, false).problems.map((p) => `state ${k}: ${p}`));
    }
    // RFC 8216 6.2.1: an EVENT playlist only ever appends; each state must begin with the one before it.
    for (const [k, state] of growth.entries()) {
      for (const [file, text] of Object.entries(state)) {
        const before = growth[k - 1]?.[file];
        const segs = (t: string) => t.split("\n").filter((l) => l && !l.startsWith("#"));
        if (file !== "master.m3u8" && before && segs(before).some((u, i) => segs(text)[i] !== u))
          problems.push(`state ${k}: ${file} dropped or reordered segments`);
      }
    }
    expect(problems).toEqual([]);
  });
});

/**
 * A Stream built from a recorded state: its master and the playlists that master named then (segments fetched now:
 * they never change once named). Not the live master: a growing video's master names fewer rungs than the final one.
 */
async function snapshotStream(base: string, state: Snapshot): Promise<Stream> {
  const masterText = state["master.m3u8"]!;
  const master = parsePlaylist<ParsedMaster>(masterText);
  const audioTags = mediaTags(masterText).filter((t) => t.TYPE === "AUDIO");
  const read = (uri: string) => {
    if (!(uri in state)) throw new Error(`state names ${uri} but it was not recorded`);
    return readMedia(base, uri, state[uri]);
  };
  const variants = await Promise.all(master.playlists.map((p) => read(p.uri)));
  const audio = await Promise.all(audioTags.filter((t) => t.URI).map((t) => read(t.URI!)));
  return { base: `${base}master.m3u8`, masterText, master, audioTags, variants, audio };
}

describe.concurrent("ffmpeg: every variant and audio rendition decoded", () => {
  const client = "ffmpeg";
  for (const kase of ALL) {
    pair(client, kase, async () => {
      const u = uploaded.get(kase === PROGRESSIVE ? "chunked" : kase)!;
      const stream = await readStream(masterFor(kase, client));
      const problems: string[] = [];
      const playlists = [
        ...stream.master.playlists.map((p) => ({ uri: p.uri, want: u.durations.video || u.durations.audio })),
        ...stream.audioTags.map((t) => ({ uri: t.URI!, want: u.durations.audio })),
      ];
      for (const p of playlists) {
        const d = await decode(new URL(p.uri, stream.base).href);
        if (d.errors) problems.push(`${p.uri}: ${d.errors.slice(0, 300)}`);
        if (d.nonMonotonic.length) problems.push(`${p.uri}: timestamps go back: ${d.nonMonotonic.slice(0, 3).join(", ")}`);
        if (Math.abs(d.duration - p.want) > 0.1)
          problems.push(`${p.uri}: decoded ${d.duration.toFixed(3)} s, the source has ${p.want.toFixed(3)} s`);
      }
      if (kase === "landscape") {
        const offset = await markerOffset(
          new URL(stream.master.playlists.at(-1)!.uri, stream.base).href,
          new URL(stream.audioTags[0]!.URI!, stream.base).href,
        );
        process.stdout.write(
          `A/V offset at the ${MARKER_SECONDS} s marker, decoded by ffmpeg: ${offset === null ? "marker not found" : `${(offset * 1000).toFixed(1)} ms`}\n`,
        );
        if (offset === null || Math.abs(offset) > 0.045)
          problems.push(
            `A/V offset at the marker: ${offset === null ? "not found" : `${(offset * 1000).toFixed(1)} ms`} (more than a video frame)`,
          );
      }
      expect(problems).toEqual([]);
    });
  }
});

for (const pipeline of ["playbin+hlsdemux", "playbin3+hlsdemux2"] as GstPipeline[]) {
  describe.concurrent(`GStreamer ${pipeline}: to EOS with fakesinks`, () => {
    const client = `GStreamer ${pipeline}`;
    for (const kase of ALL) {
      pair(client, kase, async () => {
        const r = await gstreamer(masterFor(kase, client), pipeline);
        expect(r.detail).toBe("EOS");
      });
    }
  });
}

describe.concurrent("VLC: plays to the end", () => {
  const client = "VLC";
  for (const kase of ALL) {
    pair(client, kase, async () => {
      const r = await vlc(masterFor(kase, client), { video: uploaded.get(kase === PROGRESSIVE ? "chunked" : kase)!.durations.video > 0 });
      expect(r.detail).toBe("played to the end");
    });
  }
});

for (const [player, client] of [
  ["shaka", "Shaka"],
  ["videojs", "video.js"],
] as [BrowserPlayer, string][]) {
  describe.concurrent(`${client}: load, play, seek, every variant, to the end`, () => {
    for (const kase of ALL) {
      pair(client, kase, async () => {
        const r = await playInBrowser(browser, player, masterFor(kase, client), kase === PROGRESSIVE);
        expect(r.errors).toEqual([]);
        expect(r.ended).toBe(true);
        if (kase !== PROGRESSIVE) expect(r.switched).toEqual(r.variants);
      });
    }
  });
}
