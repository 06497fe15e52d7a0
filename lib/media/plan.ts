import { z } from "zod";
import { planChunks, type Chunk } from "./chunks.js";
import { planLadder, type Rung } from "./ladder.js";
import type { Source } from "./probe-check.js";
import { tileGrid, type TileGrid } from "./thumbnails.js";

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
}

export interface PlanOptions {
  readonly segmentSeconds: number;
  readonly chunkSeconds: number;
  readonly firstChunkSeconds: number;
  readonly chunkParallelism: number;
  readonly x264Preset: string;
}

/** Builds the plan for an accepted source. Pure. */
export function buildPlan(videoId: string, source: Plan["source"], probe: Source, o: PlanOptions): Plan {
  const chunks = planChunks(probe.duration, o);
  const first = chunks[0]?.duration ?? probe.duration;
  return {
    videoId,
    source,
    probe,
    rungs: planLadder(probe.width, probe.height, probe.fps),
    chunks,
    segmentSeconds: o.segmentSeconds,
    parallelism: o.chunkParallelism,
    grid: tileGrid(probe.width, probe.height),
    // A second or two in skips fade-ins and black first frames; half the first chunk for very short videos.
    posterTime: Math.round(Math.min(2, first / 2) * 1000) / 1000,
    preset: o.x264Preset,
  };
}

const fps = z.object({ num: z.number().int().positive(), den: z.number().int().positive() });
/** Validates a plan arriving in a job event (the edge); inside, the plan is trusted. */
export const planSchema = z.object({
  videoId: z.string().regex(/^v[0-9a-f]{19}$/),
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1), etag: z.string(), size: z.number().int().nonnegative() }),
  probe: z.object({
    demuxer: z.enum(["mov", "matroska", "avi", "mpegts", "flv"]),
    duration: z.number().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    rotation: z.number().int(),
    fps,
    vfr: z.boolean(),
    videoCodec: z.string(),
    pixFmt: z.string(),
    audio: z.object({ index: z.number().int().nonnegative(), codec: z.string(), channels: z.number().int().positive() }).nullable(),
    size: z.number().int().nonnegative(),
  }),
  rungs: z
    .array(
      z.object({
        name: z.string().regex(/^\d+p$/),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        fps,
        maxrate: z.number().int().positive(),
        level: z.number().int().positive(),
        codecs: z.string(),
      }),
    )
    .min(1),
  chunks: z
    .array(z.object({ index: z.number().int().nonnegative(), start: z.number().nonnegative(), duration: z.number().positive() }))
    .min(1),
  segmentSeconds: z.number().int().positive(),
  parallelism: z.number().int().positive(),
  grid: z.object({ tileWidth: z.number().int().positive(), tileHeight: z.number().int().positive(), columns: z.number().int().positive() }),
  posterTime: z.number().nonnegative(),
  preset: z.string().regex(/^[a-z]+$/),
});

/** Parses an untrusted plan; throws a ZodError naming the bad field. */
export function parsePlan(raw: unknown): Plan {
  return planSchema.parse(raw) as Plan;
}
