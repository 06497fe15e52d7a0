import { z } from "zod";
import { VIDEO_ID } from "./layout.js";

/**
 * The transcode plan's wire form: decided once by the plan step, carried by every transcode job event so any instance
 * can take the job, and stored as jobs/<id>/plan.json. The domain types (Rung, Chunk, Source, TileGrid) live in
 * lib/media; this schema is their shape on the wire.
 */
const fps = z.object({ num: z.number().int().positive(), den: z.number().int().positive() });
/** The plan as it travels in every dev.estrena.transcode.* event; lib/media/plan.ts builds it and reads it back. */
export const planSchema = z
  .object({
    videoId: z.string().regex(VIDEO_ID),
    source: z.object({ bucket: z.string().min(1), key: z.string().min(1), etag: z.string(), size: z.number().int().nonnegative() }),
    probe: z.object({
      demuxer: z.enum(["mov", "matroska", "avi", "mpegts", "flv", "mp3", "wav", "flac", "ogg", "aac"]),
      duration: z.number().positive(),
      // 0 × 0: an audio-only source, whose plan has no video rungs and no chunks.
      width: z.number().int().nonnegative(),
      height: z.number().int().nonnegative(),
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
      .readonly(),
    chunks: z
      .array(z.object({ index: z.number().int().nonnegative(), start: z.number().nonnegative(), duration: z.number().positive() }))
      .readonly(),
    segmentSeconds: z.number().int().positive(),
    parallelism: z.number().int().positive(),
    grid: z.object({
      tileWidth: z.number().int().positive(),
      tileHeight: z.number().int().positive(),
      columns: z.number().int().positive(),
    }),
    posterTime: z.number().nonnegative(),
    preset: z.string().regex(/^[a-z]+$/),
    passthrough: z
      .object({
        cuts: z.array(z.number().nonnegative()).min(1).readonly(),
        targetDuration: z.number().int().positive(),
        audio: z.enum(["copy", "none"]),
        bitRate: z.number().nonnegative(),
      })
      .optional(),
  })
  .refine(
    (p) =>
      (p.probe.width === 0 && p.probe.height === 0) === (p.rungs.length === 0 && p.chunks.length === 0) &&
      (p.rungs.length > 0 || p.probe.audio !== null),
    { path: ["rungs"], message: "video rungs and chunks exactly when the source has a picture; without one (0 × 0), audio" },
  );

export type PlanData = z.output<typeof planSchema>;
