import { planSchema } from "../contracts/plan.js";
import { planChunks, type Chunk } from "./chunks.js";
import { cutChunks, cutDurations, segmentCuts, targetDuration } from "./cuts.js";
import { h264Level, planLadder, type Rung } from "./ladder.js";
import { isAudioOnly, type Source } from "./probe-check.js";
import type { AudioMode, StandardFacts } from "./standard.js";
import { tileGrid, type TileGrid, WAVEFORM_GRID } from "./thumbnails.js";

/** Everything a job needs, decided once by the plan step and carried by every job event. */
export interface Plan {
  readonly videoId: string;
  readonly source: { readonly bucket: string; readonly key: string; readonly etag: string; readonly size: number };
  readonly probe: Source;
  readonly rungs: readonly Rung[];
  readonly chunks: readonly Chunk[];
  readonly segmentSeconds: number;
  readonly parallelism: number;
  readonly grid: TileGrid;
  /** Where the poster frame is taken, in seconds; inside the first chunk. */
  readonly posterTime: number;
  readonly preset: string;
  /**
   * Standard input (lib/media/standard.ts): rungs[0] is the source's own video, remuxed, and the other rungs are encoded
   * with keyframes at its cuts. Absent: every rung is encoded.
   */
  readonly passthrough?: Passthrough;
}

export interface Passthrough {
  /** Segment start times, seconds: the source keyframes where every rung is cut. */
  readonly cuts: readonly number[];
  /** EXT-X-TARGETDURATION of every playlist of the video. */
  readonly targetDuration: number;
  /** The audio rendition is the source's AAC copied ("copy"), or there is none. */
  readonly audio: Exclude<AudioMode, "encode">;
  /** The source video's average bitrate, bit/s. */
  readonly bitRate: number;
}

/** An audio-only plan: no video rungs and no chunks; its one job encodes the sound (and draws the waveform). */
export function isAudioOnlyPlan(plan: Pick<Plan, "rungs">): boolean {
  return plan.rungs.length === 0;
}

/** What the processing and ready events say about the media: a video's top rung, or 0 × 0 for sound alone. */
export function mediaOf(plan: Plan): { duration: number; width: number; height: number; kind: "video" | "audio" } {
  const top = plan.rungs[0];
  const duration = plan.probe.duration;
  return top ? { duration, width: top.width, height: top.height, kind: "video" } : { duration, width: 0, height: 0, kind: "audio" };
}

/** The rungs ffmpeg encodes: all of them, or all but the remuxed top one. */
export function encodedRungs(plan: Plan): readonly Rung[] {
  return plan.passthrough ? plan.rungs.slice(1) : plan.rungs;
}

export interface PlanOptions {
  readonly segmentSeconds: number;
  readonly chunkSeconds: number;
  readonly firstChunkSeconds: number;
  readonly chunkParallelism: number;
  readonly x264Preset: string;
}

/**
 * Builds the plan for an accepted source. Pure. `standard`: the facts of a source that passed the standard-input
 * check with copyable audio or none; its video becomes the top rung as is, and its chunks start on its cuts.
 */
export function buildPlan(videoId: string, source: Plan["source"], probe: Source, o: PlanOptions, standard?: StandardFacts): Plan {
  if (isAudioOnly(probe)) return audioOnlyPlan(videoId, source, probe, o);
  const ladder = planLadder(probe.width, probe.height, probe.fps);
  const passthrough = standard ? passthroughOf(standard, o.segmentSeconds) : undefined;
  const rungs =
    passthrough && standard
      ? [sourceRung(probe, standard), ...ladder.filter((r) => Math.min(r.width, r.height) < Math.min(probe.width, probe.height))]
      : ladder;
  const chunks = passthrough
    ? cutChunks(passthrough.cuts, probe.duration, o.firstChunkSeconds, o.chunkSeconds)
    : planChunks(probe.duration, o);
  const first = chunks[0]?.duration ?? probe.duration;
  return {
    videoId,
    source,
    probe,
    rungs,
    chunks,
    segmentSeconds: o.segmentSeconds,
    parallelism: o.chunkParallelism,
    grid: tileGrid(probe.width, probe.height),
    // A second or two in skips fade-ins and black first frames; half the first chunk for very short videos.
    posterTime: Math.round(Math.min(2, first / 2) * 1000) / 1000,
    preset: o.x264Preset,
    ...(passthrough ? { passthrough } : {}),
  };
}

/** A source without a picture: no rungs, no chunks; the thumbnails are windows on a waveform strip. */
function audioOnlyPlan(videoId: string, source: Plan["source"], probe: Source, o: PlanOptions): Plan {
  return {
    videoId,
    source,
    probe,
    rungs: [],
    chunks: [],
    segmentSeconds: o.segmentSeconds,
    parallelism: o.chunkParallelism,
    grid: WAVEFORM_GRID,
    posterTime: 0,
    preset: o.x264Preset,
  };
}

function passthroughOf(f: StandardFacts, segmentSeconds: number): Passthrough {
  const cuts = segmentCuts(f.keyframes, segmentSeconds);
  return {
    cuts,
    targetDuration: targetDuration(cutDurations(cuts, f.duration), segmentSeconds),
    audio: f.audio ? "copy" : "none",
    bitRate: f.video.bitRate ?? 0,
  };
}

/** The source's video as a rung: its own size and rate; BANDWIDTH starts from its costliest GOP. */
function sourceRung(probe: Source, f: StandardFacts): Rung {
  const maxrate = f.peakGopBitRate ?? f.video.bitRate ?? 0;
  const level = h264Level(probe.width, probe.height, probe.fps, maxrate);
  return {
    name: `${Math.min(probe.width, probe.height)}p`,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    maxrate,
    level,
    // Replaced by the codec string read from the remuxed init segment (the source's real profile and level).
    codecs: `avc1.6400${level.toString(16).padStart(2, "0")}`,
  };
}

/**
 * Parses an untrusted plan (a job event's, or the stored jobs/<id>/plan.json) with its wire schema
 * (lib/contracts/plan.ts); throws a ZodError naming the bad field. Inside, the plan is trusted.
 */
export function parsePlan(raw: unknown): Plan {
  return planSchema.parse(raw) as Plan;
}
