/**
 * Simulated viewers on loopback: each one plays like an HLS player (master → media playlists → init segments →
 * segments), keeping a forward buffer and fetching at realtime pace, and reports every failed request (an error status,
 * an unparseable playlist, or a stalled request: no answer within the player's timeout) and every rebuffer (a segment
 * that arrived after the playhead had reached it).
 *
 * Written by hand rather than with autocannon/wrk: those replay fixed URLs as fast as they can, while a viewer's
 * load is paced by playback and a rebuffer only exists against a playback clock.
 *
 *   node dist/bench/load-viewers.js --base http://127.0.0.1:8080 --viewers 200 --seconds 60 [--ids v1,v2] [--ahead 30]
 */
import HLS from "hls-parser";
import { setTimeout as delay } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export interface ViewerOptions {
  /** The gateway, e.g. http://127.0.0.1:8080 */
  readonly base: string;
  /** Videos to watch; each viewer starts at a different one and loops through them. */
  readonly ids: readonly string[];
  readonly viewers: number;
  /** Each viewer keeps starting videos until this much time has passed (a video in progress is played to its end). */
  readonly durationMs: number;
  /** Seconds of media a viewer keeps buffered ahead of its playhead: 30 like our hls.js player (its maxBufferLength default); smaller is stricter. */
  readonly bufferAheadSeconds?: number;
  /** Viewers join evenly over this many ms, as an audience does. */
  readonly rampMs?: number;
  /** A request without an answer after this long counts as failed: 10 s, our player's maxTimeToFirstByteMs for segments. */
  readonly requestTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Failure {
  readonly viewer: number;
  readonly url: string;
  readonly status: number;
  readonly error: string;
}

export interface Rebuffer {
  readonly viewer: number;
  readonly url: string;
  /** How long the playhead waited for this segment. */
  readonly seconds: number;
}

export interface ViewerReport {
  readonly viewers: number;
  /** Videos played to the end. */
  readonly sessions: number;
  readonly requests: number;
  readonly bytes: number;
  readonly failures: readonly Failure[];
  readonly rebuffers: readonly Rebuffer[];
  /** Seconds of media played, summed over viewers. */
  readonly playedSeconds: number;
  /** Request latency in ms (p50, p99, max) over all requests. */
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly wallMs: number;
}

interface Track {
  readonly url: string;
  readonly segments: { readonly url: string; readonly duration: number }[];
  readonly init: string | null;
}

class Recorder {
  requests = 0;
  bytes = 0;
  sessions = 0;
  playedSeconds = 0;
  readonly failures: Failure[] = [];
  readonly rebuffers: Rebuffer[] = [];
  readonly latencies: number[] = [];
}

/** Waits, ending early (without throwing) when the audience is told to leave. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  ms <= 0 || signal?.aborted ? Promise.resolve() : delay(ms, undefined, { signal }).catch(() => undefined);

/** Runs the audience to the end and reports. Never throws for a failed request: failures are data. */
export async function runViewers(o: ViewerOptions): Promise<ViewerReport> {
  if (!o.ids.length) throw new Error("runViewers needs at least one video id");
  const rec = new Recorder();
  const t0 = Date.now();
  const until = t0 + o.durationMs;
  const ahead = o.bufferAheadSeconds ?? 30;
  const timeout = o.requestTimeoutMs ?? 10_000;
  const base = o.base.replace(/\/$/, "");

  async function get(viewer: number, url: string): Promise<Buffer | null> {
    const start = Date.now();
    rec.requests++;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
      const body = Buffer.from(await res.arrayBuffer());
      rec.latencies.push(Date.now() - start);
      if (res.status !== 200) {
        rec.failures.push({ viewer, url, status: res.status, error: body.toString("utf8").slice(0, 200) });
        return null;
      }
      rec.bytes += body.length;
      return body;
    } catch (err) {
      rec.latencies.push(Date.now() - start);
      const stalled = (err as Error).name === "TimeoutError";
      rec.failures.push({
        viewer,
        url,
        status: 0,
        error: stalled ? `stalled: no answer within ${timeout} ms` : String((err as Error).cause ?? (err as Error).message),
      });
      return null;
    }
  }

  async function track(viewer: number, url: string): Promise<Track | null> {
    const body = await get(viewer, url);
    if (!body) return null;
    let pl: HLS.types.MediaPlaylist;
    try {
      const parsed = HLS.parse(body.toString("utf8"));
      if (parsed.isMasterPlaylist) throw new Error("expected a media playlist");
      pl = parsed as HLS.types.MediaPlaylist;
    } catch (err) {
      rec.failures.push({ viewer, url, status: 200, error: `unparseable playlist: ${(err as Error).message}` });
      return null;
    }
    const map = pl.segments[0]?.map?.uri;
    return {
      url,
      init: map ? new URL(map, url).href : null,
      segments: pl.segments.map((s) => ({ url: new URL(s.uri, url).href, duration: s.duration })),
    };
  }

  /** Plays one video start to end. */
  async function session(viewer: number, id: string): Promise<void> {
    const masterUrl = `${base}/stream/${id}/master.m3u8`;
    const body = await get(viewer, masterUrl);
    if (!body) return;
    let master: HLS.types.MasterPlaylist;
    try {
      master = HLS.parse(body.toString("utf8")) as HLS.types.MasterPlaylist;
      if (!master.isMasterPlaylist || !master.variants.length) throw new Error("no variants");
    } catch (err) {
      rec.failures.push({ viewer, url: masterUrl, status: 200, error: `unparseable master: ${(err as Error).message}` });
      return;
    }
    // Viewers spread over the rungs, as an audience on different networks does.
    const variant = master.variants[viewer % master.variants.length]!;
    const audioUri = variant.audio.find((a) => a.uri)?.uri;
    const tracks = await Promise.all([
      track(viewer, new URL(variant.uri, masterUrl).href),
      audioUri ? track(viewer, new URL(audioUri, masterUrl).href) : null,
    ]);
    const video = tracks[0];
    if (!video || (audioUri && !tracks[1])) return;
    const all = tracks.filter((t): t is Track => t !== null);
    if ((await Promise.all(all.map((t) => (t.init ? get(viewer, t.init) : Buffer.alloc(0))))).some((b) => !b)) return;

    // The playhead starts when the first segment of every track is in; it then runs in real time except while rebuffering.
    let buffered = 0;
    let playStart = 0;
    let waited = 0;
    const playhead = () => (playStart ? (Date.now() - playStart) / 1000 - waited : 0);
    for (let i = 0; i < video.segments.length; i++) {
      if (playStart) await sleep((buffered - ahead - playhead()) * 1000, o.signal);
      if (o.signal?.aborted) return;
      const parts = all.map((t) => t.segments[i]).filter((s) => s !== undefined);
      const got = await Promise.all(parts.map((s) => get(viewer, s.url)));
      if (got.some((b) => !b)) return;
      if (!playStart) playStart = Date.now();
      else {
        const late = playhead() - buffered;
        if (late > 0) {
          rec.rebuffers.push({ viewer, url: video.segments[i]!.url, seconds: late });
          waited += late;
        }
      }
      buffered += video.segments[i]!.duration;
    }
    await sleep((buffered - playhead()) * 1000, o.signal);
    rec.playedSeconds += buffered;
    rec.sessions++;
  }

  async function viewer(n: number): Promise<void> {
    await sleep(((o.rampMs ?? 0) * n) / o.viewers, o.signal);
    for (let k = n; Date.now() < until && !o.signal?.aborted; k++) {
      const failuresBefore = rec.failures.length;
      await session(n, o.ids[k % o.ids.length]!);
      // A player that hit an error retries after a pause rather than hammering.
      if (rec.failures.length > failuresBefore) await sleep(1000, o.signal);
    }
  }

  await Promise.all(Array.from({ length: o.viewers }, (_, n) => viewer(n)));
  const sorted = [...rec.latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
  return {
    viewers: o.viewers,
    sessions: rec.sessions,
    requests: rec.requests,
    bytes: rec.bytes,
    failures: rec.failures,
    rebuffers: rec.rebuffers,
    playedSeconds: Math.round(rec.playedSeconds),
    latencyMs: { p50: pct(0.5), p99: pct(0.99), max: sorted.at(-1) ?? 0 },
    wallMs: Date.now() - t0,
  };
}

/** Ids of every ready video in the catalogue (all pages). */
export async function readyVideoIds(base: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL("/api/videos", base);
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    const page = (await res.json()) as { videos: { id: string; status: string }[]; next: string | null };
    ids.push(...page.videos.filter((v) => v.status === "ready").map((v) => v.id));
    cursor = page.next;
  } while (cursor);
  return ids;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: "string", default: `http://127.0.0.1:${process.env.ESTRENA_GATEWAY_PORT ?? "8080"}` },
      viewers: { type: "string", default: "50" },
      seconds: { type: "string", default: "60" },
      ahead: { type: "string", default: "30" },
      ids: { type: "string" },
    },
  });
  const ids = values.ids ? values.ids.split(",") : await readyVideoIds(values.base!);
  if (!ids.length) throw new Error("no ready videos in the catalogue; upload one first (npm run upload -- FILE)");
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  const viewers = Number(values.viewers);
  const report = await runViewers({
    base: values.base!,
    ids,
    viewers,
    durationMs: Number(values.seconds) * 1000,
    bufferAheadSeconds: Number(values.ahead),
    rampMs: 2000,
    signal: ac.signal,
  });
  process.stdout.write(
    `${JSON.stringify(
      {
        ...report,
        failures: report.failures.slice(0, 20),
        rebuffers: report.rebuffers.slice(0, 20),
        failureCount: report.failures.length,
        rebufferCount: report.rebuffers.length,
      },
      null,
      2,
    )}\n`,
  );
  process.exitCode = report.failures.length || report.rebuffers.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
